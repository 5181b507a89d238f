//! Records use cases: list, view, create, update, delete, with API rules, filters, sort,
//! expand and field picking. Rules are compiled into the SQL of the query (a list rule
//! narrows rows inside SQLite, never after fetching).

use std::collections::HashSet;
use std::sync::Arc;

use rusqlite::Connection;
use serde_json::{Map, Value, json};

use super::events::{Change, RecordAction};
use super::expand::{ExpandTree, expand_records};
use super::fields::FieldPicker;
use super::files::{Cleanup, Upload, deleted_records};
use super::{App, RequestContext, ServiceError, ServiceResult};
use crate::core::collection::{Collection, FieldKind, Schema};
use crate::core::error::{ErrorCode, FieldErrors};
use crate::core::record::{self, ExportOptions, PrepareOptions, now_string};
use crate::core::rules::{self, CompileContext, SqlFragment};
use crate::store::{ConstraintKind, StoreError, records as rows};

/// PocketBase's page size limit.
pub const MAX_PER_PAGE: i64 = 1000;
pub const DEFAULT_PER_PAGE: i64 = 30;

/// The query parameters of a records list.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub page: i64,
    pub per_page: i64,
    pub sort: String,
    pub filter: String,
    pub skip_total: bool,
    pub expand: String,
    pub fields: String,
}

/// The query parameters that shape a single record response.
#[derive(Debug, Clone, Default)]
pub struct ShapeParams {
    pub expand: String,
    pub fields: String,
}

/// A record with its collection, as loaded for a response.
#[derive(Debug, Clone)]
pub struct LoadedRecord {
    pub collection: Arc<Collection>,
    pub values: Map<String, Value>,
    /// `None` when nothing was expanded; `Some` (maybe empty) once an expand resolved.
    pub expand: Option<Map<String, Value>>,
    /// The caller passes the auth collection's manage rule for this record, so it sees
    /// the email whatever `emailVisibility` says.
    pub managed: bool,
}

/// PocketBase's answer to writes on view collections.
const UNSUPPORTED_COLLECTION: &str = "Unsupported collection type.";
/// PocketBase's answer when a delete would leave no superuser.
pub const LAST_SUPERUSER: &str = "You can't delete the only existing superuser";
const SOMETHING_WENT_WRONG: &str = "Something went wrong while processing your request.";

fn bad_request() -> ServiceError {
    ServiceError::BadRequest(SOMETHING_WENT_WRONG.into())
}

impl App {
    /// Compiles an API rule into a SQL condition for this request.
    /// Superusers get no condition; a `null` rule is `SuperusersOnly` for everyone else.
    pub(crate) fn rule_condition(
        &self,
        rule: &Option<String>,
        ctx: &RequestContext,
        collection: &Collection,
        schema: &Schema,
        body: &Map<String, Value>,
    ) -> ServiceResult<Option<SqlFragment>> {
        if ctx.auth.is_superuser() {
            return Ok(None);
        }
        let Some(rule) = rule else {
            return Err(ServiceError::SuperusersOnly);
        };
        if rule.trim().is_empty() {
            return Ok(None);
        }
        let request = ctx.rule_info(body.clone());
        let compile = CompileContext {
            collection,
            schema,
            request: &request,
            table_alias: &collection.name,
            allow_hidden_fields: true,
            now: None,
        };
        match rules::compile_filter(rule, &compile) {
            Ok(fragment) => Ok(Some(fragment)),
            Err(error) => {
                // A stored rule that no longer compiles denies; the client never learns why.
                tracing::error!(collection = %collection.name, %rule, %error, "RuleEval: API rule failed to compile");
                Ok(Some(SqlFragment {
                    sql: "0".into(),
                    params: vec![],
                }))
            }
        }
    }

    fn export_options(&self, ctx: &RequestContext) -> ExportOptions {
        ExportOptions {
            show_hidden: ctx.auth.is_superuser(),
            show_email: ctx.auth.is_superuser(),
        }
    }

    /// Turns loaded records into response JSON, applying email visibility and `fields`.
    pub(crate) fn shape(
        &self,
        ctx: &RequestContext,
        record: &LoadedRecord,
        picker: &FieldPicker,
    ) -> Value {
        let mut json = self.record_json(ctx, record);
        picker.apply(&mut json);
        json
    }

    pub(crate) fn record_json(&self, ctx: &RequestContext, record: &LoadedRecord) -> Value {
        let options = self.record_export_options(ctx, record);
        let mut map = record::to_json(&record.collection, &record.values, &options);
        if let Some(expand) = &record.expand {
            insert_sorted(&mut map, "expand", Value::Object(expand.clone()));
        }
        Value::Object(map)
    }

    /// `record_json` of a record that is no longer needed: its values and expand move
    /// into the answer instead of being copied.
    pub(crate) fn owned_record_json(&self, ctx: &RequestContext, record: LoadedRecord) -> Value {
        let options = self.record_export_options(ctx, &record);
        let mut map = record::into_json(&record.collection, record.values, &options);
        if let Some(expand) = record.expand {
            insert_sorted(&mut map, "expand", Value::Object(expand));
        }
        Value::Object(map)
    }

    fn record_export_options(&self, ctx: &RequestContext, record: &LoadedRecord) -> ExportOptions {
        let mut options = self.export_options(ctx);
        if record.collection.is_auth() {
            let own = ctx.auth.record_id().is_some()
                && ctx.auth.record_id() == record.values.get("id").and_then(Value::as_str)
                && matches!(&ctx.auth, super::Auth::Record { collection, .. } if collection.id == record.collection.id);
            options.show_email = options.show_email || own || record.managed;
        }
        options
    }

    /// Marks the auth records the caller may manage (its manage rule matches them), so
    /// their emails are shown as PocketBase shows them to managers.
    async fn mark_managed(
        &self,
        ctx: &RequestContext,
        schema: &Schema,
        records: &mut [LoadedRecord],
    ) {
        let Some(collection) = records.first().map(|record| record.collection.clone()) else {
            return;
        };
        let has_rule = collection
            .rules
            .manage
            .as_deref()
            .is_some_and(|rule| !rule.trim().is_empty());
        if !collection.is_auth()
            || !has_rule
            || ctx.auth.is_superuser()
            || ctx.auth.record_id().is_none()
        {
            return;
        }
        let Ok(Some(condition)) = self.rule_condition(
            &collection.rules.manage,
            ctx,
            &collection,
            schema,
            &Map::new(),
        ) else {
            return;
        };
        let ids: Vec<String> = records
            .iter()
            .filter_map(|record| {
                record
                    .values
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        let lookup = collection.clone();
        let Ok(managed) = self
            .store
            .read(move |conn| rows::get_many(conn, &lookup, &ids, &[condition]))
            .await
        else {
            return;
        };
        for record in records.iter_mut() {
            let id = record.values.get("id");
            record.managed = managed.iter().any(|row| row.get("id") == id);
        }
    }

    /// `GET /api/collections/{collection}/records`
    pub async fn list_records(
        &self,
        ctx: &RequestContext,
        collection: &str,
        params: ListParams,
    ) -> ServiceResult<Value> {
        let (schema, collection) = self.resolve_collection(collection)?;
        let rule = self.rule_condition(
            &collection.rules.list,
            ctx,
            &collection,
            &schema,
            &Map::new(),
        )?;
        let request = ctx.rule_info(Map::new());
        let compile = CompileContext {
            collection: &collection,
            schema: &schema,
            request: &request,
            table_alias: &collection.name,
            allow_hidden_fields: ctx.auth.is_superuser(),
            now: None,
        };
        let mut conditions: Vec<SqlFragment> = rule.into_iter().collect();
        if !params.filter.trim().is_empty() {
            let filter = rules::compile_filter(&params.filter, &compile).map_err(|error| {
                tracing::debug!(%error, "bad filter");
                bad_request()
            })?;
            conditions.push(filter);
        }
        let order = if params.sort.trim().is_empty() {
            None
        } else {
            Some(
                rules::compile_sort(&params.sort, &compile).map_err(|error| {
                    tracing::debug!(%error, "bad sort");
                    bad_request()
                })?,
            )
        };
        let page = params.page.max(1);
        let per_page = if params.per_page <= 0 {
            DEFAULT_PER_PAGE
        } else {
            params.per_page.min(MAX_PER_PAGE)
        };
        let picker = FieldPicker::parse(&params.fields).map_err(|_| bad_request())?;
        let tree = ExpandTree::parse(&params.expand);
        // Totals are counted once per state of the database: the same conditions under
        // the same commit count give the same number.
        let generation = self.store.generation();
        let count_key = format!("{}|{:?}", collection.id, conditions);
        let cached_total = if params.skip_total {
            None
        } else {
            self.caches.count(&count_key, generation)
        };
        let query = rows::ListQuery {
            conditions,
            order,
            limit: per_page,
            offset: (page - 1).saturating_mul(per_page),
            count_total: !params.skip_total && cached_total.is_none(),
        };
        let loaded_collection = collection.clone();
        let mut result = self
            .store
            .read(move |conn| rows::list(conn, &loaded_collection, &query))
            .await
            .map_err(|error| match error {
                StoreError::Sqlite(inner) => {
                    tracing::debug!(%inner, "list query failed");
                    bad_request()
                }
                other => other.into(),
            })?;
        match (cached_total, result.total) {
            (Some(total), _) => result.total = Some(total),
            (None, Some(total)) => self.caches.remember_count(count_key, generation, total),
            (None, None) => {}
        }
        let mut records: Vec<LoadedRecord> = result
            .rows
            .into_iter()
            .map(|values| LoadedRecord {
                collection: collection.clone(),
                values,
                expand: None,
                managed: false,
            })
            .collect();
        self.mark_managed(ctx, &schema, &mut records).await;
        if !tree.is_empty() {
            records = expand_records(self, ctx, &schema, records, &tree).await?;
        }
        let items: Vec<Value> = records
            .into_iter()
            .map(|record| {
                let mut json = self.owned_record_json(ctx, record);
                picker.apply(&mut json);
                json
            })
            .collect();
        let (total_items, total_pages) = match result.total {
            Some(total) => (total, (total + per_page - 1) / per_page),
            None => (-1, -1),
        };
        Ok(json!({
            "items": items,
            "page": page,
            "perPage": per_page,
            "totalItems": total_items,
            "totalPages": total_pages,
        }))
    }

    /// Loads one record that passes `rule` (the view rule by default), or `NotFound`.
    async fn load_with_rule(
        &self,
        collection: &Arc<Collection>,
        id: &str,
        condition: Option<SqlFragment>,
    ) -> ServiceResult<Map<String, Value>> {
        let loaded_collection = collection.clone();
        let id = id.to_string();
        let conditions: Vec<SqlFragment> = condition.into_iter().collect();
        self.store
            .read_point(move |conn| rows::get(conn, &loaded_collection, &id, &conditions))
            .await
            .map_err(|error| match error {
                StoreError::Sqlite(inner) => {
                    tracing::error!(%inner, "RuleEval: record query failed");
                    ServiceError::NotFound
                }
                other => other.into(),
            })?
            .ok_or(ServiceError::NotFound)
    }

    /// `GET /api/collections/{collection}/records/{id}`
    pub async fn view_record(
        &self,
        ctx: &RequestContext,
        collection: &str,
        id: &str,
        shape: ShapeParams,
    ) -> ServiceResult<Value> {
        let (schema, collection) = self.resolve_collection(collection)?;
        let condition = self.rule_condition(
            &collection.rules.view,
            ctx,
            &collection,
            &schema,
            &Map::new(),
        )?;
        let values = self.load_with_rule(&collection, id, condition).await?;
        self.respond(ctx, &schema, collection, values, &shape).await
    }

    pub(crate) async fn respond(
        &self,
        ctx: &RequestContext,
        schema: &Arc<Schema>,
        collection: Arc<Collection>,
        values: Map<String, Value>,
        shape: &ShapeParams,
    ) -> ServiceResult<Value> {
        let picker = FieldPicker::parse(&shape.fields).map_err(|_| bad_request())?;
        let tree = ExpandTree::parse(&shape.expand);
        let mut records = vec![LoadedRecord {
            collection,
            values,
            expand: None,
            managed: false,
        }];
        self.mark_managed(ctx, schema, &mut records).await;
        if !tree.is_empty() {
            records = expand_records(self, ctx, schema, records, &tree).await?;
        }
        Ok(self.shape(ctx, &records[0], &picker))
    }

    /// The schema snapshot and the collection a record request names in it.
    fn resolve_collection(&self, name: &str) -> ServiceResult<(Arc<Schema>, Arc<Collection>)> {
        let schema = self.schema();
        let collection = schema
            .by_id_or_name(name)
            .cloned()
            .ok_or(ServiceError::MissingCollection)?;
        Ok((schema, collection))
    }

    /// The collection a record write names, refused for view collections as PocketBase
    /// does (before any rule is looked at).
    fn writable_collection(&self, name: &str) -> ServiceResult<(Arc<Schema>, Arc<Collection>)> {
        let (schema, collection) = self.resolve_collection(name)?;
        if collection.is_view() {
            return Err(ServiceError::BadRequest(UNSUPPORTED_COLLECTION.into()));
        }
        Ok((schema, collection))
    }

    /// `POST /api/collections/{collection}/records`
    pub async fn create_record(
        &self,
        ctx: &RequestContext,
        collection: &str,
        body: Map<String, Value>,
        uploads: Vec<Upload>,
        shape: ShapeParams,
    ) -> ServiceResult<Value> {
        let (schema, collection) = self.writable_collection(collection)?;
        let failed = "Failed to create record.";
        let rule =
            self.rule_condition(&collection.rules.create, ctx, &collection, &schema, &body)?;
        let write = Write::Insert { rule };
        let values = self
            .save_record(
                ctx,
                &schema,
                &collection,
                None,
                body,
                uploads,
                write,
                failed,
            )
            .await?;
        self.respond(ctx, &schema, collection, values, &shape).await
    }

    /// `PATCH /api/collections/{collection}/records/{id}`
    pub async fn update_record(
        &self,
        ctx: &RequestContext,
        collection: &str,
        id: &str,
        body: Map<String, Value>,
        uploads: Vec<Upload>,
        shape: ShapeParams,
    ) -> ServiceResult<Value> {
        let (schema, collection) = self.writable_collection(collection)?;
        let failed = "Failed to update record.";
        let rule =
            self.rule_condition(&collection.rules.update, ctx, &collection, &schema, &body)?;
        let stored = self.load_with_rule(&collection, id, rule).await?;
        let write = Write::Update { id: id.to_string() };
        let values = self
            .save_record(
                ctx,
                &schema,
                &collection,
                Some(stored),
                body,
                uploads,
                write,
                failed,
            )
            .await?;
        self.respond(ctx, &schema, collection, values, &shape).await
    }

    /// The part of create and update after the rule check: uploads, validation, password
    /// hashing, files to disk, the write, and cleanup of replaced files.
    #[expect(
        clippy::too_many_arguments,
        reason = "one private step shared by create and update"
    )]
    async fn save_record(
        &self,
        ctx: &RequestContext,
        schema: &Arc<Schema>,
        collection: &Arc<Collection>,
        stored: Option<Map<String, Value>>,
        body: Map<String, Value>,
        uploads: Vec<Upload>,
        write: Write,
        failed: &str,
    ) -> ServiceResult<Map<String, Value>> {
        let (accepted, upload_errors) = match self.accept_uploads(collection, uploads) {
            Ok(accepted) => (accepted, FieldErrors::new()),
            Err(errors) => (Default::default(), errors),
        };
        let has_manage_access = match stored
            .as_ref()
            .and_then(|s| s.get("id"))
            .and_then(Value::as_str)
        {
            Some(id) => {
                self.has_manage_access(ctx, schema, collection, id, &body)
                    .await
            }
            None => false,
        };
        let options = PrepareOptions {
            is_superuser: ctx.auth.is_superuser(),
            has_manage_access,
            now: now_string(),
            uploaded_files: accepted.names.clone(),
        };
        let prepared = self
            .prepare_record(schema, collection, stored.as_ref(), &body, &options, failed)
            .await;
        let mut prepared = match prepared {
            Ok(prepared) if upload_errors.is_empty() => prepared,
            Ok(_) => {
                return Err(ServiceError::Validation {
                    message: failed.into(),
                    errors: upload_errors,
                });
            }
            Err(ServiceError::Validation {
                message,
                mut errors,
            }) => {
                errors.merge(upload_errors);
                return Err(ServiceError::Validation { message, errors });
            }
            Err(other) => return Err(other),
        };
        if let Some(password) = prepared.new_password.take() {
            if let Some(stored) = &stored
                && !options.is_superuser
                && !options.has_manage_access
            {
                let hash = stored
                    .get("password")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let old = prepared.old_password.take().unwrap_or_default();
                if !verify_password(old, hash).await {
                    let mut errors = FieldErrors::new();
                    errors.add(
                        "oldPassword",
                        ErrorCode::InvalidOldPassword,
                        "Missing or invalid old password.",
                    );
                    return Err(ServiceError::Validation {
                        message: failed.into(),
                        errors,
                    });
                }
            }
            let hash = hash_password(password).await?;
            prepared
                .values
                .insert("password".into(), Value::String(hash));
        }
        let record_id = prepared
            .values
            .get("id")
            .and_then(Value::as_str)
            .or_else(|| {
                stored
                    .as_ref()
                    .and_then(|s| s.get("id"))
                    .and_then(Value::as_str)
            })
            .unwrap_or_default()
            .to_string();
        let files = self.file_store();
        let written = self
            .write_uploads(&files, collection, &record_id, accepted.files)
            .await?;
        let outcome = self
            .write_record(schema, collection, prepared.values, write, failed)
            .await;
        let removed = match &outcome {
            Ok(_) => prepared.removed_files,
            // Nothing was stored: the new files go again.
            Err(_) => written,
        };
        let cleanup = removed
            .into_iter()
            .map(|name| Cleanup::File {
                collection_id: collection.id.clone(),
                record_id: record_id.clone(),
                name,
            })
            .collect();
        self.remove_files(cleanup).await;
        outcome
    }

    /// Writes accepted uploads into the record's storage folder; returns their names.
    async fn write_uploads(
        &self,
        files: &crate::store::files::FileStore,
        collection: &Collection,
        record_id: &str,
        uploads: Vec<(String, Vec<u8>)>,
    ) -> ServiceResult<Vec<String>> {
        if uploads.is_empty() {
            return Ok(vec![]);
        }
        let files = files.clone();
        let collection_id = collection.id.clone();
        let record_id = record_id.to_string();
        tokio::task::spawn_blocking(move || {
            let mut written: Vec<String> = vec![];
            for (name, bytes) in uploads {
                if let Err(error) = files.save(&collection_id, &record_id, &name, &bytes) {
                    for done in &written {
                        let _ = files.delete(&collection_id, &record_id, done);
                    }
                    return Err(ServiceError::Store(error));
                }
                written.push(name);
            }
            Ok(written)
        })
        .await
        .map_err(|error| ServiceError::Store(StoreError::Other(error.to_string())))?
    }

    /// Whether an authenticated caller passes the auth collection's `manageRule` for the
    /// record `id`, which lets it change email, verified and password (without
    /// `oldPassword`) as PocketBase allows. A `null` or empty manage rule grants nothing.
    async fn has_manage_access(
        &self,
        ctx: &RequestContext,
        schema: &Schema,
        collection: &Arc<Collection>,
        id: &str,
        body: &Map<String, Value>,
    ) -> bool {
        if !collection.is_auth()
            || ctx.auth.record_id().is_none()
            || ctx.auth.is_superuser()
            || collection
                .rules
                .manage
                .as_deref()
                .is_none_or(|rule| rule.trim().is_empty())
        {
            return false;
        }
        let Ok(Some(condition)) =
            self.rule_condition(&collection.rules.manage, ctx, collection, schema, body)
        else {
            return false;
        };
        let lookup = collection.clone();
        let id = id.to_string();
        matches!(
            self.store
                .read(move |conn| rows::get(conn, &lookup, &id, &[condition]))
                .await,
            Ok(Some(_))
        )
    }

    /// `DELETE /api/collections/{collection}/records/{id}`
    pub async fn delete_record(
        &self,
        ctx: &RequestContext,
        collection: &str,
        id: &str,
    ) -> ServiceResult<()> {
        let (schema, collection) = self.writable_collection(collection)?;
        let rule = self.rule_condition(
            &collection.rules.delete,
            ctx,
            &collection,
            &schema,
            &Map::new(),
        )?;
        let record = self.load_with_rule(&collection, id, rule).await?;
        let ids = vec![id.to_string()];
        let events = self.events.clone();
        let changes = self
            .store
            .write_or_rollback(
                move |tx| {
                    // PocketBase keeps at least one superuser; counted inside the
                    // transaction, so two concurrent deletes cannot remove the last two.
                    if collection.is_superusers() && rows::count(tx, &collection)? <= 1 {
                        return Ok(Err(LAST_SUPERUSER));
                    }
                    let mut changes = cascade_delete(tx, &schema, &collection, &ids)?;
                    rows::delete(tx, &collection, &ids[0])?;
                    changes.push(Change {
                        action: RecordAction::Delete,
                        collection,
                        record,
                    });
                    Ok(Ok(changes))
                },
                move |changes| events.publish(changes.clone()),
            )
            .await
            .map_err(|error| match error {
                StoreError::Constraint { .. } | StoreError::Other(_) => ServiceError::BadRequest(
                    "Failed to delete record. Make sure that the record is not part of a required relation reference.".into(),
                ),
                other => other.into(),
            })?
            .map_err(|message| ServiceError::BadRequest(message.into()))?;
        self.remove_files(deleted_records(&changes)).await;
        Ok(())
    }
}

/// What `write_record` does with the prepared values.
enum Write {
    /// Inserts them; `rule` (the create rule) must then match the new row.
    Insert {
        rule: Option<SqlFragment>,
    },
    Update {
        id: String,
    },
}

impl App {
    /// Writes prepared values in one transaction: relation ids must exist, a UNIQUE
    /// violation becomes `validation_not_unique` on its fields, and a new row must pass the
    /// create rule (PocketBase checks it against the inserted row, then rolls back).
    async fn write_record(
        &self,
        schema: &Arc<Schema>,
        collection: &Arc<Collection>,
        values: Map<String, Value>,
        write: Write,
        failed: &str,
    ) -> ServiceResult<Map<String, Value>> {
        let write_collection = collection.clone();
        let event_collection = collection.clone();
        let write_schema = schema.clone();
        let events = self.events.clone();
        let action = match write {
            Write::Insert { .. } => RecordAction::Create,
            Write::Update { .. } => RecordAction::Update,
        };
        let outcome = self
            .store
            .write_then(
                move |tx| {
                    let errors = check_relations(tx, &write_schema, &write_collection, &values)?;
                    if !errors.is_empty() {
                        return Ok(Err(errors));
                    }
                    let id = match &write {
                        Write::Insert { .. } => {
                            values.get("id").and_then(Value::as_str).unwrap_or_default()
                        }
                        Write::Update { id } => id.as_str(),
                    };
                    let written = match &write {
                        Write::Insert { .. } => rows::insert(tx, &write_collection, &values),
                        Write::Update { id } => rows::update(tx, &write_collection, id, &values),
                    };
                    if let Err(error) = written {
                        return match unique_errors(&error) {
                            Some(errors) => Ok(Err(errors)),
                            None => Err(error),
                        };
                    }
                    let rule: Vec<SqlFragment> = match &write {
                        Write::Insert { rule: Some(rule) } => vec![rule.clone()],
                        _ => vec![],
                    };
                    match rows::get(tx, &write_collection, id, &rule)? {
                        Some(stored) => Ok(Ok(stored)),
                        // The new row fails the create rule: roll back.
                        None => Err(StoreError::NotFound),
                    }
                },
                move |outcome| {
                    if let Ok(stored) = outcome {
                        events.publish(vec![Change {
                            action,
                            collection: event_collection,
                            record: stored.clone(),
                        }]);
                    }
                },
            )
            .await;
        match outcome {
            Ok(Ok(stored)) => Ok(stored),
            Ok(Err(errors)) => Err(ServiceError::Validation {
                message: failed.into(),
                errors,
            }),
            Err(StoreError::NotFound) => Err(ServiceError::BadRequest(failed.into())),
            Err(StoreError::Sqlite(error)) => {
                tracing::error!(%error, "RuleEval: create rule check failed");
                Err(ServiceError::BadRequest(failed.into()))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Normalizes and validates a record body. When it fails, the relation ids it names
    /// are checked too, so every field error is reported at once as PocketBase does.
    async fn prepare_record(
        &self,
        schema: &Arc<Schema>,
        collection: &Arc<Collection>,
        stored: Option<&Map<String, Value>>,
        body: &Map<String, Value>,
        options: &PrepareOptions,
        failed: &str,
    ) -> ServiceResult<record::Prepared> {
        match record::prepare(collection, stored, body, options) {
            Ok(prepared) => Ok(prepared),
            Err(mut errors) => {
                let named = relation_ids_in_body(collection, body, &errors);
                if !named.is_empty() {
                    let check_schema = schema.clone();
                    let check_collection = collection.clone();
                    let relation_errors = self
                        .store
                        .read(move |conn| {
                            check_relations(conn, &check_schema, &check_collection, &named)
                        })
                        .await?;
                    errors.merge(relation_errors);
                }
                Err(ServiceError::Validation {
                    message: failed.into(),
                    errors,
                })
            }
        }
    }
}

/// The relation ids a body names (`field`, `field+`, `+field`) for relation fields that
/// have no error yet, so a failed validation can also report missing relations.
pub(crate) fn relation_ids_in_body(
    collection: &Collection,
    body: &Map<String, Value>,
    errors: &FieldErrors,
) -> Map<String, Value> {
    let mut named = Map::new();
    for field in &collection.fields {
        if !matches!(field.kind, FieldKind::Relation { .. }) || errors.contains(&field.name) {
            continue;
        }
        let mut ids = vec![];
        for key in [
            field.name.clone(),
            format!("{}+", field.name),
            format!("+{}", field.name),
        ] {
            match body.get(&key) {
                Some(Value::String(id)) if !id.is_empty() => ids.push(Value::String(id.clone())),
                Some(Value::Array(items)) => {
                    ids.extend(items.iter().filter(|item| item.is_string()).cloned())
                }
                _ => {}
            }
        }
        if !ids.is_empty() {
            named.insert(field.name.clone(), Value::Array(ids));
        }
    }
    named
}

/// Inserts `key` into a JSON object keeping its keys in sorted order.
fn insert_sorted(map: &mut Map<String, Value>, key: &str, value: Value) {
    map.insert(key.to_string(), value);
    map.sort_keys();
}

/// Field errors for relation ids that do not exist.
pub(crate) fn check_relations(
    conn: &Connection,
    schema: &Schema,
    collection: &Collection,
    values: &Map<String, Value>,
) -> Result<FieldErrors, StoreError> {
    let mut errors = FieldErrors::new();
    for field in &collection.fields {
        let FieldKind::Relation { collection_id, .. } = &field.kind else {
            continue;
        };
        let ids: Vec<String> = match values.get(&field.name) {
            Some(Value::String(id)) if !id.is_empty() => vec![id.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect(),
            _ => continue,
        };
        if ids.is_empty() {
            continue;
        }
        let Some(target) = schema.by_id(collection_id) else {
            errors.add(
                &field.name,
                ErrorCode::MissingRelCollection,
                "Relation connection is missing or cannot be accessed.",
            );
            continue;
        };
        let unique: HashSet<&String> = ids.iter().collect();
        if rows::count_existing(conn, target, &ids)? != unique.len() {
            errors.add(
                &field.name,
                ErrorCode::MissingRelRecords,
                "Failed to find all relation records with the provided ids.",
            );
        }
    }
    Ok(errors)
}

/// Maps a UNIQUE violation to `validation_not_unique` errors on its columns.
pub(crate) fn unique_errors(error: &StoreError) -> Option<FieldErrors> {
    if !matches!(
        error,
        StoreError::Constraint {
            kind: ConstraintKind::Unique,
            ..
        }
    ) {
        return None;
    }
    let mut errors = FieldErrors::new();
    let columns = error.unique_columns();
    if columns.is_empty() {
        errors.add("id", ErrorCode::NotUnique, "Value must be unique.");
    }
    for column in columns {
        errors.add(column, ErrorCode::NotUnique, "Value must be unique.");
    }
    Some(errors)
}

/// Before `ids` of `collection` are deleted: deletes the records that cascade, clears
/// optional references, and refuses (with `StoreError::Other`) when a required
/// relation would be left empty.
pub(crate) fn cascade_delete(
    conn: &Connection,
    schema: &Schema,
    collection: &Collection,
    ids: &[String],
) -> Result<Vec<Change>, StoreError> {
    let mut visited = HashSet::new();
    let mut changes = vec![];
    cascade_inner(conn, schema, collection, ids, &mut visited, &mut changes, 0)?;
    Ok(changes)
}

fn cascade_inner(
    conn: &Connection,
    schema: &Schema,
    collection: &Collection,
    ids: &[String],
    visited: &mut HashSet<(String, String)>,
    changes: &mut Vec<Change>,
    depth: usize,
) -> Result<(), StoreError> {
    if depth > 32 {
        return Err(StoreError::Other("cascade delete is too deep".into()));
    }
    for id in ids {
        visited.insert((collection.id.clone(), id.clone()));
    }
    for (referencing, field) in schema.relations_to(&collection.id) {
        if referencing.is_view() {
            continue;
        }
        let FieldKind::Relation { cascade_delete, .. } = &field.kind else {
            continue;
        };
        let found = rows::referencing(conn, &referencing, &field, ids, &[], i64::MAX)?;
        for row in found {
            let row_id = row
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if visited.contains(&(referencing.id.clone(), row_id.clone())) {
                continue;
            }
            let remaining: Value = match row.get(&field.name) {
                Some(Value::Array(items)) => Value::Array(
                    items
                        .iter()
                        .filter(|item| !item.as_str().is_some_and(|v| ids.iter().any(|id| id == v)))
                        .cloned()
                        .collect(),
                ),
                _ => Value::String(String::new()),
            };
            let empty = match &remaining {
                Value::Array(items) => items.is_empty(),
                Value::String(text) => text.is_empty(),
                _ => true,
            };
            if *cascade_delete && empty {
                cascade_inner(
                    conn,
                    schema,
                    &referencing,
                    std::slice::from_ref(&row_id),
                    visited,
                    changes,
                    depth + 1,
                )?;
                rows::delete(conn, &referencing, &row_id)?;
                changes.push(Change {
                    action: RecordAction::Delete,
                    collection: referencing.clone(),
                    record: row,
                });
            } else if field.required && empty {
                return Err(StoreError::Other(format!(
                    "{}.{} requires the record",
                    referencing.name, field.name
                )));
            } else {
                let mut update = Map::new();
                update.insert(field.name.clone(), remaining.clone());
                rows::update(conn, &referencing, &row_id, &update)?;
                let mut record = row;
                record.insert(field.name.clone(), remaining);
                changes.push(Change {
                    action: RecordAction::Update,
                    collection: referencing.clone(),
                    record,
                });
            }
        }
    }
    Ok(())
}

/// bcrypt (cost 10, like PocketBase), off the async workers.
pub(crate) async fn hash_password(password: String) -> ServiceResult<String> {
    tokio::task::spawn_blocking(move || bcrypt::hash(password, 10))
        .await
        .map_err(|error| ServiceError::Store(StoreError::Other(error.to_string())))?
        .map_err(|error| {
            ServiceError::Store(StoreError::Other(format!("password hash failed: {error}")))
        })
}

/// Checks a password against a bcrypt hash, off the async workers. `false` on any error.
pub(crate) async fn verify_password(password: String, hash: String) -> bool {
    if hash.is_empty() {
        return false;
    }
    tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
        .await
        .unwrap_or(false)
}
