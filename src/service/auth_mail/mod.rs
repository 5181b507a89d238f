//! The mails of the auth flows (verification, password reset, email change, OTP), built
//! from the collection's templates and the app's `meta` settings. Placeholders are
//! `{APP_NAME}`, `{APP_URL}`, `{TOKEN}`, `{OTP}`, `{OTP_ID}` and `{RECORD:<field>}` for
//! every non-hidden field; they are replaced in one pass, so a value that looks like a
//! placeholder is never expanded.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::App;
use super::mail::Mail;
use crate::core::collection::{Collection, FieldKind};

/// Which template of an auth collection a mail uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthTemplate {
    Verification,
    ResetPassword,
    ConfirmEmailChange,
    Otp,
}

impl AuthTemplate {
    /// `(subject, body)` of this template in the collection's options.
    pub fn of(self, collection: &Collection) -> (String, String) {
        let template = match self {
            AuthTemplate::Verification => collection.auth_options.get("verificationTemplate"),
            AuthTemplate::ResetPassword => collection.auth_options.get("resetPasswordTemplate"),
            AuthTemplate::ConfirmEmailChange => {
                collection.auth_options.get("confirmEmailChangeTemplate")
            }
            AuthTemplate::Otp => collection
                .auth_options
                .get("otp")
                .and_then(|otp| otp.get("emailTemplate")),
        };
        let part = |key: &str| {
            template
                .and_then(|t| t.get(key))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        (part("subject"), part("body"))
    }
}

/// Escapes text for HTML, as Go's `html.EscapeString`.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '"' => out.push_str("&#34;"),
            _ => out.push(c),
        }
    }
    out
}

/// Replaces every `{NAME}` of `placeholders` in `text` in one left-to-right pass.
pub fn fill(text: &str, placeholders: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let candidate = &rest[open..];
        let replaced = candidate
            .find('}')
            .and_then(|close| placeholders.get(&candidate[..=close]).map(|v| (close, v)));
        match replaced {
            Some((close, value)) => {
                out.push_str(value);
                rest = &candidate[close + 1..];
            }
            None => {
                out.push('{');
                rest = &candidate[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn record_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(record_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// The placeholders of a mail about `record`: app meta, the record's visible fields
/// (HTML-escaped unless dates, numbers or bools, as PocketBase does) and `extra`.
pub fn placeholders(
    app_name: &str,
    app_url: &str,
    collection: &Collection,
    record: &Map<String, Value>,
    extra: &[(&str, &str)],
) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (key, value) in extra {
        map.insert(format!("{{{key}}}"), (*value).to_string());
    }
    map.entry("{APP_NAME}".into())
        .or_insert_with(|| app_name.to_string());
    map.entry("{APP_URL}".into())
        .or_insert_with(|| app_url.to_string());
    for field in &collection.fields {
        if field.hidden {
            continue;
        }
        let raw = record.get(&field.name).map(record_text).unwrap_or_default();
        let plain = matches!(
            field.kind,
            FieldKind::Autodate { .. }
                | FieldKind::Date { .. }
                | FieldKind::Bool
                | FieldKind::Number { .. }
        );
        let value = if plain { raw } else { escape_html(&raw) };
        map.entry(format!("{{RECORD:{}}}", field.name))
            .or_insert(value);
    }
    map
}

impl App {
    /// The mail of `template` about `record`, addressed to `to`.
    pub(crate) fn auth_mail(
        &self,
        template: AuthTemplate,
        collection: &Collection,
        record: &Map<String, Value>,
        to: &str,
        extra: &[(&str, &str)],
    ) -> Mail {
        let meta = self.settings().meta.clone();
        let placeholders = placeholders(&meta.app_name, &meta.app_url, collection, record, extra);
        let (subject, body) = template.of(collection);
        Mail {
            to: to.to_string(),
            subject: fill(&subject, &placeholders),
            html: fill(&body, &placeholders),
        }
    }
}

#[cfg(test)]
mod tests;
