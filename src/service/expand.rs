//! `?expand=`: loads related records level by level, one query per relation and level
//! (never one per record), checking the related collection's view rule for the caller.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::records::LoadedRecord;
use super::{App, RequestContext, ServiceError, ServiceResult};
use crate::core::collection::{Collection, FieldKind, Schema};
use crate::store::records as rows;

/// PocketBase expands at most 6 levels deep.
pub const MAX_EXPAND_DEPTH: usize = 6;
/// Upper bound of relation paths in one expand parameter.
const MAX_EXPAND_PATHS: usize = 100;
/// Upper bound of back-related records loaded per record and relation.
const MAX_BACK_RELATIONS: usize = 1000;
/// Up to this many related ids are loaded as a point read (see `Store::read_point`).
const POINT_LOOKUP_IDS: usize = 100;

/// The parsed `expand` parameter: a tree of relation names.
#[derive(Debug, Clone, Default)]
pub struct ExpandTree {
    children: BTreeMap<String, ExpandTree>,
}

impl ExpandTree {
    pub fn parse(expand: &str) -> ExpandTree {
        let mut tree = ExpandTree::default();
        for path in expand
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .take(MAX_EXPAND_PATHS)
        {
            let mut node = &mut tree;
            for part in path.split('.').take(MAX_EXPAND_DEPTH) {
                let part = part.trim();
                if part.is_empty() {
                    break;
                }
                node = node.children.entry(part.to_string()).or_default();
            }
        }
        tree
    }

    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }
}

type ExpandFuture<'a> = Pin<Box<dyn Future<Output = ServiceResult<Vec<LoadedRecord>>> + Send + 'a>>;

/// Expands `records` (all of one collection) along `tree`.
pub fn expand_records<'a>(
    app: &'a App,
    ctx: &'a RequestContext,
    schema: &'a Arc<Schema>,
    mut records: Vec<LoadedRecord>,
    tree: &'a ExpandTree,
) -> ExpandFuture<'a> {
    Box::pin(async move {
        let Some(collection) = records.first().map(|record| record.collection.clone()) else {
            return Ok(records);
        };
        for (key, subtree) in &tree.children {
            if let Some(field) = collection.field(key)
                && let FieldKind::Relation { collection_id, .. } = &field.kind
            {
                let Some(target) = schema.by_id(collection_id).cloned() else {
                    continue;
                };
                let mut seen = std::collections::HashSet::new();
                let mut ids: Vec<String> = vec![];
                for record in &records {
                    for id in relation_ids(record.values.get(key)) {
                        if seen.insert(id.clone()) {
                            ids.push(id);
                        }
                    }
                }
                let Some(related) =
                    load_related(app, ctx, schema, &target, subtree, Lookup::ById(ids)).await?
                else {
                    continue;
                };
                // As in PocketBase, a resolved expand is present in the answer even if empty.
                for record in &mut records {
                    record.expand.get_or_insert_with(Map::new);
                }
                let by_id: BTreeMap<String, Value> = related
                    .into_iter()
                    .map(|record| {
                        (
                            record_id(&record.values),
                            app.owned_record_json(ctx, record),
                        )
                    })
                    .collect();
                let multiple = field.kind.is_multiple();
                for record in &mut records {
                    let found: Vec<Value> = relation_ids(record.values.get(key))
                        .iter()
                        .filter_map(|id| by_id.get(id).cloned())
                        .collect();
                    if found.is_empty() {
                        continue;
                    }
                    let value = if multiple {
                        Value::Array(found)
                    } else {
                        found.into_iter().next().unwrap_or(Value::Null)
                    };
                    record
                        .expand
                        .get_or_insert_with(Map::new)
                        .insert(key.clone(), value);
                }
            } else if let Some((source_name, field_name)) = key.split_once("_via_") {
                let Some(source) = schema.get(source_name).cloned() else {
                    continue;
                };
                let Some(field) = source.field(field_name).cloned() else {
                    continue;
                };
                let FieldKind::Relation { collection_id, .. } = &field.kind else {
                    continue;
                };
                if collection_id != &collection.id {
                    continue;
                }
                let ids: Vec<String> = records
                    .iter()
                    .map(|record| record_id(&record.values))
                    .collect();
                let Some(related) = load_related(
                    app,
                    ctx,
                    schema,
                    &source,
                    subtree,
                    Lookup::Referencing {
                        field: field.name.clone(),
                        ids,
                    },
                )
                .await?
                else {
                    continue;
                };
                for record in &mut records {
                    let id = record_id(&record.values);
                    let found: Vec<Value> = related
                        .iter()
                        .filter(|candidate| {
                            relation_ids(candidate.values.get(&field.name)).contains(&id)
                        })
                        .take(MAX_BACK_RELATIONS)
                        .map(|candidate| app.record_json(ctx, candidate))
                        .collect();
                    let expand = record.expand.get_or_insert_with(Map::new);
                    if !found.is_empty() {
                        expand.insert(key.clone(), Value::Array(found));
                    }
                }
            }
        }
        Ok(records)
    })
}

enum Lookup {
    ById(Vec<String>),
    Referencing { field: String, ids: Vec<String> },
}

/// Loads the related records the caller may view, expanded further along `subtree`.
/// `None` when the caller may not view that collection at all.
async fn load_related(
    app: &App,
    ctx: &RequestContext,
    schema: &Arc<Schema>,
    target: &Arc<Collection>,
    subtree: &ExpandTree,
    lookup: Lookup,
) -> ServiceResult<Option<Vec<LoadedRecord>>> {
    let condition = match app.rule_condition(&target.rules.view, ctx, target, schema, &Map::new()) {
        Ok(condition) => condition,
        Err(ServiceError::SuperusersOnly) => return Ok(None),
        Err(other) => return Err(other),
    };
    let conditions: Vec<_> = condition.into_iter().collect();
    let loaded_target = target.clone();
    // A few ids are a handful of primary-key lookups: cheap enough to run on the async
    // worker when a reader is free, which saves two thread hand-offs per level.
    let point = matches!(&lookup, Lookup::ById(ids) if ids.len() <= POINT_LOOKUP_IDS);
    let work = move |conn: &rusqlite::Connection| match lookup {
        Lookup::ById(ids) => rows::get_many(conn, &loaded_target, &ids, &conditions),
        Lookup::Referencing { field, ids } => match loaded_target.field(&field) {
            Some(field) => {
                let limit = (MAX_BACK_RELATIONS * ids.len()) as i64;
                rows::referencing(conn, &loaded_target, field, &ids, &conditions, limit)
            }
            None => Ok(vec![]),
        },
    };
    let values = if point {
        app.store.read_point(work).await?
    } else {
        app.store.read(work).await?
    };
    let related: Vec<LoadedRecord> = values
        .into_iter()
        .map(|values| LoadedRecord {
            collection: target.clone(),
            values,
            expand: None,
            managed: false,
        })
        .collect();
    if subtree.is_empty() || related.is_empty() {
        return Ok(Some(related));
    }
    Ok(Some(
        expand_records(app, ctx, schema, related, subtree).await?,
    ))
}

fn record_id(values: &Map<String, Value>) -> String {
    values
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn relation_ids(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(id)) if !id.is_empty() => vec![id.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_string))
            .collect(),
        _ => vec![],
    }
}
