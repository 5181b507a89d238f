//! `ApiError`: PocketBase's error shape `{status, message, data}`, and the one place where
//! service errors become HTTP statuses.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::service::ServiceError;

pub const SOMETHING_WENT_WRONG: &str = "Something went wrong while processing your request.";
pub const NOT_FOUND: &str = "The requested resource wasn't found.";

/// An error answer, serialized exactly as PocketBase does.
#[derive(Debug, Serialize)]
pub struct ApiError {
    pub data: Box<Value>,
    pub message: String,
    pub status: u16,
    /// The internal cause, logged, never sent.
    #[serde(skip)]
    pub cause: Option<Box<str>>,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            data: Box::new(Value::Object(Map::new())),
            message: message.into(),
            status,
            cause: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, message)
    }

    pub fn not_found() -> ApiError {
        ApiError::new(404, NOT_FOUND)
    }

    pub fn with_data(mut self, data: Value) -> ApiError {
        self.data = Box::new(data);
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.cause {
            tracing::error!(status = self.status, %cause, "request failed");
        }
        HttpResponse::build(self.status_code()).json(self)
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::MissingCollection => ApiError::new(404, "Missing collection context."),
            ServiceError::MissingAuthCollection => {
                ApiError::new(404, "Missing or invalid auth collection context.")
            }
            ServiceError::MissingCollectionContext => {
                ApiError::new(404, "Missing or invalid collection context.")
            }
            ServiceError::NotFound => ApiError::not_found(),
            ServiceError::SuperusersOnly => {
                ApiError::new(403, "Only superusers can perform this action.")
            }
            ServiceError::Unauthorized => ApiError::new(
                401,
                "The request requires valid record authorization token.",
            ),
            ServiceError::Forbidden(message) => ApiError::new(403, message),
            ServiceError::BadRequest(message) => ApiError::bad_request(message),
            ServiceError::Validation { message, errors } => {
                ApiError::bad_request(message).with_data(errors.to_json())
            }
            ServiceError::TooManyRequests => ApiError::new(429, "Too Many Requests."),
            ServiceError::BatchFailed { index, error } => {
                let inner = ApiError::from(*error);
                let response = serde_json::to_value(&inner).unwrap_or(Value::Null);
                let mut failed = ApiError::bad_request("Batch transaction failed.").with_data(
                    serde_json::json!({"requests": {index.to_string(): {
                        "code": "batch_request_failed",
                        "message": "Batch request failed.",
                        "response": response,
                    }}}),
                );
                failed.cause = inner.cause;
                failed
            }
            ServiceError::Mail(cause) => {
                let mut error = ApiError::bad_request("Failed to send the email.");
                error.cause = Some(cause.into());
                error
            }
            ServiceError::TooManyAttempts(message) => ApiError::new(429, message),
            ServiceError::RuleEval(cause) => {
                let mut error = ApiError::bad_request(SOMETHING_WENT_WRONG);
                error.cause = Some(cause.into());
                error
            }
            ServiceError::Store(cause) => {
                let mut error = ApiError::new(500, SOMETHING_WENT_WRONG);
                if cfg!(debug_assertions) {
                    error.data = Box::new(serde_json::json!({"debug": cause.to_string()}));
                }
                error.cause = Some(format!("{cause:?}").into());
                error
            }
        }
    }
}
