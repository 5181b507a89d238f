//! One-time passwords: `request-otp` mails a numeric code (stored bcrypt-hashed in the
//! `_otps` system table) and answers its id; `auth-with-otp` trades id + code for an auth
//! token. A code is single-use and expires after the collection's `otp.duration`; as in
//! PocketBase, a record allows `MAX_ATTEMPTS` tries per `ATTEMPTS_WINDOW_MS` across all
//! its codes. Unknown emails get a fake id, so the answer does not reveal which
//! accounts exist.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::auth_flows::{
    check_email, form_text, into_validation, length_error, mfa_enabled, random_password, text,
};
use super::auth_mail::AuthTemplate;
use super::records::{hash_password, verify_password};
use super::{App, RequestContext, ServiceError, ServiceResult};
use crate::core::collection::Collection;
use crate::core::error::{ErrorCode, FieldErrors};
use crate::core::record::{new_record_id, random_string};
use crate::store::otps::{self, Otp};

/// OTP auth tries allowed per record within `ATTEMPTS_WINDOW_MS`; more are refused
/// with 429.
pub const MAX_ATTEMPTS: i64 = 5;
/// The window of `MAX_ATTEMPTS` (PocketBase: 5 per 180 s).
pub const ATTEMPTS_WINDOW_MS: i64 = 180_000;
/// Unexpired OTPs one record may hold; beyond it the newest is reused (and not re-mailed).
pub const MAX_RECENT: usize = 10;
/// Expired OTPs are kept this long (milliseconds) before being purged.
const PURGE_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

fn invalid_otp() -> ServiceError {
    ServiceError::BadRequest("Invalid or expired OTP.".into())
}

fn otp_disabled() -> ServiceError {
    ServiceError::Forbidden("The collection is not configured to allow OTP authentication.".into())
}

/// `(enabled, duration in seconds, code length)` of the collection's `otp` options.
pub fn otp_options(collection: &Collection) -> (bool, i64, usize) {
    let otp = collection.auth_options.get("otp");
    let get = |key: &str| otp.and_then(|o| o.get(key));
    let enabled = get("enabled").and_then(Value::as_bool).unwrap_or(false);
    let duration = get("duration")
        .and_then(Value::as_i64)
        .unwrap_or(180)
        .max(1);
    let length = get("length")
        .and_then(Value::as_u64)
        .map_or(8, |length| length.clamp(4, 64) as usize);
    (enabled, duration, length)
}

/// Whether an OTP created at `created` (unix ms) has expired at `now` (unix ms).
pub fn has_expired(created: i64, duration_seconds: i64, now: i64) -> bool {
    created.saturating_add(duration_seconds.saturating_mul(1000)) < now
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl App {
    /// `POST /api/collections/{collection}/request-otp`
    pub async fn request_otp(
        self: &Arc<Self>,
        collection: &str,
        body: &Map<String, Value>,
    ) -> ServiceResult<Value> {
        let collection = self.auth_collection(collection)?;
        let (enabled, duration, length) = otp_options(&collection);
        if !enabled {
            return Err(otp_disabled());
        }
        let email = form_text(body, "email")?;
        let mut errors = FieldErrors::new();
        check_email(&mut errors, "email", &email);
        into_validation(errors)?;
        let Some(record) = self.find_by_email(&collection, &email).await? else {
            tracing::debug!(collection = %collection.name, "OTP for an unknown email");
            return Ok(json!({"otpId": new_record_id()}));
        };
        let now = now_ms();
        let collection_ref = collection.id.clone();
        let record_ref = text(&record, "id").to_string();
        let recent = self
            .store
            .read(move |conn| otps::for_record(conn, &collection_ref, &record_ref))
            .await?;
        let unexpired = recent
            .iter()
            .filter(|otp| !has_expired(otp.created, duration, now))
            .count();
        if unexpired >= MAX_RECENT
            && let Some(latest) = recent.first()
        {
            tracing::warn!(record = %text(&record, "id"), "too many OTP requests, reusing the last issued");
            return Ok(json!({"otpId": latest.id}));
        }
        let code = random_string(b"0123456789", length);
        let otp = Otp {
            id: new_record_id(),
            collection_ref: collection.id.clone(),
            record_ref: text(&record, "id").to_string(),
            password: hash_password(code.clone()).await?,
            sent_to: String::new(),
            created: now,
        };
        let otp_id = otp.id.clone();
        self.store
            .write(move |tx| {
                otps::delete_created_before(tx, now - PURGE_AFTER_MS)?;
                otps::insert(tx, &otp)
            })
            .await?;
        let to = text(&record, "email").to_string();
        let mail = self.auth_mail(
            AuthTemplate::Otp,
            &collection,
            &record,
            &to,
            &[("OTP", &code), ("OTP_ID", &otp_id)],
        );
        // Mailed in the background, as PocketBase does: the answer does not wait for
        // delivery. An OTP that could not be mailed is dropped.
        let app = self.clone();
        let id = otp_id.clone();
        tokio::spawn(async move {
            let outcome = match app.send_mail(mail).await {
                Ok(()) => {
                    let sent = id.clone();
                    app.store
                        .write(move |tx| otps::set_sent_to(tx, &sent, &to))
                        .await
                }
                Err(error) => {
                    tracing::error!(%error, "failed to send the OTP email");
                    app.store.write(move |tx| otps::delete(tx, &id)).await
                }
            };
            if let Err(error) = outcome {
                tracing::error!(%error, "failed to update the OTP after mailing it");
            }
        });
        Ok(json!({"otpId": otp_id}))
    }

    /// `POST /api/collections/{collection}/auth-with-otp`
    pub async fn auth_with_otp(
        &self,
        ctx: &RequestContext,
        collection: &str,
        body: &Map<String, Value>,
    ) -> ServiceResult<Value> {
        let collection = self.auth_collection(collection)?;
        let (enabled, duration, _) = otp_options(&collection);
        if !enabled {
            return Err(otp_disabled());
        }
        let otp_id = form_text(body, "otpId")?;
        let password = form_text(body, "password")?;
        let mut errors = FieldErrors::new();
        if otp_id.is_empty() {
            errors.add("otpId", ErrorCode::Required, "Cannot be blank.");
        } else if otp_id.chars().count() > 255 {
            errors.insert("otpId", length_error(1, 255));
        }
        if password.is_empty() {
            errors.add("password", ErrorCode::Required, "Cannot be blank.");
        } else if password.chars().count() > 71 {
            errors.insert("password", length_error(1, 71));
        }
        into_validation(errors)?;
        let lookup_id = otp_id.clone();
        let otp = self
            .store
            .read(move |conn| otps::get(conn, &lookup_id))
            .await?
            .ok_or_else(invalid_otp)?;
        if otp.collection_ref != collection.id || has_expired(otp.created, duration, now_ms()) {
            return Err(invalid_otp());
        }
        let lookup = collection.clone();
        let record_id = otp.record_ref.clone();
        let record = self
            .store
            .read(move |conn| crate::store::records::get(conn, &lookup, &record_id, &[]))
            .await?
            .ok_or_else(invalid_otp)?;
        let (collection_ref, record_ref) = (otp.collection_ref.clone(), otp.record_ref.clone());
        let now = now_ms();
        let previous = self
            .store
            .write(move |tx| {
                otps::record_attempt(
                    tx,
                    &collection_ref,
                    &record_ref,
                    now,
                    now - ATTEMPTS_WINDOW_MS,
                )
            })
            .await?;
        if previous >= MAX_ATTEMPTS {
            return Err(ServiceError::TooManyAttempts(
                "Too many attempts, please try again later with a new OTP.".into(),
            ));
        }
        if !verify_password(password, otp.password.clone()).await {
            return Err(invalid_otp());
        }
        let used_id = otp_id.clone();
        self.store
            .write(move |tx| otps::delete(tx, &used_id))
            .await?;
        let mut record = record;
        let verified = record.get("verified").and_then(Value::as_bool) == Some(true);
        if !verified && !otp.sent_to.is_empty() && text(&record, "email") == otp.sent_to {
            let mut changes = Map::new();
            changes.insert("verified".into(), json!(true));
            if !mfa_enabled(&collection) {
                // As PocketBase: a verified upgrade by OTP alone resets the password, which
                // guards against accounts pre-registered by someone else.
                let password = random_password();
                changes.insert("password".into(), json!(password));
                changes.insert("passwordConfirm".into(), json!(password));
            }
            match self
                .save_auth_changes(&collection, &record, changes, "Failed to authenticate.")
                .await
            {
                Ok(saved) => record = saved,
                Err(error) => {
                    tracing::error!(?error, otp = %otp_id, "failed to mark the record verified after OTP auth");
                }
            }
        }
        self.auth_response(ctx, collection, record, None).await
    }
}

#[cfg(test)]
mod tests;
