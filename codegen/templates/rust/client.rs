use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde::ser::Serialize;
use serde_json::{Map, Value};

use super::types;

/// A collection the client can read: its name and record types.
pub trait Collection {
    /// The collection's name, as in its URLs.
    const NAME: &'static str;
    /// The record id type.
    type Id: AsRef<str>;
    /// A record as the API returns it.
    type View: DeserializeOwned + Send + 'static;
}

/// A collection that takes creates, updates and deletes (not a view collection).
pub trait WritableCollection: Collection {
    /// The body of a create.
    type Create: Serialize;
    /// The body of an update (only the fields set are sent).
    type Update: Serialize;
}

/// An auth collection.
pub trait AuthCollection: WritableCollection {}

/// PocketBase's error answer: `{"status", "message", "data"}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// A human readable message.
    pub message: String,
    /// Field errors (`{"title": {"code": "validation_required", "message": "..."}}`).
    #[serde(default)]
    pub data: Map<String, Value>,
}

/// One entry of `ApiError::data`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FieldError {
    /// A stable code such as `validation_required`.
    pub code: String,
    /// A human readable message.
    pub message: String,
}

impl ApiError {
    /// The error of one field, if the answer names it.
    pub fn field(&self, name: &str) -> Option<FieldError> {
        FieldError::deserialize(self.data.get(name)?).ok()
    }
}

/// Why a call failed.
#[derive(Debug)]
pub enum Error {
    /// The server answered with an error (status >= 400).
    Api(ApiError),
    /// The request did not complete (connection, timeout, TLS...).
    Transport(String),
    /// The answer was not the JSON the schema promises.
    Decode {
        status: u16,
        message: String,
        body: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(error) => write!(f, "{} {}", error.status, error.message),
            Error::Transport(message) => write!(f, "transport error: {message}"),
            Error::Decode {
                status, message, ..
            } => write!(f, "cannot decode the {status} answer: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// The query parameters of a list (`?page=&perPage=&sort=&filter=&expand=&fields=&skipTotal=`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListParams {
    pub page: Option<u32>,
    pub per_page: Option<u32>,
    pub sort: Option<String>,
    pub filter: Option<String>,
    pub expand: Option<String>,
    pub fields: Option<String>,
    pub skip_total: bool,
}

impl ListParams {
    /// The page to read (from 1).
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Records per page (PocketBase serves at most 1000).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }

    /// A sort such as `-created,title`.
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort = Some(sort.into());
        self
    }

    /// A filter in PocketBase's language; quote values with `quote`.
    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// Relations to expand, such as `author,tags`.
    pub fn expand(mut self, expand: impl Into<String>) -> Self {
        self.expand = Some(expand.into());
        self
    }

    /// The keys to return, such as `id,title`.
    pub fn fields(mut self, fields: impl Into<String>) -> Self {
        self.fields = Some(fields.into());
        self
    }

    /// Skips counting `totalItems` and `totalPages` (both are then -1).
    pub fn skip_total(mut self) -> Self {
        self.skip_total = true;
        self
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![];
        if let Some(page) = self.page {
            query.push(("page", page.to_string()));
        }
        if let Some(per_page) = self.per_page {
            query.push(("perPage", per_page.to_string()));
        }
        for (key, value) in [
            ("sort", &self.sort),
            ("filter", &self.filter),
            ("expand", &self.expand),
            ("fields", &self.fields),
        ] {
            if let Some(value) = value {
                query.push((key, value.clone()));
            }
        }
        if self.skip_total {
            query.push(("skipTotal", "true".into()));
        }
        query
    }
}

/// The query parameters that shape one record (`?expand=&fields=`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewParams {
    pub expand: Option<String>,
    pub fields: Option<String>,
}

impl ViewParams {
    /// Relations to expand, such as `author,tags`.
    pub fn expand(mut self, expand: impl Into<String>) -> Self {
        self.expand = Some(expand.into());
        self
    }

    /// The keys to return, such as `id,title`.
    pub fn fields(mut self, fields: impl Into<String>) -> Self {
        self.fields = Some(fields.into());
        self
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![];
        for (key, value) in [("expand", &self.expand), ("fields", &self.fields)] {
            if let Some(value) = value {
                query.push((key, value.clone()));
            }
        }
        query
    }
}

/// A value as a string literal of PocketBase's filter language (`"a \"b\""`), so user
/// text can be put into a filter without changing its meaning.
pub fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage<T> {
    pub page: i64,
    pub per_page: i64,
    /// -1 with `skip_total`.
    pub total_items: i64,
    /// -1 with `skip_total`.
    pub total_pages: i64,
    pub items: Vec<T>,
}

/// The answer of a successful authentication.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuthResponse<T> {
    /// The token to send as `Authorization` (see `Client::with_token`).
    pub token: String,
    pub record: T,
    /// Anything else the server adds (`meta` for OAuth2).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// A typed client of a lifebase (or PocketBase) server.
///
/// Every call is an `async fn` that runs the blocking `ureq` request on tokio's blocking
/// pool, so it needs a tokio runtime and does not stall the caller's executor.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    base_url: String,
    token: Option<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "..."))
            .finish()
    }
}

#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Client {
    /// A client of the server at `base_url` (such as `http://127.0.0.1:8090`), with a 30 s
    /// timeout per request.
    pub fn new(base_url: impl Into<String>) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Client::with_agent(base_url, agent)
    }

    /// A client that sends its requests through `agent`, which must be configured with
    /// `http_status_as_error(false)` so error answers can be read.
    pub fn with_agent(base_url: impl Into<String>, agent: ureq::Agent) -> Client {
        Client {
            agent,
            base_url: base_url.into().trim_end_matches('/').to_string(),
            token: None,
        }
    }

    /// The same client, sending `token` as `Authorization`.
    pub fn with_token(&self, token: impl Into<String>) -> Client {
        Client {
            token: Some(token.into()),
            ..self.clone()
        }
    }

    /// The token sent as `Authorization`, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The records of collection `C`.
    pub fn records<C: Collection>(&self) -> Records<'_, C> {
        Records {
            client: self,
            collection: std::marker::PhantomData,
        }
    }

    async fn send<T: DeserializeOwned + Send + 'static>(
        &self,
        method: Method,
        path: String,
        query: Vec<(&'static str, String)>,
        body: Option<Value>,
    ) -> Result<T, Error> {
        let agent = self.agent.clone();
        let url = format!("{}{path}", self.base_url);
        let token = self.token.clone();
        let answer = tokio::task::spawn_blocking(move || {
            call(
                &agent,
                method,
                &url,
                &query,
                token.as_deref(),
                body.as_ref(),
            )
        })
        .await
        .map_err(|error| Error::Transport(error.to_string()))??;
        decode(answer)
    }
}

/// Runs one request and reads the whole answer.
fn call(
    agent: &ureq::Agent,
    method: Method,
    url: &str,
    query: &[(&'static str, String)],
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, String), Error> {
    fn prepare<B>(
        mut request: ureq::RequestBuilder<B>,
        query: &[(&'static str, String)],
        token: Option<&str>,
    ) -> ureq::RequestBuilder<B> {
        for (key, value) in query {
            request = request.query(key, value);
        }
        if let Some(token) = token {
            request = request.header("Authorization", token);
        }
        request
    }
    let empty = Value::Object(Map::new());
    let body = body.unwrap_or(&empty);
    let response = match method {
        Method::Get => prepare(agent.get(url), query, token).call(),
        Method::Delete => prepare(agent.delete(url), query, token).call(),
        Method::Post => prepare(agent.post(url), query, token).send_json(body),
        Method::Patch => prepare(agent.patch(url), query, token).send_json(body),
    };
    let mut response = response.map_err(|error| Error::Transport(error.to_string()))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|error| Error::Transport(error.to_string()))?;
    Ok((status, text))
}

/// The answer as a `T`, or as PocketBase's error.
fn decode<T: DeserializeOwned>((status, text): (u16, String)) -> Result<T, Error> {
    let decode_error = |message: String, body: &str| Error::Decode {
        status,
        message,
        body: body.to_string(),
    };
    if status >= 400 {
        return match serde_json::from_str::<ApiError>(&text) {
            Ok(error) => Err(Error::Api(error)),
            Err(error) => Err(decode_error(error.to_string(), &text)),
        };
    }
    // A 204 has no body; `()` reads it from `null`.
    let text = if text.is_empty() { "null" } else { &text };
    serde_json::from_str(text).map_err(|error| decode_error(error.to_string(), text))
}

/// The record operations of one collection (`client.records::<Posts>()`).
#[derive(Debug, Clone, Copy)]
pub struct Records<'a, C> {
    client: &'a Client,
    collection: std::marker::PhantomData<C>,
}

impl<C: Collection> Records<'_, C> {
    fn path(suffix: &str) -> String {
        format!("/api/collections/{}/{suffix}", C::NAME)
    }

    /// `GET /api/collections/{collection}/records`
    pub async fn list(&self, params: &ListParams) -> Result<ListPage<C::View>, Error> {
        let path = Self::path("records");
        self.client
            .send(Method::Get, path, params.query(), None)
            .await
    }

    /// `GET /api/collections/{collection}/records/{id}`
    pub async fn view(&self, id: &C::Id, params: &ViewParams) -> Result<C::View, Error> {
        let path = Self::path(&format!("records/{}", id.as_ref()));
        self.client
            .send(Method::Get, path, params.query(), None)
            .await
    }
}

impl<C: WritableCollection> Records<'_, C> {
    /// `POST /api/collections/{collection}/records` (JSON; file uploads are not supported).
    pub async fn create(&self, record: &C::Create, params: &ViewParams) -> Result<C::View, Error> {
        let body = to_body(record)?;
        let path = Self::path("records");
        self.client
            .send(Method::Post, path, params.query(), Some(body))
            .await
    }

    /// `PATCH /api/collections/{collection}/records/{id}`
    pub async fn update(
        &self,
        id: &C::Id,
        record: &C::Update,
        params: &ViewParams,
    ) -> Result<C::View, Error> {
        let body = to_body(record)?;
        let path = Self::path(&format!("records/{}", id.as_ref()));
        self.client
            .send(Method::Patch, path, params.query(), Some(body))
            .await
    }

    /// `DELETE /api/collections/{collection}/records/{id}`
    pub async fn delete(&self, id: &C::Id) -> Result<(), Error> {
        let path = Self::path(&format!("records/{}", id.as_ref()));
        self.client.send(Method::Delete, path, vec![], None).await
    }
}

impl<C: AuthCollection> Records<'_, C> {
    /// `POST /api/collections/{collection}/auth-with-password`
    pub async fn auth_with_password(
        &self,
        identity: &str,
        password: &str,
    ) -> Result<AuthResponse<C::View>, Error> {
        let body = serde_json::json!({"identity": identity, "password": password});
        let path = Self::path("auth-with-password");
        self.client
            .send(Method::Post, path, vec![], Some(body))
            .await
    }

    /// `POST /api/collections/{collection}/auth-refresh` with the client's token.
    pub async fn auth_refresh(&self) -> Result<AuthResponse<C::View>, Error> {
        let path = Self::path("auth-refresh");
        self.client.send(Method::Post, path, vec![], None).await
    }
}

fn to_body<T: Serialize>(record: &T) -> Result<Value, Error> {
    serde_json::to_value(record).map_err(|error| Error::Decode {
        status: 0,
        message: error.to_string(),
        body: String::new(),
    })
}
