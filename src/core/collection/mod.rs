//! Collections: the schema model (`Collection`, `Field`, `FieldKind`), its JSON form as
//! PocketBase's collections API speaks it, and validation of a collection against the
//! rest of the schema. Pure: no SQL, no I/O. Start at `Collection::from_json`.

mod field;
mod index;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::core::error::{ErrorCode, FieldErrors};

pub use field::{
    ColumnKind, Field, FieldKind, RESERVED_FIELD_NAMES, default_field_id, is_valid_identifier,
};
pub use index::{Index, parse_index};

/// The three collection types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionKind {
    Base,
    Auth,
    View,
}

impl CollectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CollectionKind::Base => "base",
            CollectionKind::Auth => "auth",
            CollectionKind::View => "view",
        }
    }

    pub fn parse(value: &str) -> Option<CollectionKind> {
        match value {
            "base" => Some(CollectionKind::Base),
            "auth" => Some(CollectionKind::Auth),
            "view" => Some(CollectionKind::View),
            _ => None,
        }
    }
}

/// The fixed id of the superusers collection (the JS SDK recognises superuser tokens by it).
pub const SUPERUSERS_ID: &str = "pbc_3142635823";
pub const SUPERUSERS_NAME: &str = "_superusers";
/// The fixed id of the default `users` collection.
pub const USERS_ID: &str = "_pb_users_auth_";

/// The API rules of a collection. `None` means superusers only, `Some("")` anyone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    pub list: Option<String>,
    pub view: Option<String>,
    pub create: Option<String>,
    pub update: Option<String>,
    pub delete: Option<String>,
    /// Auth collections only.
    pub auth: Option<String>,
    /// Auth collections only.
    pub manage: Option<String>,
}

impl Rules {
    /// Every rule with its JSON key, in PocketBase's order.
    pub fn named(&self) -> Vec<(&'static str, &Option<String>)> {
        vec![
            ("listRule", &self.list),
            ("viewRule", &self.view),
            ("createRule", &self.create),
            ("updateRule", &self.update),
            ("deleteRule", &self.delete),
            ("authRule", &self.auth),
            ("manageRule", &self.manage),
        ]
    }
}

/// One collection of the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    pub id: String,
    pub name: String,
    pub kind: CollectionKind,
    pub system: bool,
    pub fields: Vec<Field>,
    pub indexes: Vec<String>,
    pub rules: Rules,
    /// The SELECT of a view collection; empty otherwise.
    pub view_query: String,
    /// Auth options (token durations, password auth, templates...) kept as PocketBase's JSON.
    pub auth_options: Map<String, Value>,
    pub created: String,
    pub updated: String,
}

impl Collection {
    /// A new collection with the system fields its type needs.
    pub fn new(name: &str, kind: CollectionKind) -> Collection {
        let mut collection = Collection {
            id: default_collection_id(kind, name),
            name: name.to_string(),
            kind,
            system: false,
            fields: vec![],
            indexes: vec![],
            rules: Rules::default(),
            view_query: String::new(),
            auth_options: Map::new(),
            created: String::new(),
            updated: String::new(),
        };
        if kind == CollectionKind::Auth {
            collection.auth_options = default_auth_options();
            collection.rules.auth = Some(String::new());
        }
        collection.ensure_system_fields();
        collection.ensure_token_secrets();
        collection
    }

    pub fn is_auth(&self) -> bool {
        self.kind == CollectionKind::Auth
    }

    pub fn is_view(&self) -> bool {
        self.kind == CollectionKind::View
    }

    pub fn is_superusers(&self) -> bool {
        self.id == SUPERUSERS_ID
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.name == name)
    }

    pub fn field_by_id(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.id == id)
    }

    /// The token options of an auth collection that sign tokens with their own secret.
    pub const TOKEN_OPTIONS: [&'static str; 5] = [
        "authToken",
        "passwordResetToken",
        "emailChangeToken",
        "verificationToken",
        "fileToken",
    ];

    /// Gives one token option a new random secret, invalidating the tokens it signed.
    pub fn rotate_token_secret(&mut self, key: &str) {
        if let Some(Value::Object(options)) = self.auth_options.get_mut(key) {
            options.remove("secret");
        }
        self.ensure_token_secrets();
    }

    /// Gives every token option of an auth collection a random secret if it has none.
    pub fn ensure_token_secrets(&mut self) {
        if self.kind != CollectionKind::Auth {
            return;
        }
        for key in Self::TOKEN_OPTIONS {
            let entry = self
                .auth_options
                .entry(key.to_string())
                .or_insert_with(|| json!({"duration": 1800}));
            if let Value::Object(options) = entry {
                let missing = options
                    .get("secret")
                    .and_then(Value::as_str)
                    .is_none_or(|secret| secret.len() < 30);
                if missing {
                    options.insert(
                        "secret".into(),
                        json!(crate::core::record::random_string(
                            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                            50
                        )),
                    );
                }
            }
        }
    }

    /// The secret and duration (seconds) of one token option, e.g. `authToken`.
    pub fn token_options(&self, key: &str) -> (String, i64) {
        let options = self.auth_options.get(key);
        let secret = options
            .and_then(|o| o.get("secret"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let duration = options
            .and_then(|o| o.get("duration"))
            .and_then(Value::as_i64)
            .unwrap_or(1800);
        (secret, duration)
    }

    /// Adds the system fields the collection's type requires, keeping the ones it has.
    pub fn ensure_system_fields(&mut self) {
        if self.kind == CollectionKind::View {
            if self.field("id").is_none() {
                self.fields.insert(0, id_field());
            }
            return;
        }
        let mut required = vec![id_field()];
        if self.kind == CollectionKind::Auth {
            required.extend(auth_system_fields());
        }
        for (position, system_field) in required.into_iter().enumerate() {
            match self
                .fields
                .iter()
                .position(|field| field.name == system_field.name)
            {
                Some(index) => {
                    // Keep user-tunable options (hidden, min...) but pin type and system flag.
                    let field = &mut self.fields[index];
                    if field.type_name() != system_field.type_name() {
                        *field = system_field;
                    } else {
                        field.system = true;
                        field.id = system_field.id;
                        if field.name == "id" {
                            field.kind = system_field.kind;
                            field.required = true;
                        }
                    }
                }
                None => {
                    let at = position.min(self.fields.len());
                    self.fields.insert(at, system_field);
                }
            }
        }
    }

    /// The collection as the collections API returns it (token secrets left out).
    pub fn to_json(&self) -> Value {
        let mut json = self.to_storage_json();
        if let Value::Object(map) = &mut json {
            for value in map.values_mut() {
                if let Value::Object(options) = value {
                    options.remove("secret");
                }
            }
        }
        json
    }

    /// The collection with everything it stores, token secrets included.
    pub fn to_storage_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), json!(self.id));
        for (key, rule) in self.rules.named().into_iter().take(5) {
            map.insert(key.into(), json!(rule));
        }
        map.insert("name".into(), json!(self.name));
        map.insert("type".into(), json!(self.kind.as_str()));
        map.insert(
            "fields".into(),
            Value::Array(self.fields.iter().map(Field::to_json).collect()),
        );
        map.insert("indexes".into(), json!(self.indexes));
        map.insert("created".into(), json!(self.created));
        map.insert("updated".into(), json!(self.updated));
        map.insert("system".into(), json!(self.system));
        match self.kind {
            CollectionKind::View => {
                map.insert("viewQuery".into(), json!(self.view_query));
            }
            CollectionKind::Auth => {
                map.insert("authRule".into(), json!(self.rules.auth));
                map.insert("manageRule".into(), json!(self.rules.manage));
                for (key, value) in &self.auth_options {
                    map.insert(key.clone(), value.clone());
                }
            }
            CollectionKind::Base => {}
        }
        Value::Object(map)
    }

    /// Builds a collection from the JSON of a create request, or of an update request when
    /// `existing` is the stored collection (keys left out keep their stored values).
    /// Checks shapes and types only; `validate` checks it against the schema.
    pub fn from_json(
        input: &Value,
        existing: Option<&Collection>,
    ) -> Result<Collection, FieldErrors> {
        let mut errors = FieldErrors::new();
        let Some(object) = input.as_object() else {
            errors.add("", ErrorCode::InvalidValue, "Must be a JSON object.");
            return Err(errors);
        };
        let kind = match (object.get("type"), existing) {
            (Some(Value::String(text)), _) => match CollectionKind::parse(text) {
                Some(kind) => kind,
                None => {
                    errors.add(
                        "type",
                        ErrorCode::InvalidValue,
                        "Must be one of base, auth or view.",
                    );
                    CollectionKind::Base
                }
            },
            (None | Some(Value::Null), Some(existing)) => existing.kind,
            (None | Some(Value::Null), None) => CollectionKind::Base,
            (Some(_), _) => {
                errors.add(
                    "type",
                    ErrorCode::InvalidValue,
                    "Must be one of base, auth or view.",
                );
                CollectionKind::Base
            }
        };
        let name = match object.get("name") {
            Some(Value::String(text)) => text.trim().to_string(),
            None | Some(Value::Null) => existing.map(|c| c.name.clone()).unwrap_or_default(),
            Some(_) => {
                errors.add("name", ErrorCode::InvalidValue, "Must be a string.");
                String::new()
            }
        };
        let mut collection = match existing {
            Some(existing) => existing.clone(),
            None => {
                let mut fresh = Collection::new(&name, kind);
                fresh.fields.clear();
                fresh
            }
        };
        collection.name = name;
        if existing.is_none() {
            collection.kind = kind;
            match object.get("id") {
                Some(Value::String(id)) if !id.is_empty() => collection.id = id.clone(),
                None | Some(Value::Null) | Some(Value::String(_)) => {}
                Some(_) => errors.add("id", ErrorCode::InvalidValue, "Must be a string."),
            }
        } else if kind != collection.kind {
            errors.add(
                "type",
                ErrorCode::TypeChange,
                "Collection type cannot be changed.",
            );
        }
        if existing.is_none() && object.contains_key("system") {
            collection.system = object
                .get("system")
                .and_then(Value::as_bool)
                .unwrap_or(false);
        }

        for (key, slot) in [
            ("listRule", &mut collection.rules.list),
            ("viewRule", &mut collection.rules.view),
            ("createRule", &mut collection.rules.create),
            ("updateRule", &mut collection.rules.update),
            ("deleteRule", &mut collection.rules.delete),
            ("authRule", &mut collection.rules.auth),
            ("manageRule", &mut collection.rules.manage),
        ] {
            match object.get(key) {
                None => {}
                Some(Value::Null) => *slot = None,
                Some(Value::String(rule)) => *slot = Some(rule.clone()),
                Some(_) => errors.add(key, ErrorCode::InvalidValue, "Must be a string or null."),
            }
        }

        match object.get("indexes") {
            None => {}
            Some(Value::Null) => collection.indexes.clear(),
            Some(Value::Array(items)) => match items
                .iter()
                .map(|item| item.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
            {
                Some(indexes) => collection.indexes = indexes,
                None => errors.add(
                    "indexes",
                    ErrorCode::InvalidValue,
                    "Must be a list of strings.",
                ),
            },
            Some(_) => errors.add(
                "indexes",
                ErrorCode::InvalidValue,
                "Must be a list of strings.",
            ),
        }

        match object.get("viewQuery") {
            None | Some(Value::Null) => {}
            Some(Value::String(query)) => collection.view_query = query.trim().to_string(),
            Some(_) => errors.add("viewQuery", ErrorCode::InvalidValue, "Must be a string."),
        }

        if kind == CollectionKind::Auth {
            if collection.auth_options.is_empty() {
                collection.auth_options = default_auth_options();
            }
            for key in default_auth_options().keys() {
                if let Some(value) = object.get(key) {
                    let merged = merge_json(collection.auth_options.get(key), value);
                    collection.auth_options.insert(key.clone(), merged);
                }
            }
        } else {
            collection.auth_options.clear();
        }

        // The legacy (before 0.23) `schema` key is accepted as an alias of `fields`.
        let fields_input = object.get("fields").or_else(|| object.get("schema"));
        match fields_input {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                let mut fields = Vec::with_capacity(items.len());
                let mut field_errors = FieldErrors::new();
                for (position, item) in items.iter().enumerate() {
                    let stored = existing.and_then(|existing| {
                        let id = item.get("id").and_then(Value::as_str).unwrap_or("");
                        let by_id = (!id.is_empty()).then(|| existing.field_by_id(id)).flatten();
                        by_id.or_else(|| {
                            // Without an id, a field with the same name keeps its identity.
                            let name = item.get("name").and_then(Value::as_str)?;
                            if id.is_empty() {
                                existing.field(name)
                            } else {
                                None
                            }
                        })
                    });
                    match Field::from_json(item, stored) {
                        Ok(mut field) => {
                            if field.id.is_empty() {
                                field.id =
                                    stored.map(|stored| stored.id.clone()).unwrap_or_else(|| {
                                        default_field_id(field.type_name(), &field.name)
                                    });
                            }
                            fields.push(field);
                        }
                        Err(inner) => field_errors.nest("fields", position.to_string(), inner),
                    }
                }
                if field_errors.is_empty() {
                    dedupe_field_ids(&mut fields);
                    collection.fields = fields;
                } else {
                    errors.merge(field_errors);
                }
            }
            Some(_) => errors.add(
                "fields",
                ErrorCode::InvalidValue,
                "Must be a list of fields.",
            ),
        }

        if collection.id.is_empty() {
            collection.id = default_collection_id(collection.kind, &collection.name);
        }
        collection.ensure_system_fields();
        collection.ensure_token_secrets();
        errors.into_result().map(|()| collection)
    }

    /// Reads a collection as stored (`to_storage_json`), keeping its timestamps, which
    /// client input may not set.
    pub fn from_storage_json(input: &Value) -> Result<Collection, FieldErrors> {
        let mut collection = Collection::from_json(input, None)?;
        let text = |key: &str| {
            input
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        collection.created = text("created");
        collection.updated = text("updated");
        Ok(collection)
    }

    /// Checks the collection against the rest of `schema`. `previous` is the stored version
    /// when this is an update. Rule syntax and view queries are checked by the service,
    /// which owns the rules compiler and the database.
    pub fn validate(&self, schema: &Schema, previous: Option<&Collection>) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if self.name.is_empty() {
            errors.add("name", ErrorCode::Required, "Cannot be blank.");
        } else if !is_valid_identifier(&self.name) {
            errors.add(
                "name",
                ErrorCode::InvalidFormat,
                "Must contain only letters, digits and underscores, start with a letter or underscore, and be at most 100 characters.",
            );
        } else if is_reserved_table_name(&self.name)
            && previous.map(|p| p.name.as_str()) != Some(self.name.as_str())
        {
            errors.add(
                "name",
                ErrorCode::NameInvalid,
                "The name shouldn't match with an existing internal table.",
            );
        } else if let Some(other) = schema.get(&self.name)
            && (previous.is_none() || other.id != self.id)
        {
            errors.add(
                "name",
                ErrorCode::NameExists,
                "Collection name must be unique (case insensitive).",
            );
        }
        if previous.is_none() && schema.by_id(&self.id).is_some() {
            errors.add(
                "id",
                ErrorCode::InvalidId,
                "The model id is invalid or already exists.",
            );
        }
        if !is_valid_collection_id(&self.id) {
            errors.add(
                "id",
                ErrorCode::InvalidId,
                "The model id is invalid or already exists.",
            );
        }
        if let Some(previous) = previous {
            if previous.system && previous.name != self.name {
                errors.add(
                    "name",
                    ErrorCode::SystemChange,
                    "System collection name cannot be changed.",
                );
            }
            // Removing or renaming a system field is refused.
            for old in previous.fields.iter().filter(|field| field.system) {
                match self.field_by_id(&old.id) {
                    Some(new) if new.name == old.name => {}
                    _ => {
                        errors.add(
                            "fields",
                            ErrorCode::SystemFieldChange,
                            "System fields cannot be deleted or renamed.",
                        );
                        break;
                    }
                }
            }
        }

        let mut field_errors = FieldErrors::new();
        let mut seen_names = HashSet::new();
        let mut seen_ids = HashSet::new();
        for (position, field) in self.fields.iter().enumerate() {
            let mut own = field.validate_options();
            if !seen_names.insert(field.name.to_lowercase()) {
                own.add(
                    "name",
                    ErrorCode::NotUnique,
                    "Duplicated or invalid field name.",
                );
            }
            if !seen_ids.insert(field.id.clone()) {
                own.add(
                    "id",
                    ErrorCode::NotUnique,
                    "Duplicated or invalid field id.",
                );
            }
            if matches!(field.kind, FieldKind::Password { .. }) && self.kind != CollectionKind::Auth
            {
                own.add(
                    "type",
                    ErrorCode::InvalidValue,
                    "Password fields are only allowed in auth collections.",
                );
            }
            if let FieldKind::Relation { collection_id, .. } = &field.kind
                && !collection_id.is_empty()
            {
                let target = schema
                    .by_id(collection_id)
                    .map(|c| c.kind)
                    .or_else(|| (collection_id == &self.id).then_some(self.kind));
                match target {
                    None => own.add(
                        "collectionId",
                        ErrorCode::MissingRelCollection,
                        "Relation connection is missing or cannot be accessed.",
                    ),
                    Some(CollectionKind::View) if self.kind != CollectionKind::View => own.add(
                        "collectionId",
                        ErrorCode::InvalidValue,
                        "Non view collections are not allowed to have a view relation.",
                    ),
                    Some(_) => {}
                }
            }
            if let Some(previous) = previous
                && let Some(old) = previous.field_by_id(&field.id)
                && old.type_name() != field.type_name()
            {
                own.add(
                    "type",
                    ErrorCode::FieldTypeChange,
                    "Field type cannot be changed.",
                );
            }
            field_errors.nest("fields", position.to_string(), own);
        }
        errors.merge(field_errors);

        if self.kind == CollectionKind::View {
            if self.view_query.is_empty() {
                errors.add("viewQuery", ErrorCode::Required, "Cannot be blank.");
            }
            if !self.indexes.is_empty() {
                errors.add(
                    "indexes",
                    ErrorCode::InvalidIndex,
                    "View collections don't support indexes.",
                );
            }
        } else {
            let mut index_names = HashSet::new();
            for (position, sql) in self.indexes.iter().enumerate() {
                let problem = match parse_index(sql) {
                    Err(message) => Some(message),
                    Ok(index) if !index_names.insert(index.name.to_lowercase()) => {
                        Some("Duplicated index name.".to_string())
                    }
                    Ok(index) => index
                        .columns
                        .iter()
                        .find(|column| self.field(&column.name).is_none())
                        .map(|column| format!("Unknown index column {}.", column.name)),
                };
                if let Some(message) = problem {
                    errors.nest_error(
                        "indexes",
                        position.to_string(),
                        ErrorCode::InvalidIndex,
                        message,
                    );
                }
            }
        }
        errors
    }

    /// Rewrites index SQL so that it targets the collection's current table name.
    pub fn normalized_indexes(&self) -> Vec<Index> {
        self.indexes
            .iter()
            .filter_map(|sql| parse_index(sql).ok())
            .map(|mut index| {
                index.table = self.name.clone();
                index
            })
            .collect()
    }
}

fn dedupe_field_ids(fields: &mut [Field]) {
    let mut seen = HashSet::new();
    for field in fields.iter_mut() {
        if seen.insert(field.id.clone()) {
            continue;
        }
        let base = field.id.clone();
        for suffix in 2..1000 {
            let candidate = format!("{base}{suffix}");
            if !seen.contains(&candidate) {
                field.id = candidate;
                break;
            }
        }
        seen.insert(field.id.clone());
    }
}

/// Merges a JSON patch value into a stored one (objects merge key by key).
fn merge_json(stored: Option<&Value>, patch: &Value) -> Value {
    match (stored, patch) {
        (Some(Value::Object(stored)), Value::Object(patch)) => {
            let mut merged = stored.clone();
            for (key, value) in patch {
                let inner = merge_json(stored.get(key), value);
                merged.insert(key.clone(), inner);
            }
            Value::Object(merged)
        }
        _ => patch.clone(),
    }
}

/// PocketBase's default collection id: `pbc_` + crc32(type + name).
pub fn default_collection_id(kind: CollectionKind, name: &str) -> String {
    format!(
        "pbc_{}",
        crc32fast::hash(format!("{}{name}", kind.as_str()).as_bytes())
    )
}

fn is_valid_collection_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 100 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Names of internal tables a collection may not take.
pub fn is_reserved_table_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    matches!(
        lower.as_str(),
        "_collections"
            | "_params"
            | "_migrations"
            | "_outbox"
            | "_modules"
            | "_user_modules"
            | "_logs"
            | "_external_auths"
            | "_mfas"
            | "_otps"
            | "_auth_origins"
    ) || lower.starts_with("sqlite_")
}

fn id_field() -> Field {
    let mut field = Field::new(
        "id",
        FieldKind::Text {
            min: 15,
            max: 15,
            pattern: "^[a-z0-9]+$".into(),
            autogenerate_pattern: "[a-z0-9]{15}".into(),
            primary_key: true,
        },
    )
    .system()
    .required();
    field.id = default_field_id("text", "id");
    field
}

fn auth_system_fields() -> Vec<Field> {
    vec![
        Field::new(
            "password",
            FieldKind::Password {
                cost: 0,
                min: 8,
                max: 0,
                pattern: String::new(),
            },
        )
        .system()
        .required()
        .hidden(),
        Field::new(
            "tokenKey",
            FieldKind::Text {
                min: 30,
                max: 60,
                pattern: String::new(),
                autogenerate_pattern: "[a-zA-Z0-9]{50}".into(),
                primary_key: false,
            },
        )
        .system()
        .required()
        .hidden(),
        Field::new(
            "email",
            FieldKind::Email {
                except_domains: vec![],
                only_domains: vec![],
            },
        )
        .system()
        .required(),
        Field::new("emailVisibility", FieldKind::Bool).system(),
        Field::new("verified", FieldKind::Bool).system(),
    ]
}

/// The auth options of a new auth collection, as PocketBase names them.
pub fn default_auth_options() -> Map<String, Value> {
    let options = json!({
        "authAlert": {"enabled": true, "emailTemplate": {"subject": "Login from a new location", "body": "<p>Hello,</p>\n<p>We noticed a login to your {APP_NAME} account from a new location:</p>\n<p><em>{ALERT_INFO}</em></p>\n<p>If this wasn't you, change your {APP_NAME} password now.</p>"}},
        "oauth2": {"providers": [], "mappedFields": {"id": "", "name": "", "username": "", "avatarURL": ""}, "enabled": false},
        "passwordAuth": {"enabled": true, "identityFields": ["email"]},
        "mfa": {"enabled": false, "duration": 1800, "rule": ""},
        "otp": {"enabled": false, "duration": 180, "length": 8, "emailTemplate": {"subject": "OTP for {APP_NAME}", "body": "<p>Hello,</p>\n<p>Your one-time password is: <strong>{OTP}</strong></p>"}},
        "authToken": {"duration": 604800},
        "passwordResetToken": {"duration": 1800},
        "emailChangeToken": {"duration": 1800},
        "verificationToken": {"duration": 259200},
        "fileToken": {"duration": 180},
        "verificationTemplate": {"subject": "Verify your {APP_NAME} email", "body": "<p>Hello,</p>\n<p>Follow this link to verify your email: <a href=\"{APP_URL}/_/#/auth/confirm-verification/{TOKEN}\">verify</a></p>"},
        "resetPasswordTemplate": {"subject": "Reset your {APP_NAME} password", "body": "<p>Hello,</p>\n<p>Follow this link to reset your password: <a href=\"{APP_URL}/_/#/auth/confirm-password-reset/{TOKEN}\">reset password</a></p>"},
        "confirmEmailChangeTemplate": {"subject": "Confirm your {APP_NAME} new email address", "body": "<p>Hello,</p>\n<p>Follow this link to confirm your new email address: <a href=\"{APP_URL}/_/#/auth/confirm-email-change/{TOKEN}\">confirm</a></p>"}
    });
    match options {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The collections present on a new data dir: `_superusers` and `users`.
pub fn bootstrap_collections(now: &str) -> Vec<Collection> {
    let mut superusers = Collection::new(SUPERUSERS_NAME, CollectionKind::Auth);
    superusers.id = SUPERUSERS_ID.into();
    superusers.system = true;
    superusers.rules.auth = Some(String::new());
    superusers
        .auth_options
        .insert("authToken".into(), json!({"duration": 86400}));
    superusers.indexes = vec![
        format!(
            "CREATE UNIQUE INDEX `idx_tokenKey_{SUPERUSERS_ID}` ON `{SUPERUSERS_NAME}` (`tokenKey`)"
        ),
        format!(
            "CREATE UNIQUE INDEX `idx_email_{SUPERUSERS_ID}` ON `{SUPERUSERS_NAME}` (`email`) WHERE `email` != ''"
        ),
    ];
    add_autodates(&mut superusers);

    let mut users = Collection::new("users", CollectionKind::Auth);
    users.id = USERS_ID.into();
    let owner = "id = @request.auth.id".to_string();
    users.rules = Rules {
        list: Some(owner.clone()),
        view: Some(owner.clone()),
        create: Some(String::new()),
        update: Some(owner.clone()),
        delete: Some(owner),
        auth: Some(String::new()),
        manage: None,
    };
    users.fields.push(Field::new(
        "name",
        FieldKind::Text {
            min: 0,
            max: 255,
            pattern: String::new(),
            autogenerate_pattern: String::new(),
            primary_key: false,
        },
    ));
    users.fields.push(Field::new(
        "avatar",
        FieldKind::File {
            max_select: 1,
            max_size: 0,
            mime_types: [
                "image/jpeg",
                "image/png",
                "image/svg+xml",
                "image/gif",
                "image/webp",
            ]
            .map(String::from)
            .to_vec(),
            thumbs: vec![],
            protected: false,
        },
    ));
    add_autodates(&mut users);
    users.indexes = vec![
        format!("CREATE UNIQUE INDEX `idx_tokenKey_{USERS_ID}` ON `users` (`tokenKey`)"),
        format!(
            "CREATE UNIQUE INDEX `idx_email_{USERS_ID}` ON `users` (`email`) WHERE `email` != ''"
        ),
    ];
    for collection in [&mut superusers, &mut users] {
        collection.ensure_token_secrets();
        collection.created = now.to_string();
        collection.updated = now.to_string();
    }
    vec![superusers, users]
}

fn add_autodates(collection: &mut Collection) {
    collection.fields.push(Field::new(
        "created",
        FieldKind::Autodate {
            on_create: true,
            on_update: false,
        },
    ));
    collection.fields.push(Field::new(
        "updated",
        FieldKind::Autodate {
            on_create: true,
            on_update: true,
        },
    ));
}

/// An immutable snapshot of every collection, shared by readers through an `Arc`.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    collections: Vec<Arc<Collection>>,
    by_name: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
}

impl Schema {
    pub fn new(collections: Vec<Collection>) -> Schema {
        let collections: Vec<Arc<Collection>> = collections.into_iter().map(Arc::new).collect();
        let by_name = collections
            .iter()
            .enumerate()
            .map(|(index, c)| (c.name.to_lowercase(), index))
            .collect();
        let by_id = collections
            .iter()
            .enumerate()
            .map(|(index, c)| (c.id.clone(), index))
            .collect();
        Schema {
            collections,
            by_name,
            by_id,
        }
    }

    /// Looks a collection up by name (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&Arc<Collection>> {
        self.by_name
            .get(&name.to_lowercase())
            .map(|&index| &self.collections[index])
    }

    pub fn by_id(&self, id: &str) -> Option<&Arc<Collection>> {
        self.by_id.get(id).map(|&index| &self.collections[index])
    }

    /// Looks a collection up by id first, then by name, as PocketBase's `idOrName` does.
    pub fn by_id_or_name(&self, id_or_name: &str) -> Option<&Arc<Collection>> {
        self.by_id(id_or_name).or_else(|| self.get(id_or_name))
    }

    pub fn all(&self) -> &[Arc<Collection>] {
        &self.collections
    }

    /// A new schema with `collection` inserted or replaced (matched by id).
    pub fn with(&self, collection: Collection) -> Schema {
        let mut list: Vec<Collection> = self.collections.iter().map(|c| (**c).clone()).collect();
        match list.iter().position(|c| c.id == collection.id) {
            Some(index) => list[index] = collection,
            None => list.push(collection),
        }
        Schema::new(list)
    }

    /// A new schema without the collection of this id.
    pub fn without(&self, id: &str) -> Schema {
        Schema::new(
            self.collections
                .iter()
                .filter(|c| c.id != id)
                .map(|c| (**c).clone())
                .collect(),
        )
    }

    /// Every relation field (in any collection) that points at `collection_id`.
    pub fn relations_to(&self, collection_id: &str) -> Vec<(Arc<Collection>, Field)> {
        let mut found = vec![];
        for collection in &self.collections {
            for field in &collection.fields {
                if let FieldKind::Relation {
                    collection_id: target,
                    ..
                } = &field.kind
                    && target == collection_id
                {
                    found.push((collection.clone(), field.clone()));
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests;
