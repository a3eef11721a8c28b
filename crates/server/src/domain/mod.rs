//! Domain newtypes: parse, don't validate.

mod email;
mod otp;
mod phone;
mod username;

pub use email::EmailAddress;
pub use otp::OtpCode;
pub use phone::PhoneNumber;
pub use username::Username;

/// Why an input was rejected (the long message for `form_param_format_invalid`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
