//! `RuleError`: why a filter, sort or rule could not be parsed or compiled.

/// Why a filter, sort or rule was rejected. The message is safe to show to the author
/// of the expression (it never contains SQL).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    /// The text does not follow the grammar.
    #[error("invalid filter at position {position}: expected {expected}, found {found}")]
    Syntax {
        position: usize,
        expected: String,
        found: String,
    },
    #[error("the filter is longer than {limit} characters")]
    TooLong { limit: usize },
    #[error("the filter nests parentheses deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("the filter has more than {limit} expressions")]
    TooManyExpressions { limit: usize },
    /// A field path names no field (or a malformed `@` identifier).
    #[error("unknown field {name:?}")]
    UnknownField { name: String },
    /// `@collection.<name>` or a relation target that the schema does not have.
    #[error("unknown collection {name:?}")]
    UnknownCollection { name: String },
    /// A hidden field used by someone who is not a superuser.
    #[error("Only superusers can filter by {name:?}")]
    HiddenField { name: String },
    /// A collection whose list rule is superusers-only, reached by someone who is not.
    #[error("Only superusers can filter by fields of the {collection:?} collection")]
    ForbiddenCollection { collection: String },
    /// A path that reaches through too many relations, or needs too many joins.
    #[error("{message}")]
    TooManyJoins { message: String },
    /// An unknown or misplaced `:modifier`.
    #[error("invalid modifier in {name:?}: {message}")]
    InvalidModifier { name: String, message: String },
    /// Anything else that parses but cannot mean something (a non-relation used as a
    /// relation, wrong function arguments...).
    #[error("{message}")]
    InvalidExpression { message: String },
    /// A sort item that is empty or does not name a sortable value.
    #[error("invalid sort field {name:?}")]
    InvalidSort { name: String },
}
