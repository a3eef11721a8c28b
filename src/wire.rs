//! Decoding of FAPI answers into the shared [`onetime_protocol`] types, reading only the fields
//! the app uses.
//!
//! The protocol types carry Clerk's full shapes (the server fills them all); deriving their
//! decoders into the wasm costs ~80 KB of code for fields the app never looks at. These slim
//! mirrors keep the protocol's leniency (unknown keys ignored, missing keys default, `null` lists
//! read as empty) and convert into the protocol types, leaving the other fields at their default.

use onetime_protocol as p;
use p::{SessionStatus, SignInStatus, SignUpStatus, VerificationStatus};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// A protocol type the app can decode from an answer's JSON text.
pub trait Decode: Sized {
    /// Decodes `json`.
    fn decode(json: &str) -> serde_json::Result<Self>;
}

macro_rules! via {
    ($($t:ty => $w:ty),+ $(,)?) => {$(
        impl Decode for $t {
            fn decode(json: &str) -> serde_json::Result<Self> {
                from_str::<$w>(json).map(Into::into)
            }
        }
    )+};
}

fn from_str<T: DeserializeOwned>(json: &str) -> serde_json::Result<T> {
    serde_json::from_str(json)
}

via! {
    p::Client => Client,
    p::Session => Session,
    p::SignUp => SignUp,
    p::SignIn => SignIn,
    p::Environment => Environment,
    p::Token => Token,
}

impl Decode for Option<p::Client> {
    fn decode(json: &str) -> serde_json::Result<Self> {
        from_str::<Option<Client>>(json).map(|c| c.map(Into::into))
    }
}

/// The errors of an error answer (`null` reads as none).
pub fn errors(json: &str) -> Vec<p::ApiError> {
    #[derive(Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Option<Vec<p::ApiError>>,
    }
    from_str::<Errors>(json)
        .ok()
        .and_then(|e| e.errors)
        .unwrap_or_default()
}

fn list<T: Into<U>, U>(v: Option<Vec<T>>) -> Vec<U> {
    v.unwrap_or_default().into_iter().map(Into::into).collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Client {
    id: String,
    sessions: Option<Vec<Session>>,
    sign_in: Option<SignIn>,
    sign_up: Option<SignUp>,
    last_active_session_id: Option<String>,
}

impl From<Client> for p::Client {
    fn from(c: Client) -> Self {
        Self {
            object: p::objects::CLIENT.into(),
            id: c.id,
            sessions: list(c.sessions),
            sign_in: c.sign_in.map(Into::into),
            sign_up: c.sign_up.map(Into::into),
            last_active_session_id: c.last_active_session_id,
            ..Default::default()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Session {
    id: String,
    status: SessionStatus,
    expire_at: p::Millis,
    last_active_at: p::Millis,
    user: Option<User>,
    created_at: p::Millis,
}

impl From<Session> for p::Session {
    fn from(s: Session) -> Self {
        Self {
            object: p::objects::SESSION.into(),
            id: s.id,
            status: s.status,
            expire_at: s.expire_at,
            last_active_at: s.last_active_at,
            user: s.user.map(Into::into),
            created_at: s.created_at,
            ..Default::default()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct User {
    id: String,
    username: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    primary_email_address_id: Option<String>,
    primary_phone_number_id: Option<String>,
    email_addresses: Option<Vec<EmailAddress>>,
    phone_numbers: Option<Vec<PhoneNumber>>,
}

impl From<User> for p::User {
    fn from(u: User) -> Self {
        Self {
            object: p::objects::USER.into(),
            id: u.id,
            username: u.username,
            first_name: u.first_name,
            last_name: u.last_name,
            primary_email_address_id: u.primary_email_address_id,
            primary_phone_number_id: u.primary_phone_number_id,
            email_addresses: list(u.email_addresses),
            phone_numbers: list(u.phone_numbers),
            ..Default::default()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailAddress {
    id: String,
    email_address: String,
    verification: Option<Verification>,
}

impl From<EmailAddress> for p::EmailAddress {
    fn from(e: EmailAddress) -> Self {
        Self {
            object: p::objects::EMAIL_ADDRESS.into(),
            id: e.id,
            email_address: e.email_address,
            verification: e.verification.map(Into::into),
            ..Default::default()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PhoneNumber {
    id: String,
    phone_number: String,
    verification: Option<Verification>,
}

impl From<PhoneNumber> for p::PhoneNumber {
    fn from(n: PhoneNumber) -> Self {
        Self {
            object: p::objects::PHONE_NUMBER.into(),
            id: n.id,
            phone_number: n.phone_number,
            verification: n.verification.map(Into::into),
            ..Default::default()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Verification {
    status: VerificationStatus,
    strategy: Option<String>,
}

impl From<Verification> for p::Verification {
    fn from(v: Verification) -> Self {
        Self {
            status: v.status,
            strategy: v.strategy,
            ..Default::default()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignUp {
    id: String,
    status: SignUpStatus,
    missing_fields: Option<Vec<String>>,
    unverified_fields: Option<Vec<String>>,
    username: Option<String>,
    email_address: Option<String>,
    phone_number: Option<String>,
    created_session_id: Option<String>,
}

impl From<SignUp> for p::SignUp {
    fn from(s: SignUp) -> Self {
        Self {
            object: p::objects::SIGN_UP.into(),
            id: s.id,
            status: s.status,
            missing_fields: s.missing_fields.unwrap_or_default(),
            unverified_fields: s.unverified_fields.unwrap_or_default(),
            username: s.username,
            email_address: s.email_address,
            phone_number: s.phone_number,
            created_session_id: s.created_session_id,
            ..Default::default()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignInFactor {
    strategy: String,
    safe_identifier: Option<String>,
    email_address_id: Option<String>,
    phone_number_id: Option<String>,
}

impl From<SignInFactor> for p::SignInFactor {
    fn from(f: SignInFactor) -> Self {
        Self {
            strategy: f.strategy,
            safe_identifier: f.safe_identifier,
            email_address_id: f.email_address_id,
            phone_number_id: f.phone_number_id,
            ..Default::default()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignIn {
    id: String,
    status: SignInStatus,
    identifier: Option<String>,
    supported_first_factors: Option<Vec<SignInFactor>>,
    created_session_id: Option<String>,
}

impl From<SignIn> for p::SignIn {
    fn from(s: SignIn) -> Self {
        Self {
            object: p::objects::SIGN_IN.into(),
            id: s.id,
            status: s.status,
            identifier: s.identifier,
            supported_first_factors: list(s.supported_first_factors),
            created_session_id: s.created_session_id,
            ..Default::default()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Token {
    jwt: String,
}

impl From<Token> for p::Token {
    fn from(t: Token) -> Self {
        Self {
            object: p::objects::TOKEN.into(),
            jwt: t.jwt,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Environment {
    display_config: DisplayConfig,
    user_settings: UserSettings,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DisplayConfig {
    application_name: String,
    resend_cooldown_seconds: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserSettings {
    attributes: Attributes,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Attributes {
    email_address: Attribute,
    phone_number: Attribute,
    username: Attribute,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Attribute {
    enabled: bool,
    required: bool,
    used_for_first_factor: bool,
}

impl From<Attribute> for p::Attribute {
    fn from(a: Attribute) -> Self {
        Self {
            enabled: a.enabled,
            required: a.required,
            used_for_first_factor: a.used_for_first_factor,
            ..Default::default()
        }
    }
}

impl From<Environment> for p::Environment {
    fn from(e: Environment) -> Self {
        let a = e.user_settings.attributes;
        Self {
            object: p::objects::ENVIRONMENT.into(),
            display_config: p::DisplayConfig {
                application_name: e.display_config.application_name,
                resend_cooldown_seconds: e.display_config.resend_cooldown_seconds,
                ..Default::default()
            },
            user_settings: p::UserSettings {
                attributes: p::Attributes {
                    email_address: a.email_address.into(),
                    phone_number: a.phone_number.into(),
                    username: a.username.into(),
                    ..Default::default()
                },
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_the_app_uses_and_tolerates_nulls() {
        let c = p::Client::decode(
            r#"{"id":"client_1","sessions":[{"id":"sess_1","status":"active","created_at":5,
                "user":{"id":"user_1","username":"jane","primary_phone_number_id":"idn_p",
                  "phone_numbers":[{"id":"idn_p","phone_number":"+12015550100",
                    "verification":{"status":"verified","strategy":"phone_code"}}],
                  "email_addresses":null,"web3_wallets":null,"public_metadata":{"x":[1]}}}],
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
        assert_eq!(Option::<p::Client>::decode("null").unwrap(), None);

        let su = p::SignUp::decode(
            r#"{"id":"sua_1","status":"missing_requirements","missing_fields":["username"],
                "unverified_fields":null,"created_session_id":null}"#,
        )
        .unwrap();
        assert_eq!(su.missing_fields, ["username"]);
        assert!(su.unverified_fields.is_empty());

        let env = p::Environment::decode(
            r#"{"display_config":{"application_name":"Acme","resend_cooldown_seconds":7},
                "user_settings":{"attributes":{"phone_number":{"enabled":true,"used_for_first_factor":true}}}}"#,
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
            p::Session::decode(r#"{"id":1}"#).is_err(),
            "wrong types still fail"
        );
        assert_eq!(errors(r#"{"errors":null}"#), []);
        assert_eq!(errors(r#"{"errors":[{"code":"x"}]}"#)[0].code, "x");
    }
}
