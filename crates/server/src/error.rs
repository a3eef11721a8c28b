//! The one error type of the HTTP layer, rendered in FAPI's error shape.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onetime_protocol::{self as p, codes};

/// A client-visible API error (status + FAPI error), optionally with the current client.
#[derive(Debug)]
pub struct ApiFailure {
    /// HTTP status.
    pub status: StatusCode,
    /// The error.
    pub error: p::ApiError,
    /// `Retry-After` seconds (429).
    pub retry_after: Option<u64>,
    /// The current client, sent as top-level `meta.client` (clerk-js replaces its state with it).
    pub client: Option<Box<p::Client>>,
}

/// Every error a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A FAPI error for the client.
    #[error("{}: {}", .0.error.code, .0.error.message)]
    Api(Box<ApiFailure>),
    /// A row the request read was changed by another request before this one wrote it.
    /// [`crate::routes::retrying`] starts the request over; one that still loses after many
    /// rounds answers 429 with `Retry-After: 1`.
    #[error("a row changed since it was read")]
    Stale,
    /// An unexpected failure: logged, rendered as a bare 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Handler result.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match e {
            StoreError::Stale => Self::Stale,
            StoreError::SendBudgetSpent { retry_after_secs } => {
                Self::too_many_requests(retry_after_secs)
            }
            other => Self::Internal(other.into()),
        }
    }
}

impl AppError {
    /// A FAPI error.
    pub fn api(status: StatusCode, code: &str, message: &str, long: impl Into<String>) -> Self {
        Self::Api(Box::new(ApiFailure {
            status,
            error: p::ApiError {
                code: code.into(),
                message: message.into(),
                long_message: Some(long.into()),
                meta: p::ErrorMeta::default(),
            },
            retry_after: None,
            client: None,
        }))
    }

    /// Sets `meta.param_name`.
    pub fn param(mut self, name: &str) -> Self {
        if let Self::Api(f) = &mut self {
            f.error.meta.param_name = Some(name.into());
        }
        self
    }

    /// Attaches the current client (if the error is an API error).
    pub fn with_client(mut self, client: Option<p::Client>) -> Self {
        if let (Self::Api(f), Some(c)) = (&mut self, client) {
            f.client = Some(Box::new(c));
        }
        self
    }

    /// The FAPI error code, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api(f) => Some(&f.error.code),
            Self::Stale | Self::Internal(_) => None,
        }
    }

    /// 422 `form_param_missing`.
    pub fn param_missing(param: &str) -> Self {
        Self::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::FORM_PARAM_MISSING,
            "is missing",
            format!("{param} must be included."),
        )
        .param(param)
    }

    /// 422 `form_param_format_invalid`.
    pub fn param_format_invalid(param: &str, long: impl Into<String>) -> Self {
        Self::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::FORM_PARAM_FORMAT_INVALID,
            "is invalid",
            long,
        )
        .param(param)
    }

    /// 422 `form_param_value_invalid`.
    pub fn param_value_invalid(param: &str, value: &str) -> Self {
        Self::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::FORM_PARAM_VALUE_INVALID,
            "is invalid",
            format!("{value} does not match one of the allowed values for parameter {param}"),
        )
        .param(param)
    }

    /// 422 `form_param_unknown` (a field this instance does not enable).
    pub fn param_unknown(param: &str) -> Self {
        Self::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_unknown",
            "is unknown",
            format!("{param} is not a valid parameter for this request."),
        )
        .param(param)
    }

    /// 422 `form_identifier_exists`.
    pub fn identifier_exists(param: &str) -> Self {
        let what = match param {
            "phone_number" => "phone number",
            "email_address" => "email address",
            _ => "username",
        };
        Self::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::FORM_IDENTIFIER_EXISTS,
            "That identifier is taken",
            format!("This {what} is taken. Please try another."),
        )
        .param(param)
    }

    /// 422 `form_identifier_not_found`.
    pub fn identifier_not_found() -> Self {
        Self::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::FORM_IDENTIFIER_NOT_FOUND,
            "Couldn't find your account.",
            "Couldn't find your account.",
        )
        .param("identifier")
    }

    /// 422 `form_code_incorrect`.
    pub fn code_incorrect() -> Self {
        Self::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::FORM_CODE_INCORRECT,
            "is incorrect",
            "Incorrect code",
        )
        .param("code")
    }

    /// 400 `verification_expired`.
    pub fn verification_expired() -> Self {
        Self::api(
            StatusCode::BAD_REQUEST,
            codes::VERIFICATION_EXPIRED,
            "expired",
            "This verification has expired. You must create a new one.",
        )
        .param("code")
    }

    /// 400 `verification_failed`.
    pub fn verification_failed() -> Self {
        Self::api(
            StatusCode::BAD_REQUEST,
            codes::VERIFICATION_FAILED,
            "failed",
            "Too many failed attempts. You have to try again with the same or another method.",
        )
        .param("code")
    }

    /// 400 `verification_missing`.
    pub fn verification_missing() -> Self {
        Self::api(
            StatusCode::BAD_REQUEST,
            codes::VERIFICATION_MISSING,
            "is missing",
            "This strategy requires verification preparation before attempting to validate it.",
        )
        .param("strategy")
    }

    /// 400 `verification_already_verified`.
    pub fn already_verified() -> Self {
        Self::api(
            StatusCode::BAD_REQUEST,
            codes::VERIFICATION_ALREADY_VERIFIED,
            "already verified",
            "This verification has already been verified.",
        )
        .param("code")
    }

    /// 400 `verification_strategy_invalid`.
    pub fn verification_strategy_invalid() -> Self {
        Self::api(
            StatusCode::BAD_REQUEST,
            codes::VERIFICATION_STRATEGY_INVALID,
            "has invalid strategy",
            "The strategy is not valid for the current verification.",
        )
        .param("strategy")
    }

    /// 400 `strategy_for_user_invalid`.
    pub fn strategy_for_user_invalid() -> Self {
        Self::api(
            StatusCode::BAD_REQUEST,
            codes::STRATEGY_FOR_USER_INVALID,
            "Invalid verification strategy",
            "The verification strategy is not valid for this account",
        )
        .param("strategy")
    }

    /// 400 `client_state_invalid`.
    pub fn client_state_invalid(action: &str) -> Self {
        Self::api(
            StatusCode::BAD_REQUEST,
            codes::CLIENT_STATE_INVALID,
            "Invalid action",
            format!(
                "We were unable to complete {action} for this Client. It is already complete or no longer active; start over."
            ),
        )
    }

    /// 404 `resource_not_found`.
    pub fn not_found(what: &str, id: &str) -> Self {
        let id: String = id.chars().take(64).collect();
        Self::api(
            StatusCode::NOT_FOUND,
            codes::RESOURCE_NOT_FOUND,
            "Resource not found",
            format!("No {what} was found with id {id}"),
        )
    }

    /// 400 `session_exists`.
    pub fn session_exists(session_id: &str) -> Self {
        let mut e = Self::api(
            StatusCode::BAD_REQUEST,
            codes::SESSION_EXISTS,
            "Session already exists",
            "You're already signed in.",
        );
        if let Self::Api(f) = &mut e {
            f.error.meta.session_id = Some(session_id.into());
        }
        e
    }

    /// 429 `too_many_requests` with `Retry-After`.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let secs = retry_after_secs.max(1);
        let mut e = Self::api(
            StatusCode::TOO_MANY_REQUESTS,
            codes::TOO_MANY_REQUESTS,
            "Too many requests",
            format!("Too many requests, retry in {secs} seconds."),
        );
        if let Self::Api(f) = &mut e {
            f.retry_after = Some(secs);
            f.error.meta.retry_after_seconds = Some(secs);
        }
        e
    }

    /// 403 `user_locked` (Clerk's shape: `meta.lockout_expires_in_seconds`).
    pub fn user_locked(expires_in_secs: u64) -> Self {
        let secs = expires_in_secs.max(1);
        let minutes = secs.div_ceil(60);
        let mut e = Self::api(
            StatusCode::FORBIDDEN,
            codes::USER_LOCKED,
            "Account locked",
            format!(
                "Your account is locked after too many wrong codes. You will be able to try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ),
        );
        if let Self::Api(f) = &mut e {
            f.error.meta.lockout_expires_in_seconds = Some(secs);
        }
        e
    }

    /// 403 `origin_invalid`: a mutation from a foreign origin.
    pub fn origin_invalid() -> Self {
        Self::api(
            StatusCode::FORBIDDEN,
            codes::ORIGIN_INVALID,
            "Invalid HTTP Origin header",
            "The request's Origin is neither this server's nor one of its allowed origins.",
        )
    }

    /// 415 `request_body_invalid`: a mutation whose body is neither a form nor JSON.
    pub fn unsupported_body(content_type: &str) -> Self {
        Self::api(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "request_body_invalid",
            "Unsupported request body",
            format!(
                "Send application/x-www-form-urlencoded or application/json, not {}.",
                content_type.chars().take(64).collect::<String>()
            ),
        )
    }

    /// 401 `signed_out`.
    pub fn signed_out() -> Self {
        Self::api(
            StatusCode::UNAUTHORIZED,
            codes::SIGNED_OUT,
            "Signed out",
            "You are signed out",
        )
    }

    /// 502 `delivery_failed`.
    pub fn delivery_failed() -> Self {
        Self::api(
            StatusCode::BAD_GATEWAY,
            codes::DELIVERY_FAILED,
            "Delivery failed",
            "We could not send the verification code. Please try again later.",
        )
    }

    /// 413 for oversized bodies.
    pub fn body_too_large() -> Self {
        Self::api(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::FORM_PARAM_FORMAT_INVALID,
            "is invalid",
            "The request body is too large.",
        )
    }
}

/// A random trace id (32 hex chars).
fn trace_id() -> String {
    use rand::Rng as _;
    format!("{:032x}", rand::rng().random::<u128>())
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let trace = trace_id();
        let (status, body, retry_after) = match self {
            Self::Stale => return Self::too_many_requests(1).into_response(),
            Self::Api(f) => {
                let f = *f;
                let body = p::ErrorResponse {
                    errors: vec![f.error],
                    meta: f.client.map(|c| p::ErrorResponseMeta { client: Some(*c) }),
                    clerk_trace_id: Some(trace),
                };
                (f.status, body, f.retry_after)
            }
            Self::Internal(e) => {
                tracing::error!(trace_id = %trace, error = ?e, "internal error");
                let body = p::ErrorResponse {
                    errors: vec![p::ApiError {
                        code: codes::INTERNAL_CLERK_ERROR.into(),
                        message: "Oops, an unexpected error occurred".into(),
                        long_message: Some(
                            "There was an internal error on our servers. Please try again.".into(),
                        ),
                        meta: p::ErrorMeta::default(),
                    }],
                    meta: None,
                    clerk_trace_id: Some(trace),
                };
                (StatusCode::INTERNAL_SERVER_ERROR, body, None)
            }
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}
