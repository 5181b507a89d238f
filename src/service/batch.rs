//! `POST /api/batch`: several record creates, upserts, updates and deletes in one
//! transaction, all or nothing. Each request is checked against its own collection's
//! rules, in order, and sees the changes of the requests before it. Rules are compiled
//! before the transaction; everything that reads or writes runs on the writer inside it.

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use regex::Regex;
use rusqlite::Connection;
use serde_json::{Map, Value, json};

use super::events::{Change, RecordAction};
use super::files::{AcceptedUploads, Cleanup, Upload, deleted_records};
use super::records::{
    ShapeParams, cascade_delete, check_relations, relation_ids_in_body, unique_errors,
};
use super::{App, RequestContext, ServiceError, ServiceResult};
use crate::core::collection::{Collection, Schema};
use crate::core::error::{ErrorCode, FieldErrors};
use crate::core::record::{self, PrepareOptions, now_string};
use crate::core::rules::SqlFragment;
use crate::store::files::FileStore;
use crate::store::{StoreError, records as rows};

/// One request of a batch, as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct BatchRequest {
    pub method: String,
    pub url: String,
    pub headers: Map<String, Value>,
    pub body: Map<String, Value>,
    pub uploads: Vec<Upload>,
}

#[derive(Debug, Clone)]
enum Action {
    Create,
    /// PUT: an update when the body's `id` exists, a create otherwise.
    Upsert,
    Update(String),
    Delete(String),
}

static ROUTES: LazyLock<[(&'static str, Regex); 4]> = LazyLock::new(|| {
    let route = |pattern: &str| {
        Regex::new(pattern)
            .unwrap_or_else(|error| panic!("batch route regex must compile: {error}"))
    };
    [
        ("PUT", route(r"^/api/collections/([^/?]+)/records(\?.*)?$")),
        ("POST", route(r"^/api/collections/([^/?]+)/records(\?.*)?$")),
        (
            "PATCH",
            route(r"^/api/collections/([^/?]+)/records/([^/?]+)(\?.*)?$"),
        ),
        (
            "DELETE",
            route(r"^/api/collections/([^/?]+)/records/([^/?]+)(\?.*)?$"),
        ),
    ]
});

/// A rule compiled before the transaction: a condition, or the denial it stands for.
type Compiled = Result<Option<SqlFragment>, ServiceError>;

fn copy_denial(rule: &Compiled) -> Result<Option<SqlFragment>, ServiceError> {
    match rule {
        Ok(condition) => Ok(condition.clone()),
        Err(ServiceError::SuperusersOnly) => Err(ServiceError::SuperusersOnly),
        Err(_) => Err(ServiceError::NotFound),
    }
}

/// One request, resolved and with its rules compiled.
struct Planned {
    action: Action,
    collection: Arc<Collection>,
    ctx: RequestContext,
    body: Map<String, Value>,
    uploads: AcceptedUploads,
    upload_errors: FieldErrors,
    shape: ShapeParams,
    create: Compiled,
    update: Compiled,
    delete: Compiled,
    /// The manage rule, for auth collections, when the caller is not a superuser.
    manage: Option<SqlFragment>,
}

/// What one request did inside the transaction.
struct Done {
    status: u16,
    collection: Arc<Collection>,
    values: Option<Map<String, Value>>,
}

/// Everything the transaction leaves to do after commit (or after rollback).
#[derive(Default)]
struct Effects {
    done: Vec<Done>,
    changes: Vec<Change>,
    /// Files to delete after commit.
    removed: Vec<Cleanup>,
    /// Files written during the transaction, deleted again on rollback.
    written: Vec<Cleanup>,
}

fn invalid_request(errors: FieldErrors) -> ServiceError {
    ServiceError::Validation {
        message: "Invalid batch request data.".into(),
        errors,
    }
}

fn query_of(url: &str) -> Map<String, Value> {
    url.split_once('?')
        .map(|(_, query)| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(query)
                .unwrap_or_default()
                .into_iter()
                .map(|(key, value)| (key, Value::String(value)))
                .collect()
        })
        .unwrap_or_default()
}

impl App {
    /// `POST /api/batch`
    pub async fn batch(
        &self,
        ctx: &RequestContext,
        requests: Vec<BatchRequest>,
    ) -> ServiceResult<Value> {
        let settings = self.settings();
        let max_requests = settings.batch.max_requests;
        if !settings.batch.enabled || max_requests <= 0 {
            return Err(ServiceError::Forbidden(
                "Batch requests are not allowed.".into(),
            ));
        }
        let timeout = Duration::from_secs(settings.batch.timeout.max(1) as u64);
        let mut errors = FieldErrors::new();
        if requests.is_empty() {
            errors.add("requests", ErrorCode::Required, "Cannot be blank.");
        } else if requests.len() as i64 > max_requests {
            errors.add(
                "requests",
                ErrorCode::LengthOutOfRange,
                format!("The length must be no more than {max_requests}."),
            );
        }
        for (index, request) in requests.iter().enumerate() {
            let mut own = FieldErrors::new();
            let method = request.method.to_uppercase();
            if method.is_empty() {
                own.add("method", ErrorCode::Required, "Cannot be blank.");
            } else if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
                own.add("method", ErrorCode::InInvalid, "Must be a valid value.");
            }
            if request.url.is_empty() {
                own.add("url", ErrorCode::Required, "Cannot be blank.");
            } else if request.url.len() > 2000 {
                own.add(
                    "url",
                    ErrorCode::LengthOutOfRange,
                    "The length must be no more than 2000.",
                );
            }
            errors.nest("requests", index.to_string(), own);
        }
        if !errors.is_empty() {
            return Err(invalid_request(errors));
        }

        let schema = self.schema();
        let mut planned = Vec::with_capacity(requests.len());
        for (index, request) in requests.into_iter().enumerate() {
            let fail = |error: ServiceError| ServiceError::BatchFailed {
                index,
                error: Box::new(error),
            };
            planned.push(self.plan(ctx, &schema, request).await.map_err(fail)?);
        }

        let work_files = self.file_store();
        let events = self.events.clone();
        let work_schema = schema.clone();
        let started = Instant::now();
        let outcome = self
            .store
            .write_or_rollback(
                move |tx| {
                    let mut effects = Effects::default();
                    for (index, plan) in planned.iter().enumerate() {
                        if started.elapsed() > timeout {
                            let error =
                                ServiceError::BadRequest("Batch transaction timeout.".into());
                            return Ok(Err((index, error, effects)));
                        }
                        if let Err(error) =
                            execute(tx, &work_schema, &work_files, plan, &mut effects)
                        {
                            return Ok(Err((index, error, effects)));
                        }
                    }
                    Ok(Ok((planned, effects)))
                },
                move |(_, effects): &(Vec<Planned>, Effects)| {
                    events.publish(effects.changes.clone())
                },
            )
            .await?;
        match outcome {
            Err((index, error, effects)) => {
                self.remove_files(effects.written).await;
                Err(ServiceError::BatchFailed {
                    index,
                    error: Box::new(error),
                })
            }
            Ok((planned, effects)) => {
                let mut cleanup = effects.removed;
                cleanup.extend(deleted_records(&effects.changes));
                self.remove_files(cleanup).await;
                let mut results = Vec::with_capacity(planned.len());
                for (plan, done) in planned.into_iter().zip(effects.done) {
                    let body = match done.values {
                        Some(values) => {
                            self.respond(&plan.ctx, &schema, done.collection, values, &plan.shape)
                                .await?
                        }
                        None => Value::Null,
                    };
                    results.push(json!({"body": body, "status": done.status}));
                }
                Ok(Value::Array(results))
            }
        }
    }

    /// Resolves one request: its action, collection, identity, uploads and rules.
    async fn plan(
        &self,
        ctx: &RequestContext,
        schema: &Arc<Schema>,
        request: BatchRequest,
    ) -> ServiceResult<Planned> {
        let method = request.method.to_uppercase();
        let path = request.url.clone();
        let (action, collection_name) = ROUTES
            .iter()
            .filter(|(route_method, _)| *route_method == method)
            .find_map(|(_, pattern)| {
                let captures = pattern.captures(&path)?;
                let collection = captures.get(1)?.as_str().to_string();
                let id = captures
                    .get(2)
                    .map(|m| m.as_str())
                    .filter(|m| !m.starts_with('?'));
                let action = match (method.as_str(), id) {
                    ("PUT", _) => Action::Upsert,
                    ("POST", _) => Action::Create,
                    ("PATCH", Some(id)) => Action::Update(id.to_string()),
                    ("DELETE", Some(id)) => Action::Delete(id.to_string()),
                    _ => return None,
                };
                Some((action, collection))
            })
            .ok_or_else(|| ServiceError::BadRequest("Unknown batch request action.".into()))?;
        let collection = schema
            .by_id_or_name(&collection_name)
            .cloned()
            .ok_or(ServiceError::MissingCollection)?;
        if collection.is_view() {
            return Err(ServiceError::BadRequest(
                "Unsupported collection type.".into(),
            ));
        }
        let auth = match request.headers.get("authorization").and_then(Value::as_str) {
            Some(header) => self.authenticate(header).await,
            None => ctx.auth.clone(),
        };
        let query = query_of(&request.url);
        let mut headers = ctx.headers.clone();
        for (key, value) in request.headers {
            headers.insert(key.to_lowercase().replace('-', "_"), value);
        }
        let sub = RequestContext {
            auth,
            method,
            query: query.clone(),
            headers,
        };
        let shape = ShapeParams {
            expand: query
                .get("expand")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            fields: query
                .get("fields")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        };
        let body = request.body;
        let (uploads, upload_errors) = match self.accept_uploads(&collection, request.uploads) {
            Ok(accepted) => (accepted, FieldErrors::new()),
            Err(errors) => (AcceptedUploads::default(), errors),
        };
        let rules = &collection.rules;
        let manage =
            if collection.is_auth() && !sub.auth.is_superuser() && sub.auth.record_id().is_some() {
                match &rules.manage {
                    Some(rule) if !rule.trim().is_empty() => self
                        .rule_condition(&rules.manage, &sub, &collection, schema, &body)
                        .ok()
                        .flatten(),
                    _ => None,
                }
            } else {
                None
            };
        Ok(Planned {
            create: self.rule_condition(&rules.create, &sub, &collection, schema, &body),
            update: self.rule_condition(&rules.update, &sub, &collection, schema, &body),
            delete: self.rule_condition(&rules.delete, &sub, &collection, schema, &body),
            manage,
            action,
            collection,
            ctx: sub,
            body,
            uploads,
            upload_errors,
            shape,
        })
    }
}

fn store_error(error: StoreError) -> ServiceError {
    match error {
        StoreError::NotFound => ServiceError::NotFound,
        other => ServiceError::Store(other),
    }
}

/// Runs one planned request inside the batch transaction.
fn execute(
    conn: &Connection,
    schema: &Schema,
    files: &FileStore,
    plan: &Planned,
    effects: &mut Effects,
) -> ServiceResult<()> {
    let collection = &plan.collection;
    let existing_id = match &plan.action {
        Action::Update(id) | Action::Delete(id) => Some(id.clone()),
        Action::Upsert => plan
            .body
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .filter(|id| matches!(rows::get(conn, collection, id, &[]), Ok(Some(_))))
            .map(str::to_string),
        Action::Create => None,
    };
    if let Action::Delete(id) = &plan.action {
        let condition = copy_denial(&plan.delete)?;
        let record = rows::get(
            conn,
            collection,
            id,
            &condition.into_iter().collect::<Vec<_>>(),
        )
        .map_err(store_error)?
        .ok_or(ServiceError::NotFound)?;
        if collection.is_superusers() && rows::count(conn, collection).map_err(store_error)? <= 1 {
            return Err(ServiceError::BadRequest(
                super::records::LAST_SUPERUSER.into(),
            ));
        }
        let mut changes = cascade_delete(conn, schema, collection, std::slice::from_ref(id)).map_err(|_| {
            ServiceError::BadRequest(
                "Failed to delete record. Make sure that the record is not part of a required relation reference.".into(),
            )
        })?;
        rows::delete(conn, collection, id).map_err(store_error)?;
        changes.push(Change {
            action: RecordAction::Delete,
            collection: collection.clone(),
            record,
        });
        effects.changes.extend(changes);
        effects.done.push(Done {
            status: 204,
            collection: collection.clone(),
            values: None,
        });
        return Ok(());
    }

    let failed = if existing_id.is_some() {
        "Failed to update record."
    } else {
        "Failed to create record."
    };
    let (stored, rule) = match &existing_id {
        Some(id) => {
            let condition: Vec<SqlFragment> = copy_denial(&plan.update)?.into_iter().collect();
            let stored = rows::get(conn, collection, id, &condition)
                .map_err(store_error)?
                .ok_or(ServiceError::NotFound)?;
            (Some(stored), None)
        }
        None => (None, copy_denial(&plan.create)?),
    };
    let has_manage_access = match (&stored, &plan.manage) {
        (Some(stored), Some(manage)) => {
            let id = stored.get("id").and_then(Value::as_str).unwrap_or_default();
            matches!(
                rows::get(conn, collection, id, std::slice::from_ref(manage)),
                Ok(Some(_))
            )
        }
        _ => false,
    };
    let is_superuser = plan.ctx.auth.is_superuser();
    let options = PrepareOptions {
        is_superuser,
        has_manage_access,
        now: now_string(),
        uploaded_files: plan.uploads.names.clone(),
    };
    let validation = |errors| ServiceError::Validation {
        message: failed.into(),
        errors,
    };
    let mut prepared = match record::prepare(collection, stored.as_ref(), &plan.body, &options) {
        Ok(prepared) if plan.upload_errors.is_empty() => prepared,
        Ok(_) => return Err(validation(plan.upload_errors.clone())),
        Err(mut errors) => {
            let named = relation_ids_in_body(collection, &plan.body, &errors);
            if !named.is_empty() {
                errors
                    .merge(check_relations(conn, schema, collection, &named).map_err(store_error)?);
            }
            errors.merge(plan.upload_errors.clone());
            return Err(validation(errors));
        }
    };
    if let Some(password) = prepared.new_password.take() {
        if let Some(stored) = &stored
            && !is_superuser
            && !has_manage_access
        {
            let hash = stored
                .get("password")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let old = prepared.old_password.take().unwrap_or_default();
            if hash.is_empty() || !bcrypt::verify(old, hash).unwrap_or(false) {
                let mut errors = FieldErrors::new();
                errors.add(
                    "oldPassword",
                    ErrorCode::InvalidOldPassword,
                    "Missing or invalid old password.",
                );
                return Err(validation(errors));
            }
        }
        let hash = bcrypt::hash(password, 10)
            .map_err(|error| ServiceError::Store(StoreError::Other(error.to_string())))?;
        prepared
            .values
            .insert("password".into(), Value::String(hash));
    }
    let id = prepared
        .values
        .get("id")
        .and_then(Value::as_str)
        .or(existing_id.as_deref())
        .unwrap_or_default()
        .to_string();
    for (name, bytes) in &plan.uploads.files {
        files
            .save(&collection.id, &id, name, bytes)
            .map_err(ServiceError::Store)?;
        effects.written.push(Cleanup::File {
            collection_id: collection.id.clone(),
            record_id: id.clone(),
            name: name.clone(),
        });
    }
    let relation_errors =
        check_relations(conn, schema, collection, &prepared.values).map_err(store_error)?;
    if !relation_errors.is_empty() {
        return Err(validation(relation_errors));
    }
    let written = match &existing_id {
        Some(id) => rows::update(conn, collection, id, &prepared.values),
        None => rows::insert(conn, collection, &prepared.values),
    };
    if let Err(error) = written {
        return Err(match unique_errors(&error) {
            Some(errors) => validation(errors),
            None => store_error(error),
        });
    }
    let conditions: Vec<SqlFragment> = rule.into_iter().collect();
    let values = rows::get(conn, collection, &id, &conditions)
        .map_err(store_error)?
        .ok_or_else(|| ServiceError::BadRequest(failed.into()))?;
    effects.removed.extend(
        prepared
            .removed_files
            .into_iter()
            .map(|name| Cleanup::File {
                collection_id: collection.id.clone(),
                record_id: id.clone(),
                name,
            }),
    );
    effects.changes.push(Change {
        action: if existing_id.is_some() {
            RecordAction::Update
        } else {
            RecordAction::Create
        },
        collection: collection.clone(),
        record: values.clone(),
    });
    effects.done.push(Done {
        status: 200,
        collection: collection.clone(),
        values: Some(values),
    });
    Ok(())
}
