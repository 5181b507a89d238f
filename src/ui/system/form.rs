//! The text fields of a submitted `<form>`: what Datastar sends for
//! `@post(url, {contentType: 'form'})` (multipart `FormData`), or a url-encoded body.
//! Fields keep their order, so repeated names (the rows of a table) line up.

use actix_web::{HttpRequest, web};
use futures_util::StreamExt as _;

use crate::ui::ActionError;

/// The most a settings or superuser form may weigh.
const MAX_BYTES: usize = 256 * 1024;
/// The most fields one form may have.
const MAX_FIELDS: usize = 2000;

/// A form's fields, in order.
#[derive(Debug, Default)]
pub struct Form {
    fields: Vec<(String, String)>,
}

impl Form {
    /// Reads a multipart or url-encoded body (file parts are refused).
    pub async fn read(req: &HttpRequest, payload: web::Payload) -> Result<Form, ActionError> {
        let content_type = req
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let unreadable =
            || ActionError::Invalid("The form could not be read; reload the page.".into());
        if !content_type.starts_with("multipart/form-data") {
            let mut body = web::BytesMut::new();
            let mut payload = payload;
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| unreadable())?;
                if body.len() + chunk.len() > MAX_BYTES {
                    return Err(unreadable());
                }
                body.extend_from_slice(&chunk);
            }
            let fields = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
                .map_err(|_| unreadable())?;
            if fields.len() > MAX_FIELDS {
                return Err(unreadable());
            }
            return Ok(Form { fields });
        }
        let mut multipart = actix_multipart::Multipart::new(req.headers(), payload.into_inner());
        let mut fields = Vec::new();
        let mut total = 0usize;
        let mut had_file = false;
        while let Some(part) = multipart.next().await {
            let mut part = part.map_err(|_| unreadable())?;
            let Some(disposition) = part.content_disposition() else {
                return Err(unreadable());
            };
            // A file part is refused, but only after the body was read to its end (an
            // answer given before that closes the keep-alive connection).
            let is_file = disposition.get_filename().is_some();
            let name = disposition.get_name().unwrap_or_default().to_owned();
            let mut bytes = Vec::new();
            while let Some(chunk) = part.next().await {
                let chunk = chunk.map_err(|_| unreadable())?;
                total += chunk.len();
                if total > MAX_BYTES {
                    return Err(unreadable());
                }
                bytes.extend_from_slice(&chunk);
            }
            if is_file {
                had_file = true;
                continue;
            }
            let text = String::from_utf8(bytes).map_err(|_| unreadable())?;
            fields.push((name, text));
            if fields.len() > MAX_FIELDS {
                return Err(unreadable());
            }
        }
        if had_file {
            return Err(unreadable());
        }
        Ok(Form { fields })
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

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Whether the form has the field at all (an unchecked checkbox is absent).
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

#[cfg(test)]
impl Form {
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Form {
        Form {
            fields: pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }
}
