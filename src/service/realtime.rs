//! What realtime needs from the services: whether a subscriber may see a record change
//! (its collection's list or view rule, plus the subscription's own `filter`), and the
//! record's JSON as that subscriber may see it (`expand`, `fields`, hidden fields, email).

use std::sync::Arc;

use serde_json::{Map, Value};

use super::events::{RecordAction, RecordEvent};
use super::expand::{ExpandTree, expand_records};
use super::fields::FieldPicker;
use super::records::LoadedRecord;
use super::{App, Auth, RequestContext, ServiceResult};
use crate::core::collection::Collection;
use crate::core::rules::{self, CompileContext, SqlFragment};
use crate::store::records as rows;

/// Which rule guards a subscription: `collection/*` uses the list rule, `collection/id`
/// the view rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicKind {
    List,
    View,
}

/// One access question about an event.
#[derive(Debug, Clone)]
pub struct AccessCheck {
    pub auth: Auth,
    pub kind: TopicKind,
    /// The subscription's `options.query` (`filter`, `expand`, `fields`...).
    pub query: Map<String, Value>,
    /// The subscription's `options.headers`.
    pub headers: Map<String, Value>,
}

impl AccessCheck {
    /// Identifies the question: the same key always gets the same answer for one event.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{:?}|{}|{}",
            self.auth.collection_id().unwrap_or(""),
            self.auth.record_id().unwrap_or(""),
            self.auth.is_superuser(),
            self.kind,
            Value::Object(self.query.clone()),
            Value::Object(self.headers.clone()),
        )
    }

    fn context(&self) -> RequestContext {
        RequestContext {
            auth: self.auth.clone(),
            method: "GET".into(),
            query: self.query.clone(),
            headers: self.headers.clone(),
        }
    }
}

fn conditions(check: &AccessCheck, collection: &Collection, app: &App) -> Option<Vec<SqlFragment>> {
    let schema = app.schema();
    let ctx = check.context();
    let mut request = ctx.rule_info(Map::new());
    request.context = "realtime".into();
    let compile = CompileContext {
        collection,
        schema: &schema,
        request: &request,
        table_alias: &collection.name,
        allow_hidden_fields: true,
        now: None,
    };
    let mut fragments = vec![];
    if !check.auth.is_superuser() {
        let rule = match check.kind {
            TopicKind::List => &collection.rules.list,
            TopicKind::View => &collection.rules.view,
        };
        match rule {
            None => return None,
            Some(rule) if rule.trim().is_empty() => {}
            Some(rule) => match rules::compile_filter(rule, &compile) {
                Ok(fragment) => fragments.push(fragment),
                Err(error) => {
                    tracing::error!(collection = %collection.name, %error, "RuleEval: realtime rule failed to compile");
                    return None;
                }
            },
        }
    }
    if let Some(filter) = check.query.get("filter").and_then(Value::as_str)
        && !filter.trim().is_empty()
    {
        let client_filter = CompileContext {
            allow_hidden_fields: check.auth.is_superuser(),
            ..compile
        };
        fragments.push(rules::compile_filter(filter, &client_filter).ok()?);
    }
    Some(fragments)
}

/// Checks one event against conditions: against the stored row while it exists (the
/// current state, as PocketBase checks), and against the event's own values once the row
/// is gone (a delete, or a change deleted since).
fn check_event(
    conn: &rusqlite::Connection,
    event: &RecordEvent,
    id: &str,
    conditions: &[SqlFragment],
) -> Result<bool, crate::store::StoreError> {
    if event.action != RecordAction::Delete
        && rows::get(conn, &event.collection, id, &[])?.is_some()
    {
        return rows::get(conn, &event.collection, id, conditions).map(|row| row.is_some());
    }
    rows::snapshot_matches(conn, &event.collection, &event.record, conditions)
}

impl App {
    /// Answers every access question about one event, in one database visit.
    pub async fn event_access(
        &self,
        event: &Arc<RecordEvent>,
        checks: Vec<AccessCheck>,
    ) -> ServiceResult<Vec<bool>> {
        // Subscribers asking the same question (same identity, rule and options) share
        // one answer; a question without conditions needs no query at all.
        let mut questions: Vec<(String, Option<Vec<SqlFragment>>)> = vec![];
        let mut slots = Vec::with_capacity(checks.len());
        for check in &checks {
            let key = check.key();
            let slot = match questions.iter().position(|(known, _)| *known == key) {
                Some(slot) => slot,
                None => {
                    questions.push((key, conditions(check, &event.collection, self)));
                    questions.len() - 1
                }
            };
            slots.push(slot);
        }
        let needs_query = questions
            .iter()
            .any(|(_, conditions)| conditions.as_ref().is_some_and(|c| !c.is_empty()));
        let answers: Vec<bool> = if needs_query {
            let event = event.clone();
            self.store
                .read(move |conn| {
                    let id = event.record.get("id").and_then(Value::as_str).unwrap_or_default();
                    Ok(questions
                        .iter()
                        .map(|(_, conditions)| match conditions {
                            None => false,
                            Some(conditions) if conditions.is_empty() => true,
                            Some(conditions) => {
let allowed = check_event(conn, &event, id, conditions);
                                allowed.unwrap_or_else(|error| {
                                    tracing::error!(%error, "RuleEval: realtime access check failed");
                                    false
                                })
                            }
                        })
                        .collect())
                })
                .await?
        } else {
            questions
                .iter()
                .map(|(_, conditions)| conditions.is_some())
                .collect()
        };
        Ok(slots.into_iter().map(|slot| answers[slot]).collect())
    }

    /// The event's record as the subscriber of `check` may see it.
    pub async fn event_record_json(
        &self,
        event: &RecordEvent,
        check: &AccessCheck,
    ) -> ServiceResult<Value> {
        let ctx = check.context();
        let text = |key: &str| {
            check
                .query
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let picker = FieldPicker::parse(&text("fields")).unwrap_or_default();
        let tree = ExpandTree::parse(&text("expand"));
        let mut records = vec![LoadedRecord {
            collection: event.collection.clone(),
            values: event.record.clone(),
            expand: None,
            managed: false,
        }];
        if !tree.is_empty() {
            let schema = self.schema();
            records = expand_records(self, &ctx, &schema, records, &tree).await?;
        }
        Ok(self.shape(&ctx, &records[0], &picker))
    }
}
