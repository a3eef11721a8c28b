//! Rows to wire types (`onetime_protocol`): a pure mapping. What a row means now (effective
//! statuses, required fields, offered factors) comes from [`crate::domain`]; loading the rows
//! and signing tokens happen before, in `routes::load`, which hands over the views below.

use crate::config::InstanceConfig;
use crate::domain::sign_in::{first_factors, supported_identifiers};
use crate::otp;
use crate::store::{
    ClientRow, IdentRow, PendingIdentRow, SessionRow, SignInRow, SignUpRow, UserRow, VerifState,
};
use onetime_protocol::{self as p, VerificationStatus, fields, next_actions, objects, strategies};
use serde_json::json;

/// A user with its identifications.
#[derive(Debug, Clone)]
pub struct UserView {
    /// The user.
    pub user: UserRow,
    /// Its phone numbers and email addresses.
    pub idents: Vec<IdentRow>,
    /// Those it is adding, not verified yet.
    pub pending: Vec<PendingIdentRow>,
}

/// A session with its user and, when active, a freshly signed token.
#[derive(Debug, Clone)]
pub struct SessionView {
    /// The session.
    pub session: SessionRow,
    /// Its user (gone if deleted).
    pub user: Option<UserView>,
    /// `last_active_token`.
    pub token: Option<p::Token>,
}

/// A sign-in with what it offers.
#[derive(Debug, Clone)]
pub struct SignInView {
    /// The sign-in.
    pub sign_in: SignInRow,
    /// The identifications its first factors go to (a decoy's under enumeration protection).
    pub factor_idents: Vec<IdentRow>,
    /// `user_data` (first and last name, each shown only when allowed), when there is a user
    /// (or a decoy) to sign in.
    pub user_names: Option<(Option<String>, Option<String>)>,
}

/// A client with everything its wire shape embeds.
#[derive(Debug, Clone)]
pub struct ClientView {
    /// The client.
    pub client: ClientRow,
    /// Its active sessions.
    pub sessions: Vec<SessionView>,
    /// The sign-in in progress.
    pub sign_in: Option<SignInView>,
    /// The sign-up in progress.
    pub sign_up: Option<SignUpRow>,
    /// When the client cookie expires (ms).
    pub cookie_expires_at: i64,
}

fn verification(state: &VerifState, now: i64) -> p::Verification {
    p::Verification {
        object: Some(objects::VERIFICATION_OTP.into()),
        status: otp::effective_status(state, now),
        strategy: Some(state.strategy.clone()),
        attempts: Some(state.attempts),
        expire_at: state.expire_at,
        error: None,
        verified_at_client: None,
        channel: (state.strategy == strategies::PHONE_CODE).then(|| "sms".into()),
        next_action: None,
        supported_strategies: None,
    }
}

fn sign_up_verification(state: Option<&VerifState>, strategy: &str, now: i64) -> p::Verification {
    let mut v = match state {
        Some(s) if s.code_mac.is_some() || s.status != VerificationStatus::Unverified => {
            verification(s, now)
        }
        _ => p::Verification {
            object: Some(objects::VERIFICATION_OTP.into()),
            status: p::VerificationStatus::Unverified,
            strategy: None,
            attempts: None,
            expire_at: None,
            ..Default::default()
        },
    };
    let prepared = state.is_some_and(|s| s.code_mac.is_some());
    v.next_action = Some(
        match v.status {
            p::VerificationStatus::Verified => next_actions::NONE,
            p::VerificationStatus::Failed => next_actions::NONE,
            p::VerificationStatus::Unverified if prepared => next_actions::NEEDS_ATTEMPT,
            _ => next_actions::NEEDS_PREPARE,
        }
        .into(),
    );
    v.supported_strategies = Some(vec![strategy.into()]);
    v
}

/// A sign-up.
pub fn sign_up(config: &InstanceConfig, now: i64, su: &SignUpRow) -> p::SignUp {
    let fields = su.fields(&config.identifiers, now);
    let verifications = p::SignUpVerifications {
        phone_number: su.phone_number.as_ref().map(|_| {
            sign_up_verification(
                su.verifications.phone_number.as_ref(),
                strategies::PHONE_CODE,
                now,
            )
        }),
        email_address: su.email_address.as_ref().map(|_| {
            sign_up_verification(
                su.verifications.email_address.as_ref(),
                strategies::EMAIL_CODE,
                now,
            )
        }),
        web3_wallet: None,
        external_account: None,
    };
    p::SignUp {
        object: objects::SIGN_UP.into(),
        id: su.id.clone(),
        status: su.effective_status(now),
        required_fields: fields.required,
        optional_fields: fields.optional,
        missing_fields: fields.missing,
        unverified_fields: fields.unverified,
        verifications,
        username: su.username.clone(),
        email_address: su.email_address.clone(),
        phone_number: su.phone_number.clone(),
        web3_wallet: None,
        first_name: su.first_name.clone(),
        last_name: su.last_name.clone(),
        password_enabled: false,
        has_password: false,
        unsafe_metadata: json!({}),
        public_metadata: json!({}),
        custom_action: false,
        external_id: None,
        created_session_id: su.created_session_id.clone(),
        created_user_id: su.created_user_id.clone(),
        abandon_at: su.abandon_at,
        legal_accepted_at: None,
        locale: su.locale.clone(),
    }
}

/// A sign-in.
pub fn sign_in(config: &InstanceConfig, now: i64, view: &SignInView) -> p::SignIn {
    let si = &view.sign_in;
    let factors = if view.user_names.is_some() {
        first_factors(
            &config.identifiers,
            &view.factor_idents,
            si.identifier.as_deref(),
        )
    } else {
        Vec::new()
    };
    p::SignIn {
        object: objects::SIGN_IN.into(),
        id: si.id.clone(),
        status: si.effective_status(now),
        supported_identifiers: supported_identifiers(&config.identifiers),
        identifier: si.identifier.clone(),
        supported_first_factors: factors,
        supported_second_factors: None,
        first_factor_verification: si.first_factor.as_ref().map(|s| verification(s, now)),
        second_factor_verification: None,
        user_data: view
            .user_names
            .clone()
            .map(|(first_name, last_name)| p::SignInUserData {
                first_name,
                last_name,
                image_url: String::new(),
                has_image: false,
            }),
        created_session_id: si.created_session_id.clone(),
        abandon_at: si.abandon_at,
        client_trust_state: Some("known".into()),
    }
}

/// The chosen primary identifier while the user still has it, else the oldest of its kind.
fn primary<T>(chosen: &Option<String>, all: &[T], id: impl Fn(&T) -> &String) -> Option<String> {
    chosen
        .as_ref()
        .filter(|c| all.iter().any(|x| id(x) == *c))
        .or_else(|| all.first().map(&id))
        .cloned()
}

/// The verification of an identifier being added: unverified until a code is prepared, then
/// the code's state.
fn pending_verification(i: &PendingIdentRow, now: i64) -> p::Verification {
    match &i.verification {
        Some(state)
            if state.code_mac.is_some() || state.status != VerificationStatus::Unverified =>
        {
            verification(state, now)
        }
        _ => p::Verification {
            object: Some(objects::VERIFICATION_OTP.into()),
            status: VerificationStatus::Unverified,
            ..Default::default()
        },
    }
}

/// A user (`now` judges the codes of identifiers being added).
pub fn user(view: &UserView, now: i64) -> p::User {
    let (u, idents) = (&view.user, &view.idents);
    let ident_json = |i: &IdentRow| p::Verification {
        object: Some(objects::VERIFICATION_OTP.into()),
        status: p::VerificationStatus::Verified,
        strategy: Some(i.strategy.clone()),
        attempts: None,
        expire_at: None,
        ..Default::default()
    };
    let mut emails: Vec<p::EmailAddress> = idents
        .iter()
        .filter(|i| i.kind == fields::EMAIL_ADDRESS)
        .map(|i| p::EmailAddress {
            object: objects::EMAIL_ADDRESS.into(),
            id: i.id.clone(),
            email_address: i.value.clone(),
            verification: Some(ident_json(i)),
            created_at: i.created_at,
            updated_at: i.created_at,
            ..Default::default()
        })
        .collect();
    let mut phones: Vec<p::PhoneNumber> = idents
        .iter()
        .filter(|i| i.kind == fields::PHONE_NUMBER)
        .map(|i| p::PhoneNumber {
            object: objects::PHONE_NUMBER.into(),
            id: i.id.clone(),
            phone_number: i.value.clone(),
            verification: Some(ident_json(i)),
            created_at: i.created_at,
            updated_at: i.created_at,
            ..Default::default()
        })
        .collect();
    // The primary is chosen among verified ones only; those being added come after them.
    let primary_email = primary(&u.primary_email_address_id, &emails, |e| &e.id);
    let primary_phone = primary(&u.primary_phone_number_id, &phones, |p| &p.id);
    for i in &view.pending {
        if i.kind == fields::EMAIL_ADDRESS {
            emails.push(p::EmailAddress {
                object: objects::EMAIL_ADDRESS.into(),
                id: i.id.clone(),
                email_address: i.value.clone(),
                verification: Some(pending_verification(i, now)),
                created_at: i.created_at,
                updated_at: i.updated_at,
                ..Default::default()
            });
        } else {
            phones.push(p::PhoneNumber {
                object: objects::PHONE_NUMBER.into(),
                id: i.id.clone(),
                phone_number: i.value.clone(),
                verification: Some(pending_verification(i, now)),
                created_at: i.created_at,
                updated_at: i.updated_at,
                ..Default::default()
            });
        }
    }
    p::User {
        object: objects::USER.into(),
        id: u.id.clone(),
        username: u.username.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        primary_email_address_id: primary_email,
        primary_phone_number_id: primary_phone,
        email_addresses: emails,
        phone_numbers: phones,
        public_metadata: json!({}),
        unsafe_metadata: json!({}),
        last_sign_in_at: u.last_sign_in_at,
        delete_self_enabled: true,
        created_at: u.created_at,
        updated_at: u.updated_at,
        ..Default::default()
    }
}

/// A session (its `last_active_token` signed by the loader).
pub fn session(now: i64, view: &SessionView) -> p::Session {
    let s = &view.session;
    let user = view.user.as_ref().map(|u| user(u, now));
    let identifier = user
        .as_ref()
        .and_then(|u| {
            u.primary_phone_number()
                .or(u.primary_email_address())
                .map(str::to_owned)
                .or_else(|| u.username.clone())
        })
        .unwrap_or_default();
    p::Session {
        object: objects::SESSION.into(),
        id: s.id.clone(),
        status: s.effective_status(now),
        expire_at: s.expire_at,
        abandon_at: s.expire_at,
        last_active_at: s.last_active_at,
        last_active_organization_id: None,
        last_active_token: view.token.clone(),
        actor: None,
        tasks: None,
        factor_verification_age: Some(vec![((now - s.created_at) / 60_000).max(0), -1]),
        public_user_data: user.as_ref().map(|u| p::PublicUserData {
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            image_url: String::new(),
            has_image: false,
            identifier,
            user_id: Some(u.id.clone()),
        }),
        user,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

/// A session as the account page's device list shows it, with the device it was created on.
pub fn session_with_activities(now: i64, s: &SessionRow) -> p::SessionWithActivities {
    let device = crate::domain::Device::from_user_agent(s.user_agent.as_deref().unwrap_or(""));
    p::SessionWithActivities {
        object: objects::SESSION.into(),
        id: s.id.clone(),
        status: s.effective_status(now),
        expire_at: s.expire_at,
        abandon_at: s.expire_at,
        last_active_at: s.last_active_at,
        latest_activity: Some(p::SessionActivity {
            object: objects::SESSION_ACTIVITY.into(),
            id: s.id.clone(),
            browser_name: device.browser_name.map(str::to_owned),
            browser_version: device.browser_version,
            device_type: device.device_type.map(str::to_owned),
            ip_address: s.ip_address.clone(),
            city: None,
            country: None,
            is_mobile: device.is_mobile,
        }),
        actor: None,
    }
}

/// The full client: active sessions, current sign-in and sign-up.
pub fn client(config: &InstanceConfig, now: i64, view: &ClientView) -> p::Client {
    let c = &view.client;
    let sessions: Vec<p::Session> = view.sessions.iter().map(|s| session(now, s)).collect();
    let last_active = c
        .last_active_session_id
        .clone()
        .filter(|id| sessions.iter().any(|s| &s.id == id));
    p::Client {
        object: objects::CLIENT.into(),
        id: c.id.clone(),
        sessions,
        sign_in: view.sign_in.as_ref().map(|si| sign_in(config, now, si)),
        sign_up: view.sign_up.as_ref().map(|su| sign_up(config, now, su)),
        last_active_session_id: last_active,
        last_authentication_strategy: c.last_authentication_strategy.clone(),
        cookie_expires_at: Some(view.cookie_expires_at),
        captcha_bypass: false,
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

/// Where `trunk serve` (and so the app) runs in development.
const DEV_APP_URL: &str = "http://localhost:8080";

/// The bare Environment built from the instance configuration (`issuer`: this server's URL,
/// the last resort for `home_url`).
pub fn environment(cfg: &InstanceConfig, dev: bool, issuer: &str) -> p::Environment {
    let ids = &cfg.identifiers;
    // Absolute URLs (clerk-js builds `URL`s from them): home_url, else public_url, else the
    // first allowed origin, else in --dev `trunk serve`'s address, else this server.
    let home = cfg
        .home_url
        .clone()
        .or_else(|| cfg.public_url.clone())
        .or_else(|| cfg.allowed_origins.first().cloned())
        .or_else(|| dev.then(|| DEV_APP_URL.to_owned()))
        .unwrap_or_else(|| issuer.to_owned());
    let base = home.trim_end_matches('/').to_owned();
    let url = |path: &str| format!("{base}{path}");
    let code_attr =
        |c: &crate::config::IdentifierConfig, strategy: &str, channels: bool| p::Attribute {
            enabled: c.enabled,
            required: c.required,
            used_for_first_factor: c.enabled && c.sign_in,
            first_factors: if c.enabled && c.sign_in {
                vec![strategy.into()]
            } else {
                vec![]
            },
            used_for_second_factor: false,
            second_factors: vec![],
            verifications: if c.enabled {
                vec![strategy.into()]
            } else {
                vec![]
            },
            verify_at_sign_up: c.enabled,
            immutable: None,
            channels: channels.then(|| vec!["sms".into()]),
        };
    let plain = |enabled: bool, required: bool, ff: bool| p::Attribute {
        enabled,
        required,
        used_for_first_factor: ff,
        ..Default::default()
    };
    p::Environment {
        object: objects::ENVIRONMENT.into(),
        id: "env_onetime".into(),
        auth_config: p::AuthConfig {
            object: objects::AUTH_CONFIG.into(),
            id: "aac_onetime".into(),
            single_session_mode: cfg.single_session_mode,
            claimed_at: None,
            reverification: false,
            test_mode: dev,
        },
        display_config: p::DisplayConfig {
            object: objects::DISPLAY_CONFIG.into(),
            id: "dc_onetime".into(),
            instance_environment_type: if dev { "development" } else { "production" }.into(),
            application_name: cfg.app_name.clone(),
            preferred_sign_in_strategy: "otp".into(),
            captcha_provider: "turnstile".into(),
            home_url: if base.is_empty() {
                "/".into()
            } else {
                base.clone()
            },
            sign_in_url: url("/sign-in"),
            sign_up_url: url("/sign-up"),
            after_sign_in_url: url("/"),
            after_sign_up_url: url("/"),
            after_sign_out_one_url: url("/"),
            after_sign_out_all_url: url("/"),
            resend_cooldown_seconds: Some(cfg.codes.resend_cooldown_secs),
            code_length: Some(cfg.codes.length),
            ..Default::default()
        },
        user_settings: p::UserSettings {
            attributes: p::Attributes {
                phone_number: code_attr(&ids.phone_number, strategies::PHONE_CODE, true),
                email_address: code_attr(&ids.email_address, strategies::EMAIL_CODE, false),
                username: plain(
                    ids.username.enabled,
                    ids.username.required,
                    ids.username.sign_in,
                ),
                first_name: plain(true, false, false),
                last_name: plain(true, false, false),
                password: plain(false, false, false),
            },
            sign_up: p::SignUpSettings {
                progressive: true,
                mode: "public".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        organization_settings: p::OrganizationSettings { enabled: false },
        maintenance_mode: false,
    }
}
