//! `StoreError`, and the one place where SQLite error codes get a meaning.

use rusqlite::ErrorCode as SqliteCode;

/// Which constraint a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    Unique,
    ForeignKey,
    NotNull,
    Check,
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("constraint failed: {kind:?}: {message}")]
    Constraint {
        kind: ConstraintKind,
        message: String,
    },
    #[error("database is busy")]
    Busy,
    #[error("sqlite: {0}")]
    Sqlite(rusqlite::Error),
    #[error("connection pool: {0}")]
    Pool(r2d2::Error),
    #[error("io: {0}")]
    Io(std::io::Error),
    #[error("{0}")]
    Other(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(failure, message) = &error {
            let message = message.clone().unwrap_or_default();
            match failure.code {
                SqliteCode::ConstraintViolation => {
                    let kind = match failure.extended_code {
                        rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => ConstraintKind::Unique,
                        rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ConstraintKind::ForeignKey,
                        rusqlite::ffi::SQLITE_CONSTRAINT_NOTNULL => ConstraintKind::NotNull,
                        rusqlite::ffi::SQLITE_CONSTRAINT_CHECK => ConstraintKind::Check,
                        _ => ConstraintKind::Other,
                    };
                    return StoreError::Constraint { kind, message };
                }
                SqliteCode::DatabaseBusy | SqliteCode::DatabaseLocked => return StoreError::Busy,
                _ => {}
            }
        }
        if matches!(error, rusqlite::Error::QueryReturnedNoRows) {
            return StoreError::NotFound;
        }
        StoreError::Sqlite(error)
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(error: r2d2::Error) -> Self {
        StoreError::Pool(error)
    }
}

impl From<std::io::Error> for StoreError {
    fn from(error: std::io::Error) -> Self {
        StoreError::Io(error)
    }
}

impl StoreError {
    /// The columns named in a UNIQUE failure message (`UNIQUE constraint failed: t.a, t.b`).
    pub fn unique_columns(&self) -> Vec<String> {
        match self {
            StoreError::Constraint {
                kind: ConstraintKind::Unique,
                message,
            } => message
                .rsplit(':')
                .next()
                .unwrap_or("")
                .split(',')
                .filter_map(|part| part.trim().rsplit('.').next().map(str::to_string))
                .filter(|name| !name.is_empty())
                .collect(),
            _ => vec![],
        }
    }
}
