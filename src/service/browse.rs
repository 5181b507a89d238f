//! What the admin UI's record browser asks of records, besides the REST use cases it
//! shares with the API: a list whose bad filter or sort is explained (the API answers a
//! generic 400, as PocketBase does), and "which of these records match this filter", for
//! the live table. Both are superuser-only and go through the same rule compiler and
//! store calls as `records.rs`.

use serde_json::{Map, Value};

use super::expand::{ExpandTree, expand_records};
use super::fields::FieldPicker;
use super::records::{ListParams, LoadedRecord};
use super::{App, RequestContext, ServiceError, ServiceResult};
use crate::core::rules::{self, CompileContext};
use crate::store::records as rows;

impl App {
    /// `list_records` for a superuser, with a filter or sort that does not compile
    /// explained (`BadRequest("Invalid filter: ...")`) instead of the API's generic answer.
    pub async fn browse_records(
        &self,
        ctx: &RequestContext,
        collection: &str,
        params: ListParams,
    ) -> ServiceResult<Value> {
        ctx.auth.require_superuser()?;
        let schema = self.schema();
        let found = schema
            .by_id_or_name(collection)
            .cloned()
            .ok_or(ServiceError::MissingCollection)?;
        let request = ctx.rule_info(Map::new());
        let compile = CompileContext {
            collection: &found,
            schema: &schema,
            request: &request,
            table_alias: &found.name,
            allow_hidden_fields: true,
            now: None,
        };
        if !params.filter.trim().is_empty() {
            rules::compile_filter(&params.filter, &compile)
                .map_err(|error| ServiceError::BadRequest(format!("Invalid filter: {error}.")))?;
        }
        if !params.sort.trim().is_empty() {
            rules::compile_sort(&params.sort, &compile)
                .map_err(|error| ServiceError::BadRequest(format!("Invalid sort: {error}.")))?;
        }
        self.list_records(ctx, collection, params).await
    }

    /// The records among `ids` that match `filter` (all of them when it is blank), as a
    /// superuser sees them, with `expand` resolved; in no particular order. A filter that
    /// does not compile is a `BadRequest`.
    pub async fn records_matching(
        &self,
        ctx: &RequestContext,
        collection: &str,
        ids: Vec<String>,
        filter: &str,
        expand: &str,
    ) -> ServiceResult<Vec<Value>> {
        ctx.auth.require_superuser()?;
        let schema = self.schema();
        let found = schema
            .by_id_or_name(collection)
            .cloned()
            .ok_or(ServiceError::MissingCollection)?;
        let mut conditions = vec![];
        if !filter.trim().is_empty() {
            let request = ctx.rule_info(Map::new());
            let compile = CompileContext {
                collection: &found,
                schema: &schema,
                request: &request,
                table_alias: &found.name,
                allow_hidden_fields: true,
                now: None,
            };
            conditions.push(
                rules::compile_filter(filter, &compile).map_err(|error| {
                    ServiceError::BadRequest(format!("Invalid filter: {error}."))
                })?,
            );
        }
        let lookup = found.clone();
        let values = self
            .store
            .read(move |conn| rows::get_many(conn, &lookup, &ids, &conditions))
            .await
            .map_err(|error| {
                tracing::debug!(%error, "records_matching query failed");
                ServiceError::BadRequest("The filter could not be evaluated.".into())
            })?;
        let mut records: Vec<LoadedRecord> = values
            .into_iter()
            .map(|values| LoadedRecord {
                collection: found.clone(),
                values,
                expand: None,
                managed: false,
            })
            .collect();
        let tree = ExpandTree::parse(expand);
        if !tree.is_empty() {
            records = expand_records(self, ctx, &schema, records, &tree).await?;
        }
        let picker = FieldPicker::default();
        Ok(records
            .iter()
            .map(|record| self.shape(ctx, record, &picker))
            .collect())
    }
}
