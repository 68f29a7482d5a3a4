//! The hub's one error type, and its single mapping to HTTP answers.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use switchboard_protocol::{ErrorBody, ErrorCode};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The request is malformed (a body that does not read, a missing field).
    #[error("{0}")]
    BadRequest(String),
    /// A rule said no: a code of its own, which clients put in their user's words, and
    /// English words with the details, for logs and for people reading the API.
    #[error("{1}")]
    Refused(ErrorCode, String),
    #[error("the email or password is not right")]
    InvalidCredentials,
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("sign in first")]
    Unauthorized,
    #[error("the session has expired; sign in again")]
    SessionExpired,
    #[error("your role does not allow this")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// What the account already has stands in the way (a name taken): administrators'
    /// requests.
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than the hub accepts")]
    PayloadTooLarge,
    #[error("database: {0}")]
    Database(Arc<sqlx::Error>),
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Database(Arc::new(error))
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        Error::Internal(format!("migration failed: {error}"))
    }
}

impl From<crate::call::Refusal> for Error {
    fn from(refusal: crate::call::Refusal) -> Self {
        match refusal {
            crate::call::Refusal::NotFound => Error::NotFound("call"),
            crate::call::Refusal::Forbidden => Error::Forbidden,
            refusal => Error::refused(refusal.code()),
        }
    }
}

impl Error {
    /// A refusal in its usual words.
    pub fn refused(code: ErrorCode) -> Self {
        Error::Refused(code, words(code).to_owned())
    }

    /// A refusal with words of its own (saying which number, which agent…).
    pub fn refused_as(code: ErrorCode, words: impl Into<String>) -> Self {
        Error::Refused(code, words.into())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::BadRequest(_) => ErrorCode::BadRequest,
            Error::Refused(code, _) => *code,
            Error::InvalidCredentials => ErrorCode::InvalidCredentials,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::Unauthorized => ErrorCode::Unauthorized,
            Error::SessionExpired => ErrorCode::SessionExpired,
            Error::Forbidden => ErrorCode::Forbidden,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Error::Database(_) | Error::Internal(_) => ErrorCode::Internal,
        }
    }

    fn status(&self) -> StatusCode {
        match self.code() {
            ErrorCode::BadRequest
            | ErrorCode::CredentialsRequired
            | ErrorCode::UnknownStatus
            | ErrorCode::StatusNotSelectable
            | ErrorCode::InvalidNumber
            | ErrorCode::ContactNameRequired
            | ErrorCode::ContactTooLarge
            | ErrorCode::InvalidEmail
            | ErrorCode::InvalidSearch
            | ErrorCode::CannotCallSelf
            | ErrorCode::OnTheCall
            | ErrorCode::ConsentRequired
            | ErrorCode::InvalidContext
            | ErrorCode::TooMuchContext
            | ErrorCode::NotesTooLong
            | ErrorCode::UnknownDisposition
            | ErrorCode::InvalidMessage
            | ErrorCode::InvalidClientKey
            | ErrorCode::SameContact
            | ErrorCode::InvalidCannedReply
            | ErrorCode::InvalidWidget
            | ErrorCode::InvalidRating
            | ErrorCode::InvalidAttachment => StatusCode::BAD_REQUEST,
            ErrorCode::IdentityNotVouched | ErrorCode::VisitorBlocked => StatusCode::FORBIDDEN,
            ErrorCode::InvalidCredentials | ErrorCode::Unauthorized | ErrorCode::SessionExpired => {
                StatusCode::UNAUTHORIZED
            }
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Forbidden | ErrorCode::HeldByOther => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Internal | ErrorCode::Unknown => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Conflict
            | ErrorCode::StatusLocked
            | ErrorCode::NotInWrapUp
            | ErrorCode::NoTrunk
            | ErrorCode::Unavailable
            | ErrorCode::NoLongerRinging
            | ErrorCode::OfferedToYou
            | ErrorCode::NotConnected
            | ErrorCode::OnHold
            | ErrorCode::NotOnHold
            | ErrorCode::Consulting
            | ErrorCode::ThreeWay
            | ErrorCode::NotACustomersCall
            | ErrorCode::IdentityTaken
            | ErrorCode::AlreadyConsulting
            | ErrorCode::NotConsulting
            | ErrorCode::ColleagueNotAnswered
            | ErrorCode::NotRecorded
            | ErrorCode::PauseNotAllowed
            | ErrorCode::NoNumberToBlock
            | ErrorCode::NoIdentity
            | ErrorCode::NotAPhoneCaller
            | ErrorCode::ClientKeyReused
            | ErrorCode::AssignedToOther
            | ErrorCode::NothingOpen
            | ErrorCode::NoChannel => StatusCode::CONFLICT,
        }
    }
}

/// A refusal's usual English words (for logs and API readers; clients word the code).
fn words(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::BadRequest => "the request is malformed",
        ErrorCode::InvalidCredentials => "the email or password is not right",
        ErrorCode::CredentialsRequired => "email and password are required",
        ErrorCode::RateLimited => "too many failed sign-ins; try again later",
        ErrorCode::Unauthorized => "sign in first",
        ErrorCode::SessionExpired => "the session has expired; sign in again",
        ErrorCode::Forbidden => "your role does not allow this",
        ErrorCode::NotFound => "not found",
        ErrorCode::Conflict => "that conflicts with what the account has",
        ErrorCode::PayloadTooLarge => "the request body is larger than the hub accepts",
        ErrorCode::Internal | ErrorCode::Unknown => "something went wrong inside the hub",
        ErrorCode::StatusLocked => "the status cannot be changed by hand during after-call work",
        ErrorCode::UnknownStatus => "the account has no such status",
        ErrorCode::StatusNotSelectable => "that status is set by the hub, not by hand",
        ErrorCode::NotInWrapUp => "you are not in after-call work",
        ErrorCode::InvalidNumber => "that is not a phone number",
        ErrorCode::ContactNameRequired => "a contact needs a name of at most 200 characters",
        ErrorCode::ContactTooLarge => "at most a 200-character company, 20 numbers and 20 emails",
        ErrorCode::InvalidEmail => "that is not an email address",
        ErrorCode::InvalidSearch => "search text of 1 to 200 characters is required",
        ErrorCode::NoTrunk => {
            "no phone line (SIP trunk) is configured for calls to outside numbers"
        }
        ErrorCode::CannotCallSelf => "an agent cannot call themselves",
        ErrorCode::Unavailable => "the agent cannot take calls right now",
        ErrorCode::NoLongerRinging => "the call is no longer ringing",
        ErrorCode::OfferedToYou => "the call is offered to you: accept or decline it",
        ErrorCode::NotConnected => "only a connected call you control can do that",
        ErrorCode::OnHold => "the call is already on hold",
        ErrorCode::NotOnHold => "the call is not on hold",
        ErrorCode::HeldByOther => "the other party put the call on hold; only they can resume it",
        ErrorCode::Consulting => {
            "you are consulting someone about the call: complete or cancel that first"
        }
        ErrorCode::ThreeWay => "the call is a three-way call",
        ErrorCode::OnTheCall => "they are already on the call",
        ErrorCode::NotACustomersCall => "only a customer's inbound call can go to a ring group",
        ErrorCode::AlreadyConsulting => "you are already consulting someone",
        ErrorCode::NotConsulting => "you are not consulting anyone",
        ErrorCode::ColleagueNotAnswered => "the colleague has not answered yet: wait, or cancel",
        ErrorCode::NotRecorded => "the call is not being recorded",
        ErrorCode::PauseNotAllowed => "your account does not let agents pause recordings",
        ErrorCode::NoNumberToBlock => "the call has no phone number to block",
        ErrorCode::NoIdentity => {
            "voice biometrics are part of Identity, which this account does not have"
        }
        ErrorCode::NotAPhoneCaller => "only a customer's voice on the phone network can be checked",
        ErrorCode::ConsentRequired => "a voiceprint is kept only with the caller's consent",
        ErrorCode::InvalidContext => {
            "a context key is 1 to 64 printable characters, its value at most 1024"
        }
        ErrorCode::TooMuchContext => "a call keeps at most 50 pieces of context",
        ErrorCode::NotesTooLong => "the notes are too long",
        ErrorCode::UnknownDisposition => "there is no such disposition to pick",
        ErrorCode::InvalidMessage => "a message needs text, of at most 10000 characters",
        ErrorCode::InvalidClientKey => "a message key must be 1 to 64 printable characters",
        ErrorCode::ClientKeyReused => "that message key was already used for another message",
        ErrorCode::AssignedToOther => "another agent is working on this conversation",
        ErrorCode::NothingOpen => "nothing is open in this conversation",
        ErrorCode::NoChannel => "the contact has no channel to write to",
        ErrorCode::SameContact => "a contact cannot be merged into itself",
        ErrorCode::InvalidWidget => {
            "a widget needs a name, website origins (https://host[:port]), a colour #rrggbb and a short greeting"
        }
        ErrorCode::IdentityNotVouched => "the website's signature of its user does not match",
        ErrorCode::VisitorBlocked => "this visitor was blocked",
        ErrorCode::InvalidRating => {
            "a rating is 1 to 5 stars with a comment of at most 1000 characters"
        }
        ErrorCode::InvalidAttachment => {
            "a file must not be empty, and a message sends only files its sender uploaded to that conversation, at most 10"
        }
        ErrorCode::IdentityTaken => {
            "another contact has this number or address; merge the two contacts instead"
        }
        ErrorCode::InvalidCannedReply => {
            "a canned reply needs a shortcut (a-z, 0-9, -) and text whose placeholders are {contact}, {first_name} and {agent}"
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = if status.is_server_error() {
            // The details go to the log, not to the client.
            tracing::error!(error = %self, "request failed");
            "something went wrong inside the hub".to_owned()
        } else {
            self.to_string()
        };
        let body = ErrorBody {
            code: self.code(),
            message,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Error::RateLimited { retry_after_secs } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge
        } else {
            Error::BadRequest(rejection.body_text())
        }
    }
}

impl From<QueryRejection> for Error {
    fn from(rejection: QueryRejection) -> Self {
        Error::BadRequest(rejection.body_text())
    }
}

impl From<PathRejection> for Error {
    fn from(rejection: PathRejection) -> Self {
        Error::BadRequest(rejection.body_text())
    }
}

/// `axum::extract::Path` whose rejections answer in the hub's JSON error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Error))]
pub struct Path<T>(pub T);

/// `axum::Json` whose rejections answer in the hub's JSON error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` whose rejections answer in the hub's JSON error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub struct Query<T>(pub T);
