//! `prepare`: turns a create/update request body into the normalized values of a row,
//! applying PocketBase's casts, modifiers (`field+`, `+field`, `field-`), autodates,
//! id rules, auth form rules and every field's validation.

use serde_json::{Map, Value, json};

use crate::core::collection::{Collection, Field, FieldKind};
use crate::core::error::{ErrorCode, FieldError, FieldErrors};

use super::cast::{
    to_bool, to_datetime, to_f64, to_geo_point, to_json_value, to_string, to_unique_strings,
    unique_non_empty,
};
use super::{new_record_id, number_to_json, random_string};

/// The default pattern of the `id` field; ids matching it need no file-system checks.
const DEFAULT_ID_PATTERN: &str = "^[a-z0-9]+$";
/// PocketBase's default text max length when `max` is 0.
const DEFAULT_TEXT_MAX: i64 = 5000;
/// PocketBase's default password max length (bcrypt's limit) when `max` is 0.
const DEFAULT_PASSWORD_MAX: i64 = 71;
/// PocketBase's default json field limit (1 MB) when `maxSize` is 0.
pub const DEFAULT_JSON_MAX_SIZE: i64 = 1 << 20;
/// PocketBase's default editor field limit (5 MB) when `maxSize` is 0.
pub const DEFAULT_EDITOR_MAX_SIZE: i64 = 5 << 20;
const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const FORBIDDEN_PK_CHARACTERS: &[&str] = &[
    ".", "/", "\\", "|", "\"", "'", "`", "<", ">", ":", "?", "*", "%", "$", "\0", "\t", "\n", "\r",
    " ",
];
const RESERVED_PKS: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Who is writing and when.
#[derive(Debug, Clone, Default)]
pub struct PrepareOptions {
    /// Superusers may set hidden fields and every auth system field.
    pub is_superuser: bool,
    /// The caller passed the auth collection's `manageRule`: may change `email` and
    /// `verified` directly and change passwords without `oldPassword`.
    /// Superusers have it implicitly.
    pub has_manage_access: bool,
    /// The instant of the write in PocketBase's date format, for autodate fields.
    pub now: String,
    /// Files uploaded with the request, already given their stored names by the caller,
    /// keyed like the form fields they came in (`docs`, `docs+`, `+docs`).
    pub uploaded_files: Vec<(String, Vec<String>)>,
}

impl PrepareOptions {
    /// Options of a guest or regular user writing at `now`.
    pub fn new(now: impl Into<String>) -> PrepareOptions {
        PrepareOptions {
            now: now.into(),
            ..PrepareOptions::default()
        }
    }

    /// Options of a superuser writing at `now`.
    pub fn superuser(now: impl Into<String>) -> PrepareOptions {
        PrepareOptions {
            is_superuser: true,
            has_manage_access: true,
            now: now.into(),
            ..PrepareOptions::default()
        }
    }

    fn manages(&self) -> bool {
        self.is_superuser || self.has_manage_access
    }
}

/// The outcome of a valid create or update.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// Every column of the collection except `password`, normalized and ready to store:
    /// text/date/single select/relation/file as strings, numbers as JSON numbers, bools,
    /// multi fields as arrays of strings, json as any JSON, geoPoint as `{"lon","lat"}`.
    pub values: Map<String, Value>,
    /// The new plaintext password of an auth record; the caller hashes it.
    pub new_password: Option<String>,
    /// The `oldPassword` the client sent; the caller checks it against the stored hash
    /// when `new_password` is set and the writer has no manage access.
    pub old_password: Option<String>,
    /// Fields whose value differs from the stored row (on create, from the empty record),
    /// in the collection's field order; includes `password` when it changes.
    pub changed: Vec<String>,
    /// File names that were stored before and are no longer referenced, for deletion
    /// after commit.
    pub removed_files: Vec<String>,
}

/// How a request key changes a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Modifier {
    Set,
    /// `field:autogenerate`: the value followed by a generated one (text fields).
    Autogenerate,
    Prepend,
    Append,
    Subtract,
}

/// A field's value while it is being prepared.
#[derive(Debug, Clone, PartialEq)]
enum Slot {
    Text(String),
    Number(f64),
    Bool(bool),
    List(Vec<String>),
    Json(Value),
    Geo { lon: f64, lat: f64 },
}

impl Slot {
    fn cast(field: &Field, value: &Value) -> Slot {
        match &field.kind {
            FieldKind::Text { .. }
            | FieldKind::Editor { .. }
            | FieldKind::Email { .. }
            | FieldKind::Url { .. }
            | FieldKind::Password { .. } => Slot::Text(to_string(value)),
            FieldKind::Date { .. } | FieldKind::Autodate { .. } => Slot::Text(to_datetime(value)),
            FieldKind::Number { .. } => Slot::Number(to_f64(value)),
            FieldKind::Bool => Slot::Bool(to_bool(value)),
            FieldKind::Select { .. } | FieldKind::Relation { .. } | FieldKind::File { .. } => {
                Slot::List(single_or_multi(field, to_unique_strings(value)))
            }
            FieldKind::Json { .. } => Slot::Json(to_json_value(value)),
            FieldKind::GeoPoint => {
                let (lon, lat) = to_geo_point(value);
                Slot::Geo { lon, lat }
            }
        }
    }

    /// Reads a stored value, which is already normalized; dates are kept as stored.
    fn from_stored(field: &Field, value: &Value) -> Slot {
        match (&field.kind, value) {
            (FieldKind::Json { .. }, _) => Slot::Json(value.clone()),
            (FieldKind::Date { .. } | FieldKind::Autodate { .. }, Value::String(text)) => {
                Slot::Text(text.clone())
            }
            _ => Slot::cast(field, value),
        }
    }

    fn zero(field: &Field) -> Slot {
        Slot::cast(field, &Value::Null)
    }

    fn to_value(&self, field: &Field) -> Value {
        match self {
            Slot::Text(text) => Value::String(text.clone()),
            Slot::Number(number) => number_to_json(*number),
            Slot::Bool(flag) => Value::Bool(*flag),
            Slot::List(items) => {
                if field.kind.is_multiple() {
                    json!(items)
                } else {
                    Value::String(items.last().cloned().unwrap_or_default())
                }
            }
            Slot::Json(value) => value.clone(),
            Slot::Geo { lon, lat } => geo_json(*lon, *lat),
        }
    }

    fn text(&self) -> &str {
        match self {
            Slot::Text(text) => text,
            _ => "",
        }
    }
}

/// A geo point as PocketBase serializes it: `{"lon": .., "lat": ..}` in that order.
pub fn geo_json(lon: f64, lat: f64) -> Value {
    let mut point = Map::new();
    point.insert("lon".into(), number_to_json(lon));
    point.insert("lat".into(), number_to_json(lat));
    Value::Object(point)
}

/// Single select/relation/file fields keep only the last item, as PocketBase does.
fn single_or_multi(field: &Field, mut items: Vec<String>) -> Vec<String> {
    if !field.kind.is_multiple() && items.len() > 1 {
        items.drain(..items.len() - 1);
    }
    items
}

fn supports(field: &Field, modifier: Modifier) -> bool {
    match modifier {
        Modifier::Set => true,
        Modifier::Autogenerate => matches!(field.kind, FieldKind::Text { .. }),
        Modifier::Prepend => matches!(
            field.kind,
            FieldKind::Select { .. } | FieldKind::Relation { .. } | FieldKind::File { .. }
        ),
        Modifier::Append | Modifier::Subtract => matches!(
            field.kind,
            FieldKind::Number { .. }
                | FieldKind::Select { .. }
                | FieldKind::Relation { .. }
                | FieldKind::File { .. }
        ),
    }
}

/// Finds the field and modifier a request key addresses, if any.
fn find_setter<'a>(collection: &'a Collection, key: &str) -> Option<(&'a Field, Modifier)> {
    let candidates = [
        (Some(key), Modifier::Set),
        (key.strip_suffix(":autogenerate"), Modifier::Autogenerate),
        (key.strip_prefix('+'), Modifier::Prepend),
        (key.strip_suffix('+'), Modifier::Append),
        (key.strip_suffix('-'), Modifier::Subtract),
    ];
    candidates.into_iter().find_map(|(name, modifier)| {
        let field = collection.field(name?)?;
        supports(field, modifier).then_some((field, modifier))
    })
}

fn apply(field: &Field, slot: &mut Slot, modifier: Modifier, value: &Value) {
    match (modifier, &mut *slot) {
        (Modifier::Set, _) => *slot = Slot::cast(field, value),
        (Modifier::Autogenerate, _) => {
            let mut text = to_string(value);
            if let FieldKind::Text {
                autogenerate_pattern,
                ..
            } = &field.kind
            {
                text.push_str(&generate_from_pattern(autogenerate_pattern).unwrap_or_default());
            }
            *slot = Slot::Text(text);
        }
        (Modifier::Append, Slot::Number(number)) => *number += to_f64(value),
        (Modifier::Subtract, Slot::Number(number)) => *number -= to_f64(value),
        (Modifier::Append, Slot::List(items)) => {
            let mut merged = std::mem::take(items);
            merged.extend(to_unique_strings(value));
            *items = single_or_multi(field, unique_non_empty(merged));
        }
        (Modifier::Prepend, Slot::List(items)) => {
            let mut merged = to_unique_strings(value);
            merged.append(items);
            *items = single_or_multi(field, unique_non_empty(merged));
        }
        (Modifier::Subtract, Slot::List(items)) => {
            let removed = to_unique_strings(value);
            items.retain(|item| !removed.contains(item));
        }
        _ => {}
    }
}

fn error_with(code: ErrorCode, message: String, params: Value) -> FieldError {
    FieldError {
        code: code.as_str(),
        message,
        params: Some(params),
    }
}

fn required_error() -> FieldError {
    FieldError {
        code: ErrorCode::Required.as_str(),
        message: "Cannot be blank.".into(),
        params: None,
    }
}

fn plain_error(code: ErrorCode, message: &str) -> FieldError {
    FieldError {
        code: code.as_str(),
        message: message.into(),
        params: None,
    }
}

/// Normalizes and validates a create (`stored` is `None`) or update (`stored` is the
/// current row) request body against `collection`.
///
/// Unknown keys are ignored, hidden fields are ignored unless the writer is a superuser
/// (the auth `password` excepted), autodate fields are never settable. Every field error
/// is reported at once. Relation existence, unique indexes and the old password hash
/// need the database and are left to the caller.
pub fn prepare(
    collection: &Collection,
    stored: Option<&Map<String, Value>>,
    input: &Map<String, Value>,
    options: &PrepareOptions,
) -> Result<Prepared, FieldErrors> {
    let is_new = stored.is_none();
    let is_auth = collection.is_auth();
    let mut errors = FieldErrors::new();

    // The row before this request, and the working copy.
    let original: Vec<Slot> = collection
        .fields
        .iter()
        .map(|field| match stored.and_then(|row| row.get(&field.name)) {
            Some(value) => Slot::from_stored(field, value),
            None => Slot::zero(field),
        })
        .collect();
    let mut slots = original.clone();

    // Merge uploaded files into the request keys they came with.
    let mut merged_input;
    let input = if options.uploaded_files.is_empty() {
        input
    } else {
        merged_input = input.clone();
        for (key, names) in &options.uploaded_files {
            let is_plain = collection.field(key).is_some();
            let mut items = match merged_input.get(key) {
                Some(existing) if is_plain => to_unique_strings(existing),
                _ => vec![],
            };
            items.extend(names.iter().cloned());
            merged_input.insert(key.clone(), json!(items));
        }
        &merged_input
    };

    // Collect the setters, plain keys first (PocketBase applies shorter keys first).
    let mut operations: Vec<(usize, Modifier, &Value)> = vec![];
    for (key, value) in input {
        if is_auth && (key == "passwordConfirm" || key == "oldPassword") {
            continue;
        }
        let Some((field, modifier)) = find_setter(collection, key) else {
            continue;
        };
        let is_auth_password = is_auth && field.name == "password";
        if field.hidden && !options.is_superuser && !is_auth_password {
            continue;
        }
        if matches!(
            field.kind,
            FieldKind::Autodate { .. } | FieldKind::Password { .. }
        ) {
            continue;
        }
        let index = collection
            .fields
            .iter()
            .position(|candidate| candidate.name == field.name)
            .unwrap_or_default();
        operations.push((index, modifier, value));
    }
    operations.sort_by_key(|(index, modifier, _)| (*modifier, *index));
    for (index, modifier, value) in operations {
        apply(
            &collection.fields[index],
            &mut slots[index],
            modifier,
            value,
        );
    }

    // Autodates, ids and autogenerated text.
    for (index, field) in collection.fields.iter().enumerate() {
        match &field.kind {
            FieldKind::Autodate {
                on_create,
                on_update,
            } if (is_new && *on_create) || (!is_new && *on_update) => {
                slots[index] = Slot::Text(options.now.clone());
            }
            FieldKind::Text {
                autogenerate_pattern,
                primary_key,
                ..
            } if is_new && slots[index].text().is_empty() && !autogenerate_pattern.is_empty() => {
                let generated = if *primary_key {
                    generate_from_pattern(autogenerate_pattern).unwrap_or_else(new_record_id)
                } else {
                    generate_from_pattern(autogenerate_pattern).unwrap_or_default()
                };
                slots[index] = Slot::Text(generated);
            }
            _ => {}
        }
    }

    // Auth form fields.
    let mut new_password = None;
    let mut old_password = None;
    if is_auth {
        let text_of = |key: &str| input.get(key).map(to_string);
        let password = text_of("password");
        let confirm = text_of("passwordConfirm").unwrap_or_default();
        let old = text_of("oldPassword").unwrap_or_default();
        let plain = password.clone().unwrap_or_default();
        let slot_of = |slots: &[Slot], name: &str| {
            collection
                .fields
                .iter()
                .position(|field| field.name == name)
                .map(|index| slots[index].clone())
        };
        if !is_new && !options.manages() && slot_of(&slots, "email") != slot_of(&original, "email")
        {
            errors.insert("email", mismatch());
        }
        if !options.manages() && slot_of(&slots, "verified") != slot_of(&original, "verified") {
            errors.insert("verified", mismatch());
        }
        if (is_new || !confirm.is_empty() || !old.is_empty()) && plain.is_empty() {
            errors.insert("password", required_error());
        }
        if (is_new || !plain.is_empty() || !old.is_empty()) && confirm.is_empty() {
            errors.insert("passwordConfirm", required_error());
        } else if confirm != plain {
            errors.insert("passwordConfirm", mismatch());
        }
        if !is_new
            && !options.manages()
            && (!plain.is_empty() || !confirm.is_empty())
            && old.is_empty()
        {
            errors.insert("oldPassword", required_error());
        }
        if !old.is_empty() {
            old_password = Some(old);
        }
        if let Some(field) = collection
            .fields
            .iter()
            .find(|field| field.name == "password")
        {
            // An explicitly empty password clears the hash, which a required field refuses.
            if field.required && password.as_deref() == Some("") {
                errors.insert("password", required_error());
            }
            if !plain.is_empty() {
                if let Some(error) = validate_password(field, &plain) {
                    errors.insert("password", error);
                }
                new_password = Some(plain);
            }
        }
    }

    // Field validation.
    let original_files: Vec<String> = collection
        .fields
        .iter()
        .zip(&original)
        .filter(|(field, _)| matches!(field.kind, FieldKind::File { .. }))
        .flat_map(|(_, slot)| match slot {
            Slot::List(items) => items.clone(),
            _ => vec![],
        })
        .collect();
    let uploaded: Vec<&String> = options
        .uploaded_files
        .iter()
        .flat_map(|(_, names)| names)
        .collect();
    for (index, field) in collection.fields.iter().enumerate() {
        if !is_new
            && matches!(
                field.kind,
                FieldKind::Text {
                    primary_key: true,
                    ..
                }
            )
        {
            if slots[index] != original[index] {
                errors.insert(
                    field.name.clone(),
                    plain_error(
                        ErrorCode::PkChange,
                        "The record primary key cannot be changed.",
                    ),
                );
            }
            continue;
        }
        let result = match &field.kind {
            FieldKind::File { .. } => {
                let Slot::List(items) = &slots[index] else {
                    continue;
                };
                let previous = match &original[index] {
                    Slot::List(items) => items.as_slice(),
                    _ => &[],
                };
                validate_files(field, items, previous, &uploaded)
            }
            _ => validate_field(field, &slots[index]),
        };
        if let Some(error) = result {
            errors.insert(field.name.clone(), error);
        }
    }

    // The token key changes with the password or the email, unless set explicitly.
    if is_auth
        && let Some(index) = collection
            .fields
            .iter()
            .position(|field| field.name == "tokenKey")
    {
        let email_changed = collection
            .fields
            .iter()
            .position(|field| field.name == "email")
            .is_some_and(|email| slots[email] != original[email]);
        let regenerate = if is_new {
            slots[index].text().is_empty()
        } else {
            slots[index] == original[index] && (new_password.is_some() || email_changed)
        };
        if regenerate {
            slots[index] = Slot::Text(random_string(ALPHANUMERIC, 50));
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }

    let mut values = Map::new();
    let mut changed = vec![];
    for (index, field) in collection.fields.iter().enumerate() {
        if matches!(field.kind, FieldKind::Password { .. }) {
            if new_password.is_some() {
                changed.push(field.name.clone());
            }
            continue;
        }
        if slots[index] != original[index] {
            changed.push(field.name.clone());
        }
        values.insert(field.name.clone(), slots[index].to_value(field));
    }
    let kept: Vec<&String> = collection
        .fields
        .iter()
        .zip(&slots)
        .filter(|(field, _)| matches!(field.kind, FieldKind::File { .. }))
        .flat_map(|(_, slot)| match slot {
            Slot::List(items) => items.iter().collect(),
            _ => vec![],
        })
        .collect();
    let removed_files = original_files
        .into_iter()
        .filter(|name| !kept.contains(&name))
        .collect();
    Ok(Prepared {
        values,
        new_password,
        old_password,
        changed,
        removed_files,
    })
}

fn mismatch() -> FieldError {
    plain_error(ErrorCode::ValuesMismatch, "Values don't match.")
}

/// Generates a value for the simple autogenerate patterns PocketBase uses by default:
/// one character class followed by a repetition count, such as `[a-z0-9]{15}`.
fn generate_from_pattern(pattern: &str) -> Option<String> {
    let body = pattern.strip_prefix('[')?;
    let (class, rest) = body.split_once(']')?;
    let count: usize = rest.strip_prefix('{')?.strip_suffix('}')?.parse().ok()?;
    if count == 0 || count > 255 {
        return None;
    }
    let characters: Vec<char> = class.chars().collect();
    let mut alphabet = vec![];
    let mut position = 0;
    while position < characters.len() {
        if position + 2 < characters.len() && characters[position + 1] == '-' {
            let (start, end) = (characters[position], characters[position + 2]);
            if !start.is_ascii() || !end.is_ascii() || start > end {
                return None;
            }
            alphabet.extend((start as u8)..=(end as u8));
            position += 3;
        } else {
            let single = characters[position];
            if !single.is_ascii() || single == '\\' {
                return None;
            }
            alphabet.push(single as u8);
            position += 1;
        }
    }
    if alphabet.is_empty() {
        return None;
    }
    Some(random_string(&alphabet, count))
}

/// Compiled field patterns, so a create does not compile `^[a-z0-9]+$` again.
static PATTERNS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, Option<regex::Regex>>>,
> = std::sync::LazyLock::new(Default::default);

/// Patterns kept compiled at most; a full cache starts over.
const MAX_PATTERNS: usize = 256;

fn regex_matches(pattern: &str, text: &str) -> bool {
    let compiled = {
        let mut cache = PATTERNS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match cache.get(pattern) {
            Some(compiled) => compiled.clone(),
            None => {
                let compiled = regex::Regex::new(pattern).ok();
                if cache.len() >= MAX_PATTERNS {
                    cache.clear();
                }
                cache.insert(pattern.to_string(), compiled.clone());
                compiled
            }
        }
    };
    // An invalid pattern matches nothing, as Go's `regexp.MatchString` error does.
    compiled.is_some_and(|regex| regex.is_match(text))
}

fn validate_password(field: &Field, plain: &str) -> Option<FieldError> {
    let FieldKind::Password {
        min, max, pattern, ..
    } = &field.kind
    else {
        return None;
    };
    let length = plain.chars().count() as i64;
    if length < *min {
        return Some(plain_error(
            ErrorCode::MinText,
            &format!("Must be at least {min} character(s)."),
        ));
    }
    let max = if *max <= 0 {
        DEFAULT_PASSWORD_MAX
    } else {
        *max
    };
    if length > max {
        return Some(plain_error(
            ErrorCode::MaxText,
            &format!("Must be less than {max} character(s)."),
        ));
    }
    if !pattern.is_empty() && !regex_matches(pattern, plain) {
        return Some(plain_error(
            ErrorCode::InvalidFormat,
            "Invalid value format.",
        ));
    }
    None
}

fn validate_files(
    field: &Field,
    items: &[String],
    previous: &[String],
    uploaded: &[&String],
) -> Option<FieldError> {
    let FieldKind::File { max_select, .. } = &field.kind else {
        return None;
    };
    if items.is_empty() {
        return field.required.then(required_error);
    }
    let invalid: Vec<String> = items
        .iter()
        .filter(|name| !previous.contains(name) && !uploaded.contains(name))
        .map(|name| name.chars().take(250).collect())
        .collect();
    if !invalid.is_empty() {
        return Some(error_with(
            ErrorCode::InvalidFile,
            format!("Invalid new files: [{}].", invalid.join(" ")),
            json!({ "invalidFiles": invalid }),
        ));
    }
    let max_select = (*max_select).max(1);
    if items.len() as i64 > max_select {
        return Some(error_with(
            ErrorCode::TooManyFiles,
            format!("The maximum allowed files is {max_select}."),
            json!({ "maxSelect": max_select }),
        ));
    }
    None
}

/// Validates one prepared value against its field's options.
fn validate_field(field: &Field, slot: &Slot) -> Option<FieldError> {
    match (&field.kind, slot) {
        (
            FieldKind::Text {
                min,
                max,
                pattern,
                primary_key,
                ..
            },
            Slot::Text(text),
        ) => validate_text(field, text, *min, *max, pattern, *primary_key),
        (FieldKind::Editor { max_size, .. }, Slot::Text(text)) => {
            if field.required && text.is_empty() {
                return Some(required_error());
            }
            let limit = if *max_size <= 0 {
                DEFAULT_EDITOR_MAX_SIZE
            } else {
                *max_size
            };
            (text.len() as i64 > limit).then(|| {
                error_with(
                    ErrorCode::ContentTooLarge,
                    format!("The maximum allowed content size is {limit} bytes."),
                    json!({ "maxSize": limit }),
                )
            })
        }
        (
            FieldKind::Email {
                except_domains,
                only_domains,
            },
            Slot::Text(text),
        ) => {
            if text.is_empty() {
                return field.required.then(required_error);
            }
            if !super::syntax::is_email(text) {
                return Some(plain_error(
                    ErrorCode::InvalidEmail,
                    "Must be a valid email address.",
                ));
            }
            let domain = text.rsplit_once('@').map_or("", |(_, domain)| domain);
            domain_error(
                domain,
                only_domains,
                except_domains,
                ErrorCode::EmailDomainNotAllowed,
                "Email domain is not allowed.",
            )
        }
        (
            FieldKind::Url {
                except_domains,
                only_domains,
            },
            Slot::Text(text),
        ) => {
            if text.is_empty() {
                return field.required.then(required_error);
            }
            if !super::syntax::is_url(text) {
                return Some(plain_error(ErrorCode::InvalidUrl, "Must be a valid url."));
            }
            domain_error(
                super::syntax::url_host(text),
                only_domains,
                except_domains,
                ErrorCode::UrlDomainNotAllowed,
                "Url domain is not allowed.",
            )
        }
        (FieldKind::Number { min, max, only_int }, Slot::Number(number)) => {
            validate_number(field, *number, *min, *max, *only_int)
        }
        (FieldKind::Bool, Slot::Bool(flag)) => (field.required && !flag).then(required_error),
        (FieldKind::Date { min, max }, Slot::Text(text)) => validate_date(field, text, min, max),
        (FieldKind::Select { max_select, values }, Slot::List(items)) => {
            if items.is_empty() {
                return field.required.then(required_error);
            }
            let max_select = (*max_select).max(1);
            if items.len() as i64 > max_select {
                return Some(error_with(
                    ErrorCode::TooManyValues,
                    format!("Select no more than {max_select}."),
                    json!({ "maxSelect": max_select }),
                ));
            }
            items
                .iter()
                .find(|item| !values.contains(item))
                .map(|item| {
                    error_with(
                        ErrorCode::InvalidValue,
                        format!("Invalid value {item}."),
                        json!({ "value": item }),
                    )
                })
        }
        (
            FieldKind::Relation {
                min_select,
                max_select,
                ..
            },
            Slot::List(items),
        ) => {
            if items.is_empty() {
                return field.required.then(required_error);
            }
            if *min_select > 0 && (items.len() as i64) < *min_select {
                return Some(error_with(
                    ErrorCode::NotEnoughValues,
                    format!("Select at least {min_select}."),
                    json!({ "minSelect": min_select }),
                ));
            }
            let max_select = (*max_select).max(1);
            if items.len() as i64 > max_select {
                return Some(error_with(
                    ErrorCode::TooManyValues,
                    format!("Select no more than {max_select}."),
                    json!({ "maxSelect": max_select }),
                ));
            }
            // Ids no record can have would fail PocketBase's existence check anyway.
            items
                .iter()
                .any(|id| !super::is_valid_record_id_chars(id))
                .then(|| {
                    plain_error(
                        ErrorCode::MissingRelRecords,
                        "Failed to find all relation records with the provided ids.",
                    )
                })
        }
        (FieldKind::Json { max_size }, Slot::Json(value)) => {
            let limit = if *max_size <= 0 {
                DEFAULT_JSON_MAX_SIZE
            } else {
                *max_size
            };
            let size = serde_json::to_string(value).map_or(0, |text| text.len());
            if size as i64 > limit {
                return Some(error_with(
                    ErrorCode::JsonTooLarge,
                    format!("The maximum allowed JSON size is {limit} bytes."),
                    json!({ "maxSize": limit }),
                ));
            }
            let is_empty = match value {
                Value::Null => true,
                Value::String(text) => text.is_empty(),
                Value::Array(items) => items.is_empty(),
                Value::Object(map) => map.is_empty(),
                _ => false,
            };
            (field.required && is_empty).then(required_error)
        }
        (FieldKind::GeoPoint, Slot::Geo { lon, lat }) => {
            if *lon == 0.0 && *lat == 0.0 {
                return field.required.then(required_error);
            }
            if !(-90.0..=90.0).contains(lat) {
                return Some(plain_error(
                    ErrorCode::InvalidLatitude,
                    "Latitude must be between -90 and 90 degrees.",
                ));
            }
            (!(-180.0..=180.0).contains(lon)).then(|| {
                plain_error(
                    ErrorCode::InvalidLongitude,
                    "Longitude must be between -180 and 180 degrees.",
                )
            })
        }
        _ => None,
    }
}

fn domain_error(
    domain: &str,
    only_domains: &[String],
    except_domains: &[String],
    code: ErrorCode,
    message: &str,
) -> Option<FieldError> {
    let refused = (!only_domains.is_empty() && !only_domains.iter().any(|only| only == domain))
        || except_domains.iter().any(|except| except == domain);
    refused.then(|| plain_error(code, message))
}

fn validate_text(
    field: &Field,
    text: &str,
    min: i64,
    max: i64,
    pattern: &str,
    primary_key: bool,
) -> Option<FieldError> {
    if text.is_empty() {
        return (field.required || primary_key).then(required_error);
    }
    let length = text.chars().count() as i64;
    if min > 0 && length < min {
        return Some(error_with(
            ErrorCode::MinText,
            format!("Must be at least {min} character(s)."),
            json!({ "min": min }),
        ));
    }
    let max = if max == 0 { DEFAULT_TEXT_MAX } else { max };
    if max > 0 && length > max {
        return Some(error_with(
            ErrorCode::MaxText,
            format!("Must be no more than {max} character(s)."),
            json!({ "max": max }),
        ));
    }
    if !pattern.is_empty() && !regex_matches(pattern, text) {
        return Some(plain_error(
            ErrorCode::InvalidFormat,
            "Invalid value format.",
        ));
    }
    if primary_key && pattern != DEFAULT_ID_PATTERN {
        if let Some(character) = FORBIDDEN_PK_CHARACTERS
            .iter()
            .find(|character| text.contains(**character))
        {
            return Some(error_with(
                ErrorCode::ForbiddenPkCharacter,
                format!("'{character}' is not a valid primary key character."),
                json!({ "ch": character }),
            ));
        }
        if let Some(reserved) = RESERVED_PKS
            .iter()
            .find(|reserved| text.eq_ignore_ascii_case(reserved))
        {
            return Some(error_with(
                ErrorCode::ReservedPk,
                format!("The primary key '{reserved}' is reserved and cannot be used."),
                json!({ "reserved": reserved }),
            ));
        }
    }
    None
}

fn validate_number(
    field: &Field,
    number: f64,
    min: Option<f64>,
    max: Option<f64>,
    only_int: bool,
) -> Option<FieldError> {
    if !number.is_finite() {
        return Some(plain_error(
            ErrorCode::NotANumber,
            "The submitted number is not properly formatted.",
        ));
    }
    if number == 0.0 {
        return field.required.then(required_error);
    }
    if only_int && number.fract() != 0.0 {
        return Some(plain_error(
            ErrorCode::OnlyInt,
            "Decimal numbers are not allowed.",
        ));
    }
    if let Some(min) = min
        && number < min
    {
        return Some(error_with(
            ErrorCode::MinNumber,
            format!("Must be greater or equal than {min}."),
            json!({ "min": number_to_json(min) }),
        ));
    }
    if let Some(max) = max
        && number > max
    {
        return Some(error_with(
            ErrorCode::MaxNumber,
            format!("Must be less or equal than {max}."),
            json!({ "max": number_to_json(max) }),
        ));
    }
    None
}

fn validate_date(field: &Field, text: &str, min: &str, max: &str) -> Option<FieldError> {
    if text.is_empty() {
        return field.required.then(required_error);
    }
    let value = super::cast::parse_input_datetime(text)?;
    if let Some(min) = super::cast::parse_input_datetime(min)
        && value < min
    {
        return Some(error_with(
            ErrorCode::MinDate,
            format!("Must be no less than {}.", go_time_string(min)),
            json!({ "threshold": min.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string() }),
        ));
    }
    if let Some(max) = super::cast::parse_input_datetime(max)
        && value > max
    {
        return Some(error_with(
            ErrorCode::MaxDate,
            format!("Must be no greater than {}.", go_time_string(max)),
            json!({ "threshold": max.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string() }),
        ));
    }
    None
}

/// A UTC instant the way Go's `time.Time.String` prints it.
fn go_time_string(instant: chrono::DateTime<chrono::Utc>) -> String {
    instant.format("%Y-%m-%d %H:%M:%S%.f +0000 UTC").to_string()
}
