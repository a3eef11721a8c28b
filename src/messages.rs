//! Turning API errors into sentences a person understands, placed next to the field they
//! concern (`meta.param_name`) or above the form.

use onetime_protocol::{codes, fields};

use crate::api::Error;
pub use crate::identifier::IdentifierKind;

/// Where an error is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Under the phone/email input (`#identifier-error`).
    Identifier,
    /// Under the code input (`#code-error`).
    Code,
    /// Under the username input (`#username-error`).
    Username,
    /// Above the form (`#form-error`).
    Form,
}

/// A link offered with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// "Sign up instead" (`a#sign-up-instead`).
    SignUpInstead,
    /// "Sign in instead" (`a#sign-in-instead`).
    SignInInstead,
    /// A "Try again" button that repeats the failed request.
    Retry,
    /// A "Send a new code" button.
    Resend,
}

/// An error ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiError {
    /// Where it goes.
    pub slot: Slot,
    /// The sentence.
    pub message: String,
    /// An action offered with it.
    pub remedy: Option<Remedy>,
}

impl UiError {
    /// An error in `slot` without a remedy.
    pub fn new(slot: Slot, message: impl Into<String>) -> Self {
        Self {
            slot,
            message: message.into(),
            remedy: None,
        }
    }

    fn with(mut self, remedy: Remedy) -> Self {
        self.remedy = Some(remedy);
        self
    }
}

/// The sentence for a wait of `seconds` ("Try again in 30 seconds.").
pub fn wait_sentence(seconds: Option<u64>) -> String {
    match seconds {
        Some(0) | None => "Please wait a moment and try again.".to_string(),
        Some(1) => "Try again in 1 second.".to_string(),
        Some(s) if s < 120 => format!("Try again in {s} seconds."),
        Some(s) => format!("Try again in {} minutes.", s.div_ceil(60)),
    }
}

fn slot_of_param(param: Option<&str>) -> Option<Slot> {
    match param? {
        fields::PHONE_NUMBER | fields::EMAIL_ADDRESS | fields::IDENTIFIER => Some(Slot::Identifier),
        fields::PHONE_NUMBER_ID | fields::EMAIL_ADDRESS_ID => Some(Slot::Identifier),
        fields::CODE => Some(Slot::Code),
        fields::USERNAME => Some(Slot::Username),
        _ => None,
    }
}

/// Maps an API error to what the user sees. `kind` is what was typed in the identifier step.
pub fn describe(err: &Error, kind: IdentifierKind) -> UiError {
    let (status, first, retry_after) = match err {
        Error::Network(_) => {
            return UiError::new(
                Slot::Form,
                "We couldn't reach the server. Check your connection and try again.",
            )
            .with(Remedy::Retry);
        }
        Error::Unexpected { status, .. } => {
            let msg = if *status >= 500 {
                "Something went wrong on our side. Please try again in a moment."
            } else {
                "Something unexpected happened. Please try again."
            };
            return UiError::new(Slot::Form, msg).with(Remedy::Retry);
        }
        Error::Api {
            status,
            errors,
            retry_after,
        } => (*status, errors.first(), *retry_after),
    };
    let Some(first) = first else {
        return UiError::new(Slot::Form, "Something went wrong. Please try again.")
            .with(Remedy::Retry);
    };
    let param = first.meta.param_name.as_deref();
    let slot_or = |fallback: Slot| slot_of_param(param).unwrap_or(fallback);
    let noun = kind.noun();
    match first.code.as_str() {
        codes::FORM_IDENTIFIER_NOT_FOUND => UiError::new(
            Slot::Identifier,
            format!("We couldn't find an account with that {noun}."),
        )
        .with(Remedy::SignUpInstead),
        codes::FORM_IDENTIFIER_EXISTS if param == Some(fields::USERNAME) => UiError::new(
            Slot::Username,
            "That username is taken. Please try another.",
        ),
        codes::FORM_IDENTIFIER_EXISTS => UiError::new(
            Slot::Identifier,
            format!("An account with this {noun} already exists."),
        )
        .with(Remedy::SignInInstead),
        codes::FORM_CODE_INCORRECT => {
            UiError::new(Slot::Code, "That code is incorrect. Try again.")
        }
        codes::VERIFICATION_EXPIRED => UiError::new(
            Slot::Code,
            "That code has expired. Send a new code and try again.",
        )
        .with(Remedy::Resend),
        codes::VERIFICATION_FAILED => UiError::new(
            Slot::Code,
            "Too many incorrect attempts. Send a new code and try again.",
        )
        .with(Remedy::Resend),
        codes::VERIFICATION_MISSING | "verification_not_sent" => {
            UiError::new(Slot::Code, "Send a code first, then enter it here.").with(Remedy::Resend)
        }
        codes::VERIFICATION_ALREADY_VERIFIED => UiError::new(
            Slot::Form,
            "This code was already used. Please start again.",
        ),
        codes::TOO_MANY_REQUESTS
        | "verification_code_too_many_requests"
        | "signup_rate_limit_exceeded" => UiError::new(
            Slot::Form,
            format!("Too many attempts. {}", wait_sentence(retry_after)),
        ),
        codes::FORM_PARAM_FORMAT_INVALID | codes::FORM_PARAM_VALUE_INVALID => {
            match slot_or(Slot::Form) {
                Slot::Identifier => {
                    UiError::new(Slot::Identifier, format!("Enter a valid {noun}."))
                }
                Slot::Code => UiError::new(Slot::Code, "Enter every digit of the code."),
                Slot::Username => UiError::new(
                    Slot::Username,
                    "Usernames can use letters, numbers, '_' and '-'.",
                ),
                Slot::Form => UiError::new(Slot::Form, long_or_message(first)),
            }
        }
        codes::FORM_PARAM_MISSING | "form_param_nil" => match slot_or(Slot::Form) {
            Slot::Identifier => UiError::new(Slot::Identifier, format!("Enter your {noun}.")),
            Slot::Code => UiError::new(Slot::Code, "Enter every digit of the code."),
            Slot::Username => UiError::new(Slot::Username, "Choose a username."),
            Slot::Form => UiError::new(Slot::Form, long_or_message(first)),
        },
        "form_username_invalid_length" => UiError::new(
            Slot::Username,
            "Usernames must be between 4 and 64 characters long.",
        ),
        "form_username_invalid_character" => UiError::new(
            Slot::Username,
            "Usernames can use letters, numbers, '_' and '-'.",
        ),
        codes::SESSION_EXISTS | "identifier_already_signed_in" => {
            UiError::new(Slot::Form, "You're already signed in.")
        }
        codes::CLIENT_STATE_INVALID | codes::RESOURCE_NOT_FOUND | codes::CLIENT_NOT_FOUND => {
            UiError::new(
                Slot::Form,
                "This attempt is no longer valid. Please start again.",
            )
        }
        codes::STRATEGY_FOR_USER_INVALID => UiError::new(
            Slot::Identifier,
            format!("This account can't sign in with a {noun} code."),
        ),
        codes::DELIVERY_FAILED => {
            let what = match kind {
                IdentifierKind::Phone => "text message",
                IdentifierKind::Email => "email",
            };
            UiError::new(
                Slot::Form,
                format!("We couldn't send the {what}. Please try again."),
            )
            .with(Remedy::Retry)
        }
        "sign_up_mode_restricted" => {
            UiError::new(Slot::Form, "New sign-ups are currently restricted.")
        }
        "user_locked" => UiError::new(
            Slot::Form,
            "Your account is locked for now. Please try again later.",
        ),
        _ if status >= 500 => UiError::new(
            Slot::Form,
            "Something went wrong on our side. Please try again in a moment.",
        )
        .with(Remedy::Retry),
        _ => UiError::new(slot_or(Slot::Form), long_or_message(first)),
    }
}

/// [`describe`] for the account page: no links to the sign-in and sign-up pages (the person is
/// signed in), and the wording of what only happens there.
pub fn describe_account(err: &Error, kind: IdentifierKind) -> UiError {
    let noun = kind.noun();
    let mut ui = match err.code() {
        Some(codes::FORM_IDENTIFIER_EXISTS) => UiError::new(
            Slot::Identifier,
            format!("This {noun} is already used by another account."),
        ),
        Some("form_identifier_last") => UiError::new(
            Slot::Form,
            "This is your only way to sign in. Add another phone number or email address first.",
        ),
        Some(codes::AUTHENTICATION_INVALID) => {
            UiError::new(Slot::Form, "Your session has ended. Please sign in again.")
        }
        Some(codes::RESOURCE_NOT_FOUND) => UiError::new(
            Slot::Form,
            "That is no longer on your account. The page now shows what is.",
        ),
        _ => describe(err, kind),
    };
    if matches!(
        ui.remedy,
        Some(Remedy::SignInInstead | Remedy::SignUpInstead)
    ) {
        ui.remedy = None;
    }
    ui
}

fn long_or_message(e: &onetime_protocol::ApiError) -> String {
    let text = e
        .long_message
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(&e.message);
    if text.is_empty() {
        "Something went wrong. Please try again.".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onetime_protocol::{ApiError, ErrorMeta};

    fn api(status: u16, code: &str, param: Option<&str>) -> Error {
        Error::Api {
            status,
            errors: vec![ApiError {
                code: code.into(),
                message: "is invalid".into(),
                long_message: Some("Long message from the server.".into()),
                meta: ErrorMeta {
                    param_name: param.map(Into::into),
                    ..Default::default()
                },
            }],
            retry_after: None,
        }
    }

    #[test]
    fn account_page_errors_link_nowhere_and_say_what_happened() {
        let taken = describe_account(
            &api(422, "form_identifier_exists", Some("email_address")),
            IdentifierKind::Email,
        );
        assert_eq!(taken.slot, Slot::Identifier);
        assert_eq!(
            taken.message,
            "This email address is already used by another account."
        );
        assert_eq!(taken.remedy, None);
        let last = describe_account(
            &api(422, "form_identifier_last", None),
            IdentifierKind::Phone,
        );
        assert_eq!(last.slot, Slot::Form);
        assert!(last.message.contains("only way to sign in"), "{last:?}");
        let wrong = describe_account(
            &api(422, "form_code_incorrect", Some("code")),
            IdentifierKind::Phone,
        );
        assert_eq!(
            wrong,
            describe(
                &api(422, "form_code_incorrect", Some("code")),
                IdentifierKind::Phone
            )
        );
        let unknown = describe_account(
            &api(404, "form_identifier_not_found", Some("identifier")),
            IdentifierKind::Phone,
        );
        assert_eq!(unknown.remedy, None, "no sign-up link on the account page");
    }

    #[test]
    fn identifier_errors_offer_the_other_flow() {
        let e = describe(
            &api(422, "form_identifier_not_found", Some("identifier")),
            IdentifierKind::Phone,
        );
        assert_eq!(e.slot, Slot::Identifier);
        assert_eq!(
            e.message,
            "We couldn't find an account with that phone number."
        );
        assert_eq!(e.remedy, Some(Remedy::SignUpInstead));

        let e = describe(
            &api(422, "form_identifier_exists", Some("phone_number")),
            IdentifierKind::Phone,
        );
        assert_eq!(
            e.message,
            "An account with this phone number already exists."
        );
        assert_eq!(e.remedy, Some(Remedy::SignInInstead));

        let e = describe(
            &api(422, "form_identifier_exists", Some("email_address")),
            IdentifierKind::Email,
        );
        assert_eq!(
            e.message,
            "An account with this email address already exists."
        );

        let e = describe(
            &api(422, "form_identifier_exists", Some("username")),
            IdentifierKind::Phone,
        );
        assert_eq!(e.slot, Slot::Username);
        assert_eq!(e.remedy, None);
    }

    #[test]
    fn code_errors_go_under_the_code() {
        let e = describe(
            &api(422, "form_code_incorrect", Some("code")),
            IdentifierKind::Phone,
        );
        assert_eq!(
            (e.slot, e.message.as_str()),
            (Slot::Code, "That code is incorrect. Try again.")
        );
        // Even without param_name.
        let e = describe(
            &api(422, "form_code_incorrect", None),
            IdentifierKind::Phone,
        );
        assert_eq!(e.slot, Slot::Code);
        let e = describe(
            &api(400, "verification_expired", None),
            IdentifierKind::Email,
        );
        assert_eq!(e.slot, Slot::Code);
        assert!(e.message.contains("expired"));
        assert_eq!(e.remedy, Some(Remedy::Resend));
        let e = describe(
            &api(400, "verification_failed", None),
            IdentifierKind::Email,
        );
        assert!(e.message.contains("Too many incorrect attempts"));
    }

    #[test]
    fn rate_limits_say_how_long() {
        let mut err = api(429, "too_many_requests", None);
        if let Error::Api { retry_after, .. } = &mut err {
            *retry_after = Some(27);
        }
        let e = describe(&err, IdentifierKind::Phone);
        assert_eq!(e.slot, Slot::Form);
        assert_eq!(e.message, "Too many attempts. Try again in 27 seconds.");
        assert_eq!(wait_sentence(None), "Please wait a moment and try again.");
        assert_eq!(wait_sentence(Some(1)), "Try again in 1 second.");
        assert_eq!(wait_sentence(Some(600)), "Try again in 10 minutes.");
    }

    #[test]
    fn format_errors_follow_param_name() {
        let e = describe(
            &api(422, "form_param_format_invalid", Some("phone_number")),
            IdentifierKind::Phone,
        );
        assert_eq!(
            (e.slot, e.message.as_str()),
            (Slot::Identifier, "Enter a valid phone number.")
        );
        let e = describe(
            &api(422, "form_param_format_invalid", Some("email_address")),
            IdentifierKind::Email,
        );
        assert_eq!(e.message, "Enter a valid email address.");
        let e = describe(
            &api(422, "form_param_format_invalid", Some("code")),
            IdentifierKind::Email,
        );
        assert_eq!(e.slot, Slot::Code);
        let e = describe(
            &api(422, "form_param_format_invalid", Some("username")),
            IdentifierKind::Email,
        );
        assert_eq!(e.slot, Slot::Username);
        let e = describe(
            &api(422, "form_param_format_invalid", Some("locale")),
            IdentifierKind::Email,
        );
        assert_eq!(
            (e.slot, e.message.as_str()),
            (Slot::Form, "Long message from the server.")
        );
    }

    #[test]
    fn network_and_server_failures_offer_retry() {
        let e = describe(&Error::Network("offline".into()), IdentifierKind::Phone);
        assert_eq!(e.slot, Slot::Form);
        assert!(e.message.starts_with("We couldn't reach the server"));
        assert_eq!(e.remedy, Some(Remedy::Retry));
        let e = describe(
            &Error::Unexpected {
                status: 502,
                detail: "html".into(),
            },
            IdentifierKind::Phone,
        );
        assert_eq!(e.remedy, Some(Remedy::Retry));
        let e = describe(
            &api(500, "internal_clerk_error", None),
            IdentifierKind::Phone,
        );
        assert_eq!(e.remedy, Some(Remedy::Retry));
    }

    #[test]
    fn unknown_codes_use_the_server_text() {
        let e = describe(
            &api(400, "something_new", Some("code")),
            IdentifierKind::Phone,
        );
        assert_eq!(
            (e.slot, e.message.as_str()),
            (Slot::Code, "Long message from the server.")
        );
    }
}
