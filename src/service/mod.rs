//! Services: the use cases. Each method resolves the collection from the in-memory
//! schema, checks the API rule, compiles rule + filter into SQL fragments, runs the store
//! call, and shapes the result. Handlers (`api`) call exactly one service method; services
//! never see HTTP types. Start at `App` and `records.rs`.

pub mod auth;
pub mod auth_flows;
pub mod auth_mail;
pub mod batch;
pub mod browse;
pub mod cache;
pub mod collections;
pub mod events;
pub mod expand;
pub mod fields;
pub mod files;
pub mod logs;
pub mod mail;
pub mod migrations;
pub mod otp;
pub mod rate_limit;
pub mod realtime;
pub mod records;
pub mod settings;
pub mod tokens;

use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};

use crate::config::Config;
use crate::core::collection::{Collection, Schema};
use crate::core::error::FieldErrors;
use crate::core::rules::{AuthInfo, RequestInfo};
use crate::store::{Store, StoreError};

/// Errors of the use-case layer.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The collection named in the URL does not exist.
    #[error("missing collection")]
    MissingCollection,
    /// An auth route names a collection that is not an auth collection.
    #[error("missing or invalid auth collection")]
    MissingAuthCollection,
    /// An auth route names no collection at all (PocketBase answers this one from its
    /// rate-limit middleware, before the handler).
    #[error("missing or invalid collection context")]
    MissingCollectionContext,
    /// The record does not exist, or the caller may not see it.
    #[error("not found")]
    NotFound,
    /// The action needs a superuser (rule is null, or a superuser-only endpoint).
    #[error("only superusers can perform this action")]
    SuperusersOnly,
    /// The action needs an authenticated record.
    #[error("unauthorized")]
    Unauthorized,
    /// The authenticated record may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Invalid request input: a bad filter, sort, page, expand...
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Field validation failed; `message` is PocketBase's summary ("Failed to create record.").
    #[error("{message}")]
    Validation {
        message: String,
        errors: FieldErrors,
    },
    /// A rule failed to compile at request time. Logged; answered as a denial.
    #[error("rule evaluation failed: {0}")]
    RuleEval(String),
    #[error("too many requests")]
    TooManyRequests,
    /// One request of a batch failed; the whole batch was rolled back.
    #[error("batch request {index} failed: {error}")]
    BatchFailed {
        index: usize,
        error: Box<ServiceError>,
    },
    /// A mail could not be sent; the text names the failing step, never credentials.
    #[error("mail not sent: {0}")]
    Mail(String),
    /// Too many attempts at one secret (an OTP); the message says what to do.
    #[error("too many attempts: {0}")]
    TooManyAttempts(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ServiceError::NotFound,
            other => ServiceError::Store(other),
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Who is asking.
#[derive(Debug, Clone, Default)]
pub enum Auth {
    #[default]
    Guest,
    /// An authenticated auth record (a superuser when its collection is `_superusers`).
    Record {
        collection: Arc<Collection>,
        record: Map<String, Value>,
    },
}

impl Auth {
    pub fn is_superuser(&self) -> bool {
        matches!(self, Auth::Record { collection, .. } if collection.is_superusers())
    }

    pub fn collection_id(&self) -> Option<&str> {
        match self {
            Auth::Guest => None,
            Auth::Record { collection, .. } => Some(&collection.id),
        }
    }

    pub fn record_id(&self) -> Option<&str> {
        match self {
            Auth::Guest => None,
            Auth::Record { record, .. } => record.get("id").and_then(Value::as_str),
        }
    }

    /// The capability to call superuser-only service methods.
    pub fn require_superuser(&self) -> ServiceResult<Superuser<'_>> {
        match self {
            Auth::Guest => Err(ServiceError::Unauthorized),
            _ if self.is_superuser() => Ok(Superuser { _auth: self }),
            _ => Err(ServiceError::Forbidden(
                "The authorized record is not allowed to perform this action.".into(),
            )),
        }
    }

    /// The auth part of a rule's `@request.*` context.
    pub fn to_rule_info(&self) -> Option<AuthInfo> {
        match self {
            Auth::Guest => None,
            Auth::Record { collection, record } => Some(AuthInfo {
                collection_id: collection.id.clone(),
                collection_name: collection.name.clone(),
                record: record.clone(),
            }),
        }
    }
}

/// Proof that the caller is a superuser; only `Auth::require_superuser` makes one.
pub struct Superuser<'a> {
    _auth: &'a Auth,
}

/// What a request carries besides its body, for rules (`@request.*`).
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub auth: Auth,
    pub method: String,
    pub query: Map<String, Value>,
    pub headers: Map<String, Value>,
}

impl RequestContext {
    pub fn rule_info(&self, body: Map<String, Value>) -> RequestInfo {
        RequestInfo {
            auth: self.auth.to_rule_info(),
            method: self.method.clone(),
            context: "default".into(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            body,
        }
    }
}

/// The running application: configuration, storage, the schema and settings caches.
pub struct App {
    pub config: Config,
    pub store: Store,
    schema: RwLock<Arc<Schema>>,
    /// Serializes schema changes, so two never race on the same snapshot.
    schema_change: tokio::sync::Mutex<()>,
    /// Committed record changes, for realtime and every other subscriber.
    pub events: Arc<events::EventBus>,
    /// Resolved tokens and list totals, valid while the data they came from is unchanged.
    pub(crate) caches: cache::Caches,
    /// The settings snapshot, swapped after each change.
    settings: RwLock<Arc<settings::Settings>>,
    /// Serializes settings changes.
    settings_change: tokio::sync::Mutex<()>,
    rate_limiter: rate_limit::RateLimiter,
    /// The request log's queue; its thread writes `_logs` in `aux.db`.
    request_logs: logs::RequestLogger,
}

impl App {
    /// Opens the data dir, creates the bootstrap collections on a new one, applies
    /// pending migration files and loads the schema.
    pub fn open(config: Config) -> anyhow::Result<Arc<App>> {
        let store = Store::open(&config.data_dir, config.readers)?;
        migrations::bootstrap(&store)?;
        migrations::apply_pending(&store, &config.data_dir)?;
        let collections = store.read_sync(crate::store::schema::load_collections)?;
        let settings = settings::load(&store)?;
        let request_logs = logs::RequestLogger::start(store.logs.writer()?, &settings.logs)?;
        Ok(Arc::new(App {
            config,
            store,
            schema: RwLock::new(Arc::new(Schema::new(collections))),
            schema_change: tokio::sync::Mutex::new(()),
            events: Arc::new(events::EventBus::default()),
            caches: cache::Caches::default(),
            settings: RwLock::new(Arc::new(settings)),
            settings_change: tokio::sync::Mutex::new(()),
            rate_limiter: rate_limit::RateLimiter::default(),
            request_logs,
        }))
    }

    /// The current schema snapshot. Cheap: an `Arc` clone.
    pub fn schema(&self) -> Arc<Schema> {
        match self.schema.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_schema(&self, schema: Schema) {
        let mut guard = match self.schema.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Arc::new(schema);
    }

    /// The collection of this id or name, or `MissingCollection`.
    pub fn collection(&self, id_or_name: &str) -> ServiceResult<Arc<Collection>> {
        self.schema()
            .by_id_or_name(id_or_name)
            .cloned()
            .ok_or(ServiceError::MissingCollection)
    }
}
