//! Auth use cases: JWTs for auth records (signed with the record's `tokenKey` plus the
//! collection's token secret, so changing either invalidates every older token),
//! password auth, the auth rule, token refresh, and superuser management for the CLI.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::records::{LoadedRecord, verify_password};
use super::tokens::{TokenExtras, TokenKind, new_token};
use super::{App, Auth, RequestContext, ServiceError, ServiceResult};
use crate::core::collection::{Collection, SUPERUSERS_ID};
use crate::core::error::ErrorCode;
use crate::core::record::{self, PrepareOptions, now_string};
use crate::store::{Store, records as rows};

/// A new refreshable auth token for `record`, valid for the collection's `authToken` duration.
pub fn new_auth_token(
    collection: &Collection,
    record: &Map<String, Value>,
) -> ServiceResult<String> {
    new_token(collection, record, TokenKind::Auth, TokenExtras::default())
}

/// PocketBase's answer when the auth rule refuses the record.
const AUTH_RULE_DENIED: &str =
    "The request doesn't satisfy the collection requirements to authenticate.";

impl App {
    /// Resolves an `Authorization` header value into an `Auth`. Anything invalid
    /// (garbage, tampered, expired, another token type, unknown record) is a guest,
    /// as in PocketBase.
    pub async fn authenticate(&self, header: &str) -> Auth {
        let token = bearer_token(header);
        let schema = self.schema();
        let generation = |table: &str| self.store.table_generation(table);
        if let Some(auth) = self.caches.auth(token, &schema, generation) {
            return auth;
        }
        let Some(claims) = crate::service::tokens::unverified_claims(token) else {
            return Auth::Guest;
        };
        let table = schema
            .by_id(&claims.collection_id)
            .map(|collection| collection.name.clone())
            .unwrap_or_default();
        let before = self.store.table_generation(&table);
        match self.find_record_by_token(token, TokenKind::Auth).await {
            Some(found) => {
                let auth = Auth::Record {
                    collection: found.collection,
                    record: found.record,
                };
                self.caches
                    .remember_auth(token, auth.clone(), schema, before, found.claims.exp);
                auth
            }
            None => Auth::Guest,
        }
    }

    /// The auth collection named in an auth route. A name that matches no collection is
    /// PocketBase's rate-limit middleware answer; a non-auth collection the handler's.
    pub(crate) fn auth_collection(&self, id_or_name: &str) -> ServiceResult<Arc<Collection>> {
        let collection = self
            .schema()
            .by_id_or_name(id_or_name)
            .cloned()
            .ok_or(ServiceError::MissingCollectionContext)?;
        if !collection.is_auth() {
            return Err(ServiceError::MissingAuthCollection);
        }
        Ok(collection)
    }

    /// Checks the collection's `authRule` against `record` for the caller in `ctx`:
    /// superusers always pass, `null` refuses everyone else, an expression must match.
    pub(crate) async fn check_auth_rule(
        &self,
        ctx: &RequestContext,
        collection: &Arc<Collection>,
        record: &Map<String, Value>,
    ) -> ServiceResult<()> {
        let schema = self.schema();
        let denied = || ServiceError::Forbidden(AUTH_RULE_DENIED.into());
        let condition = match self.rule_condition(
            &collection.rules.auth,
            ctx,
            collection,
            &schema,
            &Map::new(),
        ) {
            Ok(condition) => condition,
            Err(ServiceError::SuperusersOnly) => return Err(denied()),
            Err(other) => return Err(other),
        };
        let Some(condition) = condition else {
            return Ok(());
        };
        let lookup = collection.clone();
        let id = record
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        match self
            .store
            .read(move |conn| rows::get(conn, &lookup, &id, &[condition]))
            .await
        {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(denied()),
            Err(error) => {
                tracing::error!(collection = %collection.name, %error, "RuleEval: auth rule query failed");
                Err(denied())
            }
        }
    }

    /// `{token, record}` as the auth endpoints answer, after the auth rule allowed the
    /// record. `token` is a new refreshable auth token unless one is given.
    pub(crate) async fn auth_response(
        &self,
        ctx: &RequestContext,
        collection: Arc<Collection>,
        record: Map<String, Value>,
        token: Option<String>,
    ) -> ServiceResult<Value> {
        self.check_auth_rule(ctx, &collection, &record).await?;
        let token = match token {
            Some(token) => token,
            None => new_auth_token(&collection, &record)?,
        };
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
                managed: false,
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
        let collection = self.auth_collection(collection)?;
        let failed = || ServiceError::BadRequest("Failed to authenticate.".into());
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
            Some(record) if valid => self.auth_response(ctx, collection, record, None).await,
            _ => Err(failed()),
        }
    }

    /// `POST /api/collections/{collection}/auth-refresh`: a new token for the caller, or
    /// the same token when it is not refreshable (an impersonation token).
    pub async fn auth_refresh(
        &self,
        ctx: &RequestContext,
        collection: &str,
        authorization: &str,
    ) -> ServiceResult<Value> {
        let (collection, record) = self.same_collection_auth(ctx, collection)?;
        let token = bearer_token(authorization);
        let refreshable = super::tokens::unverified_claims(token)
            .and_then(|claims| claims.refreshable)
            .unwrap_or(false);
        let token = (!refreshable).then(|| token.to_string());
        self.auth_response(ctx, collection, record.clone(), token)
            .await
    }

    /// The checks of PocketBase's routes for the authenticated record itself, in its
    /// order: the collection must exist, the caller must be authenticated, with a record
    /// of that very collection. Returns the collection and the caller's record.
    pub(crate) fn same_collection_auth<'a>(
        &self,
        ctx: &'a RequestContext,
        collection: &str,
    ) -> ServiceResult<(Arc<Collection>, &'a Map<String, Value>)> {
        let named = self
            .schema()
            .by_id_or_name(collection)
            .cloned()
            .ok_or(ServiceError::MissingCollectionContext)?;
        let Auth::Record {
            collection: own,
            record,
        } = &ctx.auth
        else {
            return Err(ServiceError::Unauthorized);
        };
        if own.id != named.id {
            return Err(ServiceError::Forbidden(format!(
                "The request requires auth record from {} collection.",
                own.name
            )));
        }
        Ok((named, record))
    }
}

/// The token of an `Authorization` header value; the `Bearer ` prefix is optional.
pub fn bearer_token(header: &str) -> &str {
    let token = header.trim();
    match token.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => token[7..].trim(),
        _ => token,
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
    let values = prepared.values;
    store.write_sync(move |tx| match &existing {
        Some(record) => {
            let id = record
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            rows::update(tx, &collection, &id, &values)
        }
        None => rows::insert(tx, &collection, &values),
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
    Ok(store.write_sync(move |tx| rows::delete(tx, &collection, &id))?)
}
