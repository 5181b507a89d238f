//! Submitted `<form>`s, read once for every page: what Datastar sends for
//! `@post(url, {contentType: 'form'})` (multipart `FormData`), a url-encoded body (plain
//! HTTP clients), or the query string of a GET. Fields keep their order, so repeated names
//! (the rows of a table) line up; textarea line breaks are normalized to `\n`. Every read is
//! bounded in bytes and fields; file parts are kept only when the caller accepts files.

use actix_web::{HttpRequest, web};
use futures_util::StreamExt as _;

use super::ActionError;
use crate::service::files::Upload;

/// How much a form may carry.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most bytes of all parts together.
    pub max_bytes: usize,
    /// The most fields (inputs).
    pub max_fields: usize,
    /// Whether file parts are accepted (otherwise a chosen file is an error).
    pub files: bool,
}

/// A submitted form: its text fields in order, and its files.
#[derive(Debug, Default)]
pub struct Form {
    fields: Vec<(String, String)>,
    files: Vec<Upload>,
}

impl Form {
    /// Reads the form of a request within `limits`.
    pub async fn read(
        req: &HttpRequest,
        payload: web::Payload,
        limits: Limits,
    ) -> Result<Form, ActionError> {
        let content_type = req
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let form = if content_type.starts_with("multipart/form-data") {
            read_multipart(req, payload, limits).await?
        } else {
            read_urlencoded(req, payload, limits).await?
        };
        if form.fields.len() > limits.max_fields {
            return Err(too_large());
        }
        Ok(form)
    }

    /// A form of these fields (for tests).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Form {
        Form {
            fields: pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
            files: vec![],
        }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of `name`, or `""`.
    pub fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }

    /// The first value of `name` as an owned string, or an empty one.
    pub fn string(&self, name: &str) -> String {
        self.text(name).to_owned()
    }

    /// Every value of `name`, in order.
    pub fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + use<'a> {
        let name = name.to_owned();
        self.fields
            .iter()
            .filter(move |(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.values(name).collect()
    }

    /// Whether the form has the field at all (an unchecked checkbox is absent).
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A checkbox: checked when the form has the field with any value but `off`/`false`.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|value| !matches!(value, "" | "off" | "false"))
    }

    /// Every distinct index `i` of fields named `<prefix>.<i>` or `<prefix>.<i>.<rest>`,
    /// ascending.
    pub fn indexes(&self, prefix: &str) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .fields
            .iter()
            .filter_map(|(name, _)| {
                let rest = name.strip_prefix(prefix)?.strip_prefix('.')?;
                rest.split('.').next()?.parse::<usize>().ok()
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The uploaded files (only when the limits accepted files).
    pub fn files(&self) -> &[Upload] {
        &self.files
    }

    /// Takes the uploaded files out of the form.
    pub fn take_files(&mut self) -> Vec<Upload> {
        std::mem::take(&mut self.files)
    }
}

fn unreadable() -> ActionError {
    ActionError::Invalid("The form could not be read; reload the page.".into())
}

fn too_large() -> ActionError {
    ActionError::Invalid("The form is too large.".into())
}

fn normalize(value: String) -> String {
    if value.contains('\r') {
        value.replace("\r\n", "\n")
    } else {
        value
    }
}

async fn read_urlencoded(
    req: &HttpRequest,
    mut payload: web::Payload,
    limits: Limits,
) -> Result<Form, ActionError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| unreadable())?;
        if body.len() + chunk.len() > limits.max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let text: &[u8] = if body.is_empty() && req.method() == actix_web::http::Method::GET {
        req.query_string().as_bytes()
    } else {
        &body
    };
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(text).map_err(|_| unreadable())?;
    Ok(Form {
        fields: fields
            .into_iter()
            .map(|(key, value)| (key, normalize(value)))
            .collect(),
        files: vec![],
    })
}

async fn read_multipart(
    req: &HttpRequest,
    payload: web::Payload,
    limits: Limits,
) -> Result<Form, ActionError> {
    let mut multipart = actix_multipart::Multipart::new(req.headers(), payload.into_inner());
    let mut form = Form::default();
    let (mut total, mut parts) = (0usize, 0usize);
    let mut refused_file = false;
    while let Some(part) = multipart.next().await {
        let mut part = part.map_err(|_| unreadable())?;
        parts += 1;
        if parts > limits.max_fields {
            return Err(too_large());
        }
        let Some(disposition) = part.content_disposition() else {
            return Err(unreadable());
        };
        let name = disposition.get_name().unwrap_or_default().to_owned();
        let filename = disposition.get_filename().map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            total += chunk.len() + name.len();
            if total > limits.max_bytes {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        match filename {
            // An empty file input still sends a part, without a file name or content.
            Some(filename) if filename.is_empty() && bytes.is_empty() => {}
            Some(filename) if limits.files => form.files.push(Upload {
                key: name,
                original_name: filename,
                bytes,
            }),
            // Refused, but only once the body is read to its end: an answer given before
            // that closes the keep-alive connection.
            Some(_) => refused_file = true,
            None => {
                let text = String::from_utf8(bytes).map_err(|_| unreadable())?;
                form.fields.push((name, normalize(text)));
            }
        }
    }
    if refused_file {
        return Err(ActionError::Invalid("This form takes no files.".into()));
    }
    Ok(form)
}
