//! Realtime handlers: `GET /api/realtime` (the SSE stream) and `POST /api/realtime`
//! (set a client's subscriptions).

use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use futures_util::stream;
use serde_json::{Value, json};

use super::error::{ApiError, SOMETHING_WENT_WRONG};
use super::request::{Ctx, json_object, read_body};
use crate::core::error::{ErrorCode, FieldErrors};
use crate::realtime::{
    Broker, IDLE_TIMEOUT, SubscribeError, TopicError, parse_subscriptions, sse_message,
};

/// `GET /api/realtime`
pub async fn connect(broker: web::Data<Broker>) -> Result<HttpResponse, ApiError> {
    let broker = broker.into_inner();
    let (registration, receiver) = broker
        .connect()
        .ok_or_else(|| ApiError::new(503, "Too many realtime connections."))?;
    let client_id = registration.client_id.clone();
    let first = sse_message(
        &client_id,
        "PB_CONNECT",
        &json!({"clientId": client_id}).to_string(),
    );
    // The registration lives as long as the stream: dropping either (client gone, idle
    // timeout, queue closed) removes the client from the broker.
    let events = stream::unfold(
        (receiver, registration),
        |(mut receiver, registration)| async move {
            match tokio::time::timeout(IDLE_TIMEOUT, receiver.recv()).await {
                Ok(Some(message)) => {
                    Some((Ok::<_, actix_web::Error>(message), (receiver, registration)))
                }
                _ => None,
            }
        },
    );
    let body = stream::once(async move { Ok::<_, actix_web::Error>(first) }).chain(events);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

fn invalid(errors: FieldErrors) -> ApiError {
    ApiError::bad_request(SOMETHING_WENT_WRONG).with_data(errors.to_json())
}

/// `POST /api/realtime`
pub async fn set_subscriptions(
    broker: web::Data<Broker>,
    Ctx(ctx): Ctx,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, 4 * 1024 * 1024).await?;
    let input = json_object(&body)?;
    let client_id = input
        .get("clientId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string();
    let topics: Vec<String> = match input.get("subscriptions") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_string))
            .collect(),
        Some(_) => {
            let mut errors = FieldErrors::new();
            errors.add(
                "subscriptions",
                ErrorCode::InvalidValue,
                "Must be a list of topics.",
            );
            return Err(invalid(errors));
        }
    };
    let mut errors = FieldErrors::new();
    if client_id.is_empty() {
        errors.add("clientId", ErrorCode::Required, "Cannot be blank.");
    }
    let subscriptions = match parse_subscriptions(&topics) {
        Ok(subscriptions) => subscriptions,
        Err(TopicError::TooMany) => {
            errors.add(
                "subscriptions",
                ErrorCode::MaxText,
                "The length must be between 0 and 1000.",
            );
            vec![]
        }
        Err(TopicError::TooLong(position)) => {
            errors.nest_error(
                "subscriptions",
                position.to_string(),
                ErrorCode::MaxText,
                "The length must be between 0 and 2500.",
            );
            vec![]
        }
    };
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    match broker.subscribe(&client_id, ctx.auth.clone(), subscriptions) {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(SubscribeError::UnknownClient) => {
            Err(ApiError::new(404, "Missing or invalid client id."))
        }
        Err(SubscribeError::AuthMismatch) => Err(ApiError::new(
            403,
            "The current and the previous request authorization don't match.",
        )),
    }
}
