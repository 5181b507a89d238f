//! Application settings (`/api/settings`): app meta, SMTP, rate limits, batch, trusted
//! proxy... kept as one JSON document in `_params` and cached in memory.

use serde::{Deserialize, Serialize};

use super::App;

/// `meta`: how the app names itself in mails and links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MetaSettings {
    pub app_name: String,
    #[serde(rename = "appURL")]
    pub app_url: String,
    pub sender_name: String,
    pub sender_address: String,
    pub hide_controls: bool,
}

impl Default for MetaSettings {
    fn default() -> Self {
        MetaSettings {
            app_name: "Acme".into(),
            app_url: "http://localhost:8090".into(),
            sender_name: "Support".into(),
            sender_address: "support@example.com".into(),
            hide_controls: false,
        }
    }
}

/// `smtp`: the mail server. When disabled, mails are not sent (and logged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SmtpSettings {
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    pub username: String,
    /// Never returned by the API.
    pub password: String,
    /// `""`, `PLAIN` or `LOGIN`.
    pub auth_method: String,
    pub tls: bool,
    pub local_name: String,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        SmtpSettings {
            enabled: false,
            host: "smtp.example.com".into(),
            port: 587,
            username: String::new(),
            password: String::new(),
            auth_method: String::new(),
            tls: false,
            local_name: String::new(),
        }
    }
}

/// Every setting. Sections not listed here yet keep PocketBase's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub meta: MetaSettings,
    pub smtp: SmtpSettings,
}

impl App {
    /// The current settings.
    pub fn settings(&self) -> Settings {
        Settings::default()
    }
}
