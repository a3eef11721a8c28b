//! Wire types of the Clerk Frontend API (FAPI) subset that onetime speaks.
//!
//! Shared by the app and the server so the two cannot drift apart.
//!
//! Conventions (see `fapi.md`):
//! - timestamps are unix **milliseconds** (`i64`);
//! - every resource carries an `object` discriminator (see [`objects`]);
//! - deserialisation is lenient: unknown fields are ignored, missing fields default,
//!   and `null` for a list is read as an empty list;
//! - request forms are `application/x-www-form-urlencoded` with snake_case keys, and an
//!   empty string means "not given" ([`empty_as_none`]).
//!
//! This crate depends on serde and serde_json only, so it builds for `wasm32-unknown-unknown`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Milliseconds since the unix epoch.
pub type Millis = i64;

/// The fields the app reads, as slim mirrors of these types.
pub mod slim;

/// `object` discriminator values.
pub mod objects {
    /// [`crate::Client`].
    pub const CLIENT: &str = "client";
    /// [`crate::Session`].
    pub const SESSION: &str = "session";
    /// [`crate::SignIn`].
    pub const SIGN_IN: &str = "sign_in_attempt";
    /// [`crate::SignUp`].
    pub const SIGN_UP: &str = "sign_up_attempt";
    /// [`crate::Token`].
    pub const TOKEN: &str = "token";
    /// [`crate::User`].
    pub const USER: &str = "user";
    /// [`crate::EmailAddress`].
    pub const EMAIL_ADDRESS: &str = "email_address";
    /// [`crate::PhoneNumber`].
    pub const PHONE_NUMBER: &str = "phone_number";
    /// [`crate::Verification`] of a one-time code.
    pub const VERIFICATION_OTP: &str = "verification_otp";
    /// [`crate::SessionActivity`].
    pub const SESSION_ACTIVITY: &str = "session_activity";
    /// [`crate::Environment`].
    pub const ENVIRONMENT: &str = "environment";
    /// [`crate::AuthConfig`].
    pub const AUTH_CONFIG: &str = "auth_config";
    /// [`crate::DisplayConfig`].
    pub const DISPLAY_CONFIG: &str = "display_config";
}

/// Verification strategies.
pub mod strategies {
    /// A code sent by SMS.
    pub const PHONE_CODE: &str = "phone_code";
    /// A code sent by email.
    pub const EMAIL_CODE: &str = "email_code";
}

/// Names of sign-up fields and user attributes as they appear in `required_fields`,
/// `missing_fields`, `supported_identifiers`, `user_settings.attributes` and `meta.param_name`.
pub mod fields {
    /// Phone number (E.164).
    pub const PHONE_NUMBER: &str = "phone_number";
    /// Email address.
    pub const EMAIL_ADDRESS: &str = "email_address";
    /// Username.
    pub const USERNAME: &str = "username";
    /// First name.
    pub const FIRST_NAME: &str = "first_name";
    /// Last name.
    pub const LAST_NAME: &str = "last_name";
    /// Password (always disabled in onetime).
    pub const PASSWORD: &str = "password";
    /// The client's language (BCP 47), for the code's message.
    pub const LOCALE: &str = "locale";
    /// Sign-in identifier.
    pub const IDENTIFIER: &str = "identifier";
    /// Verification strategy parameter.
    pub const STRATEGY: &str = "strategy";
    /// The one-time code parameter.
    pub const CODE: &str = "code";
    /// Phone number id parameter of `prepare_first_factor`.
    pub const PHONE_NUMBER_ID: &str = "phone_number_id";
    /// Email address id parameter of `prepare_first_factor`.
    pub const EMAIL_ADDRESS_ID: &str = "email_address_id";
}

/// `next_action` values of a sign-up verification.
pub mod next_actions {
    /// The code has not been sent yet.
    pub const NEEDS_PREPARE: &str = "needs_prepare";
    /// The code has been sent; submit it.
    pub const NEEDS_ATTEMPT: &str = "needs_attempt";
    /// Nothing left to do.
    pub const NONE: &str = "";
}

/// Error codes (`errors[].code`), with the HTTP status the server uses noted on each.
pub mod codes {
    /// 422: a required parameter is missing.
    pub const FORM_PARAM_MISSING: &str = "form_param_missing";
    /// 422: a parameter is malformed (bad phone number or email address).
    pub const FORM_PARAM_FORMAT_INVALID: &str = "form_param_format_invalid";
    /// 422: a parameter has a value outside the allowed set (e.g. an unknown `strategy`).
    pub const FORM_PARAM_VALUE_INVALID: &str = "form_param_value_invalid";
    /// 422: an identifier is already taken by another user.
    pub const FORM_IDENTIFIER_EXISTS: &str = "form_identifier_exists";
    /// 422: no user has this identifier.
    pub const FORM_IDENTIFIER_NOT_FOUND: &str = "form_identifier_not_found";
    /// 422: the code is wrong.
    pub const FORM_CODE_INCORRECT: &str = "form_code_incorrect";
    /// 422: a parameter is required because of another parameter's value.
    pub const FORM_CONDITIONAL_PARAM_MISSING: &str = "form_conditional_param_missing";
    /// 400: the code expired.
    pub const VERIFICATION_EXPIRED: &str = "verification_expired";
    /// 400: too many wrong attempts; the verification is `failed`.
    pub const VERIFICATION_FAILED: &str = "verification_failed";
    /// 400: attempt before prepare.
    pub const VERIFICATION_MISSING: &str = "verification_missing";
    /// 400: the verification has already been verified (code reuse).
    pub const VERIFICATION_ALREADY_VERIFIED: &str = "verification_already_verified";
    /// 400: the strategy does not match the prepared verification.
    pub const VERIFICATION_STRATEGY_INVALID: &str = "verification_strategy_invalid";
    /// 400: the factor is not available for this account.
    pub const STRATEGY_FOR_USER_INVALID: &str = "strategy_for_user_invalid";
    /// 400: the action is not allowed in the current state (e.g. already complete).
    pub const CLIENT_STATE_INVALID: &str = "client_state_invalid";
    /// 404: the id does not exist (for this client).
    pub const RESOURCE_NOT_FOUND: &str = "resource_not_found";
    /// 400: already signed in (single-session mode).
    pub const SESSION_EXISTS: &str = "session_exists";
    /// 429: rate limited; see the `Retry-After` header.
    pub const TOO_MANY_REQUESTS: &str = "too_many_requests";
    /// 403: too many wrong codes for this identifier; `meta.lockout_expires_in_seconds`.
    pub const USER_LOCKED: &str = "user_locked";
    /// 403: a mutation from an origin this instance does not allow.
    pub const ORIGIN_INVALID: &str = "origin_invalid";
    /// 401: no active session for this request.
    pub const AUTHENTICATION_INVALID: &str = "authentication_invalid";
    /// 401: the session is signed out.
    pub const SIGNED_OUT: &str = "signed_out";
    /// 400: the request expects a client and there is none.
    pub const CLIENT_NOT_FOUND: &str = "client_not_found";
    /// 502: the code could not be delivered (onetime-specific).
    pub const DELIVERY_FAILED: &str = "delivery_failed";
    /// 500: internal error.
    pub const INTERNAL_CLERK_ERROR: &str = "internal_clerk_error";
}

/// Deserialises `null` (or a missing field, with `#[serde(default)]`) as `T::default()`.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Deserialises an optional string, treating the empty string as `None` (FAPI form rule).
pub fn empty_as_none<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $variant,)+
            /// A value this version does not know (tolerated when deserialising).
            #[default]
            #[serde(other, rename = "unknown")]
            Unknown,
        }
        impl $name {
            /// The wire string.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $s,)+
                    Self::Unknown => "unknown",
                }
            }

            /// The variant a wire string names, [`Self::Unknown`] for any other string (what
            /// deserialising does, for readers that do not use serde).
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $($s => Self::$variant,)+
                    _ => Self::Unknown,
                }
            }
        }
        impl From<String> for $name {
            /// What [`Self::from_wire`] reads (for rows that store the wire string).
            fn from(s: String) -> Self {
                Self::from_wire(&s)
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// Status of a [`Session`].
    SessionStatus {
        /// Signed in.
        Active = "active",
        /// Signed in with pending tasks.
        Pending = "pending",
        /// Ended by the user (`end`).
        Ended = "ended",
        /// Lifetime over.
        Expired = "expired",
        /// Removed (`remove`, sign-out).
        Removed = "removed",
        /// Replaced by another session.
        Replaced = "replaced",
        /// Revoked by the backend.
        Revoked = "revoked",
        /// Abandoned.
        Abandoned = "abandoned",
    }
}

string_enum! {
    /// Status of a [`SignUp`].
    SignUpStatus {
        /// Fields are missing or unverified.
        MissingRequirements = "missing_requirements",
        /// The user and a session were created.
        Complete = "complete",
        /// Inactive for too long.
        Abandoned = "abandoned",
    }
}

string_enum! {
    /// Status of a [`SignIn`].
    SignInStatus {
        /// Inactive for too long.
        Abandoned = "abandoned",
        /// Created without an identifier.
        NeedsIdentifier = "needs_identifier",
        /// Prepare and attempt a first factor.
        NeedsFirstFactor = "needs_first_factor",
        /// MFA required (not used by onetime).
        NeedsSecondFactor = "needs_second_factor",
        /// Device trust required (not used by onetime).
        NeedsClientTrust = "needs_client_trust",
        /// Password reset (not used by onetime).
        NeedsNewPassword = "needs_new_password",
        /// A session was created.
        Complete = "complete",
    }
}

string_enum! {
    /// Status of a [`Verification`].
    VerificationStatus {
        /// Not verified yet (possibly not prepared yet).
        Unverified = "unverified",
        /// Verified.
        Verified = "verified",
        /// Sign-in can be transferred to sign-up.
        Transferable = "transferable",
        /// Too many wrong attempts.
        Failed = "failed",
        /// The code expired.
        Expired = "expired",
    }
}

/// The standard response envelope of FAPI mutations and most GETs.
///
/// `client` is the **full** current client (clerk-js replaces its state with it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Envelope<T> {
    /// The resource the request was about.
    #[serde(default = "none")]
    pub response: Option<T>,
    /// The full current client, or `null` when there is none.
    #[serde(default)]
    pub client: Option<Client>,
}

fn none<T>() -> Option<T> {
    None
}

impl<T> Default for Envelope<T> {
    fn default() -> Self {
        Self {
            response: None,
            client: None,
        }
    }
}

/// A browser's auth state: its sessions and the sign-in / sign-up in progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Client {
    /// Always `"client"`.
    pub object: String,
    /// `client_…`.
    pub id: String,
    /// Sessions of this client (all statuses the server still reports).
    #[serde(deserialize_with = "null_as_default")]
    pub sessions: Vec<Session>,
    /// The current sign-in attempt.
    pub sign_in: Option<SignIn>,
    /// The current sign-up attempt.
    pub sign_up: Option<SignUp>,
    /// The session the client last activated.
    pub last_active_session_id: Option<String>,
    /// Strategy of the last authentication.
    pub last_authentication_strategy: Option<String>,
    /// When the client cookie expires (ms).
    pub cookie_expires_at: Option<Millis>,
    /// Always false.
    pub captcha_bypass: bool,
    /// Creation time (ms).
    pub created_at: Millis,
    /// Last update (ms).
    pub updated_at: Millis,
}

impl Client {
    /// The session named by `last_active_session_id`, if it is in `sessions`.
    pub fn last_active_session(&self) -> Option<&Session> {
        let id = self.last_active_session_id.as_deref()?;
        self.sessions.iter().find(|s| s.id == id)
    }
}

/// A signed-in session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Session {
    /// Always `"session"`.
    pub object: String,
    /// `sess_…`.
    pub id: String,
    /// Status.
    pub status: SessionStatus,
    /// Absolute expiry (ms).
    pub expire_at: Millis,
    /// Inactivity expiry (ms).
    pub abandon_at: Millis,
    /// Last touch (ms).
    pub last_active_at: Millis,
    /// Always null (no organizations).
    pub last_active_organization_id: Option<String>,
    /// A recent session JWT, or null.
    pub last_active_token: Option<Token>,
    /// Always null.
    pub actor: Option<Value>,
    /// Always null.
    pub tasks: Option<Value>,
    /// Minutes since the first and second factor verification (`-1` = never).
    pub factor_verification_age: Option<Vec<i64>>,
    /// The signed-in user.
    pub user: Option<User>,
    /// Public data of the user.
    pub public_user_data: Option<PublicUserData>,
    /// Creation time (ms).
    pub created_at: Millis,
    /// Last update (ms).
    pub updated_at: Millis,
}

/// One of the signed-in user's sessions as the account page lists them
/// (`GET /v1/me/sessions/active`, clerk-js `SessionWithActivities`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionWithActivities {
    /// Always `"session"`.
    pub object: String,
    /// `sess_…`.
    pub id: String,
    /// Status.
    pub status: SessionStatus,
    /// Absolute expiry (ms).
    pub expire_at: Millis,
    /// Inactivity expiry (ms).
    pub abandon_at: Millis,
    /// Last touch (ms).
    pub last_active_at: Millis,
    /// The device it was created on.
    pub latest_activity: Option<SessionActivity>,
    /// Always null (no impersonation).
    pub actor: Option<Value>,
}

/// The device of a [`SessionWithActivities`], from the `User-Agent` it was created with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionActivity {
    /// Always `"session_activity"`.
    pub object: String,
    /// The session's id.
    pub id: String,
    /// `Chrome`, `Firefox`, `Safari`, `Edge`, `Opera`, or null when unknown.
    pub browser_name: Option<String>,
    /// The browser's major version.
    pub browser_version: Option<String>,
    /// `Android`, `iPhone`, `iPad`, `Windows`, `Macintosh`, `Linux`, or null.
    pub device_type: Option<String>,
    /// The client address it signed in from.
    pub ip_address: Option<String>,
    /// Not known (no geolocation).
    pub city: Option<String>,
    /// Not known (no geolocation).
    pub country: Option<String>,
    /// A phone or tablet.
    pub is_mobile: bool,
}

/// What a `DELETE` answers with: the object that is gone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeletedObject {
    /// The deleted object's kind (`"user"`, ...).
    pub object: String,
    /// Its id.
    pub id: String,
    /// Always true.
    pub deleted: bool,
}

/// Public data of a session's user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublicUserData {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Avatar URL (empty).
    pub image_url: String,
    /// Always false.
    pub has_image: bool,
    /// The primary identifier (phone, email or username).
    pub identifier: String,
    /// `user_…`.
    pub user_id: Option<String>,
}

/// A user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    /// Always `"user"`.
    pub object: String,
    /// `user_…`.
    pub id: String,
    /// Always null.
    pub external_id: Option<String>,
    /// Username, if set.
    pub username: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Avatar URL (empty).
    pub image_url: String,
    /// Always false.
    pub has_image: bool,
    /// Id of the primary [`EmailAddress`].
    pub primary_email_address_id: Option<String>,
    /// Id of the primary [`PhoneNumber`].
    pub primary_phone_number_id: Option<String>,
    /// Always null.
    pub primary_web3_wallet_id: Option<String>,
    /// Email addresses.
    #[serde(deserialize_with = "null_as_default")]
    pub email_addresses: Vec<EmailAddress>,
    /// Phone numbers.
    #[serde(deserialize_with = "null_as_default")]
    pub phone_numbers: Vec<PhoneNumber>,
    /// Always empty.
    #[serde(deserialize_with = "null_as_default")]
    pub web3_wallets: Vec<Value>,
    /// Always empty.
    #[serde(deserialize_with = "null_as_default")]
    pub passkeys: Vec<Value>,
    /// Always empty.
    #[serde(deserialize_with = "null_as_default")]
    pub external_accounts: Vec<Value>,
    /// Always empty.
    #[serde(deserialize_with = "null_as_default")]
    pub enterprise_accounts: Vec<Value>,
    /// Always empty.
    #[serde(deserialize_with = "null_as_default")]
    pub saml_accounts: Vec<Value>,
    /// Always empty.
    #[serde(deserialize_with = "null_as_default")]
    pub organization_memberships: Vec<Value>,
    /// Always false (passwordless).
    pub password_enabled: bool,
    /// Always false.
    pub two_factor_enabled: bool,
    /// Always false.
    pub totp_enabled: bool,
    /// Always false.
    pub backup_code_enabled: bool,
    /// Public metadata (`{}`).
    pub public_metadata: Value,
    /// Unsafe metadata (`{}`).
    pub unsafe_metadata: Value,
    /// Always false.
    pub banned: bool,
    /// Always false.
    pub locked: bool,
    /// Last sign-in (ms).
    pub last_sign_in_at: Option<Millis>,
    /// Whether the user may delete themselves.
    pub delete_self_enabled: bool,
    /// Always false.
    pub create_organization_enabled: bool,
    /// Always null.
    pub legal_accepted_at: Option<Millis>,
    /// Creation time (ms).
    pub created_at: Millis,
    /// Last update (ms).
    pub updated_at: Millis,
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmailAddress {
    /// Always `"email_address"`.
    pub object: String,
    /// `idn_…`.
    pub id: String,
    /// The address.
    pub email_address: String,
    /// Always false.
    pub reserved: bool,
    /// Always empty.
    #[serde(deserialize_with = "null_as_default")]
    pub linked_to: Vec<Value>,
    /// Always false.
    pub matches_sso_connection: bool,
    /// How it was verified.
    pub verification: Option<Verification>,
    /// Creation time (ms).
    pub created_at: Millis,
    /// Last update (ms).
    pub updated_at: Millis,
}

/// A phone number of a user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PhoneNumber {
    /// Always `"phone_number"`.
    pub object: String,
    /// `idn_…`.
    pub id: String,
    /// The number in E.164.
    pub phone_number: String,
    /// Always false.
    pub reserved: bool,
    /// Always false.
    pub reserved_for_second_factor: bool,
    /// Always false.
    pub default_second_factor: bool,
    /// Always empty.
    #[serde(deserialize_with = "null_as_default")]
    pub linked_to: Vec<Value>,
    /// Always null.
    pub backup_codes: Option<Vec<String>>,
    /// How it was verified.
    pub verification: Option<Verification>,
    /// Creation time (ms).
    pub created_at: Millis,
    /// Last update (ms).
    pub updated_at: Millis,
}

/// A one-time-code verification (`verification_otp`).
///
/// In a sign-up's `verifications` it also carries `next_action` and `supported_strategies`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Verification {
    /// `"verification_otp"`.
    pub object: Option<String>,
    /// Status.
    pub status: VerificationStatus,
    /// `phone_code` or `email_code`.
    pub strategy: Option<String>,
    /// Wrong attempts so far.
    pub attempts: Option<u32>,
    /// When the current code expires (ms), or null before prepare.
    pub expire_at: Option<Millis>,
    /// The last error, if any.
    pub error: Option<ApiError>,
    /// Always null.
    pub verified_at_client: Option<String>,
    /// `sms` for phone codes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Sign-up only: `needs_prepare`, `needs_attempt` or `""` (see [`next_actions`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_action: Option<String>,
    /// Sign-up only: the strategies that can verify this field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported_strategies: Option<Vec<String>>,
}

/// The four verification slots of a sign-up (always all present, possibly null).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignUpVerifications {
    /// Email address verification.
    pub email_address: Option<Verification>,
    /// Phone number verification.
    pub phone_number: Option<Verification>,
    /// Always null.
    pub web3_wallet: Option<Verification>,
    /// Always null.
    pub external_account: Option<Verification>,
}

/// A sign-up attempt (`sign_up_attempt`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignUp {
    /// Always `"sign_up_attempt"`.
    pub object: String,
    /// `sua_…`.
    pub id: String,
    /// Status.
    pub status: SignUpStatus,
    /// Fields the instance requires.
    #[serde(deserialize_with = "null_as_default")]
    pub required_fields: Vec<String>,
    /// Fields the instance accepts but does not require.
    #[serde(deserialize_with = "null_as_default")]
    pub optional_fields: Vec<String>,
    /// Required fields not given yet.
    #[serde(deserialize_with = "null_as_default")]
    pub missing_fields: Vec<String>,
    /// Given fields that still need verification.
    #[serde(deserialize_with = "null_as_default")]
    pub unverified_fields: Vec<String>,
    /// Verification state per identifier.
    pub verifications: SignUpVerifications,
    /// Username.
    pub username: Option<String>,
    /// Email address.
    pub email_address: Option<String>,
    /// Phone number (E.164).
    pub phone_number: Option<String>,
    /// Always null.
    pub web3_wallet: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Always false.
    pub password_enabled: bool,
    /// Always false.
    pub has_password: bool,
    /// Unsafe metadata (`{}`).
    pub unsafe_metadata: Value,
    /// Public metadata (`{}`).
    pub public_metadata: Value,
    /// Always false.
    pub custom_action: bool,
    /// Always null.
    pub external_id: Option<String>,
    /// The session created on completion.
    pub created_session_id: Option<String>,
    /// The user created on completion.
    pub created_user_id: Option<String>,
    /// Inactivity expiry (ms).
    pub abandon_at: Millis,
    /// Always null.
    pub legal_accepted_at: Option<Millis>,
    /// Locale sent on create.
    pub locale: Option<String>,
}

/// A factor offered by a sign-in (`supported_first_factors[]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInFactor {
    /// `phone_code` or `email_code`.
    pub strategy: String,
    /// The masked identifier the code goes to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_identifier: Option<String>,
    /// For `email_code`: the [`EmailAddress`] id to pass to `prepare_first_factor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address_id: Option<String>,
    /// For `phone_code`: the [`PhoneNumber`] id to pass to `prepare_first_factor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    /// Whether this is the user's primary identifier of its kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Whether this is the default factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
}

/// Public user data shown during sign-in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInUserData {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Avatar URL (empty).
    pub image_url: String,
    /// Always false.
    pub has_image: bool,
}

/// A sign-in attempt (`sign_in_attempt`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignIn {
    /// Always `"sign_in_attempt"`.
    pub object: String,
    /// `sia_…`.
    pub id: String,
    /// Status.
    pub status: SignInStatus,
    /// Identifier kinds the instance accepts.
    #[serde(deserialize_with = "null_as_default")]
    pub supported_identifiers: Vec<String>,
    /// The identifier given on create.
    pub identifier: Option<String>,
    /// Factors the user can sign in with.
    #[serde(deserialize_with = "null_as_default")]
    pub supported_first_factors: Vec<SignInFactor>,
    /// Always null.
    pub supported_second_factors: Option<Vec<SignInFactor>>,
    /// The prepared first factor.
    pub first_factor_verification: Option<Verification>,
    /// Always null.
    pub second_factor_verification: Option<Verification>,
    /// Public data of the user being signed in.
    pub user_data: Option<SignInUserData>,
    /// The session created on completion.
    pub created_session_id: Option<String>,
    /// Inactivity expiry (ms).
    pub abandon_at: Millis,
    /// `"known"`.
    pub client_trust_state: Option<String>,
}

/// A session JWT (`{object:"token", jwt}`), returned bare by the `tokens` endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Token {
    /// Always `"token"`.
    pub object: String,
    /// The RS256 JWT (60 s lifetime).
    pub jwt: String,
}

/// The instance configuration as the client sees it (`GET /v1/environment`, bare).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Environment {
    /// Always `"environment"`.
    pub object: String,
    /// Instance id.
    pub id: String,
    /// Session behaviour.
    pub auth_config: AuthConfig,
    /// Names and URLs.
    pub display_config: DisplayConfig,
    /// Which identifiers are enabled, required and usable to sign in.
    pub user_settings: UserSettings,
    /// Organizations (always disabled).
    pub organization_settings: OrganizationSettings,
    /// Always false.
    pub maintenance_mode: bool,
}

/// `environment.auth_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthConfig {
    /// Always `"auth_config"`.
    pub object: String,
    /// Id.
    pub id: String,
    /// One session per client.
    pub single_session_mode: bool,
    /// Always null.
    pub claimed_at: Option<Millis>,
    /// Always false.
    pub reverification: bool,
    /// Whether Clerk's test identifiers (code 424242) work (dev mode).
    pub test_mode: bool,
}

/// `environment.display_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DisplayConfig {
    /// Always `"display_config"`.
    pub object: String,
    /// Id.
    pub id: String,
    /// `production` or `development`.
    pub instance_environment_type: String,
    /// Shown in messages and the UI.
    pub application_name: String,
    /// `otp`.
    pub preferred_sign_in_strategy: String,
    /// Always null (no CAPTCHA).
    pub captcha_public_key: Option<String>,
    /// Always null.
    pub captcha_public_key_invisible: Option<String>,
    /// Always null.
    pub captcha_widget_type: Option<String>,
    /// `turnstile`.
    pub captcha_provider: String,
    /// Always empty.
    #[serde(deserialize_with = "null_as_default")]
    pub captcha_oauth_bypass: Vec<String>,
    /// Always false.
    pub captcha_heartbeat: bool,
    /// App home URL.
    pub home_url: String,
    /// Sign-in page URL.
    pub sign_in_url: String,
    /// Sign-up page URL.
    pub sign_up_url: String,
    /// Where to go after sign-in.
    pub after_sign_in_url: String,
    /// Where to go after sign-up.
    pub after_sign_up_url: String,
    /// Where to go after signing out one session.
    pub after_sign_out_one_url: String,
    /// Where to go after signing out all sessions.
    pub after_sign_out_all_url: String,
    /// Always false.
    pub branded: bool,
    /// Always false.
    pub show_devmode_warning: bool,
    /// onetime-specific: seconds a client must wait after a code was sent before it may ask for
    /// another for the same verification (the server's resend cooldown). The app's "Resend code"
    /// countdown uses it; absent means 30. Additive: clerk-js ignores unknown keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resend_cooldown_seconds: Option<u64>,
    /// onetime's addition: how many digits a code has (`[codes] length`, 4 to 10). The app's code
    /// input draws this many slots and submits at the last one; absent means 6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_length: Option<usize>,
}

/// `environment.organization_settings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrganizationSettings {
    /// Always false.
    pub enabled: bool,
}

/// `environment.user_settings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserSettings {
    /// Per-attribute settings.
    pub attributes: Attributes,
    /// Sign-in settings.
    pub sign_in: SignInSettings,
    /// Sign-up settings.
    pub sign_up: SignUpSettings,
    /// Always `{}`.
    pub social: BTreeMap<String, Value>,
    /// Self-service actions.
    pub actions: Actions,
    /// Attack protection.
    pub attack_protection: AttackProtection,
}

impl UserSettings {
    /// Identifier kinds usable to sign in (`phone_number`, `email_address`, `username`), in that order.
    pub fn first_factor_identifiers(&self) -> Vec<&'static str> {
        let a = &self.attributes;
        [
            (fields::PHONE_NUMBER, &a.phone_number),
            (fields::EMAIL_ADDRESS, &a.email_address),
            (fields::USERNAME, &a.username),
        ]
        .into_iter()
        .filter(|(_, at)| at.enabled && at.used_for_first_factor)
        .map(|(n, _)| n)
        .collect()
    }
}

/// `user_settings.attributes`: the attributes onetime knows (others are ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Attributes {
    /// Email address.
    pub email_address: Attribute,
    /// Phone number.
    pub phone_number: Attribute,
    /// Username.
    pub username: Attribute,
    /// First name.
    pub first_name: Attribute,
    /// Last name.
    pub last_name: Attribute,
    /// Password (always disabled).
    pub password: Attribute,
}

/// Settings of one user attribute.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Attribute {
    /// Can be given.
    pub enabled: bool,
    /// Must be given at sign-up.
    pub required: bool,
    /// Can identify the user at sign-in.
    pub used_for_first_factor: bool,
    /// First-factor strategies (`phone_code`, `email_code`).
    #[serde(deserialize_with = "null_as_default")]
    pub first_factors: Vec<String>,
    /// Always false.
    pub used_for_second_factor: bool,
    /// Always empty.
    #[serde(deserialize_with = "null_as_default")]
    pub second_factors: Vec<String>,
    /// Verification strategies.
    #[serde(deserialize_with = "null_as_default")]
    pub verifications: Vec<String>,
    /// Verified during sign-up.
    pub verify_at_sign_up: bool,
    /// Cannot be changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
    /// Phone channels (`sms`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<String>>,
}

/// `user_settings.sign_in`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInSettings {
    /// Second factor (always off).
    pub second_factor: SecondFactorSettings,
}

/// `user_settings.sign_in.second_factor`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecondFactorSettings {
    /// Always false.
    pub required: bool,
    /// Always false.
    pub enabled: bool,
}

/// `user_settings.sign_up`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignUpSettings {
    /// Always false.
    pub captcha_enabled: bool,
    /// Always false.
    pub custom_action_required: bool,
    /// Always true.
    pub progressive: bool,
    /// `public`.
    pub mode: String,
    /// Always false.
    pub legal_consent_enabled: bool,
    /// Always false.
    pub allowlist_only: bool,
}

/// `user_settings.actions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Actions {
    /// Whether users may delete themselves.
    pub delete_self: bool,
    /// Always false.
    pub create_organization: bool,
}

/// `user_settings.attack_protection`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttackProtection {
    /// Enumeration protection.
    pub enumeration_protection: EnabledFlag,
}

/// `{ "enabled": bool }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EnabledFlag {
    /// The flag.
    pub enabled: bool,
}

/// The error body of every 4xx/5xx answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ErrorResponse {
    /// The errors (at least one).
    #[serde(deserialize_with = "null_as_default")]
    pub errors: Vec<ApiError>,
    /// Top-level meta; `meta.client` carries the current client on mutation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<ErrorResponseMeta>,
    /// Request trace id.
    pub clerk_trace_id: Option<String>,
}

/// Top-level `meta` of an [`ErrorResponse`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ErrorResponseMeta {
    /// The full current client (clerk-js replaces its state with it even on errors).
    pub client: Option<Client>,
}

/// One error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiError {
    /// Machine-readable code (see [`codes`]).
    pub code: String,
    /// Short message.
    pub message: String,
    /// Human-readable message.
    pub long_message: Option<String>,
    /// Details.
    pub meta: ErrorMeta,
}

/// `errors[].meta`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ErrorMeta {
    /// The form parameter at fault.
    pub param_name: Option<String>,
    /// A related session id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Seconds until a retry is allowed (for 429; onetime-specific).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// Seconds until a locked identifier unlocks (403 `user_locked`, as Clerk's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockout_expires_in_seconds: Option<u64>,
}

/// `GET /.well-known/jwks.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// A public key in JWK form (RFC 7517/7518/8037): RSA (`n`, `e`), EC P-256 (`crv`, `x`, `y`) or
/// Ed25519 (`crv`, `x`); the members of other key types are left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Jwk {
    /// Key id (matches the JWT header `kid`).
    pub kid: String,
    /// `RS256`, `ES256` or `EdDSA`.
    pub alg: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub use_: String,
    /// `RSA`, `EC` or `OKP`.
    pub kty: String,
    /// RSA modulus, base64url without padding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA exponent, base64url without padding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// Curve: `P-256` or `Ed25519`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC x coordinate, or the Ed25519 public key; base64url without padding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y coordinate, base64url without padding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

/// Claims of a session JWT (times in **seconds**).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionClaims {
    /// Issuer (the server's public URL).
    pub iss: String,
    /// User id.
    pub sub: String,
    /// Session id.
    pub sid: String,
    /// Issued at.
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expiry.
    pub exp: i64,
    /// Token id.
    pub jti: String,
    /// Authorized party (request `Origin`), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// Claims version (2).
    pub v: u32,
}

// ----- request forms (application/x-www-form-urlencoded) -----

/// Body of `POST /v1/client/sign_ups` and `PATCH /v1/client/sign_ups/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateSignUp {
    /// Phone number (E.164).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub phone_number: Option<String>,
    /// Email address.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub email_address: Option<String>,
    /// Username.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub username: Option<String>,
    /// First name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub last_name: Option<String>,
    /// Browser locale (e.g. `en-US`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub locale: Option<String>,
}

/// Body of `PATCH /v1/client/sign_ups/{id}` (same fields as create).
pub type UpdateSignUp = CreateSignUp;

/// Body of `PATCH /v1/me` (clerk-js `user.update`): a field that is absent stays as it is; an
/// empty name clears it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateUser {
    /// Username (an empty one clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// First name (an empty one clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name (an empty one clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// One of the user's email addresses, `idn_…`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub primary_email_address_id: Option<String>,
    /// One of the user's phone numbers, `idn_…`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub primary_phone_number_id: Option<String>,
}

/// Body of `POST /v1/me/phone_numbers` / `POST /v1/me/email_addresses` (clerk-js
/// `user.createPhoneNumber` / `user.createEmailAddress`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddIdentifier {
    /// The phone number to add.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub phone_number: Option<String>,
    /// The email address to add.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub email_address: Option<String>,
}

/// Body of `POST /v1/client/sign_ups/{id}/prepare_verification`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrepareVerification {
    /// `phone_code` or `email_code`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub strategy: Option<String>,
    /// `sms` (ignored).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub channel: Option<String>,
    /// The page's language for the code's message (onetime's app sends it when the person
    /// chose one with `?lang=`; otherwise `Accept-Language` decides).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub locale: Option<String>,
}

/// Body of `POST /v1/client/sign_ups/{id}/attempt_verification`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttemptVerification {
    /// `phone_code` or `email_code`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub strategy: Option<String>,
    /// The 6-digit code.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub code: Option<String>,
}

/// Body of `POST /v1/client/sign_ins`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateSignIn {
    /// Phone number (E.164), email address or username.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub identifier: Option<String>,
    /// Optional: `phone_code` / `email_code` to prepare the first factor in the same request.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub strategy: Option<String>,
    /// Browser locale.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub locale: Option<String>,
}

/// Body of `POST /v1/client/sign_ins/{id}/prepare_first_factor`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrepareFirstFactor {
    /// `phone_code` or `email_code`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub strategy: Option<String>,
    /// For `email_code`: the id from `supported_first_factors`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub email_address_id: Option<String>,
    /// For `phone_code`: the id from `supported_first_factors`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub phone_number_id: Option<String>,
    /// `sms` (ignored).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub channel: Option<String>,
}

/// Body of `POST /v1/client/sign_ins/{id}/attempt_first_factor`.
pub type AttemptFirstFactor = AttemptVerification;

/// Body of `POST /v1/client/sessions/{sid}/touch`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TouchSession {
    /// Ignored (no organizations).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub active_organization_id: Option<String>,
    /// `select_session`, `select_org` or `focus`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub intent: Option<String>,
}

/// Body of `POST /v1/client/sessions/{sid}/tokens`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateToken {
    /// Ignored (no organizations).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub organization_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGN_UP_JSON: &str = r#"{ "object": "sign_up_attempt", "id": "sua_2HseAXFGN12eqlwARPMxyyUa9o9", "status": "missing_requirements",
  "required_fields": ["email_address"], "optional_fields": ["first_name", "last_name"],
  "missing_fields": [], "unverified_fields": ["email_address"],
  "verifications": {
    "email_address": { "status": "unverified", "strategy": "email_code", "attempts": 0,
                       "expire_at": 1767312600000, "next_action": "needs_attempt",
                       "supported_strategies": ["email_code"] },
    "phone_number": null, "web3_wallet": null, "external_account": null },
  "username": null, "email_address": "jane+clerk_test@example.com", "phone_number": null,
  "web3_wallet": null, "first_name": null, "last_name": null,
  "password_enabled": false, "has_password": false,
  "unsafe_metadata": {}, "public_metadata": {}, "custom_action": false, "external_id": null,
  "created_session_id": null, "created_user_id": null,
  "abandon_at": 1767398400000, "legal_accepted_at": null, "locale": "en-US" }"#;

    #[test]
    fn sign_up_example_round_trips() {
        let su: SignUp = serde_json::from_str(SIGN_UP_JSON).unwrap();
        assert_eq!(su.status, SignUpStatus::MissingRequirements);
        let v = su.verifications.email_address.as_ref().unwrap();
        assert_eq!(v.status, VerificationStatus::Unverified);
        assert_eq!(v.next_action.as_deref(), Some("needs_attempt"));
        assert_eq!(v.expire_at, Some(1_767_312_600_000));
        let again: SignUp = serde_json::from_value(serde_json::to_value(&su).unwrap()).unwrap();
        assert_eq!(su, again);
        let json = serde_json::to_value(&su).unwrap();
        // All four verification keys are always present.
        for k in [
            "email_address",
            "phone_number",
            "web3_wallet",
            "external_account",
        ] {
            assert!(json["verifications"].get(k).is_some(), "{k}");
        }
        assert_eq!(json["has_password"], false);
        assert_eq!(json["password_enabled"], false);
    }

    #[test]
    fn sign_in_example_round_trips_and_tolerates_unknowns() {
        let json = r#"{ "object": "sign_in_attempt", "id": "sia_2x", "status": "needs_first_factor",
  "supported_identifiers": ["email_address", "phone_number"],
  "identifier": "jane+clerk_test@example.com",
  "supported_first_factors": [
    { "strategy": "email_code", "safe_identifier": "jane+clerk_test@example.com", "email_address_id": "idn_2abc", "primary": true },
    { "strategy": "phone_code", "safe_identifier": "+1******0100", "phone_number_id": "idn_2def", "primary": true, "default": false }
  ],
  "supported_second_factors": null,
  "first_factor_verification": null, "second_factor_verification": null,
  "user_data": { "first_name": null, "last_name": null, "image_url": "https://x", "has_image": false },
  "created_session_id": null, "abandon_at": 1767398400000, "client_trust_state": "known",
  "brand_new_field": {"x": 1} }"#;
        let si: SignIn = serde_json::from_str(json).unwrap();
        assert_eq!(si.status, SignInStatus::NeedsFirstFactor);
        assert_eq!(si.supported_first_factors.len(), 2);
        assert_eq!(
            si.supported_first_factors[1].phone_number_id.as_deref(),
            Some("idn_2def")
        );
        let again: SignIn = serde_json::from_value(serde_json::to_value(&si).unwrap()).unwrap();
        assert_eq!(si, again);
    }

    #[test]
    fn from_wire_agrees_with_serde() {
        fn check<T>(values: &[T], from_wire: fn(&str) -> T, as_str: fn(T) -> &'static str)
        where
            T: Copy + PartialEq + std::fmt::Debug + Serialize + serde::de::DeserializeOwned,
        {
            for &v in values {
                let wire = serde_json::to_value(v).unwrap();
                assert_eq!(wire, as_str(v), "{v:?}");
                assert_eq!(from_wire(as_str(v)), v);
                assert_eq!(serde_json::from_value::<T>(wire).unwrap(), v);
            }
            let unknown: T = serde_json::from_str("\"brand_new\"").unwrap();
            assert_eq!(from_wire("brand_new"), unknown);
        }
        use SessionStatus as S;
        let sessions = [
            S::Active,
            S::Pending,
            S::Ended,
            S::Expired,
            S::Removed,
            S::Replaced,
        ];
        check(&sessions, S::from_wire, S::as_str);
        check(
            &[S::Revoked, S::Abandoned, S::Unknown],
            S::from_wire,
            S::as_str,
        );
        use SignUpStatus as U;
        let sign_ups = [
            U::MissingRequirements,
            U::Complete,
            U::Abandoned,
            U::Unknown,
        ];
        check(&sign_ups, U::from_wire, U::as_str);
        use SignInStatus as I;
        let sign_ins = [
            I::Abandoned,
            I::NeedsIdentifier,
            I::NeedsFirstFactor,
            I::Complete,
        ];
        check(&sign_ins, I::from_wire, I::as_str);
        let more = [
            I::NeedsSecondFactor,
            I::NeedsClientTrust,
            I::NeedsNewPassword,
            I::Unknown,
        ];
        check(&more, I::from_wire, I::as_str);
        use VerificationStatus as V;
        let verifications = [
            V::Unverified,
            V::Verified,
            V::Transferable,
            V::Failed,
            V::Expired,
        ];
        check(&verifications, V::from_wire, V::as_str);
    }

    #[test]
    fn unknown_enum_values_and_nulls_are_tolerated() {
        let s: Session =
            serde_json::from_str(r#"{"id":"sess_1","status":"brand_new","user":null}"#).unwrap();
        assert_eq!(s.status, SessionStatus::Unknown);
        let c: Client = serde_json::from_str(r#"{"id":"client_1","sessions":null}"#).unwrap();
        assert!(c.sessions.is_empty());
    }

    #[test]
    fn envelope_without_client() {
        let e: Envelope<Client> =
            serde_json::from_str(r#"{"response":null,"client":null}"#).unwrap();
        assert!(e.response.is_none() && e.client.is_none());
        let s = serde_json::to_string(&Envelope::<Client>::default()).unwrap();
        assert_eq!(s, r#"{"response":null,"client":null}"#);
    }

    #[test]
    fn error_response_round_trips() {
        let json = r#"{ "errors": [ { "code": "form_code_incorrect", "message": "is incorrect", "long_message": "Incorrect code",
                "meta": { "param_name": "code" } } ],
  "meta": {}, "clerk_trace_id": "ff1048d1cb5a74da3ebd660877680ba3" }"#;
        let e: ErrorResponse = serde_json::from_str(json).unwrap();
        assert_eq!(e.errors[0].code, codes::FORM_CODE_INCORRECT);
        assert_eq!(e.errors[0].meta.param_name.as_deref(), Some("code"));
    }

    #[test]
    fn forms_treat_empty_as_none() {
        let f: CreateSignUp = serde_json::from_str(
            r#"{"phone_number":"+12015550100","email_address":"","locale":"en"}"#,
        )
        .unwrap();
        assert_eq!(f.phone_number.as_deref(), Some("+12015550100"));
        assert_eq!(f.email_address, None);
        let s = serde_json::to_string(&f).unwrap();
        assert!(!s.contains("email_address"));
    }
}
