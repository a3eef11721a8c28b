//! The domain: newtypes for what comes in (parse, don't validate) and the rules that decide
//! what a stored attempt or session means now (effective statuses, required fields, factors).

mod device;
mod email;
mod otp;
mod phone;
mod session;
pub mod sign_in;
pub mod sign_up;
mod username;

pub use device::Device;
pub use email::EmailAddress;
pub use otp::OtpCode;
pub use phone::PhoneNumber;
pub use username::Username;

/// Why an input was rejected (the long message for `form_param_format_invalid`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
