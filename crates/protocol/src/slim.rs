//! The resources as the app reads them: the same wire names as the full types in this crate,
//! with only the fields the app looks at.
//!
//! Why a second set of types: decoding, cloning and dropping every field of the full types
//! costs the wasm app ~100 KB of code for fields it never reads. These mirrors sit next to the
//! types they mirror, share their enums, errors and leniency (unknown keys ignored, missing keys
//! default, `null` lists read as empty), and a test serialises fully populated full values and
//! checks that every mirrored field decodes to the same value, so renaming a field on one side
//! fails the build's tests instead of becoming a silent default.

use serde::{Deserialize, Deserializer};

use crate::{
    ApiError, Millis, SessionStatus, SignInStatus, SignUpStatus, VerificationStatus,
    null_as_default,
};

/// Reads a present key as `Some(value)` (with `#[serde(default)]` an absent key stays `None`),
/// so `Some(None)` means the answer said `null`.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// A successful answer wrapped as `{response, client}` (most FAPI answers).
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de> + Default"))]
pub struct Response<T> {
    /// The resource (`null` or absent reads as `T::default()`, e.g. `None` for `Option<Client>`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub response: T,
}

/// The `client` an answer carries: at the top of a successful envelope, or under `meta` of an
/// error answer. `None`: the key is absent (leave the state alone); `Some(None)`: `null`
/// (no client any more).
#[derive(Debug, Default, Deserialize)]
pub struct CarriedClient {
    /// See the type.
    #[serde(default, deserialize_with = "present")]
    pub client: Option<Option<Client>>,
}

/// An error answer: `{errors, meta: {client}}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorAnswer {
    /// The errors, the main one first.
    #[serde(deserialize_with = "null_as_default")]
    pub errors: Vec<ApiError>,
    /// Carries the client, like a successful envelope's top level.
    #[serde(deserialize_with = "null_as_default")]
    pub meta: CarriedClient,
}

/// [`crate::Client`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Client {
    pub id: String,
    #[serde(deserialize_with = "null_as_default")]
    pub sessions: Vec<Session>,
    pub sign_in: Option<SignIn>,
    pub sign_up: Option<SignUp>,
    pub last_active_session_id: Option<String>,
}

impl Client {
    /// The session named by `last_active_session_id`, if it is in `sessions`.
    pub fn last_active_session(&self) -> Option<&Session> {
        let id = self.last_active_session_id.as_deref()?;
        self.sessions.iter().find(|s| s.id == id)
    }
}

/// [`crate::Session`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Session {
    pub id: String,
    pub status: SessionStatus,
    pub expire_at: Millis,
    pub last_active_at: Millis,
    pub user: Option<User>,
    pub created_at: Millis,
}

impl Session {
    /// Signed in (`active`, or `pending` with tasks left).
    pub fn is_signed_in(&self) -> bool {
        matches!(self.status, SessionStatus::Active | SessionStatus::Pending)
    }
}

/// [`crate::User`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct User {
    pub id: String,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub primary_email_address_id: Option<String>,
    pub primary_phone_number_id: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub email_addresses: Vec<EmailAddress>,
    #[serde(deserialize_with = "null_as_default")]
    pub phone_numbers: Vec<PhoneNumber>,
}

impl User {
    /// The primary email address, if any.
    pub fn primary_email_address(&self) -> Option<&str> {
        let id = self.primary_email_address_id.as_deref()?;
        self.email_addresses
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.email_address.as_str())
    }

    /// The primary phone number (E.164), if any.
    pub fn primary_phone_number(&self) -> Option<&str> {
        let id = self.primary_phone_number_id.as_deref()?;
        self.phone_numbers
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.phone_number.as_str())
    }
}

/// [`crate::EmailAddress`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct EmailAddress {
    pub id: String,
    pub email_address: String,
    pub verification: Option<Verification>,
}

/// [`crate::PhoneNumber`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct PhoneNumber {
    pub id: String,
    pub phone_number: String,
    pub verification: Option<Verification>,
}

/// [`crate::Verification`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Verification {
    pub status: VerificationStatus,
    pub strategy: Option<String>,
}

/// [`crate::SignUp`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SignUp {
    pub id: String,
    pub status: SignUpStatus,
    #[serde(deserialize_with = "null_as_default")]
    pub missing_fields: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub unverified_fields: Vec<String>,
    pub username: Option<String>,
    pub email_address: Option<String>,
    pub phone_number: Option<String>,
    pub created_session_id: Option<String>,
}

/// [`crate::SignInFactor`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SignInFactor {
    pub strategy: String,
    pub safe_identifier: Option<String>,
    pub email_address_id: Option<String>,
    pub phone_number_id: Option<String>,
}

/// [`crate::SignIn`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SignIn {
    pub id: String,
    pub status: SignInStatus,
    pub identifier: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub supported_first_factors: Vec<SignInFactor>,
    pub created_session_id: Option<String>,
}

/// [`crate::Token`] (answered bare, not in an envelope).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Token {
    pub jwt: String,
}

/// Any resource read only for its `id` (an added [`crate::EmailAddress`] or
/// [`crate::PhoneNumber`], a [`crate::DeletedObject`]): one decoder for all of them in the wasm.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Object {
    pub id: String,
}

/// [`crate::SessionWithActivities`]: one signed-in device on the account page.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Device {
    pub id: String,
    pub last_active_at: Millis,
    pub latest_activity: Option<DeviceActivity>,
}

/// [`crate::SessionActivity`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct DeviceActivity {
    pub browser_name: Option<String>,
    pub browser_version: Option<String>,
    pub device_type: Option<String>,
    pub is_mobile: bool,
}

/// [`crate::Environment`] (answered bare).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Environment {
    pub display_config: DisplayConfig,
    pub user_settings: UserSettings,
}

/// [`crate::DisplayConfig`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct DisplayConfig {
    pub application_name: String,
    /// Absent on servers that do not announce it (the app then assumes 30 s).
    pub resend_cooldown_seconds: Option<u64>,
    /// Absent on servers that do not announce it (the app then assumes 6).
    pub code_length: Option<usize>,
}

/// [`crate::UserSettings`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct UserSettings {
    pub attributes: Attributes,
}

/// [`crate::Attributes`]: the identifiers the app offers.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Attributes {
    pub email_address: Attribute,
    pub phone_number: Attribute,
    pub username: Attribute,
}

/// [`crate::Attribute`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Attribute {
    pub enabled: bool,
    pub required: bool,
    pub used_for_first_factor: bool,
}

/// The drift test: full values with every mirrored field (and every optional field around them)
/// set to a distinct value, serialised as the server does, must decode into mirrors that hold the
/// same values. `mirror_*` spell out, field by field, what each mirror must read.
#[cfg(test)]
mod tests {
    use super::*;
    use crate as full;

    fn s(v: &str) -> String {
        v.to_string()
    }

    fn full_verification(n: &str) -> full::Verification {
        full::Verification {
            object: Some(s("verification_otp")),
            status: VerificationStatus::Verified,
            strategy: Some(format!("{n}_code")),
            attempts: Some(2),
            expire_at: Some(99),
            error: None,
            verified_at_client: Some(s("client_1")),
            channel: Some(s("sms")),
            next_action: Some(s("")),
            supported_strategies: Some(vec![s("phone_code")]),
        }
    }

    fn full_user() -> full::User {
        full::User {
            object: s("user"),
            id: s("user_1"),
            external_id: Some(s("ext")),
            username: Some(s("jane")),
            first_name: Some(s("Jane")),
            last_name: Some(s("Doe")),
            image_url: s("https://img"),
            has_image: true,
            primary_email_address_id: Some(s("idn_e")),
            primary_phone_number_id: Some(s("idn_p")),
            email_addresses: vec![full::EmailAddress {
                object: s("email_address"),
                id: s("idn_e"),
                email_address: s("jane@example.com"),
                verification: Some(full_verification("email")),
                created_at: 1,
                updated_at: 2,
                ..Default::default()
            }],
            phone_numbers: vec![full::PhoneNumber {
                object: s("phone_number"),
                id: s("idn_p"),
                phone_number: s("+12015550100"),
                backup_codes: Some(vec![s("x")]),
                verification: Some(full_verification("phone")),
                created_at: 3,
                updated_at: 4,
                ..Default::default()
            }],
            last_sign_in_at: Some(7),
            legal_accepted_at: Some(8),
            created_at: 5,
            updated_at: 6,
            ..Default::default()
        }
    }

    fn full_sign_up() -> full::SignUp {
        full::SignUp {
            object: s("sign_up_attempt"),
            id: s("sua_1"),
            status: SignUpStatus::MissingRequirements,
            required_fields: vec![s("phone_number")],
            missing_fields: vec![s("username")],
            unverified_fields: vec![s("phone_number")],
            username: Some(s("jane")),
            email_address: Some(s("jane@example.com")),
            phone_number: Some(s("+12015550100")),
            created_session_id: Some(s("sess_9")),
            created_user_id: Some(s("user_9")),
            abandon_at: 10,
            locale: Some(s("de")),
            ..Default::default()
        }
    }

    fn full_sign_in() -> full::SignIn {
        full::SignIn {
            object: s("sign_in_attempt"),
            id: s("sia_1"),
            status: SignInStatus::NeedsFirstFactor,
            supported_identifiers: vec![s("phone_number")],
            identifier: Some(s("+12015550100")),
            supported_first_factors: vec![full::SignInFactor {
                strategy: s("phone_code"),
                safe_identifier: Some(s("+1******0100")),
                email_address_id: Some(s("idn_e")),
                phone_number_id: Some(s("idn_p")),
                primary: Some(true),
                default: Some(true),
            }],
            supported_second_factors: Some(vec![]),
            first_factor_verification: Some(full_verification("phone")),
            created_session_id: Some(s("sess_2")),
            abandon_at: 11,
            client_trust_state: Some(s("new")),
            ..Default::default()
        }
    }

    fn full_client() -> full::Client {
        full::Client {
            object: s("client"),
            id: s("client_1"),
            sessions: vec![full::Session {
                object: s("session"),
                id: s("sess_1"),
                status: SessionStatus::Pending,
                expire_at: 20,
                abandon_at: 21,
                last_active_at: 22,
                last_active_organization_id: Some(s("org")),
                user: Some(full_user()),
                created_at: 23,
                updated_at: 24,
                ..Default::default()
            }],
            sign_in: Some(full_sign_in()),
            sign_up: Some(full_sign_up()),
            last_active_session_id: Some(s("sess_1")),
            last_authentication_strategy: Some(s("phone_code")),
            cookie_expires_at: Some(30),
            captcha_bypass: true,
            created_at: 31,
            updated_at: 32,
        }
    }

    fn full_environment() -> full::Environment {
        let attribute = |n: u8| full::Attribute {
            enabled: n & 1 != 0,
            required: n & 2 != 0,
            used_for_first_factor: n & 4 != 0,
            first_factors: vec![s("phone_code")],
            immutable: Some(true),
            channels: Some(vec![s("sms")]),
            ..Default::default()
        };
        let mut env = full::Environment {
            object: s("environment"),
            id: s("env_1"),
            ..Default::default()
        };
        env.display_config.application_name = s("Acme");
        env.display_config.resend_cooldown_seconds = Some(17);
        env.display_config.code_length = Some(8);
        env.display_config.captcha_public_key = Some(s("k"));
        env.user_settings.attributes.email_address = attribute(0b101);
        env.user_settings.attributes.phone_number = attribute(0b111);
        env.user_settings.attributes.username = attribute(0b011);
        env
    }

    fn mirror_verification(v: &full::Verification) -> Verification {
        Verification {
            status: v.status,
            strategy: v.strategy.clone(),
        }
    }

    fn mirror_user(u: &full::User) -> User {
        User {
            id: u.id.clone(),
            username: u.username.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            primary_email_address_id: u.primary_email_address_id.clone(),
            primary_phone_number_id: u.primary_phone_number_id.clone(),
            email_addresses: u
                .email_addresses
                .iter()
                .map(|e| EmailAddress {
                    id: e.id.clone(),
                    email_address: e.email_address.clone(),
                    verification: e.verification.as_ref().map(mirror_verification),
                })
                .collect(),
            phone_numbers: u
                .phone_numbers
                .iter()
                .map(|p| PhoneNumber {
                    id: p.id.clone(),
                    phone_number: p.phone_number.clone(),
                    verification: p.verification.as_ref().map(mirror_verification),
                })
                .collect(),
        }
    }

    fn mirror_sign_up(su: &full::SignUp) -> SignUp {
        SignUp {
            id: su.id.clone(),
            status: su.status,
            missing_fields: su.missing_fields.clone(),
            unverified_fields: su.unverified_fields.clone(),
            username: su.username.clone(),
            email_address: su.email_address.clone(),
            phone_number: su.phone_number.clone(),
            created_session_id: su.created_session_id.clone(),
        }
    }

    fn mirror_sign_in(si: &full::SignIn) -> SignIn {
        SignIn {
            id: si.id.clone(),
            status: si.status,
            identifier: si.identifier.clone(),
            supported_first_factors: si
                .supported_first_factors
                .iter()
                .map(|f| SignInFactor {
                    strategy: f.strategy.clone(),
                    safe_identifier: f.safe_identifier.clone(),
                    email_address_id: f.email_address_id.clone(),
                    phone_number_id: f.phone_number_id.clone(),
                })
                .collect(),
            created_session_id: si.created_session_id.clone(),
        }
    }

    fn mirror_client(c: &full::Client) -> Client {
        Client {
            id: c.id.clone(),
            sessions: c
                .sessions
                .iter()
                .map(|s| Session {
                    id: s.id.clone(),
                    status: s.status,
                    expire_at: s.expire_at,
                    last_active_at: s.last_active_at,
                    user: s.user.as_ref().map(mirror_user),
                    created_at: s.created_at,
                })
                .collect(),
            sign_in: c.sign_in.as_ref().map(mirror_sign_in),
            sign_up: c.sign_up.as_ref().map(mirror_sign_up),
            last_active_session_id: c.last_active_session_id.clone(),
        }
    }

    fn mirror_environment(e: &full::Environment) -> Environment {
        let attribute = |a: &full::Attribute| Attribute {
            enabled: a.enabled,
            required: a.required,
            used_for_first_factor: a.used_for_first_factor,
        };
        let a = &e.user_settings.attributes;
        Environment {
            display_config: DisplayConfig {
                application_name: e.display_config.application_name.clone(),
                resend_cooldown_seconds: e.display_config.resend_cooldown_seconds,
                code_length: e.display_config.code_length,
            },
            user_settings: UserSettings {
                attributes: Attributes {
                    email_address: attribute(&a.email_address),
                    phone_number: attribute(&a.phone_number),
                    username: attribute(&a.username),
                },
            },
        }
    }

    /// Serialises `value` as the server does and decodes it as the app does.
    fn through_wire<F: serde::Serialize, M: serde::de::DeserializeOwned>(value: &F) -> M {
        serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
    }

    #[test]
    fn every_mirrored_field_decodes_to_the_value_the_server_wrote() {
        let client = full_client();
        let mirrored = mirror_client(&client);
        // The expectations are not defaults, or a field read as a default would pass.
        assert_ne!(mirrored, Client::default());
        assert_ne!(mirrored.sessions[0].user, Some(User::default()));
        assert_eq!(through_wire::<_, Client>(&client), mirrored);

        let env = full_environment();
        assert_eq!(
            through_wire::<_, Environment>(&env),
            mirror_environment(&env)
        );

        let token = full::Token {
            object: s("token"),
            jwt: s("a.b.c"),
        };
        assert_eq!(through_wire::<_, Token>(&token).jwt, "a.b.c");

        let device = full::SessionWithActivities {
            object: s("session"),
            id: s("sess_2"),
            status: full::SessionStatus::Active,
            expire_at: 9,
            abandon_at: 8,
            last_active_at: 7,
            latest_activity: Some(full::SessionActivity {
                object: s("session_activity"),
                id: s("sess_2"),
                browser_name: Some(s("Firefox")),
                browser_version: Some(s("140")),
                device_type: Some(s("Linux")),
                ip_address: Some(s("127.0.0.1")),
                city: None,
                country: None,
                is_mobile: true,
            }),
            actor: None,
        };
        assert_eq!(
            through_wire::<_, Vec<Device>>(&vec![device]),
            [Device {
                id: s("sess_2"),
                last_active_at: 7,
                latest_activity: Some(DeviceActivity {
                    browser_name: Some(s("Firefox")),
                    browser_version: Some(s("140")),
                    device_type: Some(s("Linux")),
                    is_mobile: true,
                }),
            }]
        );
        let deleted = full::DeletedObject {
            object: s("user"),
            id: s("user_1"),
            deleted: true,
        };
        assert_eq!(through_wire::<_, Object>(&deleted).id, "user_1");

        let envelope = full::Envelope {
            response: Some(full_sign_up()),
            client: Some(client.clone()),
        };
        let response: Response<SignUp> = through_wire(&envelope);
        assert_eq!(response.response, mirror_sign_up(&full_sign_up()));
        let carried: CarriedClient = through_wire(&envelope);
        assert_eq!(carried.client, Some(Some(mirrored)));

        let error = full::ApiError {
            code: s("too_many_requests"),
            message: s("Too many requests"),
            long_message: Some(s("Try again later.")),
            meta: full::ErrorMeta {
                param_name: Some(s("code")),
                session_id: Some(s("sess_1")),
                retry_after_seconds: Some(30),
                lockout_expires_in_seconds: Some(60),
            },
        };
        let body = full::ErrorResponse {
            errors: vec![error.clone()],
            meta: Some(full::ErrorResponseMeta {
                client: Some(client.clone()),
            }),
            clerk_trace_id: Some(s("trace")),
        };
        let answer: ErrorAnswer = through_wire(&body);
        assert_eq!(answer.errors, [error]);
        assert_eq!(answer.meta.client, Some(Some(mirror_client(&client))));
    }

    #[test]
    fn tolerates_nulls_unknown_keys_and_unknown_statuses() {
        let c: Client = serde_json::from_str(
            r#"{"id":"client_1","sessions":null,"sign_up":null,"brand_new":{"a":[1.5e3,null]},
                "sign_in":{"id":"sia_1","status":"needs_something_new","supported_first_factors":null}}"#,
        )
        .unwrap();
        assert!(c.sessions.is_empty());
        assert_eq!(c.sign_in.unwrap().status, SignInStatus::Unknown);
        let none: Response<Option<Client>> =
            serde_json::from_str(r#"{"response":null,"client":null}"#).unwrap();
        assert_eq!(none.response, None);
        let absent: CarriedClient = serde_json::from_str(r#"{"response":{}}"#).unwrap();
        assert_eq!(absent.client, None, "no client key: leave the state alone");
        let null: CarriedClient = serde_json::from_str(r#"{"client":null}"#).unwrap();
        assert_eq!(null.client, Some(None), "null: no client any more");
        assert!(
            serde_json::from_str::<Session>(r#"{"id":1}"#).is_err(),
            "a wrong type still fails"
        );
    }
}
