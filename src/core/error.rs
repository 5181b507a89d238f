//! Domain errors: `CoreError` and per-field validation errors (`FieldErrors`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// Every public validation error code, so no code string is written inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Required,
    InvalidValue,
    InvalidFormat,
    InvalidJson,
    InvalidUrl,
    InvalidEmail,
    InvalidDate,
    InvalidId,
    NotUnique,
    NotANumber,
    OnlyInt,
    MinNumber,
    MaxNumber,
    MinText,
    MaxText,
    TooManyValues,
    NotEnoughValues,
    MissingRelRecords,
    MissingRelCollection,
    EmailDomainNotAllowed,
    UrlDomainNotAllowed,
    JsonTooLarge,
    UnknownField,
    InvalidCollection,
    NameExists,
    NameInvalid,
    TypeChange,
    SystemChange,
    SystemFieldChange,
    FieldTypeChange,
    InvalidRule,
    InvalidIndex,
    InvalidViewQuery,
    PkChange,
    InvalidLatitude,
    InvalidLongitude,
    InvalidOptions,
    DateRange,
    ContentTooLarge,
    ValuesMismatch,
    InvalidFile,
    TooManyFiles,
    MinDate,
    MaxDate,
    ForbiddenPkCharacter,
    ReservedPk,
    InvalidOldPassword,
    MinValue,
    LengthInvalid,
    LengthOutOfRange,
    InInvalid,
    IsUrl,
    IsHost,
    IsHexColor,
    InvalidIpOrSubnet,
    InvalidCron,
    MatchInvalid,
    ConflictingRateLimitRule,
    InvalidAuthCollection,
    NotIn,
    InvalidToken,
    InvalidTokenClaims,
    InvalidTokenPayload,
    InvalidTokenEmail,
    TokenCollectionMismatch,
    TokenEmailMismatch,
    InvalidPassword,
    InvalidNewEmail,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Required => "validation_required",
            ErrorCode::InvalidValue => "validation_invalid_value",
            ErrorCode::InvalidFormat => "validation_invalid_format",
            ErrorCode::InvalidJson => "validation_invalid_json",
            ErrorCode::InvalidUrl => "validation_invalid_url",
            ErrorCode::InvalidEmail => "validation_is_email",
            ErrorCode::InvalidDate => "validation_invalid_date",
            ErrorCode::InvalidId => "validation_invalid_or_existing_id",
            ErrorCode::NotUnique => "validation_not_unique",
            ErrorCode::NotANumber => "validation_not_a_number",
            ErrorCode::OnlyInt => "validation_only_int_constraint",
            ErrorCode::MinNumber => "validation_min_number_constraint",
            ErrorCode::MaxNumber => "validation_max_number_constraint",
            ErrorCode::MinText => "validation_min_text_constraint",
            ErrorCode::MaxText => "validation_max_text_constraint",
            ErrorCode::TooManyValues => "validation_too_many_values",
            ErrorCode::NotEnoughValues => "validation_not_enough_values",
            ErrorCode::MissingRelRecords => "validation_missing_rel_records",
            ErrorCode::MissingRelCollection => "validation_missing_rel_collection",
            ErrorCode::EmailDomainNotAllowed => "validation_email_domain_not_allowed",
            ErrorCode::UrlDomainNotAllowed => "validation_url_domain_not_allowed",
            ErrorCode::JsonTooLarge => "validation_json_size_limit",
            ErrorCode::UnknownField => "validation_unknown_field",
            ErrorCode::InvalidCollection => "validation_invalid_collection",
            ErrorCode::NameExists => "validation_collection_name_exists",
            ErrorCode::NameInvalid => "validation_collection_name_invalid",
            ErrorCode::TypeChange => "validation_collection_type_change",
            ErrorCode::SystemChange => "validation_collection_system_change",
            ErrorCode::SystemFieldChange => "validation_system_field_change",
            ErrorCode::FieldTypeChange => "validation_field_type_change",
            ErrorCode::InvalidRule => "validation_invalid_rule",
            ErrorCode::InvalidIndex => "validation_invalid_index",
            ErrorCode::InvalidViewQuery => "validation_invalid_view_query",
            ErrorCode::PkChange => "validation_pk_change",
            ErrorCode::InvalidLatitude => "validation_invalid_latitude",
            ErrorCode::InvalidLongitude => "validation_invalid_longitude",
            ErrorCode::InvalidOptions => "validation_invalid_options",
            ErrorCode::DateRange => "validation_date_range",
            ErrorCode::ContentTooLarge => "validation_content_size_limit",
            ErrorCode::ValuesMismatch => "validation_values_mismatch",
            ErrorCode::InvalidFile => "validation_invalid_file",
            ErrorCode::TooManyFiles => "validation_too_many_files",
            ErrorCode::MinDate => "validation_min_greater_equal_than_required",
            ErrorCode::MaxDate => "validation_max_less_equal_than_required",
            ErrorCode::ForbiddenPkCharacter => "validation_forbidden_pk_character",
            ErrorCode::ReservedPk => "validation_reserved_pk",
            ErrorCode::InvalidOldPassword => "validation_invalid_old_password",
            ErrorCode::MinValue => "validation_min_greater_equal_than_required",
            ErrorCode::LengthInvalid => "validation_length_invalid",
            ErrorCode::LengthOutOfRange => "validation_length_out_of_range",
            ErrorCode::InInvalid => "validation_in_invalid",
            ErrorCode::IsUrl => "validation_is_url",
            ErrorCode::IsHost => "validation_is_host",
            ErrorCode::IsHexColor => "validation_is_hex_color",
            // sic: PocketBase's spelling.
            ErrorCode::InvalidIpOrSubnet => "validation_invlaid_ip_or_subnet",
            ErrorCode::InvalidCron => "validation_invalid_cron",
            ErrorCode::MatchInvalid => "validation_match_invalid",
            ErrorCode::ConflictingRateLimitRule => "validation_conflicting_rate_limit_rule",
            ErrorCode::InvalidAuthCollection => "validation_invalid_auth_collection",
            ErrorCode::NotIn => "validation_not_in_invalid",
            ErrorCode::InvalidToken => "validation_invalid_token",
            ErrorCode::InvalidTokenClaims => "validation_invalid_token_claims",
            ErrorCode::InvalidTokenPayload => "validation_invalid_token_payload",
            ErrorCode::InvalidTokenEmail => "validation_invalid_token_email",
            ErrorCode::TokenCollectionMismatch => "validation_token_collection_mismatch",
            ErrorCode::TokenEmailMismatch => "validation_token_email_mismatch",
            ErrorCode::InvalidPassword => "validation_invalid_password",
            ErrorCode::InvalidNewEmail => "validation_invalid_new_email",
        }
    }
}

/// One field's validation failure, serialized as PocketBase does: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
}

/// Validation failures keyed by field name. Nested errors (fields of a collection's
/// `fields` list, batch requests) are stored as JSON under their parent key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldErrors {
    errors: BTreeMap<String, Value>,
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, code: ErrorCode, message: impl Into<String>) {
        self.insert(
            field,
            FieldError {
                code: code.as_str(),
                message: message.into(),
                params: None,
            },
        );
    }

    pub fn insert(&mut self, field: impl Into<String>, error: FieldError) {
        let value = serde_json::to_value(error).unwrap_or(Value::Null);
        self.errors.entry(field.into()).or_insert(value);
    }

    /// Adds a nested error object (for example `fields.2.name`) under `field`.
    pub fn nest(&mut self, field: impl Into<String>, key: impl Into<String>, inner: FieldErrors) {
        if inner.is_empty() {
            return;
        }
        let entry = self
            .errors
            .entry(field.into())
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(map) = entry {
            map.insert(key.into(), inner.to_json());
        }
    }

    /// Puts an already serialized error (or error object) under `field.key`.
    pub fn nest_value(&mut self, field: impl Into<String>, key: impl Into<String>, value: Value) {
        let entry = self
            .errors
            .entry(field.into())
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(map) = entry {
            map.entry(key.into()).or_insert(value);
        }
    }

    /// Adds one error under `field.key` (for example `indexes.0`).
    pub fn nest_error(
        &mut self,
        field: impl Into<String>,
        key: impl Into<String>,
        code: ErrorCode,
        message: impl Into<String>,
    ) {
        let error = FieldError {
            code: code.as_str(),
            message: message.into(),
            params: None,
        };
        let entry = self
            .errors
            .entry(field.into())
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(map) = entry {
            map.entry(key.into())
                .or_insert(serde_json::to_value(error).unwrap_or(Value::Null));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn contains(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    pub fn merge(&mut self, other: FieldErrors) {
        for (key, value) in other.errors {
            self.errors.entry(key).or_insert(value);
        }
    }

    pub fn to_json(&self) -> Value {
        Value::Object(self.errors.clone().into_iter().collect())
    }

    /// `Ok(())` when empty, the errors otherwise.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// Errors of the pure domain layer. They carry meaning, never status codes.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("invalid filter or rule: {0}")]
    Filter(String),
    #[error("not found")]
    NotFound,
}

impl From<FieldErrors> for CoreError {
    fn from(errors: FieldErrors) -> Self {
        CoreError::Validation(errors)
    }
}
