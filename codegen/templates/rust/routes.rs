use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use lifebase::api::error::ApiError;
use lifebase::api::request::Ctx;
use lifebase::service::records::{ListParams as ServiceListParams, ShapeParams};
use lifebase::service::{App, RequestContext};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::client::{Collection, ListPage, ListParams, ViewParams, WritableCollection};

/// Typed, in-process access to the records of collection `C` for a project's own actix
/// routes: an extractor (`records: Records<Posts>` as a handler argument) that carries
/// the caller's identity, so lifebase's services apply the collection's API rules exactly
/// as for `/api/collections/{collection}/records`. Errors are lifebase's `ApiError`
/// (PocketBase's `{status, message, data}`), ready to return from a handler.
///
/// Needs the app registered with `lifebase::server::configure` and the
/// `lifebase::api::request::load_auth` middleware, as `lifebase serve` does.
pub struct Records<C> {
    app: web::Data<App>,
    ctx: Arc<RequestContext>,
    collection: PhantomData<C>,
}

impl<C> Records<C> {
    /// The caller's identity and request details, as lifebase's rules see them.
    pub fn context(&self) -> &RequestContext {
        &self.ctx
    }
}

impl<C: Collection> FromRequest for Records<C> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Records<C>, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let app = web::Data::<App>::from_request(req, payload);
        let ctx = Ctx::from_request(req, payload);
        Box::pin(async move {
            Ok(Records {
                app: app.await?,
                ctx: ctx.await?.0,
                collection: PhantomData,
            })
        })
    }
}

impl<C: Collection> Records<C> {
    /// Lists records as `GET /api/collections/{collection}/records` would.
    pub async fn list(&self, params: &ListParams) -> Result<ListPage<C::View>, ApiError> {
        let params = ServiceListParams {
            page: params.page.map(i64::from).unwrap_or_default(),
            per_page: params.per_page.map(i64::from).unwrap_or_default(),
            sort: params.sort.clone().unwrap_or_default(),
            filter: params.filter.clone().unwrap_or_default(),
            skip_total: params.skip_total,
            expand: params.expand.clone().unwrap_or_default(),
            fields: params.fields.clone().unwrap_or_default(),
        };
        decode(self.app.list_records(&self.ctx, C::NAME, params).await?)
    }

    /// Reads one record as `GET /api/collections/{collection}/records/{id}` would.
    pub async fn view(&self, id: &C::Id, params: &ViewParams) -> Result<C::View, ApiError> {
        let record = self
            .app
            .view_record(&self.ctx, C::NAME, id.as_ref(), shape(params))
            .await?;
        decode(record)
    }
}

impl<C: WritableCollection> Records<C> {
    /// Creates a record as `POST /api/collections/{collection}/records` would (no uploads).
    pub async fn create(
        &self,
        record: &C::Create,
        params: &ViewParams,
    ) -> Result<C::View, ApiError> {
        let body = encode(record)?;
        let record = self
            .app
            .create_record(&self.ctx, C::NAME, body, vec![], shape(params))
            .await?;
        decode(record)
    }

    /// Updates a record as `PATCH /api/collections/{collection}/records/{id}` would.
    pub async fn update(
        &self,
        id: &C::Id,
        record: &C::Update,
        params: &ViewParams,
    ) -> Result<C::View, ApiError> {
        let body = encode(record)?;
        let record = self
            .app
            .update_record(&self.ctx, C::NAME, id.as_ref(), body, vec![], shape(params))
            .await?;
        decode(record)
    }

    /// Deletes a record as `DELETE /api/collections/{collection}/records/{id}` would.
    pub async fn delete(&self, id: &C::Id) -> Result<(), ApiError> {
        Ok(self
            .app
            .delete_record(&self.ctx, C::NAME, id.as_ref())
            .await?)
    }
}

fn shape(params: &ViewParams) -> ShapeParams {
    ShapeParams {
        expand: params.expand.clone().unwrap_or_default(),
        fields: params.fields.clone().unwrap_or_default(),
    }
}

fn encode<T: Serialize>(record: &T) -> Result<Map<String, Value>, ApiError> {
    match serde_json::to_value(record) {
        Ok(Value::Object(body)) => Ok(body),
        _ => Err(ApiError::bad_request("The body is not a JSON object.")),
    }
}

/// A record or page as its generated type; a mismatch means the generated code is older
/// than the schema.
fn decode<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|error| {
        ApiError::new(
            500,
            format!("The record does not match its generated type ({error}); regenerate the code."),
        )
    })
}
