//! Fields of a collection: the common attributes plus the options of each type.

use serde_json::{Map, Value, json};

use crate::core::error::{ErrorCode, FieldErrors};

/// The options of each field type, as PocketBase names them.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Text {
        min: i64,
        max: i64,
        pattern: String,
        autogenerate_pattern: String,
        primary_key: bool,
    },
    Editor {
        max_size: i64,
        convert_urls: bool,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
        only_int: bool,
    },
    Bool,
    Email {
        except_domains: Vec<String>,
        only_domains: Vec<String>,
    },
    Url {
        except_domains: Vec<String>,
        only_domains: Vec<String>,
    },
    Date {
        min: String,
        max: String,
    },
    Autodate {
        on_create: bool,
        on_update: bool,
    },
    Select {
        max_select: i64,
        values: Vec<String>,
    },
    Json {
        max_size: i64,
    },
    File {
        max_select: i64,
        max_size: i64,
        mime_types: Vec<String>,
        thumbs: Vec<String>,
        protected: bool,
    },
    Relation {
        collection_id: String,
        cascade_delete: bool,
        min_select: i64,
        max_select: i64,
    },
    Password {
        cost: i64,
        min: i64,
        max: i64,
        pattern: String,
    },
    GeoPoint,
}

/// The storage class of a field's SQLite column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// `TEXT NOT NULL DEFAULT ''`
    Text,
    /// `REAL NOT NULL DEFAULT 0`
    Real,
    /// `INTEGER NOT NULL DEFAULT 0` holding 0 or 1.
    Bool,
    /// `TEXT NOT NULL DEFAULT '[]'` holding a JSON array.
    JsonArray,
    /// `TEXT DEFAULT NULL` holding any JSON.
    Json,
    /// `TEXT NOT NULL DEFAULT '{"lon":0,"lat":0}'`
    GeoPoint,
}

impl FieldKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            FieldKind::Text { .. } => "text",
            FieldKind::Editor { .. } => "editor",
            FieldKind::Number { .. } => "number",
            FieldKind::Bool => "bool",
            FieldKind::Email { .. } => "email",
            FieldKind::Url { .. } => "url",
            FieldKind::Date { .. } => "date",
            FieldKind::Autodate { .. } => "autodate",
            FieldKind::Select { .. } => "select",
            FieldKind::Json { .. } => "json",
            FieldKind::File { .. } => "file",
            FieldKind::Relation { .. } => "relation",
            FieldKind::Password { .. } => "password",
            FieldKind::GeoPoint => "geoPoint",
        }
    }

    /// A field is multiple when it stores a JSON array of values.
    pub fn is_multiple(&self) -> bool {
        match self {
            FieldKind::Select { max_select, .. }
            | FieldKind::File { max_select, .. }
            | FieldKind::Relation { max_select, .. } => *max_select > 1,
            _ => false,
        }
    }

    pub fn column_kind(&self) -> ColumnKind {
        match self {
            FieldKind::Number { .. } => ColumnKind::Real,
            FieldKind::Bool => ColumnKind::Bool,
            FieldKind::Json { .. } => ColumnKind::Json,
            FieldKind::GeoPoint => ColumnKind::GeoPoint,
            kind if kind.is_multiple() => ColumnKind::JsonArray,
            _ => ColumnKind::Text,
        }
    }

    /// The value a record has for this field when nothing was set.
    pub fn zero_value(&self) -> Value {
        match self.column_kind() {
            ColumnKind::Text => Value::String(String::new()),
            ColumnKind::Real => json!(0),
            ColumnKind::Bool => Value::Bool(false),
            ColumnKind::JsonArray => Value::Array(vec![]),
            ColumnKind::Json => Value::Null,
            ColumnKind::GeoPoint => json!({"lat": 0, "lon": 0}),
        }
    }

    fn defaults(type_name: &str) -> Option<FieldKind> {
        Some(match type_name {
            "text" => FieldKind::Text {
                min: 0,
                max: 0,
                pattern: String::new(),
                autogenerate_pattern: String::new(),
                primary_key: false,
            },
            "editor" => FieldKind::Editor {
                max_size: 0,
                convert_urls: false,
            },
            "number" => FieldKind::Number {
                min: None,
                max: None,
                only_int: false,
            },
            "bool" => FieldKind::Bool,
            "email" => FieldKind::Email {
                except_domains: vec![],
                only_domains: vec![],
            },
            "url" => FieldKind::Url {
                except_domains: vec![],
                only_domains: vec![],
            },
            "date" => FieldKind::Date {
                min: String::new(),
                max: String::new(),
            },
            "autodate" => FieldKind::Autodate {
                on_create: false,
                on_update: false,
            },
            "select" => FieldKind::Select {
                max_select: 0,
                values: vec![],
            },
            "json" => FieldKind::Json { max_size: 0 },
            "file" => FieldKind::File {
                max_select: 0,
                max_size: 0,
                mime_types: vec![],
                thumbs: vec![],
                protected: false,
            },
            "relation" => FieldKind::Relation {
                collection_id: String::new(),
                cascade_delete: false,
                min_select: 0,
                max_select: 0,
            },
            "password" => FieldKind::Password {
                cost: 0,
                min: 0,
                max: 0,
                pattern: String::new(),
            },
            "geoPoint" => FieldKind::GeoPoint,
            _ => return None,
        })
    }
}

/// One field of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub id: String,
    pub name: String,
    pub system: bool,
    pub hidden: bool,
    pub presentable: bool,
    pub required: bool,
    pub help: String,
    pub kind: FieldKind,
}

/// Field names that can never be used for user fields.
pub const RESERVED_FIELD_NAMES: &[&str] = &[
    "expand",
    "collectionId",
    "collectionName",
    "passwordConfirm",
    "oldPassword",
];

impl Field {
    /// A new field of `kind` named `name`, with PocketBase's default id (`type` + crc32(name)).
    pub fn new(name: &str, kind: FieldKind) -> Field {
        Field {
            id: default_field_id(kind.type_name(), name),
            name: name.to_string(),
            system: false,
            hidden: false,
            presentable: false,
            required: false,
            help: String::new(),
            kind,
        }
    }

    pub fn system(mut self) -> Field {
        self.system = true;
        self
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn hidden(mut self) -> Field {
        self.hidden = true;
        self
    }

    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    /// The field's JSON as PocketBase serializes it (keys sorted).
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), json!(self.id));
        map.insert("name".into(), json!(self.name));
        map.insert("type".into(), json!(self.type_name()));
        map.insert("system".into(), json!(self.system));
        map.insert("hidden".into(), json!(self.hidden));
        map.insert("presentable".into(), json!(self.presentable));
        if !matches!(self.kind, FieldKind::Autodate { .. }) {
            map.insert("required".into(), json!(self.required));
            map.insert("help".into(), json!(self.help));
        }
        match &self.kind {
            FieldKind::Text {
                min,
                max,
                pattern,
                autogenerate_pattern,
                primary_key,
            } => {
                map.insert("min".into(), json!(min));
                map.insert("max".into(), json!(max));
                map.insert("pattern".into(), json!(pattern));
                map.insert("autogeneratePattern".into(), json!(autogenerate_pattern));
                map.insert("primaryKey".into(), json!(primary_key));
            }
            FieldKind::Editor {
                max_size,
                convert_urls,
            } => {
                map.insert("maxSize".into(), json!(max_size));
                map.insert("convertURLs".into(), json!(convert_urls));
            }
            FieldKind::Number { min, max, only_int } => {
                map.insert("min".into(), number_json(*min));
                map.insert("max".into(), number_json(*max));
                map.insert("onlyInt".into(), json!(only_int));
            }
            FieldKind::Bool | FieldKind::GeoPoint => {}
            FieldKind::Email {
                except_domains,
                only_domains,
            }
            | FieldKind::Url {
                except_domains,
                only_domains,
            } => {
                map.insert("exceptDomains".into(), json!(except_domains));
                map.insert("onlyDomains".into(), json!(only_domains));
            }
            FieldKind::Date { min, max } => {
                map.insert("min".into(), json!(min));
                map.insert("max".into(), json!(max));
            }
            FieldKind::Autodate {
                on_create,
                on_update,
            } => {
                map.insert("onCreate".into(), json!(on_create));
                map.insert("onUpdate".into(), json!(on_update));
            }
            FieldKind::Select { max_select, values } => {
                map.insert("maxSelect".into(), json!(max_select));
                map.insert("values".into(), json!(values));
            }
            FieldKind::Json { max_size } => {
                map.insert("maxSize".into(), json!(max_size));
            }
            FieldKind::File {
                max_select,
                max_size,
                mime_types,
                thumbs,
                protected,
            } => {
                map.insert("maxSelect".into(), json!(max_select));
                map.insert("maxSize".into(), json!(max_size));
                map.insert("mimeTypes".into(), json!(mime_types));
                map.insert("thumbs".into(), json!(thumbs));
                map.insert("protected".into(), json!(protected));
            }
            FieldKind::Relation {
                collection_id,
                cascade_delete,
                min_select,
                max_select,
            } => {
                map.insert("collectionId".into(), json!(collection_id));
                map.insert("cascadeDelete".into(), json!(cascade_delete));
                map.insert("minSelect".into(), json!(min_select));
                map.insert("maxSelect".into(), json!(max_select));
            }
            FieldKind::Password {
                cost,
                min,
                max,
                pattern,
            } => {
                map.insert("cost".into(), json!(cost));
                map.insert("min".into(), json!(min));
                map.insert("max".into(), json!(max));
                map.insert("pattern".into(), json!(pattern));
            }
        }
        map.sort_keys();
        Value::Object(map)
    }

    /// Parses one field from its JSON. Missing options take their defaults; options of
    /// the wrong JSON type are reported per key. `existing` is the field with the same id
    /// in the stored collection, whose options fill the keys the input leaves out.
    pub fn from_json(input: &Value, existing: Option<&Field>) -> Result<Field, FieldErrors> {
        let mut errors = FieldErrors::new();
        let Some(object) = input.as_object() else {
            errors.add("", ErrorCode::InvalidValue, "Must be an object.");
            return Err(errors);
        };
        let type_name = object
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| existing.map(|field| field.type_name().to_string()))
            .unwrap_or_default();
        let Some(defaults) = FieldKind::defaults(&type_name) else {
            errors.add("type", ErrorCode::InvalidValue, "Invalid field type.");
            return Err(errors);
        };
        // Options missing from the input keep their stored values when the type is unchanged.
        let base = match existing {
            Some(field) if field.type_name() == type_name => field.clone(),
            _ => Field {
                id: String::new(),
                name: String::new(),
                system: false,
                hidden: false,
                presentable: false,
                required: false,
                help: String::new(),
                kind: defaults,
            },
        };
        let mut reader = OptionReader {
            object,
            errors: &mut errors,
        };
        let name = reader.string("name", &base.name);
        let id = reader.string("id", &base.id);
        let system = reader.bool("system", base.system);
        let hidden = reader.bool("hidden", base.hidden);
        let presentable = reader.bool("presentable", base.presentable);
        let required = reader.bool("required", base.required);
        let help = reader.string("help", &base.help);
        let kind = match &base.kind {
            FieldKind::Text {
                min,
                max,
                pattern,
                autogenerate_pattern,
                primary_key,
            } => FieldKind::Text {
                min: reader.int("min", *min),
                max: reader.int("max", *max),
                pattern: reader.string("pattern", pattern),
                autogenerate_pattern: reader.string("autogeneratePattern", autogenerate_pattern),
                primary_key: reader.bool("primaryKey", *primary_key),
            },
            FieldKind::Editor {
                max_size,
                convert_urls,
            } => FieldKind::Editor {
                max_size: reader.int("maxSize", *max_size),
                convert_urls: reader.bool("convertURLs", *convert_urls),
            },
            FieldKind::Number { min, max, only_int } => FieldKind::Number {
                min: reader.optional_number("min", *min),
                max: reader.optional_number("max", *max),
                only_int: reader.bool("onlyInt", *only_int),
            },
            FieldKind::Bool => FieldKind::Bool,
            FieldKind::GeoPoint => FieldKind::GeoPoint,
            FieldKind::Email {
                except_domains,
                only_domains,
            } => FieldKind::Email {
                except_domains: reader.strings("exceptDomains", except_domains),
                only_domains: reader.strings("onlyDomains", only_domains),
            },
            FieldKind::Url {
                except_domains,
                only_domains,
            } => FieldKind::Url {
                except_domains: reader.strings("exceptDomains", except_domains),
                only_domains: reader.strings("onlyDomains", only_domains),
            },
            FieldKind::Date { min, max } => FieldKind::Date {
                min: reader.string("min", min),
                max: reader.string("max", max),
            },
            FieldKind::Autodate {
                on_create,
                on_update,
            } => FieldKind::Autodate {
                on_create: reader.bool("onCreate", *on_create),
                on_update: reader.bool("onUpdate", *on_update),
            },
            FieldKind::Select { max_select, values } => FieldKind::Select {
                max_select: reader.int("maxSelect", *max_select),
                values: reader.strings("values", values),
            },
            FieldKind::Json { max_size } => FieldKind::Json {
                max_size: reader.int("maxSize", *max_size),
            },
            FieldKind::File {
                max_select,
                max_size,
                mime_types,
                thumbs,
                protected,
            } => FieldKind::File {
                max_select: reader.int("maxSelect", *max_select),
                max_size: reader.int("maxSize", *max_size),
                mime_types: reader.strings("mimeTypes", mime_types),
                thumbs: reader.strings("thumbs", thumbs),
                protected: reader.bool("protected", *protected),
            },
            FieldKind::Relation {
                collection_id,
                cascade_delete,
                min_select,
                max_select,
            } => FieldKind::Relation {
                collection_id: reader.string("collectionId", collection_id),
                cascade_delete: reader.bool("cascadeDelete", *cascade_delete),
                min_select: reader.int("minSelect", *min_select),
                max_select: reader.int("maxSelect", *max_select),
            },
            FieldKind::Password {
                cost,
                min,
                max,
                pattern,
            } => FieldKind::Password {
                cost: reader.int("cost", *cost),
                min: reader.int("min", *min),
                max: reader.int("max", *max),
                pattern: reader.string("pattern", pattern),
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Field {
            id,
            name,
            system,
            hidden,
            presentable,
            required,
            help,
            kind,
        })
    }

    /// Checks the field's own options (not its relation to other fields or collections).
    pub fn validate_options(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if !is_valid_identifier(&self.name) {
            errors.add(
                "name",
                ErrorCode::InvalidFormat,
                "Field name must contain only letters, digits and underscores, and start with a letter or underscore (max 100 characters).",
            );
        } else if !self.system && RESERVED_FIELD_NAMES.contains(&self.name.as_str()) {
            errors.add(
                "name",
                ErrorCode::NameInvalid,
                "The name is reserved and cannot be used.",
            );
        }
        match &self.kind {
            FieldKind::Text {
                min, max, pattern, ..
            }
            | FieldKind::Password {
                min, max, pattern, ..
            } => {
                if *min < 0 {
                    errors.add("min", ErrorCode::MinNumber, "Must be no less than 0.");
                }
                if *max < 0 || (*max > 0 && *max < *min) {
                    errors.add(
                        "max",
                        ErrorCode::MinNumber,
                        format!("Must be no less than {min}."),
                    );
                }
                if !pattern.is_empty() && regex::Regex::new(pattern).is_err() {
                    errors.add(
                        "pattern",
                        ErrorCode::InvalidFormat,
                        "Invalid regex pattern.",
                    );
                }
            }
            FieldKind::Number { min, max, .. } => {
                if let (Some(min), Some(max)) = (min, max)
                    && max < min
                {
                    errors.add(
                        "max",
                        ErrorCode::MinNumber,
                        format!("Must be no less than {min}."),
                    );
                }
            }
            FieldKind::Select { max_select, values } => {
                if values.is_empty() {
                    errors.add("values", ErrorCode::Required, "Cannot be blank.");
                }
                let mut seen = std::collections::HashSet::new();
                if values.iter().any(|value| !seen.insert(value)) {
                    errors.add("values", ErrorCode::InvalidValue, "Values must be unique.");
                }
                if *max_select < 0 || *max_select > values.len().max(1) as i64 {
                    errors.add(
                        "maxSelect",
                        ErrorCode::MaxNumber,
                        format!("Must be no greater than {}.", values.len().max(1)),
                    );
                }
            }
            FieldKind::Relation {
                collection_id,
                min_select,
                max_select,
                ..
            } => {
                if collection_id.is_empty() {
                    errors.add("collectionId", ErrorCode::Required, "Cannot be blank.");
                }
                if *min_select < 0 {
                    errors.add("minSelect", ErrorCode::MinNumber, "Must be no less than 0.");
                }
                if *max_select < 0 || (*max_select > 0 && *max_select < *min_select) {
                    errors.add(
                        "maxSelect",
                        ErrorCode::MinNumber,
                        format!("Must be no less than {min_select}."),
                    );
                }
            }
            FieldKind::File {
                max_select,
                max_size,
                thumbs,
                ..
            } => {
                if *max_select < 0 {
                    errors.add("maxSelect", ErrorCode::MinNumber, "Must be no less than 0.");
                }
                if *max_size < 0 {
                    errors.add("maxSize", ErrorCode::MinNumber, "Must be no less than 0.");
                }
                if thumbs.iter().any(|thumb| !is_valid_thumb(thumb)) {
                    errors.add(
                        "thumbs",
                        ErrorCode::InvalidValue,
                        "Thumbs must be in the format WxH, WxHt, WxHb, WxHf, 0xH or Wx0.",
                    );
                }
            }
            FieldKind::Json { max_size } | FieldKind::Editor { max_size, .. } => {
                if *max_size < 0 {
                    errors.add("maxSize", ErrorCode::MinNumber, "Must be no less than 0.");
                }
            }
            FieldKind::Date { min, max } => {
                for (key, value) in [("min", min), ("max", max)] {
                    if !value.is_empty() && crate::core::record::parse_datetime(value).is_none() {
                        errors.add(key, ErrorCode::InvalidDate, "Must be a valid date.");
                    }
                }
            }
            FieldKind::Email {
                except_domains,
                only_domains,
            }
            | FieldKind::Url {
                except_domains,
                only_domains,
            } => {
                if !except_domains.is_empty() && !only_domains.is_empty() {
                    errors.add(
                        "onlyDomains",
                        ErrorCode::InvalidOptions,
                        "exceptDomains and onlyDomains cannot be set together.",
                    );
                }
            }
            FieldKind::Autodate {
                on_create,
                on_update,
            } => {
                if !on_create && !on_update {
                    errors.add(
                        "onCreate",
                        ErrorCode::Required,
                        "At least one of onCreate or onUpdate must be set.",
                    );
                }
            }
            FieldKind::Bool | FieldKind::GeoPoint => {}
        }
        errors
    }
}

fn number_json(value: Option<f64>) -> Value {
    match value {
        None => Value::Null,
        Some(number) => crate::core::record::number_to_json(number),
    }
}

/// PocketBase's default field id: the type name followed by crc32(name).
pub fn default_field_id(type_name: &str, name: &str) -> String {
    format!("{type_name}{}", crc32fast::hash(name.as_bytes()))
}

/// A name usable as a SQL identifier without surprises: `[A-Za-z_][A-Za-z0-9_]{0,99}`.
pub fn is_valid_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 100
}

fn is_valid_thumb(thumb: &str) -> bool {
    let body = thumb.trim_end_matches(['t', 'b', 'f']);
    let Some((width, height)) = body.split_once('x') else {
        return false;
    };
    let (Ok(width), Ok(height)) = (width.parse::<u32>(), height.parse::<u32>()) else {
        return false;
    };
    !(width == 0 && height == 0) && body.len() + 1 >= thumb.len()
}

/// Reads typed options out of a field's JSON object, recording type errors per key.
struct OptionReader<'a> {
    object: &'a Map<String, Value>,
    errors: &'a mut FieldErrors,
}

impl OptionReader<'_> {
    fn wrong(&mut self, key: &str, expected: &str) {
        self.errors.add(
            key,
            ErrorCode::InvalidValue,
            format!("Must be a valid {expected}."),
        );
    }

    fn string(&mut self, key: &str, default: &str) -> String {
        match self.object.get(key) {
            None | Some(Value::Null) => default.to_string(),
            Some(Value::String(value)) => value.clone(),
            Some(_) => {
                self.wrong(key, "string");
                default.to_string()
            }
        }
    }

    fn bool(&mut self, key: &str, default: bool) -> bool {
        match self.object.get(key) {
            None | Some(Value::Null) => default,
            Some(Value::Bool(value)) => *value,
            Some(_) => {
                self.wrong(key, "boolean");
                default
            }
        }
    }

    fn int(&mut self, key: &str, default: i64) -> i64 {
        match self.object.get(key) {
            None | Some(Value::Null) => default,
            Some(Value::Number(number)) => match number.as_i64() {
                Some(value) => value,
                None => match number.as_f64() {
                    Some(value) if value.fract() == 0.0 && value.abs() < 9.0e15 => value as i64,
                    _ => {
                        self.wrong(key, "integer");
                        default
                    }
                },
            },
            Some(_) => {
                self.wrong(key, "integer");
                default
            }
        }
    }

    fn optional_number(&mut self, key: &str, default: Option<f64>) -> Option<f64> {
        match self.object.get(key) {
            None => default,
            Some(Value::Null) => None,
            Some(Value::Number(number)) => number.as_f64(),
            Some(_) => {
                self.wrong(key, "number");
                default
            }
        }
    }

    fn strings(&mut self, key: &str, default: &[String]) -> Vec<String> {
        match self.object.get(key) {
            None | Some(Value::Null) => default.to_vec(),
            Some(Value::Array(items)) => {
                let strings: Option<Vec<String>> = items
                    .iter()
                    .map(|item| item.as_str().map(str::to_string))
                    .collect();
                match strings {
                    Some(strings) => strings,
                    None => {
                        self.wrong(key, "list of strings");
                        default.to_vec()
                    }
                }
            }
            Some(_) => {
                self.wrong(key, "list of strings");
                default.to_vec()
            }
        }
    }
}
