//! The compiler: resolves the identifiers of a parsed filter against the schema and the
//! request, then builds SQL the way PocketBase's `tools/search/filter.go` does (null and
//! empty-string normalization, `LIKE` wrapping, "all items match" subqueries for
//! multi-valued paths). Identifiers only ever come from validated field and collection
//! names; every value is a bound parameter.

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::Utc;
use regex::Regex;
use serde_json::{Map, Value};

use super::error::RuleError;
use super::lexer::SignOperator;
use super::macros::macro_value;
use super::parser::{Expr, Operand, parse_filter};
use super::{CompileContext, RequestInfo, SqlFragment, SqlValue};
use crate::core::collection::{Collection, FieldKind, Schema, is_valid_identifier, parse_index};

/// How many relations a path may go through (PocketBase's `maxNestedRels`).
pub const MAX_NESTED_RELATIONS: usize = 6;
/// How many joins one filter or sort item may need, counting the joins of the outer
/// `EXISTS` and those of every "all items match" subquery.
pub const MAX_JOINS: usize = 200;
/// How many distinct joins the outer `EXISTS` may hold (SQLite allows 64 tables).
const MAX_MAIN_JOINS: usize = 48;
/// How many items a sort may have (PocketBase's `DefaultSortExprLimit`).
pub const MAX_SORT_FIELDS: usize = 8;
/// How long one sort item may be (PocketBase's `MaxSortFieldLength`).
pub const MAX_SORT_FIELD_LENGTH: usize = 255;

/// The identifier shapes PocketBase's record resolver accepts.
static ALLOWED_IDENTIFIERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"^[A-Za-z0-9_]+[A-Za-z0-9_.:]*$",
        r"^@request\.context$",
        r"^@request\.method$",
        r"^@request\.auth\.[A-Za-z0-9_.:]*[A-Za-z0-9_]$",
        r"^@request\.body\.[A-Za-z0-9_.:]*[A-Za-z0-9_]$",
        r"^@request\.query\.[A-Za-z0-9_.:]*[A-Za-z0-9_]$",
        r"^@request\.headers\.[A-Za-z0-9_.:]*[A-Za-z0-9_]$",
        r"^@collection\.[A-Za-z0-9_]+(:[A-Za-z0-9_]+)?\.[A-Za-z0-9_.:]*[A-Za-z0-9_]$",
    ]
    .iter()
    .filter_map(|pattern| Regex::new(pattern).ok())
    .collect()
});

static BACK_RELATION: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z0-9_]+)_via_([A-Za-z0-9_]+)$").ok());

/// Auth fields read from the request instead of joining the auth collection.
const PLAIN_AUTH_FIELDS: &[&str] = &[
    "id",
    "collectionId",
    "collectionName",
    "email",
    "emailVisibility",
    "verified",
];

pub(super) fn compile_filter(filter: &str, ctx: &CompileContext) -> Result<SqlFragment, RuleError> {
    if filter.trim().is_empty() {
        return Ok(SqlFragment::raw("1=1"));
    }
    let expr = parse_filter(filter)?;
    let base_alias = base_alias_sql(ctx.table_alias)?;
    let mut compiler = Compiler::new(ctx, ctx.collection, base_alias, "__r".to_string());
    let condition = compiler.compile_expr(&expr)?;
    compiler.finish_where(condition)
}

pub(super) fn compile_sort(sort: &str, ctx: &CompileContext) -> Result<SqlFragment, RuleError> {
    let mut output = SqlFragment::default();
    if sort.trim().is_empty() {
        return Ok(output);
    }
    let base_alias = base_alias_sql(ctx.table_alias)?;
    let items: Vec<&str> = sort.split(',').collect();
    if items.len() > MAX_SORT_FIELDS {
        return Err(RuleError::InvalidExpression {
            message: format!("too many sort fields (at most {MAX_SORT_FIELDS})"),
        });
    }
    for (position, item) in items.iter().enumerate() {
        let item = item.trim();
        let (name, direction) = match item.strip_prefix('-') {
            Some(rest) => (rest, "DESC"),
            None => (item.strip_prefix('+').unwrap_or(item), "ASC"),
        };
        if name.is_empty() || name.chars().count() > MAX_SORT_FIELD_LENGTH {
            return Err(RuleError::InvalidSort {
                name: name.to_string(),
            });
        }
        if position > 0 {
            output.push_sql(", ");
        }
        if name == "@random" {
            output.push_sql("RANDOM()");
            continue;
        }
        if name == "@rowid" {
            output.push_sql(&format!("{base_alias}.\"_rowid_\" {direction}"));
            continue;
        }
        let mut compiler = Compiler::new(ctx, ctx.collection, base_alias.clone(), "__s".into());
        let resolved = compiler.resolve_identifier(name)?;
        if !resolved.sql.params.is_empty() || resolved.is_empty_identifier() {
            return Err(RuleError::InvalidSort {
                name: name.to_string(),
            });
        }
        let value = compiler.finish_scalar(resolved.sql)?;
        output.push(&value);
        output.push_sql(" ");
        output.push_sql(direction);
    }
    Ok(output)
}

/// Quotes a validated name as a SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The outer table alias as SQL: quoted text is kept, a plain name is checked and quoted.
fn base_alias_sql(table_alias: &str) -> Result<String, RuleError> {
    let trimmed = table_alias.trim();
    if trimmed.starts_with(['"', '`', '[']) {
        return Ok(trimmed.to_string());
    }
    if is_valid_identifier(trimmed) {
        return Ok(quote(trimmed));
    }
    Err(RuleError::InvalidExpression {
        message: format!("invalid table alias {table_alias:?}"),
    })
}

/// `"alias"."column"`.
fn column(alias_sql: &str, name: &str) -> String {
    format!("{alias_sql}.{}", quote(name))
}

/// PocketBase's `dbutils.JSONEach`: iterates a JSON array column, or wraps a plain value.
fn json_each(column_sql: &str) -> String {
    format!(
        "json_each(CASE WHEN iif(json_valid({column_sql}), json_type({column_sql})='array', FALSE) THEN {column_sql} ELSE json_array({column_sql}) END)"
    )
}

/// PocketBase's `dbutils.JSONArrayLength`: 0 for empty or NULL, 1 for a plain value.
fn json_array_length(column_sql: &str) -> String {
    format!(
        "json_array_length(CASE WHEN iif(json_valid({column_sql}), json_type({column_sql})='array', FALSE) THEN {column_sql} ELSE (CASE WHEN {column_sql} = '' OR {column_sql} IS NULL THEN json_array() ELSE json_array({column_sql}) END) END)"
    )
}

/// PocketBase's `dbutils.JSONExtract`; `path` is built only from validated segments.
fn json_extract(column_sql: &str, path: &str) -> String {
    let path = if !path.is_empty() && !path.starts_with('[') {
        format!(".{path}")
    } else {
        path.to_string()
    };
    format!(
        "(CASE WHEN json_valid({column_sql}) THEN JSON_EXTRACT({column_sql}, '${path}') ELSE JSON_EXTRACT(json_object('pb', {column_sql}), '$.pb{path}') END)"
    )
}

/// One `LEFT JOIN`.
#[derive(Debug, Clone)]
struct Join {
    /// A quoted table name or a `json_each(...)` call (which may bind parameters).
    table: SqlFragment,
    /// The alias, unquoted (always built from validated names).
    alias: String,
    on: Option<SqlFragment>,
}

impl Join {
    fn push_to(&self, output: &mut SqlFragment) {
        output.push_sql(" LEFT JOIN ");
        output.push(&self.table);
        output.push_sql(" ");
        output.push_sql(&quote(&self.alias));
        if let Some(on) = &self.on {
            output.push_sql(" ON ");
            output.push(on);
        }
    }
}

/// The subquery that lists every value of a multi-valued path for the current row
/// (PocketBase's `MultiMatchSubquery`).
#[derive(Debug, Clone)]
struct MultiMatch {
    target_alias_sql: String,
    from_table: String,
    from_alias: String,
    joins: Vec<Join>,
    value: SqlFragment,
}

impl MultiMatch {
    fn build(&self) -> SqlFragment {
        let mut output = SqlFragment::raw("SELECT ");
        output.push(&self.value);
        output.push_sql(" AS \"multiMatchValue\" FROM ");
        output.push_sql(&self.from_table);
        output.push_sql(" ");
        output.push_sql(&quote(&self.from_alias));
        for join in &self.joins {
            join.push_to(&mut output);
        }
        output.push_sql(&format!(
            " WHERE {} = {}",
            column(&quote(&self.from_alias), "id"),
            column(&self.target_alias_sql, "id")
        ));
        output
    }
}

/// PocketBase's `NullFallbackPreference`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NullFallback {
    Auto,
    Disabled,
    Enforced,
}

/// What to wrap a finished comparison in.
#[derive(Debug, Clone)]
enum AfterBuild {
    Not,
    /// Only auth records whose email is public match on `email`.
    EmailVisible {
        alias_sql: String,
    },
}

/// A resolved operand (PocketBase's `ResolverResult`).
#[derive(Debug, Clone)]
struct Resolved {
    sql: SqlFragment,
    null_fallback: NullFallback,
    multi_match: Option<MultiMatch>,
    after_build: Option<AfterBuild>,
}

impl Resolved {
    fn plain(sql: SqlFragment) -> Resolved {
        Resolved {
            sql,
            null_fallback: NullFallback::Auto,
            multi_match: None,
            after_build: None,
        }
    }

    fn null() -> Resolved {
        Resolved::plain(SqlFragment::raw("NULL"))
    }

    fn is_empty_identifier(&self) -> bool {
        matches!(
            self.sql.sql.to_lowercase().as_str(),
            "" | "null" | "''" | "\"\"" | "``"
        )
    }

    fn has_empty_param(&self) -> bool {
        self.sql.params.iter().any(|value| match value {
            SqlValue::Null => true,
            SqlValue::Text(text) => text.is_empty(),
            _ => false,
        })
    }

    fn is_known_non_empty(&self) -> bool {
        if self.null_fallback == NullFallback::Enforced {
            return false;
        }
        if matches!(
            self.sql.sql.to_lowercase().as_str(),
            "1" | "0" | "true" | "false"
        ) {
            return true;
        }
        !self.sql.params.is_empty() && !self.has_empty_param() && !self.is_empty_identifier()
    }

    /// Empty in PocketBase's sense: `NULL`, `''`, or a single empty parameter.
    fn is_empty(&self) -> bool {
        self.is_empty_identifier()
            || (self.null_fallback == NullFallback::Auto
                && self.sql.params.len() == 1
                && self.has_empty_param())
    }
}

/// The state of walking one field path (PocketBase's `runner`).
struct Walk<'a> {
    collection: &'a Collection,
    alias_sql: String,
    /// The unquoted name new aliases are derived from.
    stem: String,
    multi_match_alias: String,
    with_multi_match: bool,
    multi_match: MultiMatch,
    nullify_missing: bool,
}

/// Compiles one filter (or one sort item) against one base collection.
pub(super) struct Compiler<'a> {
    schema: &'a Schema,
    request: &'a RequestInfo,
    /// The collection of the outermost filter (for `loadCollection` shortcuts).
    base: &'a Collection,
    base_alias_sql: String,
    stem: String,
    allow_hidden_fields: bool,
    now: chrono::DateTime<Utc>,
    joins: Vec<Join>,
    /// Collections reached through joins whose list rule must also hold.
    rule_joins: Vec<(&'a Collection, String)>,
    join_count: usize,
    subquery_count: usize,
}

impl<'a> Compiler<'a> {
    fn new(
        ctx: &CompileContext<'a>,
        base: &'a Collection,
        base_alias_sql: String,
        stem: String,
    ) -> Compiler<'a> {
        Compiler {
            schema: ctx.schema,
            request: ctx.request,
            base,
            base_alias_sql,
            stem,
            allow_hidden_fields: ctx.allow_hidden_fields,
            now: ctx.now.unwrap_or_else(Utc::now),
            joins: Vec::new(),
            rule_joins: Vec::new(),
            join_count: 0,
            subquery_count: 0,
        }
    }

    fn next_alias(&mut self, prefix: &str) -> String {
        self.subquery_count += 1;
        format!("{prefix}{}", self.subquery_count)
    }

    fn count_join(&mut self) -> Result<(), RuleError> {
        self.join_count += 1;
        if self.join_count > MAX_JOINS {
            return Err(RuleError::TooManyJoins {
                message: format!("the expression needs more than {MAX_JOINS} joins"),
            });
        }
        Ok(())
    }

    /// Wraps the compiled condition in the `EXISTS` that carries the joins, and adds the
    /// list rules of the collections those joins reach.
    fn finish_where(mut self, condition: SqlFragment) -> Result<SqlFragment, RuleError> {
        let extra = self.compile_rule_joins()?;
        if self.joins.is_empty() && extra.is_empty() {
            return Ok(condition);
        }
        let mut output = SqlFragment::raw("EXISTS (SELECT 1 FROM (SELECT 1) \"__rl_base\"");
        for join in &self.joins {
            join.push_to(&mut output);
        }
        output.push_sql(" WHERE ");
        output.push(&condition);
        for rule in &extra {
            output.push_sql(" AND ");
            output.push(rule);
        }
        output.push_sql(")");
        Ok(output)
    }

    /// Wraps a sort value that needs joins into a scalar subquery.
    fn finish_scalar(mut self, value: SqlFragment) -> Result<SqlFragment, RuleError> {
        let extra = self.compile_rule_joins()?;
        if self.joins.is_empty() && extra.is_empty() {
            return Ok(value);
        }
        let mut output = SqlFragment::raw("(SELECT ");
        output.push(&value);
        output.push_sql(" FROM (SELECT 1) \"__rl_base\"");
        for join in &self.joins {
            join.push_to(&mut output);
        }
        for (index, rule) in extra.iter().enumerate() {
            output.push_sql(if index == 0 { " WHERE " } else { " AND " });
            output.push(rule);
        }
        output.push_sql(" LIMIT 1)");
        Ok(output)
    }

    /// Compiles `id='' || (<list rule>)` of every collection joined on behalf of a
    /// non-superuser, against the joined alias; their joins are appended to ours.
    fn compile_rule_joins(&mut self) -> Result<Vec<SqlFragment>, RuleError> {
        let mut conditions = Vec::new();
        let rule_joins = std::mem::take(&mut self.rule_joins);
        for (index, (collection, alias)) in rule_joins.into_iter().enumerate() {
            let Some(rule) = collection.rules.list.as_deref() else {
                continue;
            };
            if rule.trim().is_empty() {
                continue;
            }
            let expr = parse_filter(&format!("id='' || (\n{rule}\n)"))?;
            let mut inner = Compiler {
                schema: self.schema,
                request: self.request,
                base: collection,
                base_alias_sql: quote(&alias),
                stem: format!("{}l{index}", self.stem),
                allow_hidden_fields: true,
                now: self.now,
                joins: Vec::new(),
                rule_joins: Vec::new(),
                join_count: self.join_count,
                subquery_count: self.subquery_count,
            };
            let condition = inner.compile_expr(&expr)?;
            self.join_count = inner.join_count;
            self.subquery_count = inner.subquery_count;
            for join in inner.joins {
                if !self
                    .joins
                    .iter()
                    .any(|existing| existing.alias == join.alias)
                {
                    self.joins.push(join);
                }
            }
            conditions.push(condition);
        }
        if self.joins.len() > MAX_MAIN_JOINS {
            return Err(RuleError::TooManyJoins {
                message: format!("the expression needs more than {MAX_MAIN_JOINS} joins"),
            });
        }
        Ok(conditions)
    }

    fn compile_expr(&mut self, expr: &Expr) -> Result<SqlFragment, RuleError> {
        match expr {
            Expr::Compare {
                left,
                operator,
                any,
                right,
            } => {
                let left = self.resolve_operand(left)?;
                let right = self.resolve_operand(right)?;
                Ok(build_comparison(self, &left, *operator, *any, &right))
            }
            Expr::And(items) | Expr::Or(items) => {
                let separator = if matches!(expr, Expr::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let mut output = SqlFragment::raw("(");
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        output.push_sql(separator);
                    }
                    let inner = self.compile_expr(item)?;
                    output.push(&inner);
                }
                output.push_sql(")");
                Ok(output)
            }
        }
    }

    fn resolve_operand(&mut self, operand: &Operand) -> Result<Resolved, RuleError> {
        match operand {
            Operand::Text(text) => Ok(Resolved::plain(SqlFragment::param(SqlValue::Text(
                text.clone(),
            )))),
            Operand::Number(number) => {
                Ok(Resolved::plain(SqlFragment::param(number_value(number)?)))
            }
            Operand::Identifier { name, .. } => self.resolve_identifier(name),
            Operand::Function {
                name, arguments, ..
            } => self.resolve_function(name, arguments),
        }
    }

    fn resolve_function(
        &mut self,
        name: &str,
        arguments: &[Operand],
    ) -> Result<Resolved, RuleError> {
        match name {
            "geoDistance" => {
                if arguments.len() != 4 {
                    return Err(RuleError::InvalidExpression {
                        message: format!(
                            "geoDistance expects 4 arguments, got {}",
                            arguments.len()
                        ),
                    });
                }
                let mut resolved = Vec::with_capacity(4);
                for (index, argument) in arguments.iter().enumerate() {
                    if matches!(argument, Operand::Text(_)) {
                        return Err(RuleError::InvalidExpression {
                            message: format!(
                                "geoDistance argument {index} must be an identifier or number"
                            ),
                        });
                    }
                    resolved.push(self.resolve_operand(argument)?.sql);
                }
                let (lon_a, lat_a, lon_b, lat_b) =
                    (&resolved[0], &resolved[1], &resolved[2], &resolved[3]);
                let mut output = SqlFragment::raw("(6371 * acos(cos(radians(");
                output.push(lat_a);
                output.push_sql(")) * cos(radians(");
                output.push(lat_b);
                output.push_sql(")) * cos(radians(");
                output.push(lon_b);
                output.push_sql(") - radians(");
                output.push(lon_a);
                output.push_sql(")) + sin(radians(");
                output.push(lat_a);
                output.push_sql(")) * sin(radians(");
                output.push(lat_b);
                output.push_sql("))))");
                Ok(Resolved {
                    null_fallback: NullFallback::Disabled,
                    ..Resolved::plain(output)
                })
            }
            "strftime" => {
                let Some(Operand::Text(_)) = arguments.first() else {
                    return Err(RuleError::InvalidExpression {
                        message: "strftime expects the first argument to be a format string"
                            .to_string(),
                    });
                };
                let mut resolved = Vec::with_capacity(arguments.len());
                let mut multi_match = None;
                for (index, argument) in arguments.iter().enumerate() {
                    if index >= 2 && !matches!(argument, Operand::Text(_)) {
                        return Err(RuleError::InvalidExpression {
                            message: format!("strftime modifier argument {index} must be a string"),
                        });
                    }
                    let item = self.resolve_operand(argument)?;
                    if index == 1 {
                        multi_match = item.multi_match.clone();
                    }
                    resolved.push(item.sql);
                }
                let build = |items: &[SqlFragment]| {
                    let mut output = SqlFragment::raw("strftime(");
                    for (index, item) in items.iter().enumerate() {
                        if index > 0 {
                            output.push_sql(",");
                        }
                        output.push(item);
                    }
                    output.push_sql(")");
                    output
                };
                let sql = build(&resolved);
                if let Some(multi_match) = multi_match.as_mut() {
                    let mut inner = resolved.clone();
                    inner[1] = multi_match.value.clone();
                    multi_match.value = build(&inner);
                }
                Ok(Resolved {
                    sql,
                    null_fallback: NullFallback::Enforced,
                    multi_match,
                    after_build: None,
                })
            }
            _ => Err(RuleError::InvalidExpression {
                message: format!("unknown function {name:?}"),
            }),
        }
    }

    /// Resolves a field path, `@request.*`, `@collection.*`, macro or keyword.
    fn resolve_identifier(&mut self, name: &str) -> Result<Resolved, RuleError> {
        if let Some(value) = macro_value(name, self.now) {
            return Ok(Resolved::plain(SqlFragment::param(value)));
        }
        let lower = name.to_lowercase();
        if matches!(lower.as_str(), "null" | "true" | "false") && self.base.field(name).is_none() {
            return Ok(Resolved::plain(SqlFragment::raw(match lower.as_str() {
                "null" => "NULL",
                "true" => "1",
                _ => "0",
            })));
        }
        if !ALLOWED_IDENTIFIERS
            .iter()
            .any(|pattern| pattern.is_match(name))
        {
            return Err(RuleError::UnknownField {
                name: name.to_string(),
            });
        }
        let props: Vec<&str> = name.split('.').collect();
        let mut walk = self.start_walk(self.base, self.base_alias_sql.clone(), self.stem.clone());
        match props[0] {
            "@collection" => self.resolve_collection_field(walk, &props, name),
            "@request" => {
                walk.nullify_missing = true;
                self.resolve_request_field(walk, &props)
            }
            _ => self.walk_props(walk, &props),
        }
    }

    fn start_walk(&self, collection: &'a Collection, alias_sql: String, stem: String) -> Walk<'a> {
        let multi_match_alias = format!("__mm{stem}");
        Walk {
            collection,
            multi_match: MultiMatch {
                target_alias_sql: alias_sql.clone(),
                from_table: quote(&collection.name),
                from_alias: multi_match_alias.clone(),
                joins: Vec::new(),
                value: SqlFragment::default(),
            },
            alias_sql,
            stem,
            multi_match_alias,
            with_multi_match: false,
            nullify_missing: false,
        }
    }

    /// Finds a collection by id or name, preferring the one being compiled (it may be
    /// newer than the schema's copy while a collection is saved).
    fn load_collection(&self, id_or_name: &str) -> Result<&'a Collection, RuleError> {
        if id_or_name == self.base.id || id_or_name.eq_ignore_ascii_case(&self.base.name) {
            return Ok(self.base);
        }
        self.schema
            .by_id_or_name(id_or_name)
            .map(|collection| &**collection)
            .ok_or_else(|| RuleError::UnknownCollection {
                name: id_or_name.to_string(),
            })
    }

    /// Adds a join to the outer `EXISTS` (replacing one with the same alias). For
    /// non-superusers a joined collection must be listable, and its list rule will hold.
    fn register_join(
        &mut self,
        table: SqlFragment,
        alias: String,
        on: Option<SqlFragment>,
        collection: Option<&'a Collection>,
    ) -> Result<(), RuleError> {
        if !self.allow_hidden_fields
            && let Some(collection) = collection
        {
            if collection.rules.list.is_none() {
                return Err(RuleError::ForbiddenCollection {
                    collection: collection.name.clone(),
                });
            }
            if !self
                .rule_joins
                .iter()
                .any(|(_, existing)| *existing == alias)
            {
                self.rule_joins.push((collection, alias.clone()));
            }
        }
        let join = Join { table, alias, on };
        match self
            .joins
            .iter_mut()
            .find(|existing| existing.alias == join.alias)
        {
            Some(existing) => *existing = join,
            None => {
                self.count_join()?;
                self.joins.push(join);
                if self.joins.len() > MAX_MAIN_JOINS {
                    return Err(RuleError::TooManyJoins {
                        message: format!("the expression needs more than {MAX_MAIN_JOINS} joins"),
                    });
                }
            }
        }
        Ok(())
    }

    fn add_multi_match_join(&mut self, walk: &mut Walk<'a>, join: Join) -> Result<(), RuleError> {
        self.count_join()?;
        walk.multi_match.joins.push(join);
        Ok(())
    }

    fn resolve_collection_field(
        &mut self,
        mut walk: Walk<'a>,
        props: &[&str],
        name: &str,
    ) -> Result<Resolved, RuleError> {
        if props.len() < 3 {
            return Err(RuleError::UnknownField {
                name: name.to_string(),
            });
        }
        let (collection_name, alias_name) = match props[1].split_once(':') {
            Some((collection_name, alias_name)) => (collection_name, Some(alias_name)),
            None => (props[1], None),
        };
        let collection = self.load_collection(collection_name)?;
        let alias = match alias_name {
            Some(alias_name) if !alias_name.is_empty() => {
                format!("{}_collection_alias_{alias_name}", self.stem)
            }
            _ => format!("{}_collection_{}", self.stem, collection.name),
        };
        walk.collection = collection;
        walk.with_multi_match = true;
        self.register_join(
            SqlFragment::raw(quote(&collection.name)),
            alias.clone(),
            None,
            Some(collection),
        )?;
        walk.multi_match_alias = format!("__mm{alias}");
        let join = Join {
            table: SqlFragment::raw(quote(&collection.name)),
            alias: walk.multi_match_alias.clone(),
            on: None,
        };
        self.add_multi_match_join(&mut walk, join)?;
        walk.alias_sql = quote(&alias);
        walk.stem = alias;
        self.walk_props(walk, &props[2..])
    }

    fn resolve_request_field(
        &mut self,
        walk: Walk<'a>,
        props: &[&str],
    ) -> Result<Resolved, RuleError> {
        let full_name = props.join(".");
        if props.get(1) == Some(&"auth") {
            return self.resolve_request_auth_field(walk, props, &full_name);
        }
        if props.get(1) == Some(&"body") && props.len() > 2 {
            let (field_name, modifier) = split_modifier(props[2])?;
            if let Some(field) = self.base.field(field_name) {
                if let FieldKind::Relation { collection_id, .. } = &field.kind
                    && props.len() > 3
                {
                    return self.resolve_request_body_relation(
                        walk,
                        props,
                        field_name,
                        collection_id,
                    );
                }
                if props.len() == 3 {
                    match modifier {
                        Some("each") => return self.resolve_request_body_each(walk, field_name),
                        Some("length") => return self.resolve_request_body_length(field_name),
                        Some("lower") => {
                            let text = match self.request.body.get(field_name) {
                                None | Some(Value::Null) => String::new(),
                                Some(Value::String(text)) => text.clone(),
                                Some(other) => other.to_string(),
                            };
                            let mut sql = SqlFragment::raw("LOWER(");
                            sql.push(&SqlFragment::param(SqlValue::Text(text)));
                            sql.push_sql(")");
                            return Ok(Resolved::plain(sql));
                        }
                        Some("changed") => return self.resolve_request_body_changed(field_name),
                        _ => {}
                    }
                }
            }
        }
        self.resolve_static(&props[1..], &full_name)
    }

    fn resolve_request_auth_field(
        &mut self,
        mut walk: Walk<'a>,
        props: &[&str],
        full_name: &str,
    ) -> Result<Resolved, RuleError> {
        let Some(auth) = &self.request.auth else {
            return Ok(Resolved::null());
        };
        if props.len() == 3 && PLAIN_AUTH_FIELDS.contains(&props[2]) {
            return self.resolve_static(&props[1..], full_name);
        }
        let auth_id = auth
            .record
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let collection = match self.schema.by_id(&auth.collection_id) {
            Some(collection) => &**collection,
            None => match self.schema.get(&auth.collection_name) {
                Some(collection) => &**collection,
                None => return Ok(Resolved::null()),
            },
        };
        let alias = format!("{}_auth_{}", self.stem, collection.name);
        let mut on = SqlFragment::raw(format!("{} = ", column(&quote(&alias), "id")));
        on.push(&SqlFragment::param(SqlValue::Text(auth_id.clone())));
        self.register_join(
            SqlFragment::raw(quote(&collection.name)),
            alias.clone(),
            Some(on),
            Some(collection),
        )?;
        walk.multi_match_alias = format!("__mm{alias}");
        let mut multi_match_on = SqlFragment::raw(format!(
            "{} = ",
            column(&quote(&walk.multi_match_alias), "id")
        ));
        multi_match_on.push(&SqlFragment::param(SqlValue::Text(auth_id)));
        let join = Join {
            table: SqlFragment::raw(quote(&collection.name)),
            alias: walk.multi_match_alias.clone(),
            on: Some(multi_match_on),
        };
        self.add_multi_match_join(&mut walk, join)?;
        walk.collection = collection;
        walk.alias_sql = quote(&alias);
        walk.stem = alias;
        self.walk_props(walk, &props[2..])
    }

    fn resolve_request_body_relation(
        &mut self,
        mut walk: Walk<'a>,
        props: &[&str],
        field_name: &str,
        collection_id: &str,
    ) -> Result<Resolved, RuleError> {
        let collection = self.load_collection(collection_id)?;
        let is_multiple = self
            .base
            .field(field_name)
            .is_some_and(|field| field.kind.is_multiple());
        let mut ids: Vec<String> = Vec::new();
        let mut add_id = |value: &Value| {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Null => return,
                other => other.to_string(),
            };
            if !text.is_empty() && !ids.contains(&text) {
                ids.push(text);
            }
        };
        match self.request.body.get(field_name) {
            Some(Value::Array(items)) => items.iter().for_each(&mut add_id),
            Some(value) => add_id(value),
            None => {}
        }
        if ids.is_empty() {
            return Ok(Resolved::null());
        }
        let alias = format!("{}_data_{}_{field_name}", self.stem, collection.name);
        let id_list = |alias: &str| {
            let mut on = SqlFragment::raw(format!("{} IN (", column(&quote(alias), "id")));
            for (index, id) in ids.iter().enumerate() {
                if index > 0 {
                    on.push_sql(", ");
                }
                on.push(&SqlFragment::param(SqlValue::Text(id.clone())));
            }
            on.push_sql(")");
            on
        };
        self.register_join(
            SqlFragment::raw(quote(&collection.name)),
            alias.clone(),
            Some(id_list(&alias)),
            Some(collection),
        )?;
        if is_multiple {
            walk.with_multi_match = true;
        }
        walk.multi_match_alias = format!("__mm{alias}");
        let join = Join {
            table: SqlFragment::raw(quote(&collection.name)),
            alias: walk.multi_match_alias.clone(),
            on: Some(id_list(&walk.multi_match_alias)),
        };
        self.add_multi_match_join(&mut walk, join)?;
        walk.collection = collection;
        walk.alias_sql = quote(&alias);
        walk.stem = alias;
        walk.nullify_missing = true;
        self.walk_props(walk, &props[3..])
    }

    fn body_items(&self, field_name: &str) -> Vec<Value> {
        match self.request.body.get(field_name) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(other) => vec![other.clone()],
        }
    }

    fn resolve_request_body_each(
        &mut self,
        mut walk: Walk<'a>,
        field_name: &str,
    ) -> Result<Resolved, RuleError> {
        let field = self.base.field(field_name);
        let Some(field) = field.filter(|field| is_multi_valuer(&field.kind)) else {
            return Err(RuleError::InvalidModifier {
                name: field_name.to_string(),
                message: "the field doesn't support multi-value operations".to_string(),
            });
        };
        let items = Value::Array(self.body_items(field_name)).to_string();
        let alias = format!("{}_data_each_{field_name}", self.stem);
        let mut table = SqlFragment::raw("json_each(");
        table.push(&SqlFragment::param(SqlValue::Text(items.clone())));
        table.push_sql(")");
        self.register_join(table.clone(), alias.clone(), None, None)?;
        let mut result = Resolved::plain(SqlFragment::raw(column(&quote(&alias), "value")));
        if field.kind.is_multiple() {
            walk.with_multi_match = true;
        }
        if walk.with_multi_match {
            let multi_alias = format!("__mm{alias}");
            let join = Join {
                table,
                alias: multi_alias.clone(),
                on: None,
            };
            self.add_multi_match_join(&mut walk, join)?;
            walk.multi_match.value = SqlFragment::raw(column(&quote(&multi_alias), "value"));
            result.multi_match = Some(walk.multi_match);
        }
        Ok(result)
    }

    fn resolve_request_body_length(&mut self, field_name: &str) -> Result<Resolved, RuleError> {
        if !self
            .base
            .field(field_name)
            .is_some_and(|field| is_multi_valuer(&field.kind))
        {
            return Err(RuleError::InvalidModifier {
                name: field_name.to_string(),
                message: "the field doesn't support multi-value operations".to_string(),
            });
        }
        let count = i64::try_from(self.body_items(field_name).len()).unwrap_or(i64::MAX);
        Ok(Resolved::plain(SqlFragment::param(SqlValue::Integer(
            count,
        ))))
    }

    /// `@request.body.x:changed` is `@request.body.x:isset = true && @request.body.x != x`.
    fn resolve_request_body_changed(&mut self, field_name: &str) -> Result<Resolved, RuleError> {
        let expr = parse_filter(&format!(
            "@request.body.{field_name}:isset = true && @request.body.{field_name} != {field_name}"
        ))?;
        let sql = self.compile_expr(&expr)?;
        Ok(Resolved {
            null_fallback: NullFallback::Disabled,
            ..Resolved::plain(sql)
        })
    }

    /// A value of the request itself (`@request.method`, `@request.query.page`...).
    fn resolve_static(&self, path: &[&str], full_name: &str) -> Result<Resolved, RuleError> {
        let Some((last, parents)) = path.split_last() else {
            return Err(RuleError::UnknownField {
                name: full_name.to_string(),
            });
        };
        let (last_name, modifier) = split_modifier(last)?;
        let mut keys: Vec<&str> = parents.to_vec();
        keys.push(last_name);
        let found = request_value(self.request, &keys);
        let found = found.as_deref();
        if modifier == Some("isset") {
            return Ok(Resolved::plain(SqlFragment::raw(if found.is_some() {
                "TRUE"
            } else {
                "FALSE"
            })));
        }
        if modifier.is_some() && modifier != Some("lower") {
            return Err(RuleError::InvalidModifier {
                name: full_name.to_string(),
                message: "only :isset and :lower apply here".to_string(),
            });
        }
        let value = match found {
            None | Some(Value::Null) => return Ok(Resolved::null()),
            Some(Value::String(text)) => {
                let is_number_field = self
                    .base
                    .field(last_name)
                    .is_some_and(|field| matches!(field.kind, FieldKind::Number { .. }));
                match text.trim().parse::<f64>() {
                    Ok(number) if is_number_field && number.is_finite() => SqlValue::Real(number),
                    _ => SqlValue::Text(text.clone()),
                }
            }
            Some(Value::Bool(flag)) => SqlValue::Integer(i64::from(*flag)),
            Some(Value::Number(number)) => match number.as_i64() {
                Some(integer) => SqlValue::Integer(integer),
                None => SqlValue::Real(number.as_f64().unwrap_or_default()),
            },
            Some(other) => SqlValue::Text(other.to_string()),
        };
        let param = SqlFragment::param(value);
        if modifier == Some("lower") {
            let mut sql = SqlFragment::raw("LOWER(");
            sql.push(&param);
            sql.push_sql(")");
            return Ok(Resolved::plain(sql));
        }
        Ok(Resolved::plain(param))
    }

    /// Walks `a.b.c` from `walk.collection` (PocketBase's `processActiveProps`).
    fn walk_props(&mut self, mut walk: Walk<'a>, props: &[&str]) -> Result<Resolved, RuleError> {
        let total = props.len();
        for (index, prop) in props.iter().enumerate() {
            let collection = walk.collection;
            if index == total - 1 {
                return self.finalize(walk, prop);
            }
            let field = collection.field(prop);
            if let Some(field) = field
                && field.hidden
                && !self.allow_hidden_fields
            {
                return Err(RuleError::HiddenField {
                    name: (*prop).to_string(),
                });
            }
            if let Some(field) = field
                && matches!(field.kind, FieldKind::Json { .. } | FieldKind::GeoPoint)
            {
                let path = json_path(&props[index + 1..])?;
                let mut result = Resolved {
                    null_fallback: NullFallback::Disabled,
                    ..Resolved::plain(SqlFragment::raw(json_extract(
                        &column(&walk.alias_sql, &field.name),
                        &path,
                    )))
                };
                if walk.with_multi_match {
                    walk.multi_match.value = SqlFragment::raw(json_extract(
                        &column(&quote(&walk.multi_match_alias), &field.name),
                        &path,
                    ));
                    result.multi_match = Some(walk.multi_match);
                }
                return Ok(result);
            }
            if index >= MAX_NESTED_RELATIONS {
                return Err(RuleError::TooManyJoins {
                    message: format!(
                        "max nested relations ({MAX_NESTED_RELATIONS}) reached for field {prop:?}"
                    ),
                });
            }
            let Some(field) = field else {
                match self.walk_back_relation(&mut walk, prop)? {
                    true => continue,
                    false => return Ok(Resolved::null()),
                }
            };
            let FieldKind::Relation { collection_id, .. } = &field.kind else {
                return Err(RuleError::InvalidExpression {
                    message: format!("field {prop:?} is not a relation"),
                });
            };
            let target = self.load_collection(collection_id)?;
            let is_multiple = field.kind.is_multiple();
            if !is_multiple && index == total - 2 && props[index + 1] == "id" {
                return self.finalize(walk, &field.name);
            }
            let field_column = column(&walk.alias_sql, &field.name);
            let new_alias = format!("{}_{}", walk.stem, field.name);
            if !is_multiple {
                let on = SqlFragment::raw(format!(
                    "{} = {field_column}",
                    column(&quote(&new_alias), "id")
                ));
                self.register_join(
                    SqlFragment::raw(quote(&target.name)),
                    new_alias.clone(),
                    Some(on),
                    Some(target),
                )?;
            } else {
                let each_alias = format!("__je_{new_alias}");
                self.register_join(
                    SqlFragment::raw(json_each(&field_column)),
                    each_alias.clone(),
                    None,
                    None,
                )?;
                let on = SqlFragment::raw(format!(
                    "{} = {}",
                    column(&quote(&new_alias), "id"),
                    column(&quote(&each_alias), "value")
                ));
                self.register_join(
                    SqlFragment::raw(quote(&target.name)),
                    new_alias.clone(),
                    Some(on),
                    Some(target),
                )?;
            }
            if is_multiple {
                walk.with_multi_match = true;
            }
            let multi_alias = format!("{}_{}", walk.multi_match_alias, field.name);
            let multi_column = column(&quote(&walk.multi_match_alias), &field.name);
            if !is_multiple {
                let join = Join {
                    table: SqlFragment::raw(quote(&target.name)),
                    alias: multi_alias.clone(),
                    on: Some(SqlFragment::raw(format!(
                        "{} = {multi_column}",
                        column(&quote(&multi_alias), "id")
                    ))),
                };
                self.add_multi_match_join(&mut walk, join)?;
            } else {
                let each_alias = format!("{multi_alias}_je");
                let each = Join {
                    table: SqlFragment::raw(json_each(&multi_column)),
                    alias: each_alias.clone(),
                    on: None,
                };
                self.add_multi_match_join(&mut walk, each)?;
                let join = Join {
                    table: SqlFragment::raw(quote(&target.name)),
                    alias: multi_alias.clone(),
                    on: Some(SqlFragment::raw(format!(
                        "{} = {}",
                        column(&quote(&multi_alias), "id"),
                        column(&quote(&each_alias), "value")
                    ))),
                };
                self.add_multi_match_join(&mut walk, join)?;
            }
            walk.collection = target;
            walk.alias_sql = quote(&new_alias);
            walk.stem = new_alias;
            walk.multi_match_alias = multi_alias;
        }
        Err(RuleError::UnknownField {
            name: props.join("."),
        })
    }

    /// Follows `<collection>_via_<field>`. Returns `false` when the path should resolve
    /// to `NULL` (a missing `@request.*` path).
    fn walk_back_relation(&mut self, walk: &mut Walk<'a>, prop: &str) -> Result<bool, RuleError> {
        let unknown = |walk: &Walk<'a>| {
            if walk.nullify_missing {
                Ok(false)
            } else {
                Err(RuleError::UnknownField {
                    name: prop.to_string(),
                })
            }
        };
        let Some(captures) = BACK_RELATION
            .as_ref()
            .and_then(|regex| regex.captures(prop))
        else {
            return unknown(walk);
        };
        let (Some(collection_name), Some(field_name)) = (captures.get(1), captures.get(2)) else {
            return unknown(walk);
        };
        let Ok(back_collection) = self.load_collection(collection_name.as_str()) else {
            return unknown(walk);
        };
        let Some(back_field) = back_collection.field(field_name.as_str()) else {
            return unknown(walk);
        };
        let FieldKind::Relation { collection_id, .. } = &back_field.kind else {
            return unknown(walk);
        };
        if back_field.hidden && !self.allow_hidden_fields {
            return Err(RuleError::HiddenField {
                name: back_field.name.clone(),
            });
        }
        if *collection_id != walk.collection.id {
            return unknown(walk);
        }
        let is_multiple = back_field.kind.is_multiple();
        let new_alias = format!("{}_{prop}", walk.stem);
        let back_column = column(&quote(&new_alias), &back_field.name);
        let on = if !is_multiple {
            SqlFragment::raw(format!("{back_column} = {}", column(&walk.alias_sql, "id")))
        } else {
            let each_alias = format!("__je_{new_alias}");
            SqlFragment::raw(format!(
                "{} IN (SELECT {} FROM {} {})",
                column(&walk.alias_sql, "id"),
                column(&quote(&each_alias), "value"),
                json_each(&back_column),
                quote(&each_alias)
            ))
        };
        self.register_join(
            SqlFragment::raw(quote(&back_collection.name)),
            new_alias.clone(),
            Some(on),
            Some(back_collection),
        )?;
        if is_multiple {
            walk.with_multi_match = true;
        } else if !walk.with_multi_match {
            walk.with_multi_match =
                !has_single_column_unique_index(back_collection, &back_field.name);
        }
        let multi_alias = format!("{}_{prop}", walk.multi_match_alias);
        let multi_back_column = column(&quote(&multi_alias), &back_field.name);
        let multi_parent_id = column(&quote(&walk.multi_match_alias), "id");
        let on = if !is_multiple {
            SqlFragment::raw(format!("{multi_back_column} = {multi_parent_id}"))
        } else {
            let each_alias = format!("__je_{multi_alias}");
            SqlFragment::raw(format!(
                "{multi_parent_id} IN (SELECT {} FROM {} {})",
                column(&quote(&each_alias), "value"),
                json_each(&multi_back_column),
                quote(&each_alias)
            ))
        };
        let join = Join {
            table: SqlFragment::raw(quote(&back_collection.name)),
            alias: multi_alias.clone(),
            on: Some(on),
        };
        self.add_multi_match_join(walk, join)?;
        walk.collection = back_collection;
        walk.alias_sql = quote(&new_alias);
        walk.stem = new_alias;
        walk.multi_match_alias = multi_alias;
        Ok(true)
    }

    /// The last prop of a path (PocketBase's `finalizeActivePropsProcessing`).
    fn finalize(&mut self, mut walk: Walk<'a>, prop: &str) -> Result<Resolved, RuleError> {
        let (name, modifier) = split_modifier(prop)?;
        let collection = walk.collection;
        let Some(field) = collection.field(name) else {
            if walk.nullify_missing {
                return Ok(Resolved::null());
            }
            return Err(RuleError::UnknownField {
                name: name.to_string(),
            });
        };
        if field.hidden && !self.allow_hidden_fields {
            return Err(RuleError::HiddenField {
                name: name.to_string(),
            });
        }
        let multi_valuer = is_multi_valuer(&field.kind);
        let field_column = column(&walk.alias_sql, &field.name);
        let multi_column = column(&quote(&walk.multi_match_alias), &field.name);
        if modifier == Some("length") && multi_valuer {
            let mut result = Resolved::plain(SqlFragment::raw(json_array_length(&field_column)));
            if walk.with_multi_match {
                walk.multi_match.value = SqlFragment::raw(json_array_length(&multi_column));
                result.multi_match = Some(walk.multi_match);
            }
            return Ok(result);
        }
        if modifier == Some("each") && multi_valuer {
            let each_alias = format!("__je_{}_{}", walk.stem, field.name);
            self.register_join(
                SqlFragment::raw(json_each(&field_column)),
                each_alias.clone(),
                None,
                None,
            )?;
            let mut result =
                Resolved::plain(SqlFragment::raw(column(&quote(&each_alias), "value")));
            if field.kind.is_multiple() {
                walk.with_multi_match = true;
            }
            if walk.with_multi_match {
                let multi_each_alias = format!("__je_{}_{}", walk.multi_match_alias, field.name);
                let join = Join {
                    table: SqlFragment::raw(json_each(&multi_column)),
                    alias: multi_each_alias.clone(),
                    on: None,
                };
                self.add_multi_match_join(&mut walk, join)?;
                walk.multi_match.value =
                    SqlFragment::raw(column(&quote(&multi_each_alias), "value"));
                result.multi_match = Some(walk.multi_match);
            }
            return Ok(result);
        }
        let mut identifier = field_column.clone();
        let mut multi_identifier = multi_column.clone();
        let mut null_fallback = NullFallback::Auto;
        if matches!(field.kind, FieldKind::Json { .. }) {
            // Top-level JSON primitives compare like their SQL equivalents (PocketBase #4068).
            null_fallback = NullFallback::Disabled;
            identifier = json_extract(&field_column, "");
            multi_identifier = json_extract(&multi_column, "");
        }
        if modifier == Some("lower") {
            identifier = format!("LOWER({identifier})");
            multi_identifier = format!("LOWER({multi_identifier})");
        }
        let mut result = Resolved {
            null_fallback,
            ..Resolved::plain(SqlFragment::raw(identifier))
        };
        if walk.with_multi_match {
            walk.multi_match.value = SqlFragment::raw(multi_identifier);
            result.multi_match = Some(walk.multi_match);
        }
        if field.name == "email" && !self.allow_hidden_fields && collection.is_auth() {
            result.after_build = Some(AfterBuild::EmailVisible {
                alias_sql: walk.alias_sql.clone(),
            });
        }
        Ok(result)
    }
}

/// Select, file and relation fields hold lists (whatever their `maxSelect`).
fn is_multi_valuer(kind: &FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Select { .. } | FieldKind::File { .. } | FieldKind::Relation { .. }
    )
}

fn has_single_column_unique_index(collection: &Collection, field_name: &str) -> bool {
    collection.indexes.iter().any(|sql| {
        parse_index(sql).is_ok_and(|index| {
            index.unique
                && index.columns.len() == 1
                && index.columns[0].name.eq_ignore_ascii_case(field_name)
                && index.where_clause.is_empty()
        })
    })
}

/// Splits `name:modifier`; only PocketBase's modifiers are accepted. A name with more
/// than one colon is returned whole (and will not match any field).
fn split_modifier(combined: &str) -> Result<(&str, Option<&str>), RuleError> {
    let parts: Vec<&str> = combined.split(':').collect();
    if parts.len() != 2 {
        return Ok((combined, None));
    }
    match parts[1] {
        "isset" | "each" | "length" | "lower" | "changed" => Ok((parts[0], Some(parts[1]))),
        _ => Err(RuleError::InvalidModifier {
            name: combined.to_string(),
            message: "unknown modifier".to_string(),
        }),
    }
}

/// A JSON path (`a.b[0].c` style) from path segments made of word characters only.
fn json_path(segments: &[&str]) -> Result<String, RuleError> {
    let mut path = String::new();
    for (index, segment) in segments.iter().enumerate() {
        if segment.is_empty()
            || !segment
                .chars()
                .all(|character| character.is_ascii_alphanumeric() || character == '_')
        {
            return Err(RuleError::InvalidExpression {
                message: format!("invalid JSON path segment {segment:?}"),
            });
        }
        if segment.chars().all(|character| character.is_ascii_digit()) {
            path.push_str(&format!("[{segment}]"));
        } else {
            if index > 0 {
                path.push('.');
            }
            path.push_str(segment);
        }
    }
    Ok(path)
}

fn number_value(literal: &str) -> Result<SqlValue, RuleError> {
    if !literal.contains('.')
        && let Ok(integer) = literal.parse::<i64>()
    {
        return Ok(SqlValue::Integer(integer));
    }
    match literal.parse::<f64>() {
        Ok(number) if number.is_finite() => Ok(SqlValue::Real(number)),
        _ => Err(RuleError::InvalidExpression {
            message: format!("invalid number {literal:?}"),
        }),
    }
}

/// `@request.<keys>`, read from the request in place. The request looks like one object
/// `{context, method, query, headers, body, auth}`, where `auth` is the auth record
/// with `collectionId` and `collectionName` (or null for a guest).
fn request_value<'v>(request: &'v RequestInfo, keys: &[&str]) -> Option<Cow<'v, Value>> {
    let (first, rest) = keys.split_first()?;
    let text = |text: &str| Cow::Owned(Value::String(text.to_string()));
    let part: Cow<'v, Value> = match *first {
        "context" => text(&request.context),
        "method" => text(&request.method),
        "query" => return map_value(&request.query, rest),
        "headers" => return map_value(&request.headers, rest),
        "body" => return map_value(&request.body, rest),
        "auth" => {
            let Some(auth) = &request.auth else {
                return rest.is_empty().then_some(Cow::Owned(Value::Null));
            };
            match rest.split_first() {
                None => {
                    let mut record = auth.record.clone();
                    record.insert(
                        "collectionId".into(),
                        Value::String(auth.collection_id.clone()),
                    );
                    record.insert(
                        "collectionName".into(),
                        Value::String(auth.collection_name.clone()),
                    );
                    return Some(Cow::Owned(Value::Object(record)));
                }
                Some((&"collectionId", more)) => {
                    return nested_owned(text(&auth.collection_id), more);
                }
                Some((&"collectionName", more)) => {
                    return nested_owned(text(&auth.collection_name), more);
                }
                Some(_) => return map_value(&auth.record, rest),
            }
        }
        _ => return None,
    };
    nested_owned(part, rest)
}

/// `keys` followed into `map` (the whole map when there are none).
fn map_value<'v>(map: &'v Map<String, Value>, keys: &[&str]) -> Option<Cow<'v, Value>> {
    match keys.split_first() {
        None => Some(Cow::Owned(Value::Object(map.clone()))),
        Some((key, rest)) => extract_nested(map.get(*key)?, rest).map(Cow::Borrowed),
    }
}

fn nested_owned<'v>(value: Cow<'v, Value>, keys: &[&str]) -> Option<Cow<'v, Value>> {
    if keys.is_empty() {
        return Some(value);
    }
    extract_nested(&value, keys).cloned().map(Cow::Owned)
}

/// Follows object keys and array indexes; `None` when any step is missing.
fn extract_nested<'v>(root: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    let mut current = root;
    for key in keys {
        current = match current {
            Value::Object(map) => map.get(*key)?,
            Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Builds `left <op> right`, with the "all items match" subqueries of multi-valued
/// operands (PocketBase's `buildResolversExpr`).
fn build_comparison(
    compiler: &mut Compiler,
    left: &Resolved,
    operator: SignOperator,
    any: bool,
    right: &Resolved,
) -> SqlFragment {
    let mut expr = match operator {
        SignOperator::Equal => resolve_equal(true, left, right),
        SignOperator::NotEqual => resolve_equal(false, left, right),
        SignOperator::Like | SignOperator::NotLike => {
            let keyword = if operator == SignOperator::Like {
                " LIKE "
            } else {
                " NOT LIKE "
            };
            let mut output = left.sql.clone();
            output.push_sql(keyword);
            if right.sql.params.is_empty() {
                output.push_sql("('%' || ");
                output.push(&right.sql);
                output.push_sql(" || '%')");
            } else {
                output.push(&SqlFragment {
                    sql: right.sql.sql.clone(),
                    params: right.sql.params.iter().map(wrap_like_param).collect(),
                });
            }
            output.push_sql(" ESCAPE '\\'");
            output
        }
        SignOperator::Less
        | SignOperator::LessOrEqual
        | SignOperator::Greater
        | SignOperator::GreaterOrEqual => {
            let mut output = left.sql.clone();
            output.push_sql(&format!(" {} ", operator.as_str()));
            output.push(&right.sql);
            output
        }
    };
    if !any {
        let all_match = match (&left.multi_match, &right.multi_match) {
            (Some(left_match), Some(right_match)) => Some(many_vs_many(
                compiler,
                left_match,
                left.null_fallback,
                right_match,
                right.null_fallback,
                operator,
            )),
            (Some(left_match), None) => Some(many_vs_one(
                compiler,
                left_match,
                left.null_fallback,
                right,
                operator,
                false,
            )),
            (None, Some(right_match)) => Some(many_vs_one(
                compiler,
                right_match,
                right.null_fallback,
                left,
                operator,
                true,
            )),
            (None, None) => None,
        };
        if let Some(all_match) = all_match {
            let mut output = SqlFragment::raw("(");
            output.push(&expr);
            output.push_sql(" AND ");
            output.push(&all_match);
            output.push_sql(")");
            expr = output;
        }
    }
    for after_build in [&left.after_build, &right.after_build]
        .into_iter()
        .flatten()
    {
        expr = apply_after_build(after_build, expr);
    }
    expr
}

fn apply_after_build(after_build: &AfterBuild, expr: SqlFragment) -> SqlFragment {
    match after_build {
        AfterBuild::Not => {
            let mut output = SqlFragment::raw("NOT (");
            output.push(&expr);
            output.push_sql(")");
            output
        }
        AfterBuild::EmailVisible { alias_sql } => {
            let mut output = SqlFragment::raw("(");
            output.push(&expr);
            output.push_sql(&format!(
                " AND {} = TRUE)",
                column(alias_sql, "emailVisibility")
            ));
            output
        }
    }
}

/// `NOT EXISTS (SELECT 1 FROM (<values>) alias WHERE NOT (<value op other>))`.
fn many_vs_one(
    compiler: &mut Compiler,
    multi_match: &MultiMatch,
    null_fallback: NullFallback,
    other: &Resolved,
    operator: SignOperator,
    inverse: bool,
) -> SqlFragment {
    let alias = compiler.next_alias("__sm");
    let value = Resolved {
        null_fallback,
        after_build: Some(AfterBuild::Not),
        ..Resolved::plain(SqlFragment::raw(column(&quote(&alias), "multiMatchValue")))
    };
    let other = Resolved::plain(other.sql.clone());
    let condition = if inverse {
        build_comparison(compiler, &other, operator, false, &value)
    } else {
        build_comparison(compiler, &value, operator, false, &other)
    };
    let mut output = SqlFragment::raw("NOT EXISTS (SELECT 1 FROM (");
    output.push(&multi_match.build());
    output.push_sql(&format!(") {} WHERE ", quote(&alias)));
    output.push(&condition);
    output.push_sql(")");
    output
}

/// `NOT EXISTS (SELECT 1 FROM (<left>) l LEFT JOIN (<right>) r WHERE NOT (<l op r>))`.
fn many_vs_many(
    compiler: &mut Compiler,
    left: &MultiMatch,
    left_null_fallback: NullFallback,
    right: &MultiMatch,
    right_null_fallback: NullFallback,
    operator: SignOperator,
) -> SqlFragment {
    let left_alias = compiler.next_alias("__ml");
    let right_alias = compiler.next_alias("__mr");
    let left_value = Resolved {
        null_fallback: left_null_fallback,
        ..Resolved::plain(SqlFragment::raw(column(
            &quote(&left_alias),
            "multiMatchValue",
        )))
    };
    let right_value = Resolved {
        null_fallback: right_null_fallback,
        after_build: Some(AfterBuild::Not),
        ..Resolved::plain(SqlFragment::raw(column(
            &quote(&right_alias),
            "multiMatchValue",
        )))
    };
    let condition = build_comparison(compiler, &left_value, operator, false, &right_value);
    let mut output = SqlFragment::raw("NOT EXISTS (SELECT 1 FROM (");
    output.push(&left.build());
    output.push_sql(&format!(") {} LEFT JOIN (", quote(&left_alias)));
    output.push(&right.build());
    output.push_sql(&format!(") {} WHERE ", quote(&right_alias)));
    output.push(&condition);
    output.push_sql(")");
    output
}

/// `=` and `!=` with PocketBase's null and empty-string normalization
/// (`resolveEqualExpr`): `a = ''` also matches NULL, `a != ''` excludes it, and two
/// columns are compared through `COALESCE`.
fn resolve_equal(equal: bool, left: &Resolved, right: &Resolved) -> SqlFragment {
    let (equal_operator, null_equal_operator, concat_operator, null_expr) = if equal {
        ("=", "IS", "OR", "IS NULL")
    } else {
        ("IS NOT", "IS NOT", "AND", "IS NOT NULL")
    };
    let join = |left_sql: &SqlFragment, operator: &str, right_sql: &SqlFragment| {
        let mut output = left_sql.clone();
        output.push_sql(&format!(" {operator} "));
        output.push(right_sql);
        output
    };
    if left.null_fallback == NullFallback::Disabled || right.null_fallback == NullFallback::Disabled
    {
        return join(&left.sql, null_equal_operator, &right.sql);
    }
    let left_empty = left.is_empty();
    let right_empty = right.is_empty();
    let empty = SqlFragment::raw("''");
    if left_empty && right_empty {
        return join(&empty, equal_operator, &empty);
    }
    if left.is_known_non_empty() || right.is_known_non_empty() {
        let left_sql = if left_empty { &empty } else { &left.sql };
        let right_sql = if right_empty { &empty } else { &right.sql };
        return join(left_sql, equal_operator, right_sql);
    }
    if left_empty || right_empty {
        let value = if left_empty { &right.sql } else { &left.sql };
        let mut output = SqlFragment::raw("(");
        if left_empty {
            output.push_sql(&format!("'' {equal_operator} "));
            output.push(value);
        } else {
            output.push(value);
            output.push_sql(&format!(" {equal_operator} ''"));
        }
        output.push_sql(&format!(" {concat_operator} "));
        output.push(value);
        output.push_sql(&format!(" {null_expr})"));
        return output;
    }
    let mut output = SqlFragment::raw("COALESCE(");
    output.push(&left.sql);
    output.push_sql(&format!(", '') {equal_operator} COALESCE("));
    output.push(&right.sql);
    output.push_sql(", '')");
    output
}

/// Wraps a `~` value in `%...%` unless it already has an unescaped `%`, escaping `\`,
/// `%` and `_` first (PocketBase's `wrapLikeParams`).
fn wrap_like_param(value: &SqlValue) -> SqlValue {
    let text = match value {
        SqlValue::Null => String::new(),
        SqlValue::Integer(integer) => integer.to_string(),
        SqlValue::Real(real) => real.to_string(),
        SqlValue::Text(text) => text.clone(),
    };
    if contains_unescaped(&text, '%') {
        return SqlValue::Text(text);
    }
    SqlValue::Text(format!("%{}%", escape_unescaped(&text, &['\\', '%', '_'])))
}

fn contains_unescaped(text: &str, wanted: char) -> bool {
    let mut previous: Option<char> = None;
    for character in text.chars() {
        if character == wanted && previous != Some('\\') {
            return true;
        }
        previous = if character == '\\' && previous == Some('\\') {
            None
        } else {
            Some(character)
        };
    }
    false
}

/// Puts a `\` before every special character that has none yet, scanning from the end
/// as PocketBase's `escapeUnescapedChars` does (but also escaping runs of specials).
fn escape_unescaped(text: &str, specials: &[char]) -> String {
    let characters: Vec<char> = text.chars().collect();
    let mut reversed: Vec<char> = Vec::with_capacity(characters.len() * 2);
    let mut pending = false;
    for &character in characters.iter().rev() {
        if pending {
            pending = false;
            if character == '\\' {
                // Already escaped: the backslash belongs to the special after it.
                reversed.push(character);
                continue;
            }
            reversed.push('\\');
        }
        if specials.contains(&character) {
            pending = true;
        }
        reversed.push(character);
    }
    if pending {
        reversed.push('\\');
    }
    reversed.into_iter().rev().collect()
}
