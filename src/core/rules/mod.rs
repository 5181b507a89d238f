//! Rules: turns PocketBase-style API rules and `?filter=` / `?sort=` strings into SQL.
//! Pure and synchronous; knows nothing about HTTP or connections. Output is always a
//! `SqlFragment` whose user values are bound parameters. Start at `compile_filter()`.
//!
//! The pipeline is `lexer` (text to tokens) -> `parser` (tokens to `Expr`) -> `compile`
//! (field paths resolved against the `Schema`, then SQL built the way PocketBase's
//! `tools/search` and `core/record_field_resolver*` build it). Where PocketBase adds
//! `LEFT JOIN`s and `DISTINCT` to the outer query, we return one boolean expression:
//! the joins go into an `EXISTS (SELECT 1 FROM ... LEFT JOIN ... WHERE <filter>)`
//! correlated with the outer table, which keeps PocketBase's semantics (conditions on
//! the same relation or `@collection` alias see the same joined row).

mod compile;
mod error;
mod lexer;
mod macros;
mod parser;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::core::collection::{Collection, Schema};

pub use compile::{MAX_JOINS, MAX_NESTED_RELATIONS, MAX_SORT_FIELD_LENGTH, MAX_SORT_FIELDS};
pub use error::RuleError;
pub use lexer::SignOperator;
pub use parser::{
    Expr, MAX_EXPRESSIONS, MAX_FILTER_LENGTH, MAX_FUNCTION_ARGUMENTS, MAX_NESTING_DEPTH, Operand,
    parse_filter,
};

/// A value bound to a `?` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

/// A piece of SQL and the values of its `?` placeholders, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SqlFragment {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

impl SqlFragment {
    /// SQL text without parameters. Only for text the compiler itself wrote.
    pub(crate) fn raw(sql: impl Into<String>) -> SqlFragment {
        SqlFragment {
            sql: sql.into(),
            params: Vec::new(),
        }
    }

    /// One `?` bound to `value`.
    pub(crate) fn param(value: SqlValue) -> SqlFragment {
        SqlFragment {
            sql: "?".to_string(),
            params: vec![value],
        }
    }

    pub(crate) fn push_sql(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    pub(crate) fn push(&mut self, other: &SqlFragment) {
        self.sql.push_str(&other.sql);
        self.params.extend(other.params.iter().cloned());
    }
}

/// The authenticated record of a request, as rules see it through `@request.auth.*`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthInfo {
    pub collection_id: String,
    pub collection_name: String,
    /// Every field of the auth record (hidden ones included), with `id`.
    pub record: Map<String, Value>,
}

/// What rules can read of the current request (`@request.*`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestInfo {
    pub auth: Option<AuthInfo>,
    pub method: String,
    /// `default`, `oauth2`, `otp`, `password`, `realtime`, `protectedFile`...
    pub context: String,
    pub query: Map<String, Value>,
    /// Header names lowercased with `-` replaced by `_` (as PocketBase exposes them).
    pub headers: Map<String, Value>,
    pub body: Map<String, Value>,
}

/// Everything a filter, sort or rule is compiled against.
#[derive(Debug, Clone, Copy)]
pub struct CompileContext<'a> {
    /// The collection whose records are filtered.
    pub collection: &'a Collection,
    /// Every collection, to follow relations and `@collection.*`.
    pub schema: &'a Schema,
    pub request: &'a RequestInfo,
    /// The name or alias of the collection's table in the outer query. A plain name
    /// (`posts`) is validated and quoted; text that starts with `"`, `` ` `` or `[` is
    /// taken as already quoted and used verbatim (it must come from code, never users).
    pub table_alias: &'a str,
    /// Superusers (and API rules, which admins wrote) may use hidden fields and reach
    /// collections whose list rule is superusers-only; everyone else gets an error, and
    /// the list rule of every other collection their filter reaches is applied.
    pub allow_hidden_fields: bool,
    /// The instant date macros (`@now`, `@todayStart`...) use; `None` means now.
    pub now: Option<DateTime<Utc>>,
}

impl<'a> CompileContext<'a> {
    /// A context for a client filter (hidden fields not allowed), evaluated now.
    pub fn new(
        collection: &'a Collection,
        schema: &'a Schema,
        request: &'a RequestInfo,
        table_alias: &'a str,
    ) -> CompileContext<'a> {
        CompileContext {
            collection,
            schema,
            request,
            table_alias,
            allow_hidden_fields: false,
            now: None,
        }
    }
}

/// Compiles a filter or rule into a boolean SQL expression for a `WHERE` clause.
/// A blank filter compiles to `1=1`.
pub fn compile_filter(filter: &str, ctx: &CompileContext) -> Result<SqlFragment, RuleError> {
    compile::compile_filter(filter, ctx)
}

/// Compiles a `?sort=` string (`-created,title,author.name,@random`) into an `ORDER BY`
/// list without the keyword. A blank sort compiles to an empty fragment.
pub fn compile_sort(sort: &str, ctx: &CompileContext) -> Result<SqlFragment, RuleError> {
    compile::compile_sort(sort, ctx)
}

/// Checks that a rule parses and that every identifier in it resolves, as PocketBase
/// does when a collection is saved: against an empty request (so `@request.auth.*`
/// resolves to `NULL`) and with hidden fields allowed, whatever `ctx` says about those.
/// `ctx.collection` should be the collection as it will be saved. The empty rule
/// (anyone) is valid.
pub fn check_rule(rule: &str, ctx: &CompileContext) -> Result<(), RuleError> {
    if rule.trim().is_empty() {
        return Ok(());
    }
    let empty_request = RequestInfo::default();
    let check_ctx = CompileContext {
        request: &empty_request,
        allow_hidden_fields: true,
        ..*ctx
    };
    compile::compile_filter(rule, &check_ctx).map(|_| ())
}
