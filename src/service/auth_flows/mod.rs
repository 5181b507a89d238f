//! The mail-based flows of auth collections, as PocketBase's `request-*` / `confirm-*`
//! endpoints: password reset, email verification, email change; and superuser
//! impersonation. Tokens come from `tokens.rs` (one claim set and secret per kind), mails
//! from `auth_mail.rs`. Request endpoints answer the same whether the email exists or
//! not, so they do not reveal which accounts exist.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::auth_mail::AuthTemplate;
use super::records::hash_password;
use super::tokens::{TokenExtras, TokenKind, new_token, unverified_claims};
use super::{App, RequestContext, ServiceError, ServiceResult};
use crate::core::collection::Collection;
use crate::core::error::{ErrorCode, FieldError, FieldErrors};
use crate::core::record::{self, PrepareOptions, now_string};
use crate::store::{ConstraintKind, StoreError, records as rows};

/// The alphabet of the random passwords the flows set.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// A random 30-character password (set where PocketBase sets one).
pub(crate) fn random_password() -> String {
    record::random_string(PASSWORD_ALPHABET, 30)
}

/// PocketBase's summary of form validation errors.
pub(crate) const VALIDATION_FAILED: &str = "An error occurred while validating the submitted data.";
/// PocketBase's answer to a body whose fields have the wrong JSON types.
pub(crate) const LOADING_FAILED: &str = "An error occurred while loading the submitted data.";

/// A string field of a form body: absent or `null` is empty; any other type cannot be
/// bound to the form, which PocketBase answers with a loading error.
pub(crate) fn form_text(body: &Map<String, Value>, key: &str) -> ServiceResult<String> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(_) => Err(ServiceError::BadRequest(LOADING_FAILED.into())),
    }
}

/// `validation_length_out_of_range` with PocketBase's message and params.
pub(crate) fn length_error(min: usize, max: usize) -> FieldError {
    FieldError {
        code: ErrorCode::LengthOutOfRange.as_str(),
        message: format!("The length must be between {min} and {max}."),
        params: Some(json!({"max": max, "min": min})),
    }
}

/// Required, at most 255 characters, a valid email; the first failure only.
pub(crate) fn check_email(errors: &mut FieldErrors, field: &str, email: &str) {
    if email.is_empty() {
        errors.add(field, ErrorCode::Required, "Cannot be blank.");
    } else if email.chars().count() > 255 {
        errors.insert(field, length_error(1, 255));
    } else if !record::is_email(email) {
        errors.add(
            field,
            ErrorCode::InvalidEmail,
            "Must be a valid email address.",
        );
    }
}

pub(crate) fn into_validation(errors: FieldErrors) -> ServiceResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Validation {
            message: VALIDATION_FAILED.into(),
            errors,
        })
    }
}

pub(crate) fn text<'a>(record: &'a Map<String, Value>, key: &str) -> &'a str {
    record.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn option_enabled(collection: &Collection, option: &str, default: bool) -> bool {
    collection
        .auth_options
        .get(option)
        .and_then(|o| o.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(default)
}

pub(crate) fn password_auth_enabled(collection: &Collection) -> bool {
    option_enabled(collection, "passwordAuth", true)
}

pub(crate) fn mfa_enabled(collection: &Collection) -> bool {
    option_enabled(collection, "mfa", false)
}

fn superusers_change_emails_directly() -> ServiceError {
    ServiceError::BadRequest("All superusers can change their emails directly.".into())
}

fn superusers_verified() -> ServiceError {
    ServiceError::BadRequest("All superusers are verified by default.".into())
}

impl App {
    /// Finds an auth record by email (case-insensitive).
    pub(crate) async fn find_by_email(
        &self,
        collection: &Arc<Collection>,
        email: &str,
    ) -> ServiceResult<Option<Map<String, Value>>> {
        let lookup = collection.clone();
        let email = email.to_string();
        Ok(self
            .store
            .read(move |conn| rows::find_by_field(conn, &lookup, "email", &email))
            .await?)
    }

    /// Sends a mail in the background, as PocketBase does for the request endpoints:
    /// the answer neither waits for nor depends on delivery, so neither its content nor
    /// its timing tells whether the email belongs to an account. Failures are logged.
    fn send_mail_in_background(self: &Arc<Self>, mail: super::mail::Mail, what: &'static str) {
        let app = self.clone();
        tokio::spawn(async move {
            if let Err(error) = app.send_mail(mail).await {
                tracing::error!(%error, "failed to send the {what} email");
            }
        });
    }

    /// Applies `changes` to a stored auth record with full (superuser) access: validates
    /// them, hashes a new password, rotates `tokenKey` when the password or email
    /// changes, and writes the row. Returns the stored values after the write.
    pub(crate) async fn save_auth_changes(
        &self,
        collection: &Arc<Collection>,
        stored: &Map<String, Value>,
        changes: Map<String, Value>,
        failed: &str,
    ) -> ServiceResult<Map<String, Value>> {
        let options = PrepareOptions::superuser(now_string());
        let mut prepared =
            record::prepare(collection, Some(stored), &changes, &options).map_err(|errors| {
                ServiceError::Validation {
                    message: failed.into(),
                    errors,
                }
            })?;
        if let Some(password) = prepared.new_password.take() {
            let hash = hash_password(password).await?;
            prepared
                .values
                .insert("password".into(), Value::String(hash));
        }
        let id = text(stored, "id").to_string();
        let write_collection = collection.clone();
        let values = prepared.values;
        let event_collection = collection.clone();
        let events = self.events.clone();
        let written = self
            .store
            .write_then(
                move |tx| {
                    rows::update(tx, &write_collection, &id, &values)?;
                    rows::get(tx, &write_collection, &id, &[])
                },
                // Realtime subscribers see these changes like any other update.
                move |stored| {
                    if let Some(record) = stored {
                        events.publish(vec![crate::service::events::Change {
                            action: crate::service::events::RecordAction::Update,
                            collection: event_collection,
                            record: record.clone(),
                        }]);
                    }
                },
            )
            .await;
        match written {
            Ok(Some(values)) => Ok(values),
            Ok(None) => Err(ServiceError::BadRequest(failed.into())),
            Err(StoreError::Constraint {
                kind: ConstraintKind::Unique,
                ..
            }) => Err(ServiceError::BadRequest(failed.into())),
            Err(other) => Err(other.into()),
        }
    }

    /// `POST /api/collections/{collection}/request-password-reset`: 204 whether or not
    /// the email belongs to a record; if it does, mails a password reset token.
    pub async fn request_password_reset(
        self: &Arc<Self>,
        collection: &str,
        body: &Map<String, Value>,
    ) -> ServiceResult<()> {
        let collection = self.auth_collection(collection)?;
        if !password_auth_enabled(&collection) {
            return Err(ServiceError::BadRequest(
                "The collection is not configured to allow password authentication.".into(),
            ));
        }
        let email = form_text(body, "email")?;
        let mut errors = FieldErrors::new();
        check_email(&mut errors, "email", &email);
        into_validation(errors)?;
        let Some(record) = self.find_by_email(&collection, &email).await? else {
            tracing::debug!(collection = %collection.name, "password reset for an unknown email");
            return Ok(());
        };
        self.mail_token(
            &collection,
            &record,
            TokenKind::PasswordReset,
            AuthTemplate::ResetPassword,
            "password reset",
        )
    }

    /// Mails `record` a new token of `kind` with `template`, in the background.
    fn mail_token(
        self: &Arc<Self>,
        collection: &Collection,
        record: &Map<String, Value>,
        kind: TokenKind,
        template: AuthTemplate,
        label: &'static str,
    ) -> ServiceResult<()> {
        let token = new_token(collection, record, kind, TokenExtras::default())?;
        let mail = self.auth_mail(
            template,
            collection,
            record,
            text(record, "email"),
            &[("TOKEN", &token)],
        );
        self.send_mail_in_background(mail, label);
        Ok(())
    }

    /// `POST /api/collections/{collection}/confirm-password-reset`: sets the new password
    /// (which rotates `tokenKey`, so older tokens stop working) and marks the record
    /// verified when the token was mailed to its current email.
    pub async fn confirm_password_reset(
        &self,
        collection: &str,
        body: &Map<String, Value>,
    ) -> ServiceResult<()> {
        let collection = self.auth_collection(collection)?;
        let token = form_text(body, "token")?;
        let password = form_text(body, "password")?;
        let confirm = form_text(body, "passwordConfirm")?;
        let mut errors = FieldErrors::new();
        let mut found = None;
        if token.is_empty() {
            errors.add("token", ErrorCode::Required, "Cannot be blank.");
        } else {
            match self
                .find_record_by_token(&token, TokenKind::PasswordReset)
                .await
            {
                None => errors.add(
                    "token",
                    ErrorCode::InvalidToken,
                    "Invalid or expired token.",
                ),
                Some(hit) if hit.collection.id != collection.id => errors.add(
                    "token",
                    ErrorCode::TokenCollectionMismatch,
                    "The provided token is for different auth collection.",
                ),
                Some(hit) => found = Some(hit),
            }
        }
        let min = match collection.field("password").map(|field| &field.kind) {
            Some(crate::core::collection::FieldKind::Password { min, .. }) if *min > 0 => {
                *min as usize
            }
            _ => 1,
        };
        let length = password.chars().count();
        if password.is_empty() {
            errors.add("password", ErrorCode::Required, "Cannot be blank.");
        } else if length < min || length > 255 {
            errors.insert("password", length_error(min, 255));
        }
        if confirm.is_empty() {
            errors.add("passwordConfirm", ErrorCode::Required, "Cannot be blank.");
        } else if confirm != password {
            errors.add(
                "passwordConfirm",
                ErrorCode::ValuesMismatch,
                "Values don't match.",
            );
        }
        into_validation(errors)?;
        let Some(found) = found else {
            return Err(ServiceError::BadRequest(
                "Invalid or expired password reset token.".into(),
            ));
        };
        let mut changes = Map::new();
        changes.insert("password".into(), json!(password));
        changes.insert("passwordConfirm".into(), json!(password));
        let verified = found.record.get("verified").and_then(Value::as_bool) == Some(true);
        if !verified && found.claims.email.as_deref() == Some(text(&found.record, "email")) {
            changes.insert("verified".into(), json!(true));
        }
        self.save_auth_changes(
            &collection,
            &found.record,
            changes,
            "Failed to set new password.",
        )
        .await?;
        Ok(())
    }

    /// `POST /api/collections/{collection}/request-verification`: 204 whether or not the
    /// email belongs to a record; mails a verification token to unverified records.
    pub async fn request_verification(
        self: &Arc<Self>,
        collection: &str,
        body: &Map<String, Value>,
    ) -> ServiceResult<()> {
        let collection = self.auth_collection(collection)?;
        if collection.is_superusers() {
            return Err(superusers_verified());
        }
        let email = form_text(body, "email")?;
        let mut errors = FieldErrors::new();
        check_email(&mut errors, "email", &email);
        into_validation(errors)?;
        let Some(record) = self.find_by_email(&collection, &email).await? else {
            tracing::debug!(collection = %collection.name, "verification for an unknown email");
            return Ok(());
        };
        if record.get("verified").and_then(Value::as_bool) == Some(true) {
            return Ok(());
        }
        self.mail_token(
            &collection,
            &record,
            TokenKind::Verification,
            AuthTemplate::Verification,
            "verification",
        )
    }

    /// `POST /api/collections/{collection}/confirm-verification`: marks the record of the
    /// token verified, if the token was issued for its current email.
    pub async fn confirm_verification(
        &self,
        collection: &str,
        body: &Map<String, Value>,
    ) -> ServiceResult<()> {
        let collection = self.auth_collection(collection)?;
        if collection.is_superusers() {
            return Err(superusers_verified());
        }
        let token = form_text(body, "token")?;
        let mut errors = FieldErrors::new();
        let mut found = None;
        if token.is_empty() {
            errors.add("token", ErrorCode::Required, "Cannot be blank.");
        } else {
            let email = unverified_claims(&token)
                .and_then(|claims| claims.email)
                .unwrap_or_default();
            if email.is_empty() {
                errors.add(
                    "token",
                    ErrorCode::InvalidTokenClaims,
                    "Missing email token claim.",
                );
            } else {
                match self
                    .find_record_by_token(&token, TokenKind::Verification)
                    .await
                {
                    None => errors.add(
                        "token",
                        ErrorCode::InvalidToken,
                        "Invalid or expired token.",
                    ),
                    Some(hit) if hit.collection.id != collection.id => errors.add(
                        "token",
                        ErrorCode::TokenCollectionMismatch,
                        "The provided token is for different auth collection.",
                    ),
                    Some(hit) if text(&hit.record, "email") != email => errors.add(
                        "token",
                        ErrorCode::TokenEmailMismatch,
                        "The record email doesn't match with the requested token claims.",
                    ),
                    Some(hit) => found = Some(hit),
                }
            }
        }
        into_validation(errors)?;
        let Some(found) = found else {
            return Err(ServiceError::BadRequest(
                "Invalid or expired verification token.".into(),
            ));
        };
        if found.record.get("verified").and_then(Value::as_bool) == Some(true) {
            return Ok(());
        }
        let mut changes = Map::new();
        changes.insert("verified".into(), json!(true));
        if !password_auth_enabled(&collection) {
            // As PocketBase: a random password guards against pre-hijacked accounts in
            // case password auth gets enabled later.
            let password = random_password();
            changes.insert("password".into(), json!(password));
            changes.insert("passwordConfirm".into(), json!(password));
        }
        self.save_auth_changes(
            &collection,
            &found.record,
            changes,
            "An error occurred while saving the verified state.",
        )
        .await?;
        Ok(())
    }

    /// `POST /api/collections/{collection}/request-email-change` (the record itself):
    /// mails an email change token to the new address.
    pub async fn request_email_change(
        &self,
        ctx: &RequestContext,
        collection: &str,
        body: &Map<String, Value>,
    ) -> ServiceResult<()> {
        let (collection, record) = self.same_collection_auth(ctx, collection)?;
        if collection.is_superusers() {
            return Err(superusers_change_emails_directly());
        }
        let new_email = form_text(body, "newEmail")?;
        let mut errors = FieldErrors::new();
        check_email(&mut errors, "newEmail", &new_email);
        if errors.is_empty() {
            if new_email == text(record, "email") {
                errors.add("newEmail", ErrorCode::NotIn, "Must not be in list.");
            } else if let Some(other) = self.find_by_email(&collection, &new_email).await?
                && text(&other, "id") != text(record, "id")
            {
                errors.add(
                    "newEmail",
                    ErrorCode::InvalidNewEmail,
                    "Invalid new email address.",
                );
            }
        }
        into_validation(errors)?;
        let token = new_token(
            &collection,
            record,
            TokenKind::EmailChange,
            TokenExtras {
                new_email: Some(new_email.clone()),
                ..TokenExtras::default()
            },
        )?;
        let mail = self.auth_mail(
            AuthTemplate::ConfirmEmailChange,
            &collection,
            record,
            &new_email,
            &[("TOKEN", &token)],
        );
        // PocketBase fails this request when the mail cannot be sent.
        self.send_mail(mail).await.map_err(|error| {
            tracing::error!(%error, "failed to send the email change email");
            ServiceError::BadRequest("Failed to request email change.".into())
        })
    }

    /// `POST /api/collections/{collection}/confirm-email-change`: with the token and the
    /// record's password, sets the new email (verified; `tokenKey` rotates).
    pub async fn confirm_email_change(
        &self,
        collection: &str,
        body: &Map<String, Value>,
    ) -> ServiceResult<()> {
        let collection = self.auth_collection(collection)?;
        if collection.is_superusers() {
            return Err(superusers_change_emails_directly());
        }
        let token = form_text(body, "token")?;
        let password = form_text(body, "password")?;
        let mut errors = FieldErrors::new();
        let mut found = None;
        let new_email = unverified_claims(&token)
            .and_then(|claims| claims.new_email)
            .unwrap_or_default();
        // PocketBase checks the token for both fields, so a bad token fails both.
        let token_error: Option<(ErrorCode, &str)> = if new_email.is_empty() {
            Some((
                ErrorCode::InvalidTokenPayload,
                "Invalid token payload - newEmail must be set.",
            ))
        } else {
            match self
                .find_record_by_token(&token, TokenKind::EmailChange)
                .await
            {
                None => Some((ErrorCode::InvalidToken, "Invalid or expired token.")),
                Some(hit) if hit.collection.id != collection.id => Some((
                    ErrorCode::TokenCollectionMismatch,
                    "The provided token is for different auth collection.",
                )),
                Some(hit) => {
                    if self.find_by_email(&collection, &new_email).await?.is_some() {
                        Some((
                            ErrorCode::InvalidTokenEmail,
                            "The new email address is invalid.",
                        ))
                    } else {
                        found = Some(hit);
                        None
                    }
                }
            }
        };
        if token.is_empty() {
            errors.add("token", ErrorCode::Required, "Cannot be blank.");
        } else if let Some((code, message)) = token_error {
            errors.add("token", code, message);
        }
        if password.is_empty() {
            errors.add("password", ErrorCode::Required, "Cannot be blank.");
        } else if password.chars().count() > 100 {
            errors.insert("password", length_error(1, 100));
        } else {
            let valid = match &found {
                Some(hit) => {
                    super::records::verify_password(
                        password.clone(),
                        text(&hit.record, "password").to_string(),
                    )
                    .await
                }
                None => false,
            };
            if !valid {
                errors.add(
                    "password",
                    ErrorCode::InvalidPassword,
                    "Missing or invalid auth record password.",
                );
            }
        }
        into_validation(errors)?;
        let Some(found) = found else {
            return Err(ServiceError::BadRequest("Invalid or expired token.".into()));
        };
        let mut changes = Map::new();
        changes.insert("email".into(), json!(new_email));
        changes.insert("verified".into(), json!(true));
        self.save_auth_changes(
            &collection,
            &found.record,
            changes,
            "Failed to confirm email change.",
        )
        .await?;
        Ok(())
    }

    /// `POST /api/collections/{collection}/impersonate/{id}` (superusers only): a
    /// non-refreshable auth token for the record, valid for `duration` seconds (the
    /// collection's auth token duration when 0 or absent).
    pub async fn impersonate(
        &self,
        ctx: &RequestContext,
        collection: &str,
        id: &str,
        body: &Map<String, Value>,
    ) -> ServiceResult<Value> {
        let _superuser = ctx.auth.require_superuser()?;
        let collection = match self.auth_collection(collection) {
            Err(ServiceError::MissingCollectionContext) => {
                return Err(ServiceError::MissingAuthCollection);
            }
            other => other?,
        };
        let lookup = collection.clone();
        let record_id = id.to_string();
        let record = self
            .store
            .read(move |conn| rows::get(conn, &lookup, &record_id, &[]))
            .await?
            .ok_or(ServiceError::NotFound)?;
        let duration = match body.get("duration") {
            None | Some(Value::Null) => 0,
            Some(value) => value
                .as_i64()
                .ok_or_else(|| ServiceError::BadRequest(LOADING_FAILED.into()))?,
        };
        if duration < 0 {
            let mut errors = FieldErrors::new();
            errors.insert(
                "duration",
                FieldError {
                    code: ErrorCode::MinValue.as_str(),
                    message: "Must be no less than 0.".into(),
                    params: Some(json!({"threshold": 0})),
                },
            );
            into_validation(errors)?;
        }
        let token = new_token(
            &collection,
            &record,
            TokenKind::Auth,
            TokenExtras {
                duration: Some(duration),
                refreshable: Some(false),
                ..TokenExtras::default()
            },
        )?;
        self.auth_response(ctx, collection, record, Some(token))
            .await
    }
}

#[cfg(test)]
mod tests;
