//! System pages of the admin UI: settings (`settings.rs`, one form per section of the
//! settings document, saved through the same service as `PATCH /api/settings`) and
//! superusers (`superusers.rs`, the `_superusers` records through the records service).
//! The request log (`/_/logs`) will live here too. Forms are posted as real `<form>`s
//! (`form.rs`), so secrets typed into them never become Datastar signals; validation errors
//! come back as inline error slots next to their inputs (`field_errors`, `error_slot`).

pub mod settings;
pub mod superusers;

/// The most a settings or superuser form may carry (no files).
pub(crate) const FORM_LIMITS: crate::ui::form::Limits = crate::ui::form::Limits {
    max_bytes: 256 * 1024,
    max_fields: 2000,
    files: false,
};

use std::collections::BTreeMap;

use actix_web::web;
use serde_json::Value;

use crate::core::error::FieldErrors;

pub fn configure(config: &mut web::ServiceConfig) {
    settings::configure(config);
    superusers::configure(config);
}

/// Field errors as `path -> message`, paths dotted as PocketBase nests them
/// (`smtp.host`, `rateLimits.rules.1.label`).
pub fn field_errors(errors: &FieldErrors) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    collect("", &errors.to_json(), &mut out);
    out
}

fn collect(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    let Value::Object(map) = value else { return };
    if let Some(Value::String(message)) = map.get("message")
        && map.contains_key("code")
    {
        out.insert(prefix.to_owned(), message.clone());
        return;
    }
    for (key, inner) in map {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        collect(&path, inner, out);
    }
}

/// The message for `path`, or for the first error under it (`excludedIPs.2`).
pub fn message_for<'a>(errors: &'a BTreeMap<String, String>, path: &str) -> &'a str {
    if let Some(message) = errors.get(path) {
        return message;
    }
    let prefix = format!("{path}.");
    errors
        .iter()
        .find(|(key, _)| key.starts_with(&prefix))
        .map(|(_, message)| message.as_str())
        .unwrap_or_default()
}

/// The inline error element next to an input (empty when there is no error), morphed by id.
pub fn error_slot(id: &str, message: &str) -> String {
    format!(
        "<p class=\"field-error\" id=\"{}\">{}</p>",
        super::escape(id),
        super::escape(message)
    )
}

#[cfg(test)]
mod tests;
