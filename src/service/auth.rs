//! Auth use cases: JWTs for auth records (signed with the record's `tokenKey` plus the
//! collection's token secret, so changing either invalidates every older token),
//! password auth, token refresh, and superuser management for the CLI.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::records::{LoadedRecord, verify_password};
use super::{App, Auth, RequestContext, ServiceError, ServiceResult};
use crate::core::collection::{Collection, SUPERUSERS_ID};
use crate::core::error::ErrorCode;
use crate::core::record::{self, PrepareOptions, now_string};
use crate::store::{Store, StoreError, records as rows};

/// The claims of an auth token, named as PocketBase names them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthClaims {
    pub id: String,
    #[serde(rename = "type")]
    pub token_type: String,
    #[serde(rename = "collectionId")]
    pub collection_id: String,
    #[serde(default)]
    pub refreshable: bool,
    pub exp: i64,
}

fn signing_key(collection: &Collection, record: &Map<String, Value>) -> Vec<u8> {
    let (secret, _) = collection.token_options("authToken");
    let token_key = record
        .get("tokenKey")
        .and_then(Value::as_str)
        .unwrap_or_default();
    format!("{token_key}{secret}").into_bytes()
}

/// A new auth token for `record`.
pub fn new_auth_token(
    collection: &Collection,
    record: &Map<String, Value>,
) -> ServiceResult<String> {
    let (_, duration) = collection.token_options("authToken");
    let claims = AuthClaims {
        id: record
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        token_type: "auth".into(),
        collection_id: collection.id.clone(),
        refreshable: true,
        exp: chrono::Utc::now().timestamp() + duration.max(1),
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&signing_key(collection, record)),
    )
    .map_err(|error| {
        ServiceError::Store(StoreError::Other(format!("token signing failed: {error}")))
    })
}

impl App {
    /// Resolves an `Authorization` header value into an `Auth`. Anything invalid
    /// (garbage, tampered, expired, unknown record) is a guest, as in PocketBase.
    pub async fn authenticate(&self, header: &str) -> Auth {
        let token = header.trim();
        let token = token.strip_prefix("Bearer ").unwrap_or(token).trim();
        if token.is_empty() || token.len() > 4096 {
            return Auth::Guest;
        }
        let Ok(unverified) = jsonwebtoken::dangerous::insecure_decode::<AuthClaims>(token) else {
            return Auth::Guest;
        };
        let claims = unverified.claims;
        if claims.token_type != "auth" {
            return Auth::Guest;
        }
        let Some(collection) = self.schema().by_id(&claims.collection_id).cloned() else {
            return Auth::Guest;
        };
        if !collection.is_auth() {
            return Auth::Guest;
        }
        let lookup = collection.clone();
        let id = claims.id.clone();
        let Ok(Some(record)) = self
            .store
            .read(move |conn| rows::get(conn, &lookup, &id, &[]))
            .await
        else {
            return Auth::Guest;
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = true;
        validation.required_spec_claims = ["exp".to_string()].into_iter().collect();
        match jsonwebtoken::decode::<AuthClaims>(
            token,
            &DecodingKey::from_secret(&signing_key(&collection, &record)),
            &validation,
        ) {
            Ok(_) => Auth::Record { collection, record },
            Err(_) => Auth::Guest,
        }
    }

    /// `{token, record}` as the auth endpoints answer.
    fn auth_response(
        &self,
        ctx: &RequestContext,
        collection: Arc<Collection>,
        record: Map<String, Value>,
    ) -> ServiceResult<Value> {
        let token = new_auth_token(&collection, &record)?;
        let owner = RequestContext {
            auth: Auth::Record {
                collection: collection.clone(),
                record: record.clone(),
            },
            ..ctx.clone()
        };
        let json = self.record_json(
            &owner,
            &LoadedRecord {
                collection,
                values: record,
                expand: None,
            },
        );
        Ok(json!({"record": json, "token": token}))
    }

    /// `POST /api/collections/{collection}/auth-with-password`
    pub async fn auth_with_password(
        &self,
        ctx: &RequestContext,
        collection: &str,
        body: &Map<String, Value>,
    ) -> ServiceResult<Value> {
        let collection = self.collection(collection)?;
        let failed = || ServiceError::BadRequest("Failed to authenticate.".into());
        if !collection.is_auth() {
            return Err(ServiceError::MissingCollection);
        }
        let identity = body
            .get("identity")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_string();
        let password = body
            .get("password")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut errors = crate::core::error::FieldErrors::new();
        if identity.is_empty() {
            errors.add("identity", ErrorCode::Required, "Cannot be blank.");
        }
        if password.is_empty() {
            errors.add("password", ErrorCode::Required, "Cannot be blank.");
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation {
                message: "An error occurred while validating the submitted data.".into(),
                errors,
            });
        }
        let enabled = collection
            .auth_options
            .get("passwordAuth")
            .and_then(|o| o.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if !enabled {
            return Err(ServiceError::BadRequest(
                "The collection is not configured to allow password authentication.".into(),
            ));
        }
        let identity_fields: Vec<String> = collection
            .auth_options
            .get("passwordAuth")
            .and_then(|o| o.get("identityFields"))
            .and_then(Value::as_array)
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_else(|| vec!["email".into()]);
        let requested = body
            .get("identityField")
            .and_then(Value::as_str)
            .map(str::to_string);
        let fields: Vec<String> = match requested {
            Some(field) if identity_fields.contains(&field) => vec![field],
            Some(_) => return Err(failed()),
            None => identity_fields,
        };
        let lookup = collection.clone();
        let found = self
            .store
            .read(move |conn| {
                for field in &fields {
                    if lookup.field(field).is_none() {
                        continue;
                    }
                    if let Some(record) = rows::find_by_field(conn, &lookup, field, &identity)? {
                        return Ok(Some(record));
                    }
                }
                Ok(None)
            })
            .await?;
        // Hash even when nobody matched, so timing does not reveal which identities exist.
        let hash = found
            .as_ref()
            .and_then(|r| r.get("password"))
            .and_then(Value::as_str)
            .unwrap_or(DUMMY_HASH)
            .to_string();
        let valid = verify_password(password, hash).await;
        match found {
            Some(record) if valid => self.auth_response(ctx, collection, record),
            _ => Err(failed()),
        }
    }

    /// `POST /api/collections/{collection}/auth-refresh`
    pub async fn auth_refresh(
        &self,
        ctx: &RequestContext,
        collection: &str,
    ) -> ServiceResult<Value> {
        let collection = self.collection(collection)?;
        match &ctx.auth {
            Auth::Guest => Err(ServiceError::Unauthorized),
            Auth::Record {
                collection: own,
                record,
            } => {
                if own.id != collection.id {
                    return Err(ServiceError::Forbidden(
                        "The request requires valid record authorization token.".into(),
                    ));
                }
                self.auth_response(ctx, collection, record.clone())
            }
        }
    }
}

/// A valid bcrypt hash of a random string, checked against when no record matched.
const DUMMY_HASH: &str = "$2b$10$GKpAFP2WZKgBtorBpGg5vOnFI5zaSuUiTfgc5iawzBib2/MXR6vwG";

/// Creates or updates a superuser (the CLI's `superuser upsert`).
pub fn upsert_superuser(store: &Store, email: &str, password: &str) -> anyhow::Result<bool> {
    let collections = store.read_sync(crate::store::schema::load_collections)?;
    let collection = collections
        .into_iter()
        .find(|c| c.id == SUPERUSERS_ID)
        .ok_or_else(|| anyhow::anyhow!("the _superusers collection is missing"))?;
    let existing =
        store.read_sync(|conn| rows::find_by_field(conn, &collection, "email", email))?;
    let mut input = Map::new();
    input.insert("email".into(), json!(email));
    input.insert("password".into(), json!(password));
    input.insert("passwordConfirm".into(), json!(password));
    let options = PrepareOptions {
        is_superuser: true,
        now: now_string(),
        ..PrepareOptions::default()
    };
    let mut prepared = record::prepare(&collection, existing.as_ref(), &input, &options)
        .map_err(|errors| anyhow::anyhow!("invalid superuser: {}", errors.to_json()))?;
    let plain = prepared
        .new_password
        .take()
        .unwrap_or_else(|| password.to_string());
    let hash = bcrypt::hash(plain, 10)?;
    prepared
        .values
        .insert("password".into(), Value::String(hash));
    let created = existing.is_none();
    store.write_sync(|tx| match &existing {
        Some(record) => {
            let id = record
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            rows::update(tx, &collection, &id, &prepared.values)
        }
        None => rows::insert(tx, &collection, &prepared.values),
    })?;
    Ok(created)
}

/// Deletes a superuser by email (the CLI's `superuser delete`). `false` if none matched.
pub fn delete_superuser(store: &Store, email: &str) -> anyhow::Result<bool> {
    let collections = store.read_sync(crate::store::schema::load_collections)?;
    let collection = collections
        .into_iter()
        .find(|c| c.id == SUPERUSERS_ID)
        .ok_or_else(|| anyhow::anyhow!("the _superusers collection is missing"))?;
    let Some(record) =
        store.read_sync(|conn| rows::find_by_field(conn, &collection, "email", email))?
    else {
        return Ok(false);
    };
    let id = record
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Ok(store.write_sync(|tx| rows::delete(tx, &collection, &id))?)
}
