//! Application settings (`/api/settings`): app meta, SMTP, backups, S3, logs, batch,
//! rate limits, trusted proxy and superuser IPs, kept as one JSON document in `_params`
//! (id `settings`) and cached in memory. PATCH merges a partial document into the
//! current one, validates it as PocketBase does and swaps the cache; secrets are never
//! returned. Start at `App::update_settings`.

use std::net::IpAddr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::mail::Mail;
use super::{App, ServiceError, ServiceResult, Superuser};
use crate::core::error::{ErrorCode, FieldError, FieldErrors};
use crate::core::record::{is_email, is_url, now_string};
use crate::store::StoreError;
use crate::store::schema::{get_param, set_param};

/// The `_params` row that holds the settings document.
const PARAMS_KEY: &str = "settings";
/// PocketBase's answer when the body cannot be read into the settings document.
pub const LOAD_FAILED: &str = "An error occurred while loading the submitted data.";
/// PocketBase's answer when the merged settings do not validate.
pub const SAVE_FAILED: &str = "An error occurred while saving the new settings.";
/// PocketBase's answer when the test email form does not validate.
pub const TEST_EMAIL_FAILED: &str = "Failed to send the test email.";

/// `meta`: how the app names itself in mails and links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MetaSettings {
    pub accent_color: String,
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
            accent_color: "#1055c9".into(),
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
    pub port: i64,
    pub host: String,
    pub username: String,
    /// Never returned by the API.
    pub password: String,
    /// `""` (PLAIN), `PLAIN` or `LOGIN`.
    pub auth_method: String,
    /// Implicit TLS from the first byte (port 465); otherwise STARTTLS when offered.
    pub tls: bool,
    /// The EHLO name; `localhost` when empty.
    pub local_name: String,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        SmtpSettings {
            enabled: false,
            port: 587,
            host: "smtp.example.com".into(),
            username: String::new(),
            password: String::new(),
            auth_method: String::new(),
            tls: false,
            local_name: String::new(),
        }
    }
}

/// `s3` and `backups.s3`: an S3-compatible storage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct S3Settings {
    pub enabled: bool,
    pub bucket: String,
    pub region: String,
    pub endpoint: String,
    pub access_key: String,
    /// Never returned by the API.
    pub secret: String,
    pub force_path_style: bool,
}

/// `backups`: scheduled backups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BackupsSettings {
    /// A cron expression; empty disables automatic backups.
    pub cron: String,
    pub cron_max_keep: i64,
    pub s3: S3Settings,
}

impl Default for BackupsSettings {
    fn default() -> Self {
        BackupsSettings {
            cron: String::new(),
            cron_max_keep: 3,
            s3: S3Settings::default(),
        }
    }
}

/// `rateLimits`: per-client request limits, off by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RateLimitSettings {
    pub rules: Vec<RateLimitRule>,
    #[serde(rename = "excludedIPs")]
    pub excluded_ips: Vec<String>,
    pub enabled: bool,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        let rule = |label: &str, duration, max_requests| RateLimitRule {
            label: label.into(),
            audience: String::new(),
            duration,
            max_requests,
        };
        RateLimitSettings {
            rules: vec![
                rule("*:auth", 3, 2),
                rule("*:create", 5, 20),
                rule("/api/batch", 1, 3),
                rule("/api/", 10, 300),
            ],
            excluded_ips: Vec::new(),
            enabled: false,
        }
    }
}

/// Who a rate limit rule applies to.
pub const AUDIENCE_ALL: &str = "";
pub const AUDIENCE_GUEST: &str = "@guest";
pub const AUDIENCE_AUTH: &str = "@auth";

/// One rate limit rule. `label` is a tag (`users:auth`, `*:create`), an exact path
/// (`/api/batch`, `POST /api/batch`) or a path prefix ending with `/` (`/api/`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RateLimitRule {
    pub label: String,
    /// `""` (everyone), `@guest` or `@auth`.
    pub audience: String,
    /// The window, in seconds.
    pub duration: i64,
    pub max_requests: i64,
}

impl RateLimitSettings {
    /// The rule for the first of `labels` that has one (PocketBase's
    /// `FindRateLimitRule`): exact labels first, then, for the first label only, the
    /// path-prefix rules (labels ending with `/`). Only rules whose audience is in
    /// `audiences` count.
    pub fn find_rule(&self, labels: &[String], audiences: &[&str]) -> Option<&RateLimitRule> {
        let audience_ok = |rule: &RateLimitRule| audiences.contains(&rule.audience.as_str());
        let mut prefix_rules: Vec<&RateLimitRule> = Vec::new();
        for (index, label) in labels.iter().enumerate() {
            for rule in &self.rules {
                if *label == rule.label && audience_ok(rule) {
                    return Some(rule);
                }
                if index == 0 && rule.label.ends_with('/') {
                    prefix_rules.push(rule);
                }
            }
            let with_slash = format!("{label}/");
            if let Some(rule) = prefix_rules
                .iter()
                .find(|rule| with_slash.starts_with(rule.label.as_str()) && audience_ok(rule))
            {
                return Some(rule);
            }
        }
        None
    }
}

/// `trustedProxy`: which request headers carry the client IP.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrustedProxySettings {
    pub headers: Vec<String>,
    #[serde(rename = "useLeftmostIP")]
    pub use_leftmost_ip: bool,
}

/// `batch`: the batch API, off by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BatchSettings {
    pub enabled: bool,
    pub max_requests: i64,
    /// Seconds.
    pub timeout: i64,
    /// Bytes; 0 means the server default.
    pub max_body_size: i64,
}

impl Default for BatchSettings {
    fn default() -> Self {
        BatchSettings {
            enabled: false,
            max_requests: 50,
            timeout: 3,
            max_body_size: 0,
        }
    }
}

/// `logs`: request log retention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LogsSettings {
    pub max_data_size: i64,
    pub max_days: i64,
    pub min_level: i64,
    #[serde(rename = "logIP")]
    pub log_ip: bool,
    pub log_auth_id: bool,
}

impl Default for LogsSettings {
    fn default() -> Self {
        LogsSettings {
            max_data_size: 0,
            max_days: 5,
            min_level: 0,
            log_ip: true,
            log_auth_id: false,
        }
    }
}

/// Every setting, in PocketBase's key order, with PocketBase's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    #[serde(rename = "superuserIPs")]
    pub superuser_ips: Vec<String>,
    pub smtp: SmtpSettings,
    pub backups: BackupsSettings,
    pub s3: S3Settings,
    pub meta: MetaSettings,
    pub rate_limits: RateLimitSettings,
    pub trusted_proxy: TrustedProxySettings,
    pub batch: BatchSettings,
    pub logs: LogsSettings,
}

impl Settings {
    /// The whole document, secrets included (what is stored).
    fn to_stored_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The document as the API shows it: the SMTP password and the S3 secrets are
    /// left out, as PocketBase does.
    pub fn to_public_json(&self) -> Value {
        let mut value = self.to_stored_json();
        for pointer in ["/smtp", "/s3", "/backups/s3"] {
            if let Some(Value::Object(section)) = value.pointer_mut(pointer) {
                section.shift_remove("password");
                section.shift_remove("secret");
            }
        }
        value
    }

    /// `self` with `patch` merged in: objects merge key by key, anything else replaces,
    /// `null` resets to the zero value (`""`, `0`, `false`, `[]`). A value of the wrong
    /// type is an error.
    pub fn merged(&self, patch: Map<String, Value>) -> Result<Settings, serde_json::Error> {
        let mut document = self.to_stored_json();
        merge_json(&mut document, Value::Object(patch));
        serde_json::from_value(document)
    }

    /// Reads a stored document; keys it lacks keep their defaults.
    pub fn from_stored(text: &str) -> Result<Settings, serde_json::Error> {
        match serde_json::from_str::<Value>(text)? {
            Value::Object(map) => Settings::default().merged(map),
            _ => Ok(Settings::default()),
        }
    }

    /// PocketBase's validation of the whole document: `data.<section>.<field>`.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let ips = validate_ip_list(&self.superuser_ips);
        section(&mut errors, "superuserIPs", ips);
        section(&mut errors, "meta", self.meta.validate());
        section(&mut errors, "logs", self.logs.validate());
        section(&mut errors, "smtp", self.smtp.validate());
        section(&mut errors, "s3", self.s3.validate());
        section(&mut errors, "backups", self.backups.validate());
        section(&mut errors, "batch", self.batch.validate());
        section(&mut errors, "rateLimits", self.rate_limits.validate());
        errors.into_result()
    }
}

fn merge_json(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                match target.get_mut(&key) {
                    Some(existing) => merge_json(existing, value),
                    None => {
                        target.insert(key, value);
                    }
                }
            }
        }
        (target, Value::Null) => zero_json(target),
        (target, patch) => *target = patch,
    }
}

/// What `null` does to a setting, as in PocketBase: the zero value of its type.
fn zero_json(target: &mut Value) {
    match target {
        Value::Object(map) => map.values_mut().for_each(zero_json),
        Value::Array(items) => items.clear(),
        Value::String(text) => text.clear(),
        Value::Number(_) => *target = json!(0),
        Value::Bool(flag) => *flag = false,
        Value::Null => {}
    }
}

/// Puts a section's errors under its key (`data.meta.appURL`).
fn section(errors: &mut FieldErrors, key: &str, inner: FieldErrors) {
    if let Value::Object(map) = inner.to_json() {
        for (field, error) in map {
            errors.nest_value(key, field, error);
        }
    }
}

fn required(errors: &mut FieldErrors, field: &str) {
    errors.add(field, ErrorCode::Required, "Cannot be blank.");
}

fn min(errors: &mut FieldErrors, field: &str, threshold: i64) {
    errors.insert(
        field,
        FieldError {
            code: ErrorCode::MinValue.as_str(),
            message: format!("Must be no less than {threshold}."),
            params: Some(json!({ "threshold": threshold })),
        },
    );
}

fn length(errors: &mut FieldErrors, field: &str, value: &str, min: usize, max: usize) {
    let count = value.chars().count();
    if value.is_empty() || (min..=max).contains(&count) {
        return;
    }
    let (code, message) = if min == max {
        (
            ErrorCode::LengthInvalid,
            format!("The length must be exactly {min}."),
        )
    } else {
        (
            ErrorCode::LengthOutOfRange,
            format!("The length must be between {min} and {max}."),
        )
    };
    errors.insert(
        field,
        FieldError {
            code: code.as_str(),
            message,
            params: Some(json!({"max": max, "min": min})),
        },
    );
}

fn not_in(errors: &mut FieldErrors, field: &str) {
    errors.add(field, ErrorCode::InInvalid, "Must be a valid value.");
}

/// ozzo's `is.URL`: the record URL syntax, and a bare word without scheme, port or dot
/// (`nope`) is a relative path, not a URL.
fn is_settings_url(url: &str) -> bool {
    is_url(url) && (url.contains("://") || url.contains('.') || url.contains(':'))
}

fn invalid_url(errors: &mut FieldErrors, field: &str) {
    errors.add(field, ErrorCode::IsUrl, "Must be a valid URL.");
}

fn invalid_host(errors: &mut FieldErrors, field: &str) {
    errors.add(
        field,
        ErrorCode::IsHost,
        "Must be a valid IP address or DNS name.",
    );
}

/// Whether `host` is an IP address or a DNS name (ozzo's `is.Host`).
pub fn is_host(host: &str) -> bool {
    if host.parse::<IpAddr>().is_ok() {
        return true;
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// Whether `value` is an IP address or a CIDR subnet.
pub fn is_ip_or_subnet(value: &str) -> bool {
    parse_subnet(value).is_some()
}

/// Parses `1.2.3.4`, `1.2.3.0/24`, `::1` or `fe80::/10` into an address and prefix length.
pub fn parse_subnet(value: &str) -> Option<(IpAddr, u8)> {
    match value.split_once('/') {
        Some((address, bits)) => {
            let address = address.parse::<IpAddr>().ok()?;
            let bits = bits.parse::<u8>().ok()?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            (bits <= max).then_some((address, bits))
        }
        None => {
            let address = value.parse::<IpAddr>().ok()?;
            Some((address, if address.is_ipv4() { 32 } else { 128 }))
        }
    }
}

/// Whether `ip` is one of `list`'s addresses or inside one of its subnets.
pub fn ip_in_list(list: &[String], ip: IpAddr) -> bool {
    let ip = canonical(ip);
    list.iter()
        .filter_map(|item| parse_subnet(item))
        .any(|(network, bits)| match (canonical(network), ip) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
                u32::from(network) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
                u128::from(network) & mask == u128::from(ip) & mask
            }
            _ => false,
        })
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

fn validate_ip_list(list: &[String]) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (index, item) in list.iter().enumerate() {
        if item.is_empty() {
            required(&mut errors, &index.to_string());
        } else if !is_ip_or_subnet(item) {
            errors.add(
                index.to_string(),
                ErrorCode::InvalidIpOrSubnet,
                "Invalid IP or CIDR subnet.",
            );
        }
    }
    errors
}

/// A cron expression as PocketBase's scheduler accepts it: a macro or five fields.
pub fn is_cron(expression: &str) -> bool {
    const MACROS: [&str; 7] = [
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ];
    if MACROS.contains(&expression) {
        return true;
    }
    let segments: Vec<&str> = expression.split_whitespace().collect();
    let ranges = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)];
    segments.len() == 5
        && segments
            .iter()
            .zip(ranges)
            .all(|(segment, (low, high))| is_cron_segment(segment, low, high))
}

fn is_cron_segment(segment: &str, low: u32, high: u32) -> bool {
    let in_range = |text: &str| text.parse::<u32>().is_ok_and(|n| (low..=high).contains(&n));
    segment.split(',').all(|part| {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (part, None),
        };
        let step_ok = step.is_none_or(|step| step.parse::<u32>().is_ok_and(|n| n > 0));
        let range_ok = range == "*"
            || match range.split_once('-') {
                Some((from, to)) => {
                    in_range(from) && in_range(to) && from.parse::<u32>().ok() <= to.parse().ok()
                }
                None => in_range(range),
            };
        step_ok && range_ok
    })
}

fn is_hex_color(value: &str) -> bool {
    value
        .strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

impl MetaSettings {
    fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        length(&mut errors, "accentColor", &self.accent_color, 7, 7);
        if !errors.contains("accentColor")
            && !self.accent_color.is_empty()
            && !is_hex_color(&self.accent_color)
        {
            errors.add(
                "accentColor",
                ErrorCode::IsHexColor,
                "Must be a valid hexadecimal color code.",
            );
        }
        if self.app_name.is_empty() {
            required(&mut errors, "appName");
        }
        length(&mut errors, "appName", &self.app_name, 1, 255);
        if self.app_url.is_empty() {
            required(&mut errors, "appURL");
        } else if !is_settings_url(&self.app_url) {
            invalid_url(&mut errors, "appURL");
        }
        if self.sender_name.is_empty() {
            required(&mut errors, "senderName");
        }
        length(&mut errors, "senderName", &self.sender_name, 1, 255);
        if !self.sender_address.is_empty() && !is_email(&self.sender_address) {
            errors.add(
                "senderAddress",
                ErrorCode::InvalidEmail,
                "Must be a valid email address.",
            );
        } else if self.sender_address.is_empty() {
            required(&mut errors, "senderAddress");
        }
        errors
    }
}

impl LogsSettings {
    fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if self.max_days < 0 {
            min(&mut errors, "maxDays", 0);
        }
        if self.max_data_size < 0 {
            min(&mut errors, "maxDataSize", 0);
        }
        errors
    }
}

impl SmtpSettings {
    fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if self.enabled && self.host.is_empty() {
            required(&mut errors, "host");
        } else if !self.host.is_empty() && !is_host(&self.host) {
            invalid_host(&mut errors, "host");
        }
        if self.enabled && self.port == 0 {
            required(&mut errors, "port");
        } else if self.port < 0 {
            min(&mut errors, "port", 0);
        }
        if !matches!(self.auth_method.as_str(), "" | "PLAIN" | "LOGIN") {
            not_in(&mut errors, "authMethod");
        }
        if !self.local_name.is_empty() && !is_host(&self.local_name) {
            invalid_host(&mut errors, "localName");
        }
        errors
    }
}

impl S3Settings {
    fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let needed = [
            ("endpoint", &self.endpoint),
            ("bucket", &self.bucket),
            ("region", &self.region),
            ("accessKey", &self.access_key),
        ];
        for (field, value) in needed {
            if field == "endpoint" && !value.is_empty() && !is_settings_url(value) {
                invalid_url(&mut errors, field);
            } else if self.enabled && value.is_empty() {
                required(&mut errors, field);
            }
        }
        errors
    }
}

impl BackupsSettings {
    fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        section(&mut errors, "s3", self.s3.validate());
        if !self.cron.is_empty() && !is_cron(&self.cron) {
            errors.add(
                "cron",
                ErrorCode::InvalidCron,
                "Invalid cron expression - must be a valid macro or to have exactly 5 space separated segments.",
            );
        }
        if !self.cron.is_empty() && self.cron_max_keep == 0 {
            required(&mut errors, "cronMaxKeep");
        } else if self.cron_max_keep != 0 && self.cron_max_keep < 1 {
            min(&mut errors, "cronMaxKeep", 1);
        }
        errors
    }
}

impl BatchSettings {
    fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        for (field, value) in [
            ("maxRequests", self.max_requests),
            ("timeout", self.timeout),
        ] {
            if self.enabled && value == 0 {
                required(&mut errors, field);
            } else if value < 0 {
                min(&mut errors, field, 0);
            }
        }
        if self.max_body_size < 0 {
            min(&mut errors, "maxBodySize", 0);
        }
        errors
    }
}

/// A rule label: a tag (`name`, `users:auth`, `*:create`), a path (`/api/x`) or a
/// method and path (`POST /api/x`).
fn is_rule_label(label: &str) -> bool {
    let word =
        |text: &str| !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || c == '_');
    let path = |text: &str| {
        text.starts_with('/')
            && text
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '/' | '-'))
    };
    if path(label) || word(label) {
        return true;
    }
    if let Some((method, rest)) = label.split_once(' ') {
        return word(method) && path(rest);
    }
    match label.split_once(':') {
        Some((collection, action)) => (collection == "*" || word(collection)) && word(action),
        None => false,
    }
}

impl RateLimitSettings {
    fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if self.enabled && self.rules.is_empty() {
            required(&mut errors, "rules");
        }
        let mut seen: Vec<String> = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            let mut rule_errors = rule.validate();
            let key = format!("{}@@{}", rule.label, rule.audience);
            if seen
                .iter()
                .any(|other| other.starts_with(&key) || key.starts_with(other.as_str()))
            {
                rule_errors.insert(
                    "label",
                    FieldError {
                        code: ErrorCode::ConflictingRateLimitRule.as_str(),
                        message: format!(
                            "Rate limit rule configuration with label {} already exists or conflicts with another rule.",
                            rule.label
                        ),
                        params: Some(json!({"label": rule.label})),
                    },
                );
            } else {
                seen.push(key);
            }
            errors.nest("rules", index.to_string(), rule_errors);
        }
        section(
            &mut errors,
            "excludedIPs",
            validate_ip_list(&self.excluded_ips),
        );
        errors
    }
}

impl RateLimitRule {
    fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if self.label.is_empty() {
            required(&mut errors, "label");
        } else if !is_rule_label(&self.label) {
            errors.add(
                "label",
                ErrorCode::MatchInvalid,
                "Must be in a valid format.",
            );
        }
        for (field, value) in [
            ("maxRequests", self.max_requests),
            ("duration", self.duration),
        ] {
            if value == 0 {
                required(&mut errors, field);
            } else if value < 1 {
                min(&mut errors, field, 1);
            }
        }
        if ![AUDIENCE_ALL, AUDIENCE_GUEST, AUDIENCE_AUTH].contains(&self.audience.as_str()) {
            not_in(&mut errors, "audience");
        }
        errors
    }
}

/// Loads the stored settings (defaults on a data dir that has none).
pub fn load(store: &crate::store::Store) -> anyhow::Result<Settings> {
    let stored = store.read_sync(|conn| get_param(conn, PARAMS_KEY))?;
    match stored {
        None => Ok(Settings::default()),
        Some(text) => Settings::from_stored(&text)
            .map_err(|error| anyhow::anyhow!("the stored settings are not valid JSON: {error}")),
    }
}

/// The templates `POST /api/settings/test/email` can send.
const TEST_TEMPLATES: [&str; 5] = [
    "verification",
    "password-reset",
    "email-change",
    "otp",
    "login-alert",
];

impl App {
    /// The current settings. Cheap: an `Arc` clone.
    pub fn settings(&self) -> Arc<Settings> {
        match self.settings.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_settings(&self, settings: Settings) -> Arc<Settings> {
        let settings = Arc::new(settings);
        let mut guard = match self.settings.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = settings.clone();
        drop(guard);
        self.request_logs.settings_changed(&settings.logs);
        settings
    }

    /// `GET /api/settings`: the document without secrets.
    pub fn list_settings(&self, _superuser: &Superuser<'_>) -> Value {
        self.settings().to_public_json()
    }

    /// `PATCH /api/settings`: merges `patch` into the current settings, validates,
    /// stores and swaps the cache; returns the new document without secrets.
    pub async fn update_settings(
        &self,
        _superuser: &Superuser<'_>,
        patch: Map<String, Value>,
    ) -> ServiceResult<Value> {
        let _serialized = self.settings_change.lock().await;
        let settings = self
            .settings()
            .merged(patch)
            .map_err(|_| ServiceError::BadRequest(LOAD_FAILED.into()))?;
        settings
            .validate()
            .map_err(|errors| ServiceError::Validation {
                message: SAVE_FAILED.into(),
                errors,
            })?;
        let text = serde_json::to_string(&settings)
            .map_err(|error| ServiceError::Store(StoreError::Other(error.to_string())))?;
        self.store
            .write(move |tx| set_param(tx, PARAMS_KEY, &text, &now_string()))
            .await?;
        Ok(self.set_settings(settings).to_public_json())
    }

    /// `POST /api/settings/test/email`: sends one of the auth mail templates of an auth
    /// collection (`_superusers` by default) to `email`, filled with test values.
    pub async fn send_test_email(
        &self,
        _superuser: &Superuser<'_>,
        input: Map<String, Value>,
    ) -> ServiceResult<()> {
        let text = |key: &str| match input.get(key) {
            Some(Value::String(text)) => Ok(text.clone()),
            None | Some(Value::Null) => Ok(String::new()),
            Some(_) => Err(ServiceError::BadRequest(LOAD_FAILED.into())),
        };
        let (email, template, collection_name) =
            (text("email")?, text("template")?, text("collection")?);
        let mut errors = FieldErrors::new();
        let mut collection = None;
        if !collection_name.is_empty() {
            match self.collection(&collection_name) {
                Ok(found) if found.is_auth() => collection = Some(found),
                _ => errors.add(
                    "collection",
                    ErrorCode::InvalidAuthCollection,
                    "Must be a valid auth collection id or name.",
                ),
            }
        }
        if email.is_empty() {
            required(&mut errors, "email");
        } else if email.chars().count() > 255 {
            length(&mut errors, "email", &email, 1, 255);
        } else if !is_email(&email) {
            errors.add(
                "email",
                ErrorCode::InvalidEmail,
                "Must be a valid email address.",
            );
        }
        if template.is_empty() {
            required(&mut errors, "template");
        } else if !TEST_TEMPLATES.contains(&template.as_str()) {
            not_in(&mut errors, "template");
        }
        errors
            .into_result()
            .map_err(|errors| ServiceError::Validation {
                message: TEST_EMAIL_FAILED.into(),
                errors,
            })?;
        let collection = match collection {
            Some(collection) => collection,
            None => self.collection(crate::core::collection::SUPERUSERS_NAME)?,
        };
        let (subject, body) = test_template(&collection.auth_options, &template);
        let settings = self.settings();
        let fill = |text: &str| {
            text.replace("{APP_NAME}", &settings.meta.app_name)
                .replace("{APP_URL}", &settings.meta.app_url)
                .replace("{TOKEN}", "__pb_test_token__")
                .replace("{OTP}", "123456")
                .replace(
                    "{ALERT_INFO}",
                    &format!("{} - TEST_IP TEST_USER_AGENT", now_string()),
                )
                .replace("{RECORD:email}", &email)
        };
        self.send_mail(Mail {
            to: email.clone(),
            subject: fill(&subject),
            html: fill(&body),
        })
        .await
        .map_err(|error| match error {
            ServiceError::Mail(cause) => {
                ServiceError::BadRequest(format!("{TEST_EMAIL_FAILED} Raw error: \n{cause}"))
            }
            other => other,
        })
    }
}

/// The subject and body of one of a collection's mail templates.
fn test_template(options: &Map<String, Value>, template: &str) -> (String, String) {
    let pointer = match template {
        "verification" => "/verificationTemplate",
        "password-reset" => "/resetPasswordTemplate",
        "email-change" => "/confirmEmailChangeTemplate",
        "otp" => "/otp/emailTemplate",
        _ => "/authAlert/emailTemplate",
    };
    let defaults = crate::core::collection::default_auth_options();
    let options = Value::Object(options.clone());
    let defaults = Value::Object(defaults);
    let found = options
        .pointer(pointer)
        .filter(|found| found.get("subject").is_some())
        .or_else(|| defaults.pointer(pointer));
    let part = |key: &str| {
        found
            .and_then(|template| template.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (part("subject"), part("body"))
}

#[cfg(test)]
mod tests;
