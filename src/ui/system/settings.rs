//! `GET /_/settings`: every section of the settings document as its own form, each saved
//! with `POST /_/settings/{section}` through `App::update_settings` (the service behind
//! `PATCH /api/settings`), and the test email (`App::send_test_email`). The sections are
//! described as data (`SECTIONS`): one spec per input, named by its path in the document,
//! so rendering, reading the form and placing the service's field errors share one table.
//! Secrets are never rendered: their inputs start empty and an empty one keeps the stored
//! value.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use rand::RngCore;
use serde_json::{Map, Value, json};

use super::{error_slot, field_errors, message_for};
use crate::service::settings::Settings;
use crate::service::{App, ServiceError};
use crate::ui::datastar::{Events, Merge};
use crate::ui::form::Form;
use crate::ui::session::Admin;
use crate::ui::{ActionError, Chrome, PageError, flash, flash_error, fragment, page, user_message};

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/settings", web::get().to(index))
        .route("/settings/test-email", web::post().to(test_email))
        .route("/settings/rate-limits/rule", web::get().to(new_rule))
        .route("/settings/{section}", web::post().to(save));
}

/// How an input is shown and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Email,
    Url,
    Number,
    Toggle,
    /// Never rendered; left blank, the stored value stays.
    Secret,
    /// A list of strings, typed comma-separated.
    List,
    Select(&'static [(&'static str, &'static str)]),
    /// A select whose values are numbers.
    NumberSelect(&'static [(&'static str, &'static str)]),
}

/// One input: its path in the settings document (`smtp.host`), label and help text.
struct Spec {
    path: &'static str,
    label: &'static str,
    kind: Kind,
    help: &'static str,
}

/// One section: a form with its own save button.
struct SectionSpec {
    key: &'static str,
    title: &'static str,
    /// The save button's text.
    save: &'static str,
    note: &'static str,
    fields: &'static [Spec],
}

const fn spec(path: &'static str, label: &'static str, kind: Kind) -> Spec {
    Spec {
        path,
        label,
        kind,
        help: "",
    }
}

const fn help(path: &'static str, label: &'static str, kind: Kind, help: &'static str) -> Spec {
    Spec {
        path,
        label,
        kind,
        help,
    }
}

const AUTH_METHODS: &[(&str, &str)] = &[
    ("", "Default (PLAIN)"),
    ("PLAIN", "PLAIN"),
    ("LOGIN", "LOGIN"),
];
const AUDIENCES: &[(&str, &str)] = &[
    ("", "All"),
    ("@guest", "Guests only"),
    ("@auth", "Authenticated only"),
];
const LOG_LEVELS: &[(&str, &str)] = &[
    ("-4", "DEBUG"),
    ("0", "INFO"),
    ("4", "WARN"),
    ("8", "ERROR"),
];
const TEMPLATES: &[(&str, &str)] = &[
    ("verification", "Verification"),
    ("password-reset", "Password reset"),
    ("email-change", "Confirm email change"),
    ("otp", "One-time password"),
    ("login-alert", "Login alert"),
];

const NOT_USED_YET: &str = "Stored and validated as PocketBase does; lifebase does not use it yet.";

const SECTIONS: &[SectionSpec] = &[
    SectionSpec {
        key: "application",
        save: "Save application",
        title: "Application",
        note: "",
        fields: &[
            spec("meta.appName", "Application name", Kind::Text),
            help(
                "meta.appURL",
                "Application URL",
                Kind::Url,
                "Used in the links of auth emails.",
            ),
            spec("meta.senderName", "Sender name", Kind::Text),
            spec("meta.senderAddress", "Sender address", Kind::Email),
            help(
                "meta.accentColor",
                "Accent color",
                Kind::Text,
                "A hex color such as #1055c9.",
            ),
            spec(
                "meta.hideControls",
                "Hide collection create and edit controls",
                Kind::Toggle,
            ),
        ],
    },
    SectionSpec {
        key: "mail",
        save: "Save mail settings",
        title: "Mail (SMTP)",
        note: "When SMTP is disabled, emails are written to the server log instead of sent.",
        fields: &[
            spec("smtp.enabled", "Use an SMTP mail server", Kind::Toggle),
            spec("smtp.host", "SMTP server host", Kind::Text),
            spec("smtp.port", "Port", Kind::Number),
            spec("smtp.username", "Username", Kind::Text),
            spec("smtp.password", "Password", Kind::Secret),
            spec("smtp.authMethod", "Auth method", Kind::Select(AUTH_METHODS)),
            help(
                "smtp.tls",
                "Implicit TLS",
                Kind::Toggle,
                "TLS from the first byte (usually port 465); otherwise STARTTLS when the server offers it.",
            ),
            help(
                "smtp.localName",
                "EHLO/HELO name",
                Kind::Text,
                "Empty means localhost.",
            ),
        ],
    },
    SectionSpec {
        key: "rate-limits",
        save: "Save rate limits",
        title: "Rate limits",
        note: "Labels are a tag (users:auth, *:create), an exact path (/api/batch, POST /api/batch) or a path prefix ending with / (/api/). Durations are in seconds.",
        fields: &[
            spec("rateLimits.enabled", "Enable rate limiting", Kind::Toggle),
            help(
                "rateLimits.excludedIPs",
                "Excluded IPs",
                Kind::List,
                "Comma-separated client IPs that are never limited.",
            ),
        ],
    },
    SectionSpec {
        key: "batch",
        save: "Save batch settings",
        title: "Batch API",
        note: "",
        fields: &[
            spec(
                "batch.enabled",
                "Enable the batch API (/api/batch)",
                Kind::Toggle,
            ),
            spec("batch.maxRequests", "Max requests per batch", Kind::Number),
            help(
                "batch.timeout",
                "Timeout (seconds)",
                Kind::Number,
                "For the whole batch.",
            ),
            help(
                "batch.maxBodySize",
                "Max body size (bytes)",
                Kind::Number,
                "0 means the server default.",
            ),
        ],
    },
    SectionSpec {
        key: "trusted-proxy",
        save: "Save trusted proxy",
        title: "Trusted proxy",
        note: "Only set these when the server runs behind a proxy you control: the headers are trusted to name the client IP.",
        fields: &[
            help(
                "trustedProxy.headers",
                "Client IP headers",
                Kind::List,
                "Comma-separated, e.g. X-Forwarded-For, X-Real-IP.",
            ),
            help(
                "trustedProxy.useLeftmostIP",
                "Use the leftmost IP",
                Kind::Toggle,
                "Take the first IP of the header instead of the last one.",
            ),
        ],
    },
    SectionSpec {
        key: "logs",
        save: "Save log settings",
        title: "Logs",
        note: "",
        fields: &[
            help(
                "logs.maxDays",
                "Keep request logs for (days)",
                Kind::Number,
                "0 disables the request log.",
            ),
            spec(
                "logs.minLevel",
                "Minimum level",
                Kind::NumberSelect(LOG_LEVELS),
            ),
            help(
                "logs.maxDataSize",
                "Max data size",
                Kind::Number,
                "0 means no limit.",
            ),
            spec("logs.logIP", "Log the client IP", Kind::Toggle),
            spec("logs.logAuthId", "Log the auth id", Kind::Toggle),
        ],
    },
    SectionSpec {
        key: "superuser-ips",
        save: "Save superuser IPs",
        title: "Superuser IPs",
        note: NOT_USED_YET,
        fields: &[help(
            "superuserIPs",
            "Allowed superuser IPs",
            Kind::List,
            "Comma-separated; empty allows every IP.",
        )],
    },
    SectionSpec {
        key: "file-storage",
        save: "Save file storage",
        title: "File storage (S3)",
        note: NOT_USED_YET,
        fields: &[
            spec("s3.enabled", "Use S3 storage", Kind::Toggle),
            spec("s3.endpoint", "Endpoint", Kind::Url),
            spec("s3.bucket", "Bucket", Kind::Text),
            spec("s3.region", "Region", Kind::Text),
            spec("s3.accessKey", "Access key", Kind::Text),
            spec("s3.secret", "Secret", Kind::Secret),
            spec(
                "s3.forcePathStyle",
                "Force path-style addressing",
                Kind::Toggle,
            ),
        ],
    },
    SectionSpec {
        key: "backups",
        save: "Save backups",
        title: "Backups",
        note: NOT_USED_YET,
        fields: &[
            help(
                "backups.cron",
                "Backups schedule (cron)",
                Kind::Text,
                "Empty disables automatic backups, e.g. 0 0 * * *.",
            ),
            spec("backups.cronMaxKeep", "Backups to keep", Kind::Number),
            spec("backups.s3.enabled", "Store backups in S3", Kind::Toggle),
            spec("backups.s3.endpoint", "Endpoint", Kind::Url),
            spec("backups.s3.bucket", "Bucket", Kind::Text),
            spec("backups.s3.region", "Region", Kind::Text),
            spec("backups.s3.accessKey", "Access key", Kind::Text),
            spec("backups.s3.secret", "Secret", Kind::Secret),
            spec(
                "backups.s3.forcePathStyle",
                "Force path-style addressing",
                Kind::Toggle,
            ),
        ],
    },
];

const RATE_LIMITS: &str = "rate-limits";
const RULE_FIELDS: [&str; 4] = ["label", "audience", "duration", "maxRequests"];

/// The id fragment of a path: `smtp.host` -> `smtp-host`.
fn slug(path: &str) -> String {
    path.replace('.', "-")
}

pub struct OptionView {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub struct FieldView {
    pub id: String,
    pub name: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    /// `input`, `checkbox` or `select`.
    pub control: &'static str,
    pub input_type: &'static str,
    /// The keyboard hint (`email`, `url`, `numeric`); the server validates, not the browser.
    pub inputmode: &'static str,
    pub value: String,
    pub checked: bool,
    pub placeholder: String,
    pub options: Vec<OptionView>,
    pub error: String,
}

pub struct RuleRow {
    pub key: String,
    pub label: String,
    pub audiences: Vec<OptionView>,
    pub duration: String,
    pub max_requests: String,
    /// Errors by field: label, audience, duration, maxRequests.
    pub errors: [String; 4],
}

pub struct SectionView {
    pub key: &'static str,
    pub title: &'static str,
    pub save: &'static str,
    pub note: &'static str,
    pub fields: Vec<FieldView>,
    /// The rate limit rules (only in that section).
    pub rules: Option<Vec<RuleRow>>,
    pub rules_error: String,
}

#[derive(Template)]
#[template(path = "ui/system/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    sections: Vec<SectionView>,
    collections: Vec<String>,
    templates: &'static [(&'static str, &'static str)],
}

#[derive(Template)]
#[template(path = "ui/system/settings_section_fragment.html")]
struct SectionFragment {
    section: SectionView,
}

#[derive(Template)]
#[template(path = "ui/system/rule_row_fragment.html")]
struct RuleFragment {
    row: RuleRow,
}

/// `GET /_/settings`
async fn index(app: web::Data<App>, admin: Admin) -> Result<HttpResponse, PageError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let public = app.list_settings(&superuser);
    let stored = app.settings();
    let sections = SECTIONS
        .iter()
        .map(|section| section_view(section, &public, &stored, &BTreeMap::new()))
        .collect();
    let schema = app.schema();
    let mut collections: Vec<String> = schema
        .all()
        .iter()
        .filter(|collection| collection.is_auth())
        .map(|collection| collection.name.clone())
        .collect();
    collections.sort_by_key(|name| {
        (
            name != crate::core::collection::SUPERUSERS_NAME,
            name.clone(),
        )
    });
    page(&SettingsPage {
        chrome: Chrome::new(&app, &admin, "settings"),
        sections,
        collections,
        templates: TEMPLATES,
    })
}

/// `POST /_/settings/{section}`: saves one section's form.
async fn save(
    req: HttpRequest,
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<Events, ActionError> {
    // The body is read first, so the keep-alive connection stays open whatever the answer.
    let form = Form::read(&req, payload, super::FORM_LIMITS).await?;
    let Some(section) = SECTIONS.iter().find(|section| section.key == path.as_str()) else {
        return Err(ActionError::Invalid(
            "There is no such settings section.".into(),
        ));
    };
    let superuser = admin.ctx.auth.require_superuser()?;
    let SectionInput {
        patch,
        rows,
        mut errors,
    } = read_section(section, &form)?;
    if errors.is_empty() {
        match app.update_settings(&superuser, patch).await {
            Ok(_) => {
                let public = app.list_settings(&superuser);
                let stored = app.settings();
                let view = section_view(section, &public, &stored, &BTreeMap::new());
                let mut events =
                    Events::new().fragments(&fragment(&SectionFragment { section: view })?);
                if section.key == "application" {
                    events = renamed(events, &stored.meta.app_name);
                }
                return Ok(flash(events, "Settings saved."));
            }
            Err(ServiceError::Validation {
                message,
                errors: found,
            }) => {
                let summary = user_message(&ServiceError::Validation {
                    message,
                    errors: found.clone(),
                })
                .unwrap_or_default();
                errors = field_errors(&found);
                let events = error_slots(section, &rows, &errors);
                return Ok(flash_error(events, &summary));
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(flash_error(
        error_slots(section, &rows, &errors),
        "Check the highlighted fields.",
    ))
}

/// The brand and the window title after the app was renamed.
fn renamed(events: Events, app_name: &str) -> Events {
    let brand = format!(
        "<a class=\"brand\" href=\"/_/\">{}</a>",
        crate::ui::escape(app_name)
    );
    let title = Value::String(format!("Settings · {app_name}")).to_string();
    events
        .fragments_into(".topbar .brand", Merge::Outer, &brand)
        .script(&format!("document.title = {title}"))
}

/// `GET /_/settings/rate-limits/rule`: a new, empty rule row.
async fn new_rule(_admin: Admin) -> Result<Events, ActionError> {
    let row = rule_row(fresh_key(), &json!({}), [const { String::new() }; 4]);
    let html = fragment(&RuleFragment { row })?;
    Ok(Events::new()
        .fragments_into("#rules-body", Merge::Append, &html)
        .remove("#rules-empty"))
}

/// `POST /_/settings/test-email`: sends one of the auth mails to an address.
async fn test_email(
    req: HttpRequest,
    app: web::Data<App>,
    admin: Admin,
    payload: web::Payload,
) -> Result<Events, ActionError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let form = Form::read(&req, payload, super::FORM_LIMITS).await?;
    let mut input = Map::new();
    for key in ["email", "template", "collection"] {
        input.insert(key.into(), Value::String(form.text(key).trim().to_owned()));
    }
    let email = form.text("email").trim().to_owned();
    let slots = |errors: &BTreeMap<String, String>| {
        let html: Vec<String> = ["email", "template", "collection"]
            .iter()
            .map(|key| error_slot(&format!("error-test-{key}"), message_for(errors, key)))
            .collect();
        Events::new().fragments(&html.join("\n"))
    };
    match app.send_test_email(&superuser, input).await {
        Ok(()) => {
            let message = if app.settings().smtp.enabled {
                format!("Test email sent to {email}.")
            } else {
                format!(
                    "SMTP is disabled, so the test email to {email} was written to the server log instead of sent."
                )
            };
            Ok(flash(slots(&BTreeMap::new()), &message))
        }
        Err(ServiceError::Validation { message, errors }) => {
            let summary = user_message(&ServiceError::Validation {
                message,
                errors: errors.clone(),
            })
            .unwrap_or_default();
            Ok(flash_error(slots(&field_errors(&errors)), &summary))
        }
        Err(ServiceError::BadRequest(message)) => {
            Ok(flash_error(slots(&BTreeMap::new()), &message))
        }
        Err(other) => Err(other.into()),
    }
}

/// A new row key: short, random, safe in ids.
fn fresh_key() -> String {
    format!("n{:08x}", rand::rng().next_u32())
}

/// Whether a row key from the browser may go into ids.
fn is_row_key(key: &str) -> bool {
    (1..=16).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric())
}

/// What one section's form says.
struct SectionInput {
    /// The settings patch.
    patch: Map<String, Value>,
    /// The keys of the rule rows, in order (rate limits only).
    rows: Vec<String>,
    /// Inputs that could not be read (not numbers, say), by path.
    errors: BTreeMap<String, String>,
}

fn read_section(section: &SectionSpec, form: &Form) -> Result<SectionInput, ActionError> {
    let mut patch = Map::new();
    let mut errors = BTreeMap::new();
    for field in section.fields {
        let raw = form.text(field.path);
        let value = match field.kind {
            Kind::Toggle => Value::Bool(form.has(field.path)),
            Kind::Secret if raw.is_empty() => continue,
            Kind::Secret => Value::String(raw.to_owned()),
            Kind::Number | Kind::NumberSelect(_) => match parse_number(raw) {
                Some(number) => json!(number),
                None => {
                    errors.insert(field.path.to_owned(), NOT_A_NUMBER.to_owned());
                    continue;
                }
            },
            Kind::List => Value::Array(
                raw.split([',', '\n'])
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(|item| Value::String(item.to_owned()))
                    .collect(),
            ),
            Kind::Text | Kind::Email | Kind::Url | Kind::Select(_) => {
                Value::String(raw.trim().to_owned())
            }
        };
        insert_path(&mut patch, field.path, value);
    }
    let mut keys = Vec::new();
    if section.key == RATE_LIMITS {
        let columns: Vec<Vec<&str>> = std::iter::once("key")
            .chain(RULE_FIELDS)
            .map(|field| form.all(&format!("rule.{field}")))
            .collect();
        let count = columns[0].len();
        if columns.iter().any(|column| column.len() != count)
            || !columns[0].iter().all(|key| is_row_key(key))
        {
            return Err(ActionError::Invalid(
                "The rules table could not be read; reload the page.".into(),
            ));
        }
        let mut rules = Vec::with_capacity(count);
        for (index, key) in columns[0].iter().enumerate() {
            let mut rule = Map::new();
            rule.insert("label".into(), json!(columns[1][index].trim()));
            rule.insert("audience".into(), json!(columns[2][index]));
            for (column, field) in [(3, "duration"), (4, "maxRequests")] {
                match parse_number(columns[column][index]) {
                    Some(number) => {
                        rule.insert(field.into(), json!(number));
                    }
                    None => {
                        errors.insert(
                            format!("rateLimits.rules.{index}.{field}"),
                            NOT_A_NUMBER.to_owned(),
                        );
                    }
                }
            }
            rules.push(Value::Object(rule));
            keys.push((*key).to_owned());
        }
        insert_path(&mut patch, "rateLimits.rules", Value::Array(rules));
    }
    Ok(SectionInput {
        patch,
        rows: keys,
        errors,
    })
}

const NOT_A_NUMBER: &str = "Must be a whole number.";

/// A whole number; empty is 0.
fn parse_number(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(0);
    }
    raw.parse().ok()
}

/// Puts `value` at a dotted path, making the objects on the way.
fn insert_path(target: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            target.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let entry = target
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                insert_path(inner, rest, value);
            }
        }
    }
}

/// Every error slot of a section, filled or emptied, so stale messages go away.
fn error_slots(
    section: &SectionSpec,
    rows: &[String],
    errors: &BTreeMap<String, String>,
) -> Events {
    let mut html: Vec<String> = section
        .fields
        .iter()
        .map(|field| {
            error_slot(
                &format!("error-{}", slug(field.path)),
                message_for(errors, field.path),
            )
        })
        .collect();
    if section.key == RATE_LIMITS {
        html.push(error_slot("error-rateLimits-rules", rules_error(errors)));
        for (index, key) in rows.iter().enumerate() {
            for field in RULE_FIELDS {
                html.push(error_slot(
                    &format!("error-rule-{key}-{field}"),
                    message_for(errors, &format!("rateLimits.rules.{index}.{field}")),
                ));
            }
        }
    }
    Events::new().fragments(&html.join("\n"))
}

/// An error about the rules list itself (not one of its rows).
fn rules_error(errors: &BTreeMap<String, String>) -> &str {
    errors
        .get("rateLimits.rules")
        .map(String::as_str)
        .unwrap_or_default()
}

fn section_view(
    section: &'static SectionSpec,
    public: &Value,
    stored: &Settings,
    errors: &BTreeMap<String, String>,
) -> SectionView {
    let fields = section
        .fields
        .iter()
        .map(|field| field_view(field, public, stored, errors))
        .collect();
    let rules = (section.key == RATE_LIMITS).then(|| {
        public
            .pointer("/rateLimits/rules")
            .and_then(Value::as_array)
            .map(|rules| {
                rules
                    .iter()
                    .enumerate()
                    .map(|(index, rule)| {
                        let errors = RULE_FIELDS.map(|field| {
                            message_for(errors, &format!("rateLimits.rules.{index}.{field}"))
                                .to_owned()
                        });
                        rule_row(format!("r{index}"), rule, errors)
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    SectionView {
        key: section.key,
        title: section.title,
        save: section.save,
        note: section.note,
        fields,
        rules,
        rules_error: rules_error(errors).to_owned(),
    }
}

fn rule_row(key: String, rule: &Value, errors: [String; 4]) -> RuleRow {
    let text = |name: &str| match rule.get(name) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    };
    let audience = text("audience");
    RuleRow {
        key,
        label: text("label"),
        audiences: options(AUDIENCES, &audience),
        duration: text("duration"),
        max_requests: text("maxRequests"),
        errors,
    }
}

fn options(choices: &'static [(&'static str, &'static str)], current: &str) -> Vec<OptionView> {
    choices
        .iter()
        .map(|&(value, label)| OptionView {
            value,
            label,
            selected: value == current,
        })
        .collect()
}

fn field_view(
    field: &Spec,
    public: &Value,
    stored: &Settings,
    errors: &BTreeMap<String, String>,
) -> FieldView {
    let current = public.pointer(&format!("/{}", field.path.replace('.', "/")));
    let value = match current {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    };
    let checked = current.and_then(Value::as_bool).unwrap_or(false);
    let (control, input_type) = match field.kind {
        Kind::Toggle => ("checkbox", "checkbox"),
        Kind::Select(_) | Kind::NumberSelect(_) => ("select", ""),
        Kind::Email | Kind::Url => ("input", "text"),
        Kind::Number => ("input", "number"),
        Kind::Secret => ("input", "password"),
        Kind::Text | Kind::List => ("input", "text"),
    };
    let inputmode = match field.kind {
        Kind::Email => "email",
        Kind::Url => "url",
        _ => "",
    };
    let placeholder = match field.kind {
        Kind::Secret if secret_is_set(stored, field.path) => {
            "Saved; leave blank to keep it".to_owned()
        }
        Kind::Secret => "Not set".to_owned(),
        _ => String::new(),
    };
    let options = match field.kind {
        Kind::Select(choices) | Kind::NumberSelect(choices) => options(choices, &value),
        _ => Vec::new(),
    };
    FieldView {
        id: slug(field.path),
        name: field.path,
        label: field.label,
        help: field.help,
        control,
        input_type,
        inputmode,
        value: if field.kind == Kind::Secret {
            String::new()
        } else {
            value
        },
        checked,
        placeholder,
        options,
        error: message_for(errors, field.path).to_owned(),
    }
}

/// Whether a secret has a stored value (the value itself never leaves the server).
fn secret_is_set(stored: &Settings, path: &str) -> bool {
    match path {
        "smtp.password" => !stored.smtp.password.is_empty(),
        "s3.secret" => !stored.s3.secret.is_empty(),
        "backups.s3.secret" => !stored.backups.s3.secret.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
pub(super) mod for_tests {
    use super::*;

    pub(crate) fn read(section: &str, form: &Form) -> Value {
        let spec = SECTIONS
            .iter()
            .find(|spec| spec.key == section)
            .unwrap_or_else(|| panic!("section {section}"));
        match read_section(spec, form) {
            Ok(input) => {
                json!({"patch": input.patch, "keys": input.rows, "errors": input.errors})
            }
            Err(error) => json!({"error": error.to_string()}),
        }
    }

    /// Every path a section names is a key of the settings document.
    pub(crate) fn paths() -> Vec<&'static str> {
        SECTIONS
            .iter()
            .flat_map(|section| section.fields.iter().map(|field| field.path))
            .collect()
    }
}
