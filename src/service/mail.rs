//! Outgoing mail through the SMTP server configured in the settings (`lettre`).
//! From is `meta.senderName <meta.senderAddress>`; the body is sent as HTML with a
//! plain-text alternative. With `smtp.enabled` false nothing is sent: the mail is
//! logged at info level (PocketBase would fall back to sendmail; we do not).
//! Errors never carry the SMTP password.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::settings::{MetaSettings, SmtpSettings};
use super::{App, ServiceError, ServiceResult};

/// How long one SMTP command (and the connection) may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long sending one mail may take in all.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// One mail to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub html: String,
}

impl App {
    /// Sends `mail` with the configured SMTP server, or logs it when SMTP is disabled.
    pub async fn send_mail(&self, mail: Mail) -> ServiceResult<()> {
        let settings = self.settings();
        if !settings.smtp.enabled {
            tracing::info!(
                to = %mail.to,
                subject = %mail.subject,
                "SMTP is disabled in the settings; the mail was not sent:\n{}",
                mail.html
            );
            return Ok(());
        }
        let message = build_message(&settings.meta, &mail)?;
        let transport = build_transport(&settings.smtp)?;
        match tokio::time::timeout(SEND_TIMEOUT, transport.send(message)).await {
            Ok(Ok(_)) => {
                tracing::info!(to = %mail.to, subject = %mail.subject, "mail sent");
                Ok(())
            }
            Ok(Err(error)) => Err(ServiceError::Mail(describe(&error))),
            Err(_) => Err(ServiceError::Mail(format!(
                "no answer from the SMTP server within {} s",
                SEND_TIMEOUT.as_secs()
            ))),
        }
    }
}

fn build_message(meta: &MetaSettings, mail: &Mail) -> ServiceResult<Message> {
    let from_address = meta
        .sender_address
        .parse()
        .map_err(|_| ServiceError::Mail("the sender address in the settings is invalid".into()))?;
    let from = Mailbox::new(Some(meta.sender_name.clone()), from_address);
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|_| ServiceError::Mail(format!("invalid recipient address {:?}", mail.to)))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            html_to_text(&mail.html),
            mail.html.clone(),
        ))
        .map_err(|error| ServiceError::Mail(format!("cannot build the mail: {error}")))
}

fn build_transport(smtp: &SmtpSettings) -> ServiceResult<AsyncSmtpTransport<Tokio1Executor>> {
    let port = u16::try_from(smtp.port)
        .map_err(|_| ServiceError::Mail(format!("invalid SMTP port {}", smtp.port)))?;
    let tls_parameters = TlsParameters::new(smtp.host.clone())
        .map_err(|error| ServiceError::Mail(format!("cannot set up TLS: {error}")))?;
    let tls = if smtp.tls {
        Tls::Wrapper(tls_parameters)
    } else {
        Tls::Opportunistic(tls_parameters)
    };
    let local_name = if smtp.local_name.is_empty() {
        "localhost".to_string()
    } else {
        smtp.local_name.clone()
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        .port(port)
        .tls(tls)
        .timeout(Some(COMMAND_TIMEOUT))
        .hello_name(ClientId::Domain(local_name));
    if !smtp.username.is_empty() || !smtp.password.is_empty() {
        let mechanism = if smtp.auth_method == "LOGIN" {
            Mechanism::Login
        } else {
            Mechanism::Plain
        };
        builder = builder
            .credentials(Credentials::new(
                smtp.username.clone(),
                smtp.password.clone(),
            ))
            .authentication(vec![mechanism]);
    }
    Ok(builder.build())
}

/// An SMTP error as text for logs and superusers. lettre's messages name the failing
/// step and the server's answer (their sources included), never the credentials.
fn describe(error: &lettre::transport::smtp::Error) -> String {
    error.to_string()
}

/// A plain-text rendering of an HTML body: tags dropped, `<br>`/`</p>` as line breaks,
/// the common entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = &rest[start..];
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
        if tag.starts_with("br") || tag == "/p" || tag == "/div" || tag.starts_with("/h") {
            text.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    text.push_str(rest);
    let text = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines.join("\n").trim().to_string()
}
