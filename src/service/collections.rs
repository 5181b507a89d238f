//! Collections use cases (superusers only): list, view, create, update, delete, import,
//! truncate. Every change is validated against the whole schema, applied as DDL in one
//! transaction together with its migration file, and then swapped into the schema cache.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::files::{Cleanup, deleted_records};
use super::migrations::{self, MIGRATION_FORMAT, Migration};
use super::{App, ServiceError, ServiceResult, Superuser};
use crate::core::collection::{Collection, CollectionKind, Field, FieldKind, Schema};
use crate::core::error::{ErrorCode, FieldErrors};
use crate::core::record::now_string;
use crate::core::rules::{self, CompileContext, RequestInfo};
use crate::store::{StoreError, records, schema as ddl};

/// One page of the collections list.
pub struct CollectionPage {
    pub items: Vec<Arc<Collection>>,
    pub page: i64,
    pub per_page: i64,
    pub total: Option<i64>,
}

/// The query parameters of the collections list.
#[derive(Debug, Clone, Default)]
pub struct CollectionQuery {
    pub page: i64,
    pub per_page: i64,
    pub filter: String,
    pub sort: String,
    pub skip_total: bool,
}

/// The `_collections` system table described as a collection, so that `?filter=` and
/// `?sort=` on the collections list go through the same compiler as records.
fn collections_table() -> Collection {
    let text = || FieldKind::Text {
        min: 0,
        max: 0,
        pattern: String::new(),
        autogenerate_pattern: String::new(),
        primary_key: false,
    };
    let mut table = Collection::new("_collections", CollectionKind::Base);
    table.fields.push(Field::new("name", text()));
    table.fields.push(Field::new("type", text()));
    table.fields.push(Field::new("system", FieldKind::Bool));
    table.fields.push(Field::new("created", text()));
    table.fields.push(Field::new("updated", text()));
    table
}

enum Change {
    /// A view of an import, whose fields are inferred inside the transaction, after the
    /// import's tables exist; `position` is its place in the import.
    View {
        old: Option<Arc<Collection>>,
        new: Collection,
        position: usize,
    },
    Create(Collection),
    Update {
        old: Arc<Collection>,
        new: Collection,
    },
    Delete(Arc<Collection>),
}

/// What an import would change (`App::preview_import`).
#[derive(Debug, Default)]
pub struct ImportPlan {
    /// The names of the collections it creates.
    pub create: Vec<String>,
    pub update: Vec<ImportUpdate>,
    /// The names of imported collections that stay as they are.
    pub unchanged: Vec<String>,
    pub delete: Vec<ImportDelete>,
}

/// An existing collection an import changes.
#[derive(Debug)]
pub struct ImportUpdate {
    pub id: String,
    pub name: String,
    /// Its current name, when the import renames it.
    pub renamed_from: Option<String>,
    pub added_fields: Vec<String>,
    /// `(before, after)` names of the fields it renames.
    pub renamed_fields: Vec<(String, String)>,
    /// The fields it drops, with their values in every record.
    pub removed_fields: Vec<String>,
    /// The records of the collection, counted when it loses fields (not for views).
    pub records: Option<i64>,
}

/// A collection an import deletes (`deleteMissing`).
#[derive(Debug)]
pub struct ImportDelete {
    pub id: String,
    pub name: String,
    /// Its records (`None` for a view, which stores none).
    pub records: Option<i64>,
}

/// The existing collection an imported item stands for: the one with its id, or else the
/// one with its name.
/// One collection of an import, read as PocketBase reads it: over the collection it
/// replaces (if any), whose fields the import keeps unless `delete_missing` says otherwise
/// (system fields are always kept; a collection given without `fields` loses its other
/// fields only with `delete_missing`).
fn read_imported(
    item: &Value,
    existing: Option<&Collection>,
    delete_missing: bool,
) -> Result<Collection, FieldErrors> {
    let mut collection = Collection::from_json(item, existing)?;
    let Some(existing) = existing else {
        return Ok(collection);
    };
    if delete_missing && item.get("fields").is_none() {
        collection.fields.retain(|field| field.system);
    }
    for field in &existing.fields {
        if !field.system && delete_missing {
            continue;
        }
        let present = collection
            .fields
            .iter()
            .any(|imported| imported.id == field.id || imported.name == field.name);
        if !present {
            collection.fields.push(field.clone());
        }
    }
    Ok(collection)
}

fn imported_existing(schema: &Schema, item: &Value) -> Option<Arc<Collection>> {
    item.get("id")
        .and_then(Value::as_str)
        .and_then(|id| schema.by_id(id))
        .or_else(|| {
            item.get("name")
                .and_then(Value::as_str)
                .and_then(|name| schema.get(name))
        })
        .cloned()
}

const SOMETHING_WENT_WRONG: &str = "Something went wrong while processing your request.";

fn validation(message: &str, errors: FieldErrors) -> ServiceError {
    ServiceError::Validation {
        message: message.into(),
        errors,
    }
}

impl App {
    /// `GET /api/collections`
    pub async fn list_collections(
        &self,
        _superuser: &Superuser<'_>,
        query: CollectionQuery,
    ) -> ServiceResult<CollectionPage> {
        let schema = self.schema();
        let meta = Arc::new(collections_table());
        let meta_schema = Schema::new(vec![(*meta).clone()]);
        let request = RequestInfo::default();
        let compile = CompileContext {
            collection: &meta,
            schema: &meta_schema,
            request: &request,
            table_alias: &meta.name,
            allow_hidden_fields: true,
            now: None,
        };
        let bad = |_| ServiceError::BadRequest(SOMETHING_WENT_WRONG.into());
        let mut conditions = vec![];
        if !query.filter.trim().is_empty() {
            conditions.push(rules::compile_filter(&query.filter, &compile).map_err(bad)?);
        }
        let order = if query.sort.trim().is_empty() {
            None
        } else {
            Some(rules::compile_sort(&query.sort, &compile).map_err(bad)?)
        };
        let list = records::ListQuery {
            conditions,
            order,
            limit: query.per_page,
            offset: (query.page - 1).saturating_mul(query.per_page),
            count_total: !query.skip_total,
        };
        let result = self
            .store
            .read(move |conn| records::list(conn, &meta, &list))
            .await?;
        let items = result
            .rows
            .iter()
            .filter_map(|row| row.get("id").and_then(Value::as_str))
            .filter_map(|id| schema.by_id(id).cloned())
            .collect();
        Ok(CollectionPage {
            items,
            page: query.page,
            per_page: query.per_page,
            total: result.total,
        })
    }

    /// `GET /api/collections/{idOrName}`
    pub fn view_collection(
        &self,
        _superuser: &Superuser<'_>,
        id_or_name: &str,
    ) -> ServiceResult<Arc<Collection>> {
        self.schema()
            .by_id_or_name(id_or_name)
            .cloned()
            .ok_or(ServiceError::NotFound)
    }

    /// `POST /api/collections`
    pub async fn create_collection(
        &self,
        _superuser: &Superuser<'_>,
        input: Value,
    ) -> ServiceResult<Arc<Collection>> {
        let _guard = self.schema_change.lock().await;
        let failed = "Failed to create collection.";
        let mut collection =
            Collection::from_json(&input, None).map_err(|errors| validation(failed, errors))?;
        let now = now_string();
        collection.created = now.clone();
        collection.updated = now;
        let schema = self.schema();
        let collection = self
            .prepare_view(collection, &schema)
            .await
            .map_err(|errors| validation(failed, errors))?;
        let mut errors = collection.validate(&schema, None);
        errors.merge(check_rules(&collection, &schema.with(collection.clone())));
        if !errors.is_empty() {
            return Err(validation(failed, errors));
        }
        let id = collection.id.clone();
        self.apply_changes(vec![Change::Create(collection)], failed)
            .await?;
        self.collection(&id)
    }

    /// `PATCH /api/collections/{idOrName}`
    pub async fn update_collection(
        &self,
        _superuser: &Superuser<'_>,
        id_or_name: &str,
        input: Value,
    ) -> ServiceResult<Arc<Collection>> {
        let _guard = self.schema_change.lock().await;
        let failed = "Failed to update collection.";
        let schema = self.schema();
        let old = schema
            .by_id_or_name(id_or_name)
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        let mut collection = Collection::from_json(&input, Some(&old))
            .map_err(|errors| validation(failed, errors))?;
        collection.updated = now_string();
        let collection = self
            .prepare_view(collection, &schema)
            .await
            .map_err(|errors| validation(failed, errors))?;
        let mut errors = collection.validate(&schema, Some(&old));
        errors.merge(check_rules(&collection, &schema.with(collection.clone())));
        if !errors.is_empty() {
            return Err(validation(failed, errors));
        }
        let mut collection = collection;
        // As PocketBase: a changed auth rule invalidates every auth token issued before.
        // `null` and `""` count as the same rule here, as in PocketBase.
        if collection.is_auth()
            && old.rules.auth.as_deref().unwrap_or_default()
                != collection.rules.auth.as_deref().unwrap_or_default()
        {
            collection.rotate_token_secret("authToken");
        }
        let id = collection.id.clone();
        self.apply_changes(
            vec![Change::Update {
                old,
                new: collection,
            }],
            failed,
        )
        .await?;
        self.collection(&id)
    }

    /// `DELETE /api/collections/{idOrName}`
    pub async fn delete_collection(
        &self,
        _superuser: &Superuser<'_>,
        id_or_name: &str,
    ) -> ServiceResult<()> {
        let _guard = self.schema_change.lock().await;
        let schema = self.schema();
        let collection = schema
            .by_id_or_name(id_or_name)
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        let failed = "Failed to delete collection due to existing dependency.";
        if collection.system {
            return Err(ServiceError::BadRequest(
                "System collections cannot be deleted.".into(),
            ));
        }
        let referencing: Vec<String> = schema
            .relations_to(&collection.id)
            .into_iter()
            .filter(|(other, _)| other.id != collection.id)
            .map(|(other, field)| format!("{}.{}", other.name, field.name))
            .collect();
        if !referencing.is_empty() {
            let mut errors = FieldErrors::new();
            errors.add(
                "name",
                ErrorCode::InvalidValue,
                format!(
                    "The collection is referenced by {}.",
                    referencing.join(", ")
                ),
            );
            return Err(validation(failed, errors));
        }
        self.apply_changes(vec![Change::Delete(collection)], failed)
            .await
    }

    /// `DELETE /api/collections/{idOrName}/truncate`
    pub async fn truncate_collection(
        &self,
        _superuser: &Superuser<'_>,
        id_or_name: &str,
    ) -> ServiceResult<()> {
        let collection = self
            .schema()
            .by_id_or_name(id_or_name)
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        if collection.is_view() {
            return Err(ServiceError::BadRequest(
                "View collections cannot be truncated.".into(),
            ));
        }
        let schema = self.schema();
        let truncated = collection.clone();
        let cascaded = self
            .store
            .write(move |tx| {
                let ids: Vec<String> = tx
                    .prepare(&format!(
                        "SELECT id FROM {}",
                        crate::store::sql::Ident::new(&truncated.name)
                    ))?
                    .query_map([], |row| row.get(0))?
                    .collect::<Result<_, _>>()?;
                let cascaded = super::records::cascade_delete(tx, &schema, &truncated, &ids)?;
                ddl::truncate(tx, &truncated)?;
                Ok(cascaded)
            })
            .await?;
        let mut cleanup = deleted_records(&cascaded);
        cleanup.push(Cleanup::Collection {
            collection_id: collection.id.clone(),
        });
        self.remove_files(cleanup).await;
        Ok(())
    }

    /// `PUT /api/collections/import`
    pub async fn import_collections(
        &self,
        _superuser: &Superuser<'_>,
        input: Value,
    ) -> ServiceResult<()> {
        let _guard = self.schema_change.lock().await;
        let failed = "Failed to import collections.";
        let object = input.as_object().cloned().unwrap_or_default();
        let delete_missing = object
            .get("deleteMissing")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let Some(Value::Array(items)) = object.get("collections") else {
            let mut errors = FieldErrors::new();
            errors.add("collections", ErrorCode::Required, "Cannot be blank.");
            return Err(validation(failed, errors));
        };
        if items.is_empty() {
            let mut errors = FieldErrors::new();
            errors.add("collections", ErrorCode::Required, "Cannot be blank.");
            return Err(validation(failed, errors));
        }
        let schema = self.schema();
        // Build the target schema first so collections may reference each other.
        let mut parsed = vec![];
        let mut errors = FieldErrors::new();
        for (position, item) in items.iter().enumerate() {
            let existing = imported_existing(&schema, item);
            match read_imported(item, existing.as_deref(), delete_missing) {
                Ok(mut collection) => {
                    let now = now_string();
                    if existing.is_none() {
                        collection.created = now.clone();
                    }
                    collection.updated = now;
                    parsed.push((existing, collection));
                }
                Err(inner) => errors.nest("collections", position.to_string(), inner),
            }
        }
        if !errors.is_empty() {
            return Err(validation(failed, errors));
        }
        let mut target = if delete_missing {
            Schema::new(
                schema
                    .all()
                    .iter()
                    .filter(|c| c.system)
                    .map(|c| (**c).clone())
                    .collect(),
            )
        } else {
            (*schema).clone()
        };
        for (_, collection) in &parsed {
            target = target.with(collection.clone());
        }
        let mut changes = vec![];
        for (position, (existing, collection)) in parsed.into_iter().enumerate() {
            if collection.is_view() {
                changes.push(Change::View {
                    old: existing,
                    new: collection,
                    position,
                });
                continue;
            }
            let without_self = target.without(&collection.id);
            let mut own = collection.validate(&without_self, existing.as_deref());
            own.merge(check_rules(&collection, &target));
            errors.nest("collections", position.to_string(), own);
            changes.push(match existing {
                Some(old) => Change::Update {
                    old,
                    new: collection,
                },
                None => Change::Create(collection),
            });
        }
        if delete_missing {
            for old in schema.all() {
                if !old.system && target.by_id(&old.id).is_none() {
                    changes.push(Change::Delete(old.clone()));
                }
            }
        }
        if !errors.is_empty() {
            return Err(validation(failed, errors));
        }
        // Views go last, so they can read the tables this import creates.
        changes.sort_by_key(|change| matches!(change, Change::View { .. }));
        self.apply_changes_in(changes, Arc::new(target), failed)
            .await
    }

    /// What `import_collections` would do with `input`, for a review before it: the
    /// collections it creates, updates (fields added, renamed and removed, with the records
    /// of the collections that lose fields) and deletes (with their records). Only parse
    /// errors are reported here (nested per collection, as the import reports them); the
    /// import validates the whole schema when it runs.
    pub async fn preview_import(
        &self,
        _superuser: &Superuser<'_>,
        input: Value,
    ) -> ServiceResult<ImportPlan> {
        let failed = "Failed to import collections.";
        let delete_missing = input
            .get("deleteMissing")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let items = match input.get("collections") {
            Some(Value::Array(items)) if !items.is_empty() => items.clone(),
            _ => {
                let mut errors = FieldErrors::new();
                errors.add("collections", ErrorCode::Required, "Cannot be blank.");
                return Err(validation(failed, errors));
            }
        };
        let schema = self.schema();
        let mut plan = ImportPlan::default();
        let mut errors = FieldErrors::new();
        let mut kept = std::collections::HashSet::new();
        let mut to_count = vec![];
        for (position, item) in items.iter().enumerate() {
            let existing = imported_existing(&schema, item);
            let collection = match read_imported(item, existing.as_deref(), delete_missing) {
                Ok(collection) => collection,
                Err(inner) => {
                    errors.nest("collections", position.to_string(), inner);
                    continue;
                }
            };
            kept.insert(collection.id.clone());
            let Some(old) = existing else {
                plan.create.push(collection.name.clone());
                continue;
            };
            let comparable = |json: Value| {
                let mut json = json;
                if let Value::Object(map) = &mut json {
                    map.remove("created");
                    map.remove("updated");
                }
                json
            };
            if comparable(old.to_json()) == comparable(collection.to_json()) {
                plan.unchanged.push(collection.name.clone());
                continue;
            }
            let removed_fields: Vec<String> = old
                .fields
                .iter()
                .filter(|field| collection.field_by_id(&field.id).is_none())
                .map(|field| field.name.clone())
                .collect();
            if !removed_fields.is_empty() && !old.is_view() {
                to_count.push(old.clone());
            }
            plan.update.push(ImportUpdate {
                renamed_from: (old.name != collection.name).then(|| old.name.clone()),
                name: collection.name.clone(),
                added_fields: collection
                    .fields
                    .iter()
                    .filter(|field| old.field_by_id(&field.id).is_none())
                    .map(|field| field.name.clone())
                    .collect(),
                renamed_fields: collection
                    .fields
                    .iter()
                    .filter_map(|field| {
                        let before = old.field_by_id(&field.id)?;
                        (before.name != field.name)
                            .then(|| (before.name.clone(), field.name.clone()))
                    })
                    .collect(),
                removed_fields,
                records: None,
                id: old.id.clone(),
            });
        }
        if !errors.is_empty() {
            return Err(validation(failed, errors));
        }
        if delete_missing {
            for old in schema.all() {
                if !old.system && !kept.contains(&old.id) {
                    if !old.is_view() {
                        to_count.push(old.clone());
                    }
                    plan.delete.push(ImportDelete {
                        id: old.id.clone(),
                        name: old.name.clone(),
                        records: None,
                    });
                }
            }
        }
        let counts = self
            .store
            .read(move |conn| {
                let mut counts = std::collections::HashMap::new();
                for collection in &to_count {
                    counts.insert(collection.id.clone(), records::count(conn, collection)?);
                }
                Ok(counts)
            })
            .await?;
        for update in &mut plan.update {
            update.records = counts.get(&update.id).copied();
        }
        for delete in &mut plan.delete {
            delete.records = counts.get(&delete.id).copied();
        }
        Ok(plan)
    }

    /// Infers the fields of a view collection from its SELECT (see `infer_view`).
    async fn prepare_view(
        &self,
        collection: Collection,
        schema: &Schema,
    ) -> Result<Collection, FieldErrors> {
        if collection.kind != CollectionKind::View {
            return Ok(collection);
        }
        let schema = schema.clone();
        let inferred = self
            .store
            .read(move |conn| Ok(infer_view(conn, collection, &schema)))
            .await;
        match inferred {
            Ok(result) => result,
            Err(error) => {
                let mut errors = FieldErrors::new();
                errors.add(
                    "viewQuery",
                    ErrorCode::InvalidViewQuery,
                    format!("Invalid query - {error}."),
                );
                Err(errors)
            }
        }
    }

    /// Applies schema changes as one transaction with their migration files, then reloads
    /// the schema cache.
    async fn apply_changes(&self, changes: Vec<Change>, failed: &'static str) -> ServiceResult<()> {
        let schema = self.schema();
        self.apply_changes_in(changes, schema, failed).await
    }

    /// `apply_changes` with the schema the changes lead to (for import's views).
    async fn apply_changes_in(
        &self,
        changes: Vec<Change>,
        target: Arc<Schema>,
        failed: &'static str,
    ) -> ServiceResult<()> {
        let data_dir = self.config.data_dir.clone();
        let deleted: Vec<String> = changes
            .iter()
            .filter_map(|change| match change {
                Change::Delete(old) => Some(old.id.clone()),
                _ => None,
            })
            .collect();
        let result = self
            .store
            .write_or_rollback(
                move |tx| {
                    let mut written = vec![];
                    let outcome = (|| {
                        for change in changes {
                            let change = match change {
                                Change::View { old, new, position } => {
                                    let checked = infer_view(tx, new, &target).and_then(|view| {
                                        let others = target.without(&view.id);
                                        let mut errors = view.validate(&others, old.as_deref());
                                        errors.merge(check_rules(&view, &target));
                                        errors.into_result().map(|()| view)
                                    });
                                    match (checked, old) {
                                        (Ok(new), Some(old)) => Change::Update { old, new },
                                        (Ok(new), None) => Change::Create(new),
                                        (Err(inner), _) => {
                                            let mut errors = FieldErrors::new();
                                            errors.nest("collections", position.to_string(), inner);
                                            return Ok(Err(errors));
                                        }
                                    }
                                }
                                other => other,
                            };
                            let (migration, label) = apply_change(tx, &change)?;
                            written.push(migrations::record(tx, &data_dir, &migration, &label)?);
                        }
                        ddl::load_collections(tx).map(Ok)
                    })();
                    if !matches!(outcome, Ok(Ok(_))) {
                        for path in &written {
                            let _ = std::fs::remove_file(path);
                        }
                    }
                    outcome
                },
                |_| {},
            )
            .await;
        match result {
            Ok(Err(errors)) => Err(validation(failed, errors)),
            Ok(Ok(collections)) => {
                self.set_schema(Schema::new(collections));
                let cleanup = deleted
                    .into_iter()
                    .map(|collection_id| Cleanup::Collection { collection_id })
                    .collect();
                self.remove_files(cleanup).await;
                Ok(())
            }
            Err(StoreError::Constraint { message, .. }) => {
                let mut errors = FieldErrors::new();
                errors.add(
                    "indexes",
                    ErrorCode::InvalidIndex,
                    format!("Failed to apply the schema: {message}."),
                );
                Err(validation(failed, errors))
            }
            Err(StoreError::Sqlite(error)) => {
                tracing::warn!(%error, "schema change refused by SQLite");
                let mut errors = FieldErrors::new();
                errors.add(
                    "indexes",
                    ErrorCode::InvalidIndex,
                    format!("Failed to apply the schema: {error}."),
                );
                Err(validation(failed, errors))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// The number of records of one collection (for the admin UI's confirmations).
    pub async fn count_records(
        &self,
        _superuser: &Superuser<'_>,
        id_or_name: &str,
    ) -> ServiceResult<i64> {
        let collection = self
            .schema()
            .by_id_or_name(id_or_name)
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        Ok(self
            .store
            .read(move |conn| records::count(conn, &collection))
            .await?)
    }

    /// Checks the API rules of a collection as it is being edited (the admin UI's live
    /// check). `draft` is the JSON a create (`existing` is `None`) or an update of
    /// `existing` would send; its rules are compiled exactly as `create_collection` and
    /// `update_collection` compile them, against the draft's own fields (a view's fields
    /// inferred from its query when the query runs). The answer holds one error per
    /// failing rule, keyed like theirs (`listRule`...); a draft that does not parse is a
    /// validation error.
    pub async fn check_collection_rules(
        &self,
        _superuser: &Superuser<'_>,
        existing: Option<&str>,
        draft: &Value,
    ) -> ServiceResult<FieldErrors> {
        let schema = self.schema();
        let old = match existing {
            Some(id_or_name) => Some(
                schema
                    .by_id_or_name(id_or_name)
                    .cloned()
                    .ok_or(ServiceError::NotFound)?,
            ),
            None => None,
        };
        let mut collection = Collection::from_json(draft, old.as_deref())
            .map_err(|errors| validation("The collection draft is invalid.", errors))?;
        if !crate::core::collection::is_valid_identifier(&collection.name) {
            // Rules do not depend on the name; a draft may not have a usable one yet.
            collection.name = "_lb_draft".into();
        }
        if collection.is_view() {
            let fallback = collection.clone();
            collection = self
                .prepare_view(collection, &schema)
                .await
                .unwrap_or(fallback);
        }
        let target = schema.with(collection.clone());
        Ok(check_rules(&collection, &target))
    }

    /// Record counts of every collection (for the admin UI).
    pub async fn collection_counts(&self) -> ServiceResult<Map<String, Value>> {
        let schema = self.schema();
        Ok(self
            .store
            .read(move |conn| {
                let mut counts = Map::new();
                for collection in schema.all() {
                    counts.insert(
                        collection.name.clone(),
                        json!(records::count(conn, collection)?),
                    );
                }
                Ok(counts)
            })
            .await?)
    }
}

/// Applies one resolved schema change as DDL and describes it as a migration.
fn apply_change(
    tx: &rusqlite::Connection,
    change: &Change,
) -> Result<(Migration, String), StoreError> {
    let migration =
        |action: &str, collection: Option<&Collection>, previous: Option<&Collection>| Migration {
            version: MIGRATION_FORMAT,
            action: action.into(),
            collection: collection.map(Collection::to_storage_json),
            previous: previous.map(Collection::to_storage_json),
            collections: None,
            previous_collections: None,
        };
    match change {
        Change::Create(new) => {
            ddl::create_collection(tx, new)?;
            Ok((migration("create", Some(new), None), new.name.clone()))
        }
        Change::Update { old, new } => {
            ddl::update_collection(tx, old, new)?;
            Ok((migration("update", Some(new), Some(old)), new.name.clone()))
        }
        Change::Delete(old) => {
            ddl::delete_collection(tx, old)?;
            Ok((migration("delete", None, Some(old)), old.name.clone()))
        }
        Change::View { .. } => Err(StoreError::Other(
            "a view's fields must be inferred before it is applied".into(),
        )),
    }
}

/// Infers the fields of a view collection from its SELECT, probing the query on `conn`
/// (which may be inside the transaction that creates the tables it reads).
fn infer_view(
    conn: &rusqlite::Connection,
    mut collection: Collection,
    schema: &Schema,
) -> Result<Collection, FieldErrors> {
    if collection.kind != CollectionKind::View {
        return Ok(collection);
    }
    let mut errors = FieldErrors::new();
    let query = collection
        .view_query
        .trim()
        .trim_end_matches(';')
        .to_string();
    if query.is_empty() {
        errors.add("viewQuery", ErrorCode::Required, "Cannot be blank.");
        return Err(errors);
    }
    let columns = ddl::query_columns(conn, &query);
    let columns = match columns {
        Ok(columns) => columns,
        Err(error) => {
            let detail = match error {
                StoreError::Sqlite(inner) => inner.to_string(),
                other => other.to_string(),
            };
            errors.add(
                "viewQuery",
                ErrorCode::InvalidViewQuery,
                format!("Invalid query - {detail}."),
            );
            return Err(errors);
        }
    };
    if !columns.iter().any(|column| column == "id") {
        errors.add(
            "viewQuery",
            ErrorCode::InvalidViewQuery,
            "The view query must return an id column.",
        );
        return Err(errors);
    }
    let sources = source_collections(&query, schema);
    let mut fields: Vec<Field> = vec![];
    for column in &columns {
        if fields.iter().any(|field| &field.name == column) {
            errors.add(
                "viewQuery",
                ErrorCode::InvalidViewQuery,
                format!("Duplicated column {column}."),
            );
            return Err(errors);
        }
        let stored = collection.field(column).cloned();
        let from_source = sources
            .iter()
            .find_map(|source| source.field(column).cloned());
        let mut field = match (column.as_str(), from_source) {
            ("id", _) => continue,
            (_, Some(mut field)) => {
                field.system = false;
                field.hidden = matches!(field.kind, FieldKind::Password { .. }) || field.hidden;
                field
            }
            (_, None) => Field::new(column, FieldKind::Json { max_size: 1 }),
        };
        if let Some(stored) = stored {
            field.id = stored.id;
        }
        fields.push(field);
    }
    fields.retain(|field| !matches!(field.kind, FieldKind::Password { .. }));
    collection.view_query = query;
    collection.fields = fields;
    collection.ensure_system_fields();
    Ok(collection)
}

/// The collections a view query reads from (names after FROM and JOIN).
fn source_collections(query: &str, schema: &Schema) -> Vec<Arc<Collection>> {
    let tokens: Vec<&str> = query
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|t| !t.is_empty())
        .collect();
    let mut found = vec![];
    for pair in tokens.windows(2) {
        if pair[0].eq_ignore_ascii_case("from") || pair[0].eq_ignore_ascii_case("join") {
            let name = pair[1].trim_matches(['`', '"', '[', ']']);
            if let Some(collection) = schema.get(name) {
                found.push(collection.clone());
            }
        }
    }
    found
}

/// Syntax- and field-checks every rule of a collection; errors are keyed by rule name.
fn check_rules(collection: &Collection, schema: &Schema) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let request = RequestInfo::default();
    for (key, rule) in collection.rules.named() {
        let Some(rule) = rule else { continue };
        if rule.trim().is_empty() {
            continue;
        }
        if matches!(key, "authRule" | "manageRule") && !collection.is_auth() {
            continue;
        }
        let ctx = CompileContext {
            collection,
            schema,
            request: &request,
            table_alias: &collection.name,
            allow_hidden_fields: true,
            now: None,
        };
        if let Err(error) = rules::check_rule(rule, &ctx) {
            errors.add(
                key,
                ErrorCode::InvalidRule,
                format!("Invalid rule. Raw error: {error}."),
            );
        }
    }
    errors
}
