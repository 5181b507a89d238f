//! The schema editor's form as the server reads it: Datastar's `contentType: 'form'` posts
//! the `<form>` as `multipart/form-data`; url-encoded bodies (plain HTTP tests, scripts)
//! and the query string of a GET are read the same way. Text parts only, bounded in size
//! and count.

use actix_web::{HttpRequest, web};
use futures_util::StreamExt as _;

use crate::ui::ActionError;

/// The most bytes one editor form may have.
const MAX_BYTES: usize = 2 * 1024 * 1024;
/// The most parts (inputs) one editor form may have.
const MAX_PARTS: usize = 20_000;

/// The name/value pairs of a submitted form, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    #[cfg(test)]
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Form {
        Form {
            pairs: pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }

    /// The first value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// The value of `key`, or an empty string.
    pub(crate) fn text(&self, key: &str) -> String {
        self.get(key).unwrap_or_default().to_owned()
    }

    /// A checkbox: checked when the form has the key with any value but `off`/`false`.
    pub(crate) fn checked(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|value| !matches!(value, "" | "off" | "false"))
    }

    /// Every distinct index `i` of keys shaped `<prefix>.<i>` or `<prefix>.<i>.<rest>`,
    /// ascending.
    pub(crate) fn indexes(&self, prefix: &str) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .pairs
            .iter()
            .filter_map(|(name, _)| {
                let rest = name.strip_prefix(prefix)?.strip_prefix('.')?;
                let digits = rest.split('.').next()?;
                digits.parse::<usize>().ok()
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// Reads the form of a request: multipart or url-encoded body, or the query string.
pub(crate) async fn read(req: &HttpRequest, payload: web::Payload) -> Result<Form, ActionError> {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let too_big = || ActionError::Invalid("The form is too large.".into());
    let unreadable = || ActionError::Invalid("The form could not be read; reload the page.".into());
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = actix_multipart::Multipart::new(req.headers(), payload.into_inner());
        let mut pairs = vec![];
        let mut total = 0usize;
        while let Some(part) = multipart.next().await {
            let mut part = part.map_err(|_| unreadable())?;
            if pairs.len() >= MAX_PARTS {
                return Err(too_big());
            }
            let name = part
                .content_disposition()
                .and_then(|disposition| disposition.get_name())
                .unwrap_or_default()
                .to_owned();
            let mut bytes = vec![];
            while let Some(chunk) = part.next().await {
                let chunk = chunk.map_err(|_| unreadable())?;
                total += chunk.len() + name.len();
                if total > MAX_BYTES {
                    return Err(too_big());
                }
                bytes.extend_from_slice(&chunk);
            }
            let value = String::from_utf8(bytes).map_err(|_| unreadable())?;
            pairs.push((name, value.replace("\r\n", "\n")));
        }
        return Ok(Form { pairs });
    }
    let mut body = web::BytesMut::new();
    let mut payload = payload;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| unreadable())?;
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    let text = if body.is_empty() {
        req.query_string().as_bytes().to_vec()
    } else {
        body.to_vec()
    };
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&text).map_err(|_| unreadable())?;
    if pairs.len() > MAX_PARTS {
        return Err(too_big());
    }
    Ok(Form {
        pairs: pairs
            .into_iter()
            .map(|(key, value)| (key, value.replace("\r\n", "\n")))
            .collect(),
    })
}
