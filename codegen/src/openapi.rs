//! The OpenAPI 3.1 document of a schema: per collection its View, Create and Update
//! schemas, the record CRUD operations, the auth endpoints of auth collections, the
//! realtime SSE endpoints, and the admin UI's Datastar SSE endpoints (`datastar.rs`).
//! Built with `serde_json` only; keys are inserted in a fixed order, collections are
//! sorted by name, so equal schemas give byte-equal documents.

use serde_json::{Map, Value, json};

mod datastar;

/// PocketBase's datetime format, `2006-01-02 15:04:05.000Z`, or empty.
const DATE_PATTERN: &str = r"^$|^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$";
/// The same, not empty (required date fields).
const DATE_PATTERN_REQUIRED: &str = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$";
/// The largest `perPage` PocketBase serves.
const MAX_PER_PAGE: i64 = 1000;
/// The error responses every operation may give, with their component names.
const ERRORS: [(&str, &str); 4] = [
    ("400", "BadRequest"),
    ("401", "Unauthorized"),
    ("403", "Forbidden"),
    ("404", "NotFound"),
];

/// One collection as the generator reads it.
struct Collection<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'a str,
    fields: Vec<&'a Value>,
    json: &'a Value,
}

impl<'a> Collection<'a> {
    fn read(json: &'a Value) -> Option<Collection<'a>> {
        Some(Collection {
            id: json.get("id").and_then(Value::as_str).unwrap_or_default(),
            name: json.get("name").and_then(Value::as_str)?,
            kind: json.get("type").and_then(Value::as_str).unwrap_or("base"),
            fields: json
                .get("fields")
                .and_then(Value::as_array)
                .map(|fields| fields.iter().collect())
                .unwrap_or_default(),
            json,
        })
    }

    fn is_auth(&self) -> bool {
        self.kind == "auth"
    }

    fn is_view(&self) -> bool {
        self.kind == "view"
    }

    fn rule(&self, key: &str) -> &Value {
        self.json.get(key).unwrap_or(&Value::Null)
    }

    /// The component name of one of the collection's schemas, e.g. `postsView`.
    fn schema_name(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.name)
    }

    fn schema_ref(&self, suffix: &str) -> Value {
        schema_ref(&self.schema_name(suffix))
    }

    fn has_files(&self) -> bool {
        self.fields
            .iter()
            .any(|field| text(field, "type") == "file")
    }
}

/// Which schema a field is described for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A record as the API returns it.
    View,
    /// A create body (JSON, file fields as names).
    Create,
    /// An update body (JSON, nothing required).
    Update,
    /// A create body as `multipart/form-data` (file fields as uploads).
    CreateForm,
    /// An update body as `multipart/form-data`.
    UpdateForm,
}

impl Mode {
    fn is_write(self) -> bool {
        self != Mode::View
    }

    fn is_create(self) -> bool {
        matches!(self, Mode::Create | Mode::CreateForm)
    }

    fn is_form(self) -> bool {
        matches!(self, Mode::CreateForm | Mode::UpdateForm)
    }
}

fn text<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn int(value: &Value, key: &str) -> i64 {
    value.get(key).and_then(Value::as_i64).unwrap_or_default()
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or_default()
}

fn strings<'v>(value: &'v Value, key: &str) -> Vec<&'v str> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn object(map: Map<String, Value>) -> Value {
    Value::Object(map)
}

/// The OpenAPI 3.1 document of `collections` (items of PocketBase's `GET /api/collections`).
pub fn document(collections: &[Value]) -> Value {
    let mut collections: Vec<Collection<'_>> =
        collections.iter().filter_map(Collection::read).collect();
    collections.sort_by(|a, b| a.name.cmp(b.name));

    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert("Error".into(), error_schema());
    for collection in &collections {
        add_collection_schemas(collection, &collections, &mut schemas);
        add_record_paths(collection, &mut paths);
        if collection.is_auth() {
            add_auth_paths(collection, &mut paths);
        }
    }
    add_realtime(&collections, &mut paths, &mut schemas);
    datastar::add_schemas(&mut schemas);
    for collection in &collections {
        datastar::add_paths(collection, &mut paths);
    }
    paths.insert(
        "/api/openapi.json".into(),
        json!({"get": {
            "operationId": "openapi",
            "tags": ["meta"],
            "summary": "This document, generated from the live schema",
            "description": "Public. Regenerated on every request, so it reflects schema changes at once.",
            "responses": {"200": {
                "description": "The OpenAPI 3.1 document.",
                "content": {"application/json": {"schema": {"type": "object"}}}
            }}
        }}),
    );

    let mut tags: Vec<Value> = collections
        .iter()
        .map(|collection| {
            json!({"name": collection.name, "description": format!("Records of the {} collection `{}` ({}).", collection.kind, collection.name, collection.id)})
        })
        .collect();
    tags.push(json!({"name": "realtime", "description": "Server-sent events of record changes."}));
    tags.push(json!({"name": "meta", "description": "About the API itself."}));
    tags.push(datastar::tag());

    let mut responses = Map::new();
    for (status, name) in ERRORS {
        let description = match status {
            "400" => {
                "Invalid request: malformed body or query, failed validation (`data` holds field errors) or a rule that denied a write."
            }
            "401" => "A valid auth token is required.",
            "403" => {
                "The caller may not perform this action (e.g. the rule is null: superusers only)."
            }
            _ => "The collection or record was not found, or the view rule hides it.",
        };
        responses.insert(
            name.into(),
            json!({"description": description, "content": {"application/json": {"schema": schema_ref("Error")}}}),
        );
    }

    let mut document = Map::new();
    document.insert("openapi".into(), json!("3.1.0"));
    document.insert(
        "info".into(),
        json!({
            "title": "lifebase API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The PocketBase-compatible REST API of one lifebase schema, generated from the collections by `lifebase codegen openapi` and served at `GET /api/openapi.json`.\n\nAuthenticate by sending the raw token of an auth response in the `Authorization` header (no `Bearer` prefix needed). Each operation's description quotes its API rule: `null` means superusers only, an empty rule means anyone, guests included.\n\nErrors have PocketBase's shape `{status, message, data}`.\n\nThe admin UI's record browser under `/_/` (tag `Admin UI (Datastar)`) is described too: it answers with Datastar server-sent events (payloads `DatastarMergeFragments`, `DatastarMergeSignals`, `DatastarRemoveFragments`, `DatastarExecuteScript`) and authenticates with the `lb_admin` session cookie (`adminSession`), not the `Authorization` header."
        }),
    );
    document.insert("tags".into(), Value::Array(tags));
    document.insert("security".into(), json!([{}, {"AuthToken": []}]));
    document.insert("paths".into(), object(paths));
    document.insert(
        "components".into(),
        json!({
            "securitySchemes": {
                "AuthToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "The raw JWT of an auth response (`token`). A `Bearer ` prefix is accepted but not required. A missing or invalid token makes the request a guest's."
                },
                datastar::SCHEME: datastar::security_scheme()
            },
            "parameters": parameters(),
            "responses": object(responses),
            "schemas": object(schemas),
        }),
    );
    object(document)
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "description": "PocketBase's error shape.",
        "required": ["status", "message", "data"],
        "properties": {
            "status": {"type": "integer", "description": "The HTTP status."},
            "message": {"type": "string"},
            "data": {
                "type": "object",
                "description": "Field errors keyed by field name, e.g. `{\"title\": {\"code\": \"validation_required\", \"message\": \"Cannot be blank.\"}}`; empty when there are none.",
                "additionalProperties": true
            }
        }
    })
}

fn parameters() -> Value {
    json!({
        "page": {"name": "page", "in": "query", "description": "The page (1-based).", "schema": {"type": "integer", "minimum": 1, "default": 1}},
        "perPage": {"name": "perPage", "in": "query", "description": "Records per page.", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 30}},
        "sort": {"name": "sort", "in": "query", "description": "Comma-separated fields, `-` for descending, e.g. `-created,id`; `@random` and `@rowid` are special.", "schema": {"type": "string"}},
        "filter": {"name": "filter", "in": "query", "description": "A filter expression, e.g. `title ~ \"abc\" && created > \"2022-01-01\"`.", "schema": {"type": "string"}},
        "expand": {"name": "expand", "in": "query", "description": "Relations to expand, comma-separated, dotted for nesting (at most 6 levels), e.g. `author,tags.parent`. Expanded records go under `expand`.", "schema": {"type": "string"}},
        "fields": {"name": "fields", "in": "query", "description": "Fields to return, comma-separated, e.g. `id,title,expand.author.name`; `*` for all of a level, `:excerpt(max,withEllipsis)` for text. Only the picked fields are returned.", "schema": {"type": "string"}},
        "skipTotal": {"name": "skipTotal", "in": "query", "description": "Skip counting: `totalItems` and `totalPages` are then -1.", "schema": {"type": "boolean"}},
        "recordId": {"name": "id", "in": "path", "required": true, "description": "The record id.", "schema": {"type": "string"}}
    })
}

fn param_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/parameters/{name}")})
}

fn response_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/responses/{name}")})
}

/// The responses of an operation: its success plus every error component.
fn responses(success_status: &str, success: Value) -> Value {
    let mut map = Map::new();
    map.insert(success_status.into(), success);
    for (status, name) in ERRORS {
        map.insert(status.into(), response_ref(name));
    }
    object(map)
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

/// The `text/event-stream` content of an SSE answer. OpenAPI 3.1 has no model of event
/// streams; the schema describes one event as the client parses it (`event`, `data`, `id`),
/// which is how OpenAPI 3.2's `itemSchema` models SSE and how schemathesis reads a 3.1
/// `schema` of an event stream. `x-sse-events` maps each event name to the component that
/// describes its `data`.
fn event_stream(event: Value, data_description: &str, events: &[(&str, &str)]) -> Value {
    let mut names = Map::new();
    for (name, component) in events {
        names.insert(
            (*name).into(),
            json!(format!("#/components/schemas/{component}")),
        );
    }
    json!({"text/event-stream": {
        "schema": {
            "type": "object",
            "description": "One server-sent event (comment lines are not events); see `x-sse-events` for the payload component of each event name.",
            "required": ["event", "data"],
            "properties": {
                "event": event,
                "data": {"type": "string", "description": data_description},
                "id": {"type": "string"}
            }
        },
        "x-sse-events": object(names)
    }})
}

fn no_content(description: &str) -> Value {
    json!({"description": description})
}

fn json_body(schema: Value, required: bool) -> Value {
    json!({"required": required, "content": {"application/json": {"schema": schema}}})
}

/// How a rule reads in an operation's description.
fn rule_text(key: &str, rule: &Value) -> String {
    match rule {
        Value::String(rule) if rule.is_empty() => {
            format!("API rule (`{key}`): `\"\"`, anyone, guests included.")
        }
        Value::String(rule) => {
            format!(
                "API rule (`{key}`): `{rule}`. Superusers always pass; a record that fails it is left out (list), not found (view, update, delete) or refused (create)."
            )
        }
        _ => format!("API rule (`{key}`): `null`, superusers only."),
    }
}

// ---------------------------------------------------------------- record schemas

fn add_collection_schemas(
    collection: &Collection<'_>,
    all: &[Collection<'_>],
    schemas: &mut Map<String, Value>,
) {
    schemas.insert(
        collection.schema_name("View"),
        record_schema(collection, all, Mode::View),
    );
    schemas.insert(
        collection.schema_name("List"),
        json!({
            "type": "object",
            "description": format!("A page of `{}` records.", collection.name),
            "required": ["page", "perPage", "totalItems", "totalPages", "items"],
            "properties": {
                "page": {"type": "integer", "minimum": 1},
                "perPage": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                "totalItems": {"type": "integer", "minimum": -1, "description": "-1 with `skipTotal`."},
                "totalPages": {"type": "integer", "minimum": -1, "description": "-1 with `skipTotal`."},
                "items": {"type": "array", "items": collection.schema_ref("View")}
            }
        }),
    );
    if collection.is_view() {
        return;
    }
    schemas.insert(
        collection.schema_name("Create"),
        record_schema(collection, all, Mode::Create),
    );
    schemas.insert(
        collection.schema_name("Update"),
        record_schema(collection, all, Mode::Update),
    );
    if collection.has_files() {
        schemas.insert(
            collection.schema_name("CreateForm"),
            record_schema(collection, all, Mode::CreateForm),
        );
        schemas.insert(
            collection.schema_name("UpdateForm"),
            record_schema(collection, all, Mode::UpdateForm),
        );
    }
    if collection.is_auth() {
        schemas.insert(
            collection.schema_name("AuthResponse"),
            json!({
                "type": "object",
                "required": ["token", "record"],
                "properties": {
                    "token": {"type": "string", "description": "The auth token (JWT) to send in the `Authorization` header."},
                    "record": collection.schema_ref("View")
                }
            }),
        );
    }
}

fn record_schema(collection: &Collection<'_>, all: &[Collection<'_>], mode: Mode) -> Value {
    let mut properties = Map::new();
    let mut required = vec![];
    if mode == Mode::View {
        properties.insert(
            "collectionId".into(),
            json!({"type": "string", "const": collection.id}),
        );
        properties.insert(
            "collectionName".into(),
            json!({"type": "string", "const": collection.name}),
        );
    }
    for field in &collection.fields {
        let name = text(field, "name");
        let Some(schema) = field_schema(collection, field, all, mode) else {
            continue;
        };
        if mode.is_create() && is_required_on_create(field) {
            required.push(name.to_string());
        }
        properties.insert(name.to_string(), schema);
    }
    if collection.is_auth() && mode.is_write() {
        properties.insert(
            "passwordConfirm".into(),
            json!({"type": "string", "writeOnly": true, "description": "Must equal `password`."}),
        );
        if mode.is_create() {
            required.push("passwordConfirm".into());
        } else {
            properties.insert(
                "oldPassword".into(),
                json!({"type": "string", "writeOnly": true, "description": "The current password; required to change the password unless the caller is a superuser or passes `manageRule`."}),
            );
        }
    }
    if mode == Mode::View {
        properties.insert(
            "expand".into(),
            json!({
                "type": "object",
                "description": "Expanded relations (with `?expand=`): each key is a relation field (or a back-relation `collection_via_field`), each value a record or a list of records.",
                "additionalProperties": true
            }),
        );
    }

    let description = match mode {
        Mode::View => format!(
            "A `{}` record as the API returns it. Hidden fields are left out (superusers see them too){}; with `?fields=` only the picked keys are present, so no key is required.",
            collection.name,
            if collection.is_auth() {
                "; `email` is present only to superusers, the owner, managers, or when `emailVisibility` is true"
            } else {
                ""
            }
        ),
        Mode::Create | Mode::CreateForm => format!(
            "The body of a `{}` create. {}Unknown keys are ignored.",
            collection.name,
            if mode.is_form() {
                "Files are uploaded as parts named after their field; other values as text parts, JSON fields as JSON text. "
            } else {
                "File fields can only be uploaded with `multipart/form-data`. "
            }
        ),
        Mode::Update | Mode::UpdateForm => format!(
            "The body of a `{}` update: only the keys sent change. Multiple-value fields (select, relation, file) and numbers also take modifier keys: `field+` appends (adds), `+field` prepends, `field-` removes (subtracts). {}",
            collection.name,
            if mode.is_form() {
                "New files are uploaded as parts named after their field; a file field given as a list of names keeps just those stored files."
            } else {
                "A file field given as a list of names keeps just those stored files."
            }
        ),
    };
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("description".into(), json!(description));
    if !required.is_empty() {
        schema.insert("required".into(), json!(required));
    }
    schema.insert("properties".into(), object(properties));
    object(schema)
}

fn is_required_on_create(field: &Value) -> bool {
    if !flag(field, "required") {
        return false;
    }
    match text(field, "type") {
        "autodate" => false,
        // Autogenerated text (the id, tokenKey) may be left out.
        "text" => text(field, "autogeneratePattern").is_empty(),
        _ => true,
    }
}

/// The JSON schema of one field in one mode, or `None` when the field is not part of it.
fn field_schema(
    collection: &Collection<'_>,
    field: &Value,
    all: &[Collection<'_>],
    mode: Mode,
) -> Option<Value> {
    let name = text(field, "name");
    let kind = text(field, "type");
    let hidden = flag(field, "hidden");
    let required = flag(field, "required");
    let multiple = int(field, "maxSelect") > 1;
    let write = mode.is_write();

    // What each mode leaves out.
    if mode == Mode::View && (hidden || kind == "password") {
        return None;
    }
    if write && (kind == "autodate" || (collection.is_auth() && name == "tokenKey")) {
        return None;
    }
    let primary_key = flag(field, "primaryKey") || name == "id";
    if write && primary_key && !mode.is_create() {
        return None;
    }

    let mut schema = Map::new();
    let mut notes: Vec<String> = vec![];
    match kind {
        "text" => {
            schema.insert("type".into(), json!("string"));
            if write {
                let min = int(field, "min");
                let min = if is_required_on_create(field) && mode.is_create() {
                    min.max(1)
                } else {
                    min
                };
                if min > 0 {
                    schema.insert("minLength".into(), json!(min));
                }
                if int(field, "max") > 0 {
                    schema.insert("maxLength".into(), json!(int(field, "max")));
                }
                let pattern = text(field, "pattern");
                if !pattern.is_empty() {
                    schema.insert("pattern".into(), json!(pattern));
                }
                if !text(field, "autogeneratePattern").is_empty() {
                    notes.push(format!(
                        "Generated from `{}` when left out.",
                        text(field, "autogeneratePattern")
                    ));
                }
            }
        }
        "editor" => {
            schema.insert("type".into(), json!("string"));
            notes.push("Rich text (HTML).".into());
            if write && required && mode.is_create() {
                schema.insert("minLength".into(), json!(1));
            }
        }
        "number" => {
            let only_int = flag(field, "onlyInt");
            schema.insert(
                "type".into(),
                json!(if only_int { "integer" } else { "number" }),
            );
            if write {
                for (option, keyword) in [("min", "minimum"), ("max", "maximum")] {
                    if let Some(bound) = field.get(option).filter(|bound| bound.is_number()) {
                        schema.insert(keyword.into(), bound.clone());
                    }
                }
                if required {
                    notes.push("Required: must not be 0.".into());
                }
            }
        }
        "bool" => {
            schema.insert("type".into(), json!("boolean"));
            if write && required {
                notes.push("Required: must be true.".into());
            }
        }
        "email" | "url" => {
            schema.insert("type".into(), json!("string"));
            if write {
                schema.insert(
                    "format".into(),
                    json!(if kind == "email" { "email" } else { "uri" }),
                );
                let only = strings(field, "onlyDomains");
                let except = strings(field, "exceptDomains");
                if !only.is_empty() {
                    notes.push(format!("Only these domains: {}.", only.join(", ")));
                }
                if !except.is_empty() {
                    notes.push(format!("Not these domains: {}.", except.join(", ")));
                }
            }
        }
        "date" | "autodate" => {
            schema.insert("type".into(), json!("string"));
            let pattern = if write && required && mode.is_create() {
                DATE_PATTERN_REQUIRED
            } else {
                DATE_PATTERN
            };
            schema.insert("pattern".into(), json!(pattern));
            if kind == "autodate" {
                schema.insert("readOnly".into(), json!(true));
                let when = match (flag(field, "onCreate"), flag(field, "onUpdate")) {
                    (true, true) => "Set on create and on every update.",
                    (true, false) => "Set on create.",
                    _ => "Set on every update.",
                };
                notes.push(when.into());
            } else {
                for (option, label) in [("min", "Not before"), ("max", "Not after")] {
                    let bound = text(field, option);
                    if write && !bound.is_empty() {
                        notes.push(format!("{label} {bound}."));
                    }
                }
            }
            notes.push(
                "UTC, PocketBase's format `2006-01-02 15:04:05.000Z`; empty when unset.".into(),
            );
        }
        "select" => {
            let values = strings(field, "values");
            if multiple {
                schema.insert("type".into(), json!("array"));
                schema.insert("items".into(), json!({"type": "string", "enum": values}));
                if write {
                    schema.insert("maxItems".into(), json!(int(field, "maxSelect")));
                    if required && mode.is_create() {
                        schema.insert("minItems".into(), json!(1));
                    }
                }
            } else {
                let mut allowed: Vec<&str> = values.clone();
                if !(write && required && mode.is_create()) {
                    allowed.push("");
                }
                schema.insert("type".into(), json!("string"));
                schema.insert("enum".into(), json!(allowed));
            }
        }
        "json" => {
            notes.push("Any JSON value (null when unset).".into());
            if write && int(field, "maxSize") > 0 {
                notes.push(format!(
                    "At most {} bytes serialized.",
                    int(field, "maxSize")
                ));
            }
        }
        "file" => {
            let item = if mode.is_form() {
                json!({"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"})
            } else {
                json!({"type": "string"})
            };
            if multiple {
                schema.insert("type".into(), json!("array"));
                schema.insert("items".into(), item);
                if write {
                    schema.insert("maxItems".into(), json!(int(field, "maxSelect")));
                }
            } else if let Value::Object(item) = item {
                schema.extend(item);
            }
            notes.push(if mode == Mode::View {
                "Stored file names; download at `/api/files/{collectionId}/{recordId}/{name}`.".into()
            } else if mode.is_form() {
                "Uploaded files.".into()
            } else {
                "Names of already stored files to keep; upload new files with `multipart/form-data`.".into()
            });
            let mime_types = strings(field, "mimeTypes");
            if write && !mime_types.is_empty() {
                notes.push(format!("Accepted types: {}.", mime_types.join(", ")));
            }
            if write && int(field, "maxSize") > 0 {
                notes.push(format!("At most {} bytes each.", int(field, "maxSize")));
            }
            if flag(field, "protected") {
                notes.push("Protected: downloads need a file token.".into());
            }
        }
        "relation" => {
            let target_id = text(field, "collectionId");
            let target = all
                .iter()
                .find(|other| other.id == target_id)
                .map(|other| other.name)
                .unwrap_or(target_id);
            if multiple {
                schema.insert("type".into(), json!("array"));
                schema.insert("items".into(), json!({"type": "string"}));
                if write {
                    schema.insert("maxItems".into(), json!(int(field, "maxSelect")));
                    let min = int(field, "minSelect").max(i64::from(required && mode.is_create()));
                    if min > 0 && mode.is_create() {
                        schema.insert("minItems".into(), json!(min));
                    }
                }
            } else {
                schema.insert("type".into(), json!("string"));
                if write && required && mode.is_create() {
                    schema.insert("minLength".into(), json!(1));
                }
            }
            notes.push(format!(
                "Record id{} of the `{target}` collection ({target_id}); expand with `?expand={name}`.",
                if multiple { "s" } else { "" }
            ));
        }
        "password" => {
            schema.insert("type".into(), json!("string"));
            schema.insert("writeOnly".into(), json!(true));
            let min = int(field, "min");
            if min > 0 {
                schema.insert("minLength".into(), json!(min));
            }
            if int(field, "max") > 0 {
                schema.insert("maxLength".into(), json!(int(field, "max")));
            }
            if !text(field, "pattern").is_empty() {
                schema.insert("pattern".into(), json!(text(field, "pattern")));
            }
            notes.push("Never returned.".into());
        }
        "geoPoint" => {
            schema.insert("type".into(), json!("object"));
            schema.insert("required".into(), json!(["lon", "lat"]));
            schema.insert(
                "properties".into(),
                json!({
                    "lon": {"type": "number", "minimum": -180, "maximum": 180},
                    "lat": {"type": "number", "minimum": -90, "maximum": 90}
                }),
            );
        }
        _ => {}
    }
    if collection.is_auth() && name == "email" {
        notes.push("The auth identity.".into());
    }
    if hidden && write {
        notes.push("Hidden: never returned to non-superusers.".into());
    }
    let help = text(field, "help");
    if !help.is_empty() {
        notes.insert(0, help.to_string());
    }
    if !notes.is_empty() {
        schema.insert("description".into(), json!(notes.join(" ")));
    }
    Some(object(schema))
}

// ---------------------------------------------------------------- record paths

fn add_record_paths(collection: &Collection<'_>, paths: &mut Map<String, Value>) {
    let name = collection.name;
    let base = format!("/api/collections/{name}/records");
    let shape = [param_ref("expand"), param_ref("fields")];

    let mut list_item = Map::new();
    list_item.insert(
        "get".into(),
        json!({
            "operationId": format!("{name}_list"),
            "tags": [name],
            "summary": format!("List {name} records"),
            "description": rule_text("listRule", collection.rule("listRule")),
            "parameters": [param_ref("page"), param_ref("perPage"), param_ref("sort"), param_ref("filter"), param_ref("expand"), param_ref("fields"), param_ref("skipTotal")],
            "responses": responses("200", json_response("A page of records.", collection.schema_ref("List")))
        }),
    );
    let mut item = Map::new();
    item.insert("parameters".into(), json!([param_ref("recordId")]));
    item.insert(
        "get".into(),
        json!({
            "operationId": format!("{name}_view"),
            "tags": [name],
            "summary": format!("View a {name} record"),
            "description": rule_text("viewRule", collection.rule("viewRule")),
            "parameters": shape,
            "responses": responses("200", json_response("The record.", collection.schema_ref("View")))
        }),
    );
    if !collection.is_view() {
        let body = |suffix: &str, form_suffix: &str| {
            let form = if collection.has_files() {
                collection.schema_ref(form_suffix)
            } else {
                collection.schema_ref(suffix)
            };
            json!({"required": true, "content": {
                "application/json": {"schema": collection.schema_ref(suffix)},
                "multipart/form-data": {"schema": form}
            }})
        };
        list_item.insert(
            "post".into(),
            json!({
                "operationId": format!("{name}_create"),
                "tags": [name],
                "summary": format!("Create a {name} record"),
                "description": rule_text("createRule", collection.rule("createRule")),
                "parameters": shape,
                "requestBody": body("Create", "CreateForm"),
                "responses": responses("200", created_response(collection))
            }),
        );
        let mut update_description = rule_text("updateRule", collection.rule("updateRule"));
        if collection.is_auth() {
            update_description.push_str(&format!(
                " {}",
                rule_text("manageRule", collection.rule("manageRule"))
                    .replace("API rule", "Manage rule (changing others' email, verified and password without the old one)")
            ));
        }
        item.insert(
            "patch".into(),
            json!({
                "operationId": format!("{name}_update"),
                "tags": [name],
                "summary": format!("Update a {name} record"),
                "description": update_description,
                "parameters": shape,
                "requestBody": body("Update", "UpdateForm"),
                "responses": responses("200", json_response("The updated record.", collection.schema_ref("View")))
            }),
        );
        item.insert(
            "delete".into(),
            json!({
                "operationId": format!("{name}_delete"),
                "tags": [name],
                "summary": format!("Delete a {name} record"),
                "description": format!("{} Refused (400) while a required relation still points at the record; cascading relations delete their records too.", rule_text("deleteRule", collection.rule("deleteRule"))),
                "responses": responses("204", no_content("Deleted."))
            }),
        );
    }
    paths.insert(base.clone(), object(list_item));
    paths.insert(format!("{base}/{{id}}"), object(item));
}

/// The answer of a create, with links that hand the new record's id to the record's
/// other operations (used by clients and by schemathesis's stateful phase).
fn created_response(collection: &Collection<'_>) -> Value {
    let mut response = json_response("The created record.", collection.schema_ref("View"));
    let mut links = Map::new();
    for action in ["view", "update", "delete"] {
        links.insert(
            action.into(),
            json!({
                "operationId": format!("{}_{action}", collection.name),
                "parameters": {"id": "$response.body#/id"}
            }),
        );
    }
    if let Value::Object(map) = &mut response {
        map.insert("links".into(), object(links));
    }
    response
}

// ---------------------------------------------------------------- auth paths

fn add_auth_paths(collection: &Collection<'_>, paths: &mut Map<String, Value>) {
    let name = collection.name;
    let auth_response = || {
        json_response(
            "The auth token and the authenticated record.",
            collection.schema_ref("AuthResponse"),
        )
    };
    let auth_rule = rule_text("authRule", collection.rule("authRule"))
        .replace("API rule", "Auth rule (checked on every auth answer)");
    let string = |description: &str| json!({"type": "string", "description": description});
    let email = json!({"type": "string", "format": "email"});
    let operation = |action: &str, summary: &str, description: String, extra: Value| {
        let mut map = Map::new();
        map.insert("operationId".into(), json!(format!("{name}_{action}")));
        map.insert("tags".into(), json!([name]));
        map.insert("summary".into(), json!(summary));
        map.insert("description".into(), json!(description));
        if let Value::Object(extra) = extra {
            map.extend(extra);
        }
        object(map)
    };
    let body = |required: &[&str], properties: Value| {
        json_body(
            json!({"type": "object", "required": required, "properties": properties}),
            true,
        )
    };
    let mut add = |action: &str, method: &str, operation: Value| {
        let path = format!("/api/collections/{name}/{action}");
        let mut item = Map::new();
        item.insert(method.into(), operation);
        paths.insert(path, object(item));
    };

    add(
        "auth-with-password",
        "post",
        operation(
            "authWithPassword",
            "Authenticate with an identity and a password",
            format!("Public when password auth is enabled. {auth_rule}"),
            json!({
                "requestBody": body(&["identity", "password"], json!({
                    "identity": string("The value of one of the identity fields (by default `email`)."),
                    "password": {"type": "string", "writeOnly": true},
                    "identityField": string("Restricts the lookup to this identity field.")
                })),
                "responses": responses("200", auth_response())
            }),
        ),
    );
    add(
        "auth-refresh",
        "post",
        operation(
            "authRefresh",
            "Refresh the caller's auth token",
            format!("Needs a valid auth token of this collection. {auth_rule}"),
            json!({
                "security": [{"AuthToken": []}],
                "responses": responses("200", auth_response())
            }),
        ),
    );
    add(
        "auth-methods",
        "get",
        operation(
            "authMethods",
            "The enabled auth methods",
            "Public.".into(),
            json!({
                "responses": responses("200", json_response("The auth methods of the collection.", json!({
                    "type": "object",
                    "required": ["password", "oauth2", "mfa", "otp"],
                    "properties": {
                        "password": {"type": "object", "required": ["enabled", "identityFields"], "properties": {
                            "enabled": {"type": "boolean"},
                            "identityFields": {"type": "array", "items": {"type": "string"}}
                        }},
                        "oauth2": {"type": "object", "required": ["enabled", "providers"], "properties": {
                            "enabled": {"type": "boolean"},
                            "providers": {"type": "array", "items": {"type": "object"}}
                        }},
                        "mfa": {"type": "object", "required": ["enabled", "duration"], "properties": {
                            "enabled": {"type": "boolean"},
                            "duration": {"type": "integer", "description": "Seconds."}
                        }},
                        "otp": {"type": "object", "required": ["enabled", "duration"], "properties": {
                            "enabled": {"type": "boolean"},
                            "duration": {"type": "integer", "description": "Seconds."}
                        }}
                    }
                })))
            }),
        ),
    );
    add(
        "request-otp",
        "post",
        operation(
            "requestOtp",
            "Mail a one-time password",
            "Public when OTP auth is enabled. Answers with an `otpId` whether or not the email belongs to a record.".into(),
            json!({
                "requestBody": body(&["email"], json!({"email": email})),
                "responses": responses("200", json_response("The id of the OTP to authenticate with.", json!({
                    "type": "object", "required": ["otpId"], "properties": {"otpId": {"type": "string"}}
                })))
            }),
        ),
    );
    add(
        "auth-with-otp",
        "post",
        operation(
            "authWithOtp",
            "Authenticate with a one-time password",
            format!("Public when OTP auth is enabled. {auth_rule}"),
            json!({
                "requestBody": body(&["otpId", "password"], json!({
                    "otpId": string("The `otpId` of `request-otp`."),
                    "password": {"type": "string", "writeOnly": true, "description": "The mailed code."}
                })),
                "responses": responses("200", auth_response())
            }),
        ),
    );
    add(
        "request-password-reset",
        "post",
        operation(
            "requestPasswordReset",
            "Mail a password reset link",
            "Public. Answers 204 whether or not the email belongs to a record.".into(),
            json!({
                "requestBody": body(&["email"], json!({"email": email})),
                "responses": responses("204", no_content("Requested."))
            }),
        ),
    );
    add(
        "confirm-password-reset",
        "post",
        operation(
            "confirmPasswordReset",
            "Set a new password with a reset token",
            "Public.".into(),
            json!({
                "requestBody": body(&["token", "password", "passwordConfirm"], json!({
                    "token": string("The mailed password reset token."),
                    "password": {"type": "string", "writeOnly": true},
                    "passwordConfirm": {"type": "string", "writeOnly": true}
                })),
                "responses": responses("204", no_content("The password was changed."))
            }),
        ),
    );
    add(
        "request-verification",
        "post",
        operation(
            "requestVerification",
            "Mail a verification link",
            "Public. Answers 204 whether or not the email belongs to an unverified record.".into(),
            json!({
                "requestBody": body(&["email"], json!({"email": email})),
                "responses": responses("204", no_content("Requested."))
            }),
        ),
    );
    add(
        "confirm-verification",
        "post",
        operation(
            "confirmVerification",
            "Mark a record verified with a verification token",
            "Public.".into(),
            json!({
                "requestBody": body(&["token"], json!({"token": string("The mailed verification token.")})),
                "responses": responses("204", no_content("Verified."))
            }),
        ),
    );
    add(
        "request-email-change",
        "post",
        operation(
            "requestEmailChange",
            "Mail a confirmation link to a new email address",
            "Needs a valid auth token of this collection.".into(),
            json!({
                "security": [{"AuthToken": []}],
                "requestBody": body(&["newEmail"], json!({"newEmail": email})),
                "responses": responses("204", no_content("Requested."))
            }),
        ),
    );
    add(
        "confirm-email-change",
        "post",
        operation(
            "confirmEmailChange",
            "Change the email with an email change token",
            "Public.".into(),
            json!({
                "requestBody": body(&["token", "password"], json!({
                    "token": string("The mailed email change token."),
                    "password": {"type": "string", "writeOnly": true, "description": "The record's current password."}
                })),
                "responses": responses("204", no_content("The email was changed."))
            }),
        ),
    );
    let mut impersonate = Map::new();
    impersonate.insert("parameters".into(), json!([param_ref("recordId")]));
    impersonate.insert(
        "post".into(),
        operation(
            "impersonate",
            "Get a non-refreshable auth token of any record",
            "Superusers only.".into(),
            json!({
                "security": [{"AuthToken": []}],
                "requestBody": json_body(json!({"type": "object", "properties": {
                    "duration": {"type": "integer", "minimum": 0, "description": "Token lifetime in seconds; 0 uses the collection's auth token duration."}
                }}), false),
                "responses": responses("200", auth_response())
            }),
        ),
    );
    paths.insert(
        format!("/api/collections/{name}/impersonate/{{id}}"),
        object(impersonate),
    );
}

// ---------------------------------------------------------------- realtime

fn add_realtime(
    collections: &[Collection<'_>],
    paths: &mut Map<String, Value>,
    schemas: &mut Map<String, Value>,
) {
    schemas.insert(
        "RealtimeConnect".into(),
        json!({
            "type": "object",
            "description": "The data of the first event, `PB_CONNECT` (its SSE `id` is the client id too).",
            "required": ["clientId"],
            "properties": {"clientId": {"type": "string"}}
        }),
    );
    let records: Vec<Value> = collections
        .iter()
        .map(|collection| collection.schema_ref("View"))
        .collect();
    schemas.insert(
        "RealtimeRecordEvent".into(),
        json!({
            "type": "object",
            "description": "The data of a record event. The SSE event name is the subscription topic (`collection/*`, `collection/RECORD_ID`, with `?options=` when subscribed with options); the record is shaped as a view by the subscriber (rules, `expand`, `fields`).",
            "required": ["action", "record"],
            "properties": {
                "action": {"type": "string", "enum": ["create", "update", "delete"]},
                "record": {"anyOf": records}
            }
        }),
    );
    paths.insert(
        "/api/realtime".into(),
        json!({
            "get": {
                "operationId": "realtime_connect",
                "tags": ["realtime"],
                "summary": "Open the realtime event stream",
                "description": "A `text/event-stream` (server-sent events). The first event is `PB_CONNECT` with data `RealtimeConnect`; then one event per record change of each subscription, with data `RealtimeRecordEvent`, sent only when the subscriber passes the collection's list rule (`collection/*`) or view rule (`collection/ID`). A stream idle for 5 minutes is closed. (The admin UI's Datastar streams are described under their own tag; their events are `text/event-stream` too.)",
                "security": [{}],
                "responses": {
                    "200": {
                        "description": "The event stream, e.g. `id:CLIENT_ID\\nevent:PB_CONNECT\\ndata:{\"clientId\":\"CLIENT_ID\"}\\n\\n`.",
                        "content": event_stream(
                            json!({"type": "string", "description": "`PB_CONNECT`, then the subscription topic of each record event."}),
                            "JSON: `RealtimeConnect` for `PB_CONNECT`, else `RealtimeRecordEvent`.",
                            &[("PB_CONNECT", "RealtimeConnect"), ("<topic>", "RealtimeRecordEvent")],
                        )
                    },
                    "503": {"description": "Too many realtime connections.", "content": {"application/json": {"schema": schema_ref("Error")}}}
                }
            },
            "post": {
                "operationId": "realtime_setSubscriptions",
                "tags": ["realtime"],
                "summary": "Set the subscriptions of a connected client",
                "description": "Replaces the client's subscriptions. The caller's `Authorization` becomes the identity events are checked against; a client authorized as one record cannot switch to another (403).",
                "requestBody": json_body(json!({
                    "type": "object",
                    "required": ["clientId"],
                    "properties": {
                        "clientId": {"type": "string", "description": "From `PB_CONNECT`."},
                        "subscriptions": {"type": "array", "maxItems": 1000, "items": {"type": "string", "maxLength": 2500}, "description": "Topics: `collection/*` or `collection/RECORD_ID`, optionally with `?options={\"query\":{...},\"headers\":{...}}`."}
                    }
                }), true),
                "responses": responses("204", no_content("Subscriptions set."))
            }
        }),
    );
}

#[cfg(test)]
mod tests;
