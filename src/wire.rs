//! The resources as the app keeps them: the fields of Clerk's shapes ([`onetime_protocol`]) that
//! the app reads, decoded from the answer with [`crate::json`].
//!
//! The protocol types carry every field the server fills; decoding, cloning and dropping them in
//! the wasm costs ~100 KB of code for fields the app never looks at. These mirrors keep the
//! protocol's names and leniency (unknown keys ignored, missing keys and `null` read as the
//! default, so `null` lists are empty) and reuse its enums, error type and constants. A test
//! decodes what the server's protocol types serialise to, so the two cannot drift apart.

use onetime_protocol::{
    ApiError, ErrorMeta, Millis, SessionStatus, SignInStatus, SignUpStatus, VerificationStatus,
};

use crate::json::{FromJson, Json, JsonError};

/// Implements [`FromJson`] for a struct whose fields are named like their JSON keys.
macro_rules! from_json_fields {
    ($($ty:ty { $($field:ident),+ $(,)? })+) => {$(
        impl FromJson for $ty {
            fn from_json(value: &Json) -> Result<Self, JsonError> {
                let object = value.object()?;
                Ok(Self { $($field: object.field(stringify!($field))?,)+ })
            }
        }
    )+};
}

/// Implements [`FromJson`] for the protocol's status enums (unknown strings read as `Unknown`).
macro_rules! from_json_status {
    ($($ty:ty),+) => {$(
        impl FromJson for $ty {
            fn from_json(value: &Json) -> Result<Self, JsonError> {
                match value {
                    Json::String(s) => Ok(<$ty>::from_wire(s)),
                    other => Err(other.expected("a status string")),
                }
            }
        }
    )+};
}

from_json_status!(
    SessionStatus,
    SignUpStatus,
    SignInStatus,
    VerificationStatus
);

from_json_fields! {
    ApiError { code, message, long_message, meta }
    ErrorMeta { param_name, session_id, retry_after_seconds, lockout_expires_in_seconds }
    Client { id, sessions, sign_in, sign_up, last_active_session_id }
    Session { id, status, expire_at, last_active_at, user, created_at }
    User {
        id, username, first_name, last_name, primary_email_address_id, primary_phone_number_id,
        email_addresses, phone_numbers,
    }
    EmailAddress { id, email_address, verification }
    PhoneNumber { id, phone_number, verification }
    Verification { status, strategy }
    SignUp {
        id, status, missing_fields, unverified_fields, username, email_address, phone_number,
        created_session_id,
    }
    SignInFactor { strategy, safe_identifier, email_address_id, phone_number_id }
    SignIn { id, status, identifier, supported_first_factors, created_session_id }
    Token { jwt }
    Environment { display_config, user_settings }
    DisplayConfig { application_name, resend_cooldown_seconds }
    UserSettings { attributes }
    Attributes { email_address, phone_number, username }
    Attribute { enabled, required, used_for_first_factor }
}

/// The errors of an error answer (`null`, a missing list or a malformed one read as none).
pub fn errors(body: &Json) -> Vec<ApiError> {
    body.field("errors").unwrap_or_default()
}

/// A browser's auth state (`client`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Client {
    /// `client_…`.
    pub id: String,
    /// Its sessions.
    pub sessions: Vec<Session>,
    /// The sign-in in progress.
    pub sign_in: Option<SignIn>,
    /// The sign-up in progress.
    pub sign_up: Option<SignUp>,
    /// The session the client last activated.
    pub last_active_session_id: Option<String>,
}

impl Client {
    /// The session named by `last_active_session_id`, if it is in `sessions`.
    pub fn last_active_session(&self) -> Option<&Session> {
        let id = self.last_active_session_id.as_deref()?;
        self.sessions.iter().find(|s| s.id == id)
    }
}

/// A session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Session {
    /// `sess_…`.
    pub id: String,
    /// Status.
    pub status: SessionStatus,
    /// Absolute expiry (ms).
    pub expire_at: Millis,
    /// Last touch (ms).
    pub last_active_at: Millis,
    /// The signed-in user.
    pub user: Option<User>,
    /// Creation time (ms).
    pub created_at: Millis,
}

/// A user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct User {
    /// `user_…`.
    pub id: String,
    /// Username, if set.
    pub username: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Id of the primary email address.
    pub primary_email_address_id: Option<String>,
    /// Id of the primary phone number.
    pub primary_phone_number_id: Option<String>,
    /// Email addresses.
    pub email_addresses: Vec<EmailAddress>,
    /// Phone numbers.
    pub phone_numbers: Vec<PhoneNumber>,
}

impl User {
    /// The primary email address string, if any.
    pub fn primary_email_address(&self) -> Option<&str> {
        let id = self.primary_email_address_id.as_deref()?;
        self.email_addresses
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.email_address.as_str())
    }

    /// The primary phone number string, if any.
    pub fn primary_phone_number(&self) -> Option<&str> {
        let id = self.primary_phone_number_id.as_deref()?;
        self.phone_numbers
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.phone_number.as_str())
    }
}

/// An email address of a user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmailAddress {
    /// `idn_…`.
    pub id: String,
    /// The address.
    pub email_address: String,
    /// How it was verified.
    pub verification: Option<Verification>,
}

/// A phone number of a user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhoneNumber {
    /// `idn_…`.
    pub id: String,
    /// The number in E.164.
    pub phone_number: String,
    /// How it was verified.
    pub verification: Option<Verification>,
}

/// A verification.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verification {
    /// Status.
    pub status: VerificationStatus,
    /// `phone_code` or `email_code`.
    pub strategy: Option<String>,
}

/// A sign-up attempt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignUp {
    /// `sua_…`.
    pub id: String,
    /// Status.
    pub status: SignUpStatus,
    /// Required fields not given yet.
    pub missing_fields: Vec<String>,
    /// Given fields that still need verification.
    pub unverified_fields: Vec<String>,
    /// Username.
    pub username: Option<String>,
    /// Email address.
    pub email_address: Option<String>,
    /// Phone number (E.164).
    pub phone_number: Option<String>,
    /// The session created on completion.
    pub created_session_id: Option<String>,
}

/// A factor offered by a sign-in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignInFactor {
    /// `phone_code` or `email_code`.
    pub strategy: String,
    /// The masked identifier the code goes to.
    pub safe_identifier: Option<String>,
    /// For `email_code`: the email address id to prepare.
    pub email_address_id: Option<String>,
    /// For `phone_code`: the phone number id to prepare.
    pub phone_number_id: Option<String>,
}

/// A sign-in attempt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignIn {
    /// `sia_…`.
    pub id: String,
    /// Status.
    pub status: SignInStatus,
    /// The identifier given on create.
    pub identifier: Option<String>,
    /// Factors the user can sign in with.
    pub supported_first_factors: Vec<SignInFactor>,
    /// The session created on completion.
    pub created_session_id: Option<String>,
}

/// A session JWT (returned bare by the `tokens` endpoint).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Token {
    /// The JWT.
    pub jwt: String,
}

/// The instance configuration (`GET /v1/environment`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Environment {
    /// Names and timings.
    pub display_config: DisplayConfig,
    /// Which identifiers are enabled.
    pub user_settings: UserSettings,
}

/// `environment.display_config`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DisplayConfig {
    /// Shown in messages and the UI.
    pub application_name: String,
    /// Seconds before another code may be asked for (absent means 30).
    pub resend_cooldown_seconds: Option<u64>,
}

/// `environment.user_settings`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserSettings {
    /// Per-attribute settings.
    pub attributes: Attributes,
}

/// `user_settings.attributes` (the identifiers the app offers).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attributes {
    /// Email address.
    pub email_address: Attribute,
    /// Phone number.
    pub phone_number: Attribute,
    /// Username.
    pub username: Attribute,
}

/// Settings of one user attribute.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attribute {
    /// Can be given.
    pub enabled: bool,
    /// Must be given at sign-up.
    pub required: bool,
    /// Can identify the user at sign-in.
    pub used_for_first_factor: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_str<T: FromJson>(json: &str) -> Result<T, JsonError> {
        crate::json::from_str(json)
    }

    #[test]
    fn reads_the_fields_the_app_uses_and_tolerates_nulls() {
        let c: Client = from_str(
            r#"{"object":"client","id":"client_1","sessions":[{"id":"sess_1","status":"active","created_at":5,
                "user":{"id":"user_1","username":"jane","primary_phone_number_id":"idn_p",
                  "phone_numbers":[{"id":"idn_p","phone_number":"+12015550100",
                    "verification":{"status":"verified","strategy":"phone_code","attempts":null}}],
                  "email_addresses":null,"web3_wallets":null,"public_metadata":{"x":[1.5e3]}}}],
              "sign_up":null,"sign_in":{"id":"sia_1","status":"needs_first_factor",
                "supported_first_factors":[{"strategy":"phone_code","phone_number_id":"idn_p"}]},
              "last_active_session_id":"sess_1","brand_new":{"a":null}}"#,
        )
        .unwrap();
        let s = c.last_active_session().unwrap();
        assert_eq!(s.status, SessionStatus::Active);
        assert_eq!(s.created_at, 5);
        let u = s.user.as_ref().unwrap();
        assert_eq!(u.primary_phone_number(), Some("+12015550100"));
        assert_eq!(u.primary_email_address(), None);
        assert!(u.email_addresses.is_empty());
        assert_eq!(
            u.phone_numbers[0].verification.as_ref().unwrap().status,
            VerificationStatus::Verified
        );
        let si = c.sign_in.unwrap();
        assert_eq!(si.status, SignInStatus::NeedsFirstFactor);
        assert_eq!(
            si.supported_first_factors[0].phone_number_id.as_deref(),
            Some("idn_p")
        );
        assert_eq!(from_str::<Option<Client>>("null").unwrap(), None);

        let su: SignUp = from_str(
            r#"{"id":"sua_1","status":"missing_requirements","missing_fields":["username"],
                "unverified_fields":null,"created_session_id":null}"#,
        )
        .unwrap();
        assert_eq!(su.missing_fields, ["username"]);
        assert!(su.unverified_fields.is_empty());
        assert_eq!(
            from_str::<SignUp>(r#"{"status":"brand_new"}"#)
                .unwrap()
                .status,
            SignUpStatus::Unknown
        );

        let env: Environment = from_str(
            r#"{"display_config":{"application_name":"Acme","resend_cooldown_seconds":7},
                "user_settings":{"attributes":{"phone_number":{"enabled":true,"used_for_first_factor":true}},
                  "social":{}}}"#,
        )
        .unwrap();
        assert_eq!(env.display_config.application_name, "Acme");
        assert_eq!(env.display_config.resend_cooldown_seconds, Some(7));
        assert!(
            env.user_settings
                .attributes
                .phone_number
                .used_for_first_factor
        );
        assert!(!env.user_settings.attributes.email_address.enabled);

        assert!(
            from_str::<Session>(r#"{"id":1}"#).is_err(),
            "wrong types still fail"
        );
        let errs = |text: &str| errors(&crate::json::parse(text).unwrap());
        assert_eq!(errs(r#"{"errors":null}"#), []);
        assert_eq!(
            errs(r#"{"errors":[{"code":"x","meta":{"retry_after_seconds":3}}]}"#)[0].code,
            "x"
        );
        assert_eq!(
            errs(r#"{"errors":[{"code":"x","meta":{"retry_after_seconds":3}}]}"#)[0]
                .meta
                .retry_after_seconds,
            Some(3)
        );
    }

    /// The mirrors read what the server writes (the protocol types, serialised).
    #[test]
    fn reads_the_protocol_shapes() {
        let mut user = onetime_protocol::User {
            id: "user_1".into(),
            username: Some("jane".into()),
            primary_email_address_id: Some("idn_e".into()),
            ..Default::default()
        };
        user.email_addresses.push(onetime_protocol::EmailAddress {
            id: "idn_e".into(),
            email_address: "jane@example.com".into(),
            ..Default::default()
        });
        let client = onetime_protocol::Client {
            id: "client_1".into(),
            last_active_session_id: Some("sess_1".into()),
            sessions: vec![onetime_protocol::Session {
                id: "sess_1".into(),
                status: SessionStatus::Active,
                user: Some(user),
                ..Default::default()
            }],
            ..Default::default()
        };
        let c: Client = from_str(&serde_json::to_string(&client).unwrap()).unwrap();
        let u = c.last_active_session().unwrap().user.as_ref().unwrap();
        assert_eq!(u.primary_email_address(), Some("jane@example.com"));
        let env: Environment =
            from_str(&serde_json::to_string(&onetime_protocol::Environment::default()).unwrap())
                .unwrap();
        assert_eq!(env, Environment::default());

        let sign_up = onetime_protocol::SignUp {
            id: "sua_1".into(),
            status: SignUpStatus::MissingRequirements,
            missing_fields: vec!["username".into()],
            phone_number: Some("+12015550100".into()),
            ..Default::default()
        };
        let su: SignUp = from_str(&serde_json::to_string(&sign_up).unwrap()).unwrap();
        assert_eq!(su.status, SignUpStatus::MissingRequirements);
        assert_eq!(su.missing_fields, ["username"]);
        assert_eq!(su.phone_number.as_deref(), Some("+12015550100"));

        let sign_in = onetime_protocol::SignIn {
            id: "sia_1".into(),
            status: SignInStatus::NeedsFirstFactor,
            supported_first_factors: vec![onetime_protocol::SignInFactor {
                strategy: "email_code".into(),
                email_address_id: Some("idn_e".into()),
                safe_identifier: Some("j***@example.com".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let si: SignIn = from_str(&serde_json::to_string(&sign_in).unwrap()).unwrap();
        assert_eq!(si.status, SignInStatus::NeedsFirstFactor);
        assert_eq!(
            si.supported_first_factors[0].email_address_id.as_deref(),
            Some("idn_e")
        );

        let error = onetime_protocol::ApiError {
            code: "too_many_requests".into(),
            message: "Too many requests".into(),
            long_message: Some("Try again later.".into()),
            meta: onetime_protocol::ErrorMeta {
                param_name: Some("code".into()),
                retry_after_seconds: Some(30),
                ..Default::default()
            },
        };
        let e: ApiError = from_str(&serde_json::to_string(&error).unwrap()).unwrap();
        assert_eq!(e, error);
    }
}
