//! The schema editor's state: a collection as it is being edited. It is read from a stored
//! collection or from the editor's form (the form is the state; every editor action posts
//! it whole), turned into exactly the JSON `POST /api/collections` and
//! `PATCH /api/collections/{id}` take, and rendered back with the service's validation
//! errors next to the inputs they belong to.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::core::collection::{Collection, CollectionKind, Field};
use crate::ui::form::Form;

/// The field types the editor offers, with their labels, in PocketBase's order.
pub(crate) const FIELD_TYPES: &[(&str, &str)] = &[
    ("text", "Plain text"),
    ("editor", "Rich editor"),
    ("number", "Number"),
    ("bool", "Bool"),
    ("email", "Email"),
    ("url", "URL"),
    ("date", "DateTime"),
    ("autodate", "Autodate"),
    ("select", "Select"),
    ("file", "File"),
    ("relation", "Relation"),
    ("json", "JSON"),
    ("geoPoint", "Geo point"),
    ("password", "Password"),
];

/// How one option is edited and read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    /// An integer; blank is 0.
    Int,
    /// A number; blank is `null` (no limit).
    Number,
    Bool,
    Text,
    /// A comma-separated list of strings.
    List,
    /// A collection id, picked from the schema.
    Collection,
}

impl Input {
    fn as_str(self) -> &'static str {
        match self {
            Input::Int => "int",
            Input::Number => "number",
            Input::Bool => "bool",
            Input::Text => "text",
            Input::List => "list",
            Input::Collection => "collection",
        }
    }
}

/// The options of each field type, as `Field::to_json` names them (`primaryKey`, only the
/// system `id` field's, is not editable).
const OPTIONS: &[(&str, &str, &str, Input)] = &[
    ("text", "min", "Min length", Input::Int),
    ("text", "max", "Max length", Input::Int),
    ("text", "pattern", "Validation pattern (regex)", Input::Text),
    (
        "text",
        "autogeneratePattern",
        "Autogenerate pattern",
        Input::Text,
    ),
    ("editor", "maxSize", "Max size (bytes)", Input::Int),
    ("editor", "convertURLs", "Convert URLs", Input::Bool),
    ("number", "min", "Min", Input::Number),
    ("number", "max", "Max", Input::Number),
    ("number", "onlyInt", "Integers only", Input::Bool),
    ("email", "exceptDomains", "Except domains", Input::List),
    ("email", "onlyDomains", "Only domains", Input::List),
    ("url", "exceptDomains", "Except domains", Input::List),
    ("url", "onlyDomains", "Only domains", Input::List),
    ("date", "min", "Min date (UTC)", Input::Text),
    ("date", "max", "Max date (UTC)", Input::Text),
    ("autodate", "onCreate", "Set on create", Input::Bool),
    ("autodate", "onUpdate", "Set on update", Input::Bool),
    ("select", "values", "Choices (comma-separated)", Input::List),
    ("select", "maxSelect", "Max select", Input::Int),
    ("json", "maxSize", "Max size (bytes)", Input::Int),
    ("file", "maxSelect", "Max files", Input::Int),
    ("file", "maxSize", "Max file size (bytes)", Input::Int),
    ("file", "mimeTypes", "Allowed MIME types", Input::List),
    ("file", "thumbs", "Thumb sizes (e.g. 100x100)", Input::List),
    ("file", "protected", "Protected", Input::Bool),
    ("relation", "collectionId", "Collection", Input::Collection),
    ("relation", "cascadeDelete", "Cascade delete", Input::Bool),
    ("relation", "minSelect", "Min select", Input::Int),
    ("relation", "maxSelect", "Max select", Input::Int),
    ("password", "min", "Min length", Input::Int),
    ("password", "max", "Max length", Input::Int),
    (
        "password",
        "pattern",
        "Validation pattern (regex)",
        Input::Text,
    ),
    ("password", "cost", "Bcrypt cost", Input::Int),
];

/// The API rules, with their labels; the last two belong to auth collections only.
const RULES: &[(&str, &str)] = &[
    ("listRule", "List/Search rule"),
    ("viewRule", "View rule"),
    ("createRule", "Create rule"),
    ("updateRule", "Update rule"),
    ("deleteRule", "Delete rule"),
    ("authRule", "Auth rule"),
    ("manageRule", "Manage rule"),
];

/// The auth options the editor shows: (form and error key, label, input). The rest of an
/// auth collection's options are left out of the JSON, so the service keeps them.
const AUTH_OPTIONS: &[(&str, &str, Input)] = &[
    ("passwordAuth.enabled", "Password auth enabled", Input::Bool),
    (
        "passwordAuth.identityFields",
        "Identity fields (comma-separated)",
        Input::List,
    ),
    (
        "otp.enabled",
        "One-time password (OTP) enabled",
        Input::Bool,
    ),
    ("otp.duration", "OTP duration (seconds)", Input::Int),
    ("otp.length", "OTP length", Input::Int),
    (
        "authToken.duration",
        "Auth token duration (seconds)",
        Input::Int,
    ),
];

/// One option input of a field.
#[derive(Debug, Clone)]
pub(crate) struct DraftOption {
    pub key: &'static str,
    pub label: &'static str,
    pub input: &'static str,
    /// The text of the input; `on` or empty for checkboxes.
    pub value: String,
    pub error: Option<String>,
}

impl DraftOption {
    pub(crate) fn checked(&self) -> bool {
        !self.value.is_empty()
    }

    /// The items of a list option, for the JSON.
    fn items(&self) -> Vec<String> {
        self.value
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// One field of the draft.
#[derive(Debug, Clone)]
pub(crate) struct DraftField {
    /// A stable key for element ids (the field id for stored fields, `n<number>` for new).
    pub key: String,
    /// The stored field's id; empty for a field added in this editor.
    pub id: String,
    pub name: String,
    pub type_name: String,
    pub system: bool,
    /// The field exists in the saved collection (removing it loses data).
    pub stored: bool,
    /// The saved name when the field is being renamed.
    pub stored_name: String,
    pub required: bool,
    pub hidden: bool,
    pub presentable: bool,
    pub help: String,
    pub options: Vec<DraftOption>,
    pub name_error: Option<String>,
    /// Errors of the field that belong to no single input.
    pub errors: Vec<String>,
}

impl DraftField {
    /// A field as it is stored (or, for a new collection, as the type's template has it).
    fn from_field(field: &Field, stored: bool, key: String) -> DraftField {
        let json = field.to_json();
        let options = OPTIONS
            .iter()
            .filter(|(type_name, ..)| *type_name == field.type_name())
            .map(|&(_, key, label, input)| DraftOption {
                key,
                label,
                input: input.as_str(),
                value: option_text(json.get(key)),
                error: None,
            })
            .collect();
        DraftField {
            key,
            id: field.id.clone(),
            name: field.name.clone(),
            type_name: field.type_name().to_owned(),
            system: field.system,
            stored,
            stored_name: if stored {
                field.name.clone()
            } else {
                String::new()
            },
            required: field.required,
            hidden: field.hidden,
            presentable: field.presentable,
            help: field.help.clone(),
            options,
            name_error: None,
            errors: vec![],
        }
    }

    /// A new field of a type, with the defaults a new field gets in PocketBase's editor.
    pub(crate) fn new(type_name: &str, name: &str, key: String) -> Option<DraftField> {
        let field = Field::from_json(&json!({"type": type_name, "name": name}), None).ok()?;
        let mut draft = DraftField::from_field(&field, false, key);
        draft.id.clear();
        for option in &mut draft.options {
            match (type_name, option.key) {
                ("select" | "file" | "relation", "maxSelect") => option.value = "1".into(),
                ("autodate", "onCreate") => option.value = "on".into(),
                _ => {}
            }
        }
        Some(draft)
    }

    pub(crate) fn type_label(&self) -> &'static str {
        FIELD_TYPES
            .iter()
            .find(|(name, _)| *name == self.type_name)
            .map(|(_, label)| *label)
            .unwrap_or("Unknown")
    }

    /// Autodate fields have no `required` flag and no help text.
    pub(crate) fn has_required(&self) -> bool {
        self.type_name != "autodate"
    }

    pub(crate) fn renamed(&self) -> bool {
        self.stored && self.stored_name != self.name
    }

    /// The field's JSON; options that do not parse are sent as text (so the service names
    /// them), or left out when `lenient`.
    fn to_json(&self, lenient: bool) -> Value {
        let mut map = Map::new();
        if !self.id.is_empty() {
            map.insert("id".into(), json!(self.id));
        }
        map.insert("name".into(), json!(self.name.trim()));
        map.insert("type".into(), json!(self.type_name));
        map.insert("hidden".into(), json!(self.hidden));
        map.insert("presentable".into(), json!(self.presentable));
        if self.has_required() {
            map.insert("required".into(), json!(self.required));
            map.insert("help".into(), json!(self.help));
        }
        for option in &self.options {
            let raw = option.value.trim();
            let value = match OPTIONS
                .iter()
                .find(|(type_name, key, ..)| *type_name == self.type_name && *key == option.key)
                .map(|spec| spec.3)
            {
                Some(Input::Int) if raw.is_empty() => json!(0),
                Some(Input::Int) => match raw.parse::<i64>() {
                    Ok(number) => json!(number),
                    Err(_) if lenient => continue,
                    Err(_) => json!(raw),
                },
                Some(Input::Number) if raw.is_empty() => Value::Null,
                Some(Input::Number) => match raw.parse::<f64>() {
                    Ok(number) if number.is_finite() => json!(number),
                    _ if lenient => continue,
                    _ => json!(raw),
                },
                Some(Input::Bool) => json!(option.checked()),
                Some(Input::List) => json!(option.items()),
                Some(Input::Text | Input::Collection) => json!(raw),
                None => continue,
            };
            map.insert(option.key.into(), value);
        }
        Value::Object(map)
    }
}

/// The text of an option's input for its stored JSON value.
fn option_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Bool(true)) => "on".into(),
        Some(Value::Bool(false)) => String::new(),
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// One index of the draft.
#[derive(Debug, Clone)]
pub(crate) struct DraftIndex {
    pub sql: String,
    pub error: Option<String>,
}

/// One API rule of the draft.
#[derive(Debug, Clone)]
pub(crate) struct DraftRule {
    pub key: &'static str,
    pub label: &'static str,
    /// `null`: superusers only.
    pub superusers: bool,
    pub expression: String,
    pub error: Option<String>,
}

/// One auth option input.
#[derive(Debug, Clone)]
pub(crate) struct DraftAuthOption {
    pub key: &'static str,
    pub label: &'static str,
    pub input: &'static str,
    pub value: String,
    pub error: Option<String>,
}

impl DraftAuthOption {
    pub(crate) fn checked(&self) -> bool {
        !self.value.is_empty()
    }

    /// The element id (the key with `.` replaced).
    pub(crate) fn element_id(&self) -> String {
        format!("auth-{}", self.key.replace('.', "-"))
    }
}

/// A collection as it is being edited.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    /// The saved collection; `None` for a new one.
    pub original: Option<Arc<Collection>>,
    pub name: String,
    pub kind: CollectionKind,
    pub fields: Vec<DraftField>,
    pub indexes: Vec<DraftIndex>,
    pub rules: Vec<DraftRule>,
    pub view_query: String,
    pub auth_options: Vec<DraftAuthOption>,
    pub name_error: Option<String>,
    pub fields_error: Option<String>,
    pub indexes_error: Option<String>,
    pub view_query_error: Option<String>,
    /// Errors that belong to no input.
    pub errors: Vec<String>,
}

impl Draft {
    /// A stored collection, ready to edit.
    pub(crate) fn from_collection(collection: &Arc<Collection>) -> Draft {
        let mut draft = Draft::from_template(collection, true);
        draft.original = Some(collection.clone());
        draft
    }

    /// An empty new collection of a type: its system fields, plus `created` and `updated`
    /// for base and auth collections, as PocketBase's editor starts.
    pub(crate) fn new_collection(kind: CollectionKind) -> Draft {
        let mut template = Collection::new("", kind);
        if kind != CollectionKind::View {
            for (name, on_update) in [("created", false), ("updated", true)] {
                template.fields.push(Field::new(
                    name,
                    crate::core::collection::FieldKind::Autodate {
                        on_create: true,
                        on_update,
                    },
                ));
            }
        }
        let mut draft = Draft::from_template(&template, false);
        for field in &mut draft.fields {
            if !field.system {
                field.id.clear();
            }
        }
        draft
    }

    fn from_template(collection: &Collection, stored: bool) -> Draft {
        let mut counter = 0;
        let fields = collection
            .fields
            .iter()
            .map(|field| {
                let key = if is_key(&field.id) {
                    field.id.clone()
                } else {
                    counter += 1;
                    format!("n{counter}")
                };
                DraftField::from_field(field, stored, key)
            })
            .collect();
        let rules = collection
            .rules
            .named()
            .into_iter()
            .filter(|(key, _)| rule_applies(collection.kind, key))
            .map(|(key, rule)| DraftRule {
                key,
                label: rule_label(key),
                superusers: rule.is_none(),
                expression: rule.clone().unwrap_or_default(),
                error: None,
            })
            .collect();
        let auth_options = if collection.is_auth() {
            AUTH_OPTIONS
                .iter()
                .map(|&(key, label, input)| {
                    let value = key.split_once('.').and_then(|(section, name)| {
                        collection.auth_options.get(section)?.get(name)
                    });
                    DraftAuthOption {
                        key,
                        label,
                        input: input.as_str(),
                        value: option_text(value),
                        error: None,
                    }
                })
                .collect()
        } else {
            vec![]
        };
        Draft {
            original: None,
            name: collection.name.clone(),
            kind: collection.kind,
            fields,
            indexes: collection
                .indexes
                .iter()
                .map(|sql| DraftIndex {
                    sql: sql.clone(),
                    error: None,
                })
                .collect(),
            rules,
            view_query: collection.view_query.clone(),
            auth_options,
            name_error: None,
            fields_error: None,
            indexes_error: None,
            view_query_error: None,
            errors: vec![],
        }
    }

    /// The draft the editor's form describes. `original` is the collection the page edits
    /// (from the URL, never from the form); a new collection's type comes from the form.
    pub(crate) fn from_form(form: &Form, original: Option<Arc<Collection>>) -> Draft {
        let kind = match &original {
            Some(collection) => collection.kind,
            None => CollectionKind::parse(form.get("type").unwrap_or_default())
                .unwrap_or(CollectionKind::Base),
        };
        Draft::from_form_as(form, original, kind)
    }

    /// `from_form`, reading the form as a collection of `kind`.
    pub(crate) fn from_form_as(
        form: &Form,
        original: Option<Arc<Collection>>,
        kind: CollectionKind,
    ) -> Draft {
        let template = Draft::new_collection(kind);
        let mut used_keys = std::collections::HashSet::new();
        let mut fields = vec![];
        if kind != CollectionKind::View {
            for index in form.indexes("fields").into_iter().take(1000) {
                let at = |key: &str| format!("fields.{index}.{key}");
                let id = form.string(&at("id"));
                let stored = original
                    .as_ref()
                    .and_then(|collection| collection.field_by_id(&id).cloned());
                let template_field = template
                    .fields
                    .iter()
                    .find(|field| field.system && !id.is_empty() && field.id == id);
                let type_name = match (&stored, template_field) {
                    (Some(field), _) => field.type_name().to_owned(),
                    (None, Some(field)) => field.type_name.clone(),
                    (None, None) => {
                        let given = form.string(&at("type"));
                        match FIELD_TYPES.iter().find(|(name, _)| *name == given) {
                            Some((name, _)) => (*name).to_owned(),
                            None => continue,
                        }
                    }
                };
                let name = form.string(&at("name"));
                let mut key = form.string(&at("_key"));
                if !is_key(&key) || used_keys.contains(&key) {
                    key = String::new();
                }
                let mut field = match (&stored, template_field) {
                    (Some(field), _) => DraftField::from_field(field, true, key.clone()),
                    (None, Some(field)) => field.clone(),
                    (None, None) => match DraftField::new(&type_name, &name, key.clone()) {
                        Some(field) => field,
                        None => continue,
                    },
                };
                field.key = key;
                if !field.system {
                    field.name = name;
                    field.required = form.checked(&at("required"));
                    field.hidden = form.checked(&at("hidden"));
                    field.presentable = form.checked(&at("presentable"));
                    field.help = form.string(&at("help"));
                    for option in &mut field.options {
                        option.value = if option.input == "bool" {
                            if form.checked(&at(option.key)) {
                                "on".into()
                            } else {
                                String::new()
                            }
                        } else {
                            form.string(&at(option.key))
                        };
                    }
                }
                if !field.key.is_empty() {
                    used_keys.insert(field.key.clone());
                }
                fields.push(field);
            }
        }
        // Fields whose key was missing or taken get fresh ones.
        let mut counter = 0;
        for field in &mut fields {
            if field.key.is_empty() {
                loop {
                    counter += 1;
                    let key = format!("n{counter}");
                    if used_keys.insert(key.clone()) {
                        field.key = key;
                        break;
                    }
                }
            }
        }
        let indexes = if kind == CollectionKind::View {
            vec![]
        } else {
            form.indexes("indexes")
                .into_iter()
                .take(200)
                .map(|index| DraftIndex {
                    sql: form.string(&format!("indexes.{index}")),
                    error: None,
                })
                .collect()
        };
        let rules = RULES
            .iter()
            .filter(|(key, _)| rule_applies(kind, key))
            .map(|&(key, label)| DraftRule {
                key,
                label,
                superusers: form.checked(&format!("{key}.null")),
                expression: form.string(key),
                error: None,
            })
            .collect();
        let auth_options = if kind == CollectionKind::Auth {
            AUTH_OPTIONS
                .iter()
                .map(|&(key, label, input)| DraftAuthOption {
                    key,
                    label,
                    input: input.as_str(),
                    value: if input == Input::Bool {
                        if form.checked(key) {
                            "on".into()
                        } else {
                            String::new()
                        }
                    } else {
                        form.string(key)
                    },
                    error: None,
                })
                .collect()
        } else {
            vec![]
        };
        Draft {
            original,
            name: form.string("name"),
            kind,
            fields,
            indexes,
            rules,
            view_query: form.string("viewQuery"),
            auth_options,
            name_error: None,
            fields_error: None,
            indexes_error: None,
            view_query_error: None,
            errors: vec![],
        }
    }

    pub(crate) fn is_new(&self) -> bool {
        self.original.is_none()
    }

    pub(crate) fn kind_name(&self) -> &'static str {
        self.kind.as_str()
    }

    pub(crate) fn is_view(&self) -> bool {
        self.kind == CollectionKind::View
    }

    pub(crate) fn is_auth(&self) -> bool {
        self.kind == CollectionKind::Auth
    }

    /// The field types that can be added to this collection.
    pub(crate) fn addable_types(&self) -> Vec<(&'static str, &'static str)> {
        FIELD_TYPES
            .iter()
            .filter(|(name, _)| *name != "password" || self.is_auth())
            .copied()
            .collect()
    }

    /// A fresh key for a new field.
    pub(crate) fn next_key(&self) -> String {
        (1..)
            .map(|number| format!("n{number}"))
            .find(|key| self.fields.iter().all(|field| &field.key != key))
            .unwrap_or_default()
    }

    /// A name no field has yet: `field`, `field2`, ...
    pub(crate) fn next_field_name(&self) -> String {
        let taken = |name: &str| {
            self.fields
                .iter()
                .any(|field| field.name.eq_ignore_ascii_case(name))
        };
        if !taken("field") {
            return "field".into();
        }
        (2..)
            .map(|number| format!("field{number}"))
            .find(|name| !taken(name))
            .unwrap_or_default()
    }

    /// An index statement to start from: a plain index on the first user field.
    pub(crate) fn index_template(&self) -> String {
        let table = if self.name.trim().is_empty() {
            "collection"
        } else {
            self.name.trim()
        };
        let column = self
            .fields
            .iter()
            .find(|field| !field.system)
            .map(|field| field.name.as_str())
            .unwrap_or("id");
        let mut number = self.indexes.len() + 1;
        let mut name = format!("idx_{table}_{number}");
        while self.indexes.iter().any(|index| index.sql.contains(&name)) {
            number += 1;
            name = format!("idx_{table}_{number}");
        }
        format!("CREATE INDEX `{name}` ON `{table}` (`{column}`)")
    }

    /// Switches a new collection's type: the system fields of the old type go, the new
    /// type's come first; a view has no fields of its own (they are inferred).
    pub(crate) fn retype(&mut self, kind: CollectionKind) {
        let template = Draft::new_collection(kind);
        let mut fields: Vec<DraftField> = template
            .fields
            .iter()
            .filter(|field| field.system)
            .cloned()
            .collect();
        if kind != CollectionKind::View {
            let old_kind = self.kind;
            let user_fields: Vec<DraftField> = if old_kind == CollectionKind::View {
                template.fields.into_iter().filter(|f| !f.system).collect()
            } else {
                self.fields
                    .iter()
                    .filter(|field| !field.system)
                    .filter(|field| kind == CollectionKind::Auth || field.type_name != "password")
                    .cloned()
                    .collect()
            };
            fields.extend(user_fields);
        }
        self.kind = kind;
        self.fields = fields;
        let mut counter = 0;
        let mut keys = std::collections::HashSet::new();
        for field in &mut self.fields {
            if field.key.is_empty() || !keys.insert(field.key.clone()) {
                loop {
                    counter += 1;
                    let key = format!("n{counter}");
                    if keys.insert(key.clone()) {
                        field.key = key;
                        break;
                    }
                }
            }
        }
        let old_rules = std::mem::take(&mut self.rules);
        self.rules = template.rules;
        for rule in &mut self.rules {
            if let Some(old) = old_rules.iter().find(|old| old.key == rule.key) {
                rule.superusers = old.superusers;
                rule.expression = old.expression.clone();
            }
        }
        self.auth_options = template.auth_options;
        if kind == CollectionKind::View {
            self.indexes.clear();
        }
    }

    /// The JSON the collections API takes for this draft, and the problems found before
    /// it could be built (auth options that are not numbers), keyed like the service's.
    pub(crate) fn to_json(&self) -> (Value, BTreeMap<String, String>) {
        self.build_json(false)
    }

    /// As `to_json`, leaving out what does not parse (for the live rule check).
    pub(crate) fn to_lenient_json(&self) -> Value {
        self.build_json(true).0
    }

    fn build_json(&self, lenient: bool) -> (Value, BTreeMap<String, String>) {
        let mut problems = BTreeMap::new();
        let mut map = Map::new();
        map.insert("name".into(), json!(self.name.trim()));
        if self.is_new() {
            map.insert("type".into(), json!(self.kind.as_str()));
        }
        for rule in &self.rules {
            let value = if rule.superusers {
                Value::Null
            } else {
                json!(rule.expression)
            };
            map.insert(rule.key.into(), value);
        }
        if self.is_view() {
            map.insert("viewQuery".into(), json!(self.view_query));
        } else {
            let template = self.is_new().then(|| Collection::new("", self.kind));
            let fields: Vec<Value> = self
                .fields
                .iter()
                .map(|field| {
                    if field.system {
                        // System fields are sent as they are stored: the editor shows them
                        // read-only.
                        let stored = match (&self.original, &template) {
                            (Some(original), _) => original.field_by_id(&field.id).cloned(),
                            (None, Some(template)) => template.field(&field.name).cloned(),
                            (None, None) => None,
                        };
                        if let Some(stored) = stored {
                            return stored.to_json();
                        }
                    }
                    field.to_json(lenient)
                })
                .collect();
            map.insert("fields".into(), Value::Array(fields));
            map.insert(
                "indexes".into(),
                json!(
                    self.indexes
                        .iter()
                        .map(|index| index.sql.trim())
                        .collect::<Vec<_>>()
                ),
            );
        }
        let mut sections: Map<String, Value> = Map::new();
        for option in &self.auth_options {
            let Some((section, name)) = option.key.split_once('.') else {
                continue;
            };
            let value = match option.input {
                "bool" => json!(option.checked()),
                "list" => json!(
                    option
                        .value
                        .split(',')
                        .map(str::trim)
                        .filter(|item| !item.is_empty())
                        .collect::<Vec<_>>()
                ),
                _ => match option.value.trim().parse::<i64>() {
                    Ok(number) if number >= 0 => json!(number),
                    _ => {
                        problems.insert(
                            option.key.to_owned(),
                            "Must be a whole number, 0 or more.".to_owned(),
                        );
                        continue;
                    }
                },
            };
            if let Value::Object(entries) = sections
                .entry(section.to_owned())
                .or_insert_with(|| Value::Object(Map::new()))
            {
                entries.insert(name.to_owned(), value);
            }
        }
        for (section, value) in sections {
            map.insert(section, value);
        }
        (Value::Object(map), problems)
    }

    /// Puts validation errors (the service's nested `{code, message}` objects, or flat
    /// `path -> message` pairs) next to the inputs they belong to; the rest go to the top.
    pub(crate) fn attach_errors(&mut self, errors: &[(String, String)]) {
        for (path, message) in errors {
            let parts: Vec<&str> = path.split('.').collect();
            match parts.as_slice() {
                ["name"] => self.name_error = Some(message.clone()),
                ["viewQuery"] => self.view_query_error = Some(message.clone()),
                ["fields"] => self.fields_error = Some(message.clone()),
                ["indexes"] => self.indexes_error = Some(message.clone()),
                [rule] if self.rules.iter().any(|r| r.key == *rule) => {
                    if let Some(rule) = self.rules.iter_mut().find(|r| r.key == *rule) {
                        rule.error = Some(message.clone());
                    }
                }
                ["indexes", position] => match position
                    .parse::<usize>()
                    .ok()
                    .and_then(|at| self.indexes.get_mut(at))
                {
                    Some(index) => index.error = Some(message.clone()),
                    None => self.errors.push(format!("{path}: {message}")),
                },
                ["fields", position, rest @ ..] => match position
                    .parse::<usize>()
                    .ok()
                    .and_then(|at| self.fields.get_mut(at))
                {
                    Some(field) => {
                        let key = rest.join(".");
                        if key == "name" {
                            field.name_error = Some(message.clone());
                        } else if let Some(option) =
                            field.options.iter_mut().find(|option| option.key == key)
                        {
                            option.error = Some(message.clone());
                        } else if key.is_empty() {
                            field.errors.push(message.clone());
                        } else {
                            field.errors.push(format!("{key}: {message}"));
                        }
                    }
                    None => self.errors.push(format!("{path}: {message}")),
                },
                _ => match self.auth_options.iter_mut().find(|o| o.key == path) {
                    Some(option) => option.error = Some(message.clone()),
                    None => self.errors.push(format!("{path}: {message}")),
                },
            }
        }
    }
}

/// Flattens the service's nested validation errors (`{"fields": {"3": {"name": {code,
/// message}}}}`) into `("fields.3.name", message)` pairs.
pub(crate) fn flatten_errors(errors: &Value) -> Vec<(String, String)> {
    let mut out = vec![];
    flatten_into("", errors, &mut out);
    out
}

fn flatten_into(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let Value::Object(map) = value else { return };
    if let Some(Value::String(message)) = map.get("message")
        && map.contains_key("code")
    {
        out.push((prefix.to_owned(), message.clone()));
        return;
    }
    for (key, inner) in map {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        flatten_into(&path, inner, out);
    }
}

fn rule_applies(kind: CollectionKind, key: &str) -> bool {
    match kind {
        CollectionKind::Base => !matches!(key, "authRule" | "manageRule"),
        CollectionKind::Auth => true,
        CollectionKind::View => matches!(key, "listRule" | "viewRule"),
    }
}

fn rule_label(key: &str) -> &'static str {
    RULES
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, label)| *label)
        .unwrap_or("Rule")
}

/// A key usable in element ids and scripts: `[A-Za-z0-9_]{1,64}`.
pub(crate) fn is_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 64 && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
