//! Outgoing mail through the SMTP server configured in the settings.

use super::{App, ServiceError, ServiceResult};

/// One mail to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub html: String,
}

impl App {
    /// Sends `mail` with the configured SMTP server.
    pub async fn send_mail(&self, mail: Mail) -> ServiceResult<()> {
        let _ = mail;
        Err(ServiceError::BadRequest(
            "Mail is not configured yet.".into(),
        ))
    }
}
