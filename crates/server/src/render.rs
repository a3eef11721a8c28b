//! Rows to wire types (`onetime_protocol`).

use crate::error::Result;
use crate::otp::{self, status};
use crate::store::{ClientRow, IdentRow, SessionRow, SignInRow, SignUpRow, UserRow, VerifState};
use crate::{App, crypto};
use onetime_protocol::{self as p, fields, next_actions, objects, strategies};
use serde_json::json;

/// Session JWT lifetime (seconds).
pub const TOKEN_LIFETIME_SECS: i64 = 60;

fn verification(state: &VerifState, now: i64) -> p::Verification {
    let st = otp::effective_status(state, now);
    p::Verification {
        object: Some(objects::VERIFICATION_OTP.into()),
        status: serde_json::from_value(json!(st)).unwrap_or_default(),
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
        Some(s) if s.code_mac.is_some() || s.status != status::UNVERIFIED => verification(s, now),
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

/// Fields of a sign-up per the instance configuration: (required, optional, missing, unverified).
pub fn sign_up_fields(
    app: &App,
    su: &SignUpRow,
    now: i64,
) -> (Vec<String>, Vec<String>, Vec<String>, Vec<String>) {
    let ids = &app.config.identifiers;
    let mut required = Vec::new();
    let mut optional = Vec::new();
    for (name, c) in [
        (fields::PHONE_NUMBER, &ids.phone_number),
        (fields::EMAIL_ADDRESS, &ids.email_address),
        (fields::USERNAME, &ids.username),
    ] {
        if c.required {
            required.push(name.to_owned());
        } else if c.enabled {
            optional.push(name.to_owned());
        }
    }
    optional.push(fields::FIRST_NAME.into());
    optional.push(fields::LAST_NAME.into());
    let present = |name: &str| match name {
        fields::PHONE_NUMBER => su.phone_number.is_some(),
        fields::EMAIL_ADDRESS => su.email_address.is_some(),
        fields::USERNAME => su.username.is_some(),
        _ => false,
    };
    let mut missing: Vec<String> = required.iter().filter(|f| !present(f)).cloned().collect();
    let needs_contact = !ids.phone_number.required && !ids.email_address.required;
    if needs_contact && su.phone_number.is_none() && su.email_address.is_none() {
        missing.push(
            match (ids.phone_number.enabled, ids.email_address.enabled) {
                (true, true) => "email_address_or_phone_number".into(),
                (true, false) => fields::PHONE_NUMBER.into(),
                _ => fields::EMAIL_ADDRESS.into(),
            },
        );
    }
    let verified = |s: Option<&VerifState>| {
        s.is_some_and(|s| otp::effective_status(s, now) == status::VERIFIED)
    };
    let mut unverified = Vec::new();
    if su.phone_number.is_some() && !verified(su.verifications.phone_number.as_ref()) {
        unverified.push(fields::PHONE_NUMBER.to_owned());
    }
    if su.email_address.is_some() && !verified(su.verifications.email_address.as_ref()) {
        unverified.push(fields::EMAIL_ADDRESS.to_owned());
    }
    (required, optional, missing, unverified)
}

/// `abandoned` for an unfinished attempt past its `abandon_at`.
fn abandoned_or(status: &str, abandon_at: i64, now: i64) -> &str {
    if status != "complete" && now > abandon_at {
        "abandoned"
    } else {
        status
    }
}

/// A sign-up.
pub fn sign_up(app: &App, su: &SignUpRow) -> p::SignUp {
    let now = app.now();
    let (required, optional, missing, unverified) = sign_up_fields(app, su, now);
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
        status: serde_json::from_value(json!(abandoned_or(&su.status, su.abandon_at, now)))
            .unwrap_or_default(),
        required_fields: required,
        optional_fields: optional,
        missing_fields: missing,
        unverified_fields: unverified,
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

/// Masked identifier of an identification.
pub fn safe_identifier(ident: &IdentRow) -> String {
    if ident.kind == fields::PHONE_NUMBER {
        crate::domain::PhoneNumber::parse(&ident.value)
            .map(|p| p.masked())
            .unwrap_or_else(|_| "********".into())
    } else {
        crate::domain::EmailAddress::parse(&ident.value)
            .map(|e| e.masked())
            .unwrap_or_else(|_| "*****".into())
    }
}

/// The first factors a user can sign in with, the one matching `identifier` first.
pub fn first_factors(
    app: &App,
    idents: &[IdentRow],
    identifier: Option<&str>,
) -> Vec<p::SignInFactor> {
    let ids = &app.config.identifiers;
    let mut out: Vec<(bool, p::SignInFactor)> = Vec::new();
    let mut seen_phone = false;
    let mut seen_email = false;
    for i in idents {
        let is_phone = i.kind == fields::PHONE_NUMBER;
        if (is_phone && !ids.phone_number.sign_in) || (!is_phone && !ids.email_address.sign_in) {
            continue;
        }
        let primary = if is_phone {
            !std::mem::replace(&mut seen_phone, true)
        } else {
            !std::mem::replace(&mut seen_email, true)
        };
        let f = p::SignInFactor {
            strategy: if is_phone {
                strategies::PHONE_CODE
            } else {
                strategies::EMAIL_CODE
            }
            .into(),
            safe_identifier: Some(safe_identifier(i)),
            email_address_id: (!is_phone).then(|| i.id.clone()),
            phone_number_id: is_phone.then(|| i.id.clone()),
            primary: Some(primary),
            default: None,
        };
        out.push((identifier == Some(i.value.as_str()), f));
    }
    out.sort_by_key(|(matches, _)| !matches);
    out.into_iter().map(|(_, f)| f).collect()
}

/// Identifier kinds usable for sign-in.
pub fn supported_identifiers(app: &App) -> Vec<String> {
    let ids = &app.config.identifiers;
    [
        (fields::PHONE_NUMBER, ids.phone_number.sign_in),
        (fields::EMAIL_ADDRESS, ids.email_address.sign_in),
        (fields::USERNAME, ids.username.sign_in),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(n, _)| n.to_owned())
    .collect()
}

/// A sign-in.
pub async fn sign_in(app: &App, si: &SignInRow) -> Result<p::SignIn> {
    let now = app.now();
    let hide = app.config.protection.enumeration_protection;
    let (factors, user_data) = match (&si.user_id, &si.identifier) {
        (Some(uid), _) => {
            let idents = app.store.user_idents(uid).await?;
            let user = app.store.user(uid).await?;
            (
                first_factors(app, &idents, si.identifier.as_deref()),
                user.map(|u| p::SignInUserData {
                    // Under enumeration protection names would tell a real account apart.
                    first_name: u.first_name.filter(|_| !hide),
                    last_name: u.last_name.filter(|_| !hide),
                    image_url: String::new(),
                    has_image: false,
                }),
            )
        }
        // A decoy looks like an account with just that identifier and no names.
        (None, Some(identifier)) if hide => (
            first_factors(
                app,
                &[crate::protection::decoy_ident(app, identifier)],
                Some(identifier),
            ),
            Some(p::SignInUserData {
                first_name: None,
                last_name: None,
                image_url: String::new(),
                has_image: false,
            }),
        ),
        _ => (Vec::new(), None),
    };
    Ok(p::SignIn {
        object: objects::SIGN_IN.into(),
        id: si.id.clone(),
        status: serde_json::from_value(json!(abandoned_or(&si.status, si.abandon_at, now)))
            .unwrap_or_default(),
        supported_identifiers: supported_identifiers(app),
        identifier: si.identifier.clone(),
        supported_first_factors: factors,
        supported_second_factors: None,
        first_factor_verification: si.first_factor.as_ref().map(|s| verification(s, now)),
        second_factor_verification: None,
        user_data,
        created_session_id: si.created_session_id.clone(),
        abandon_at: si.abandon_at,
        client_trust_state: Some("known".into()),
    })
}

/// A user.
pub async fn user(app: &App, u: &UserRow) -> Result<p::User> {
    let idents = app.store.user_idents(&u.id).await?;
    let ident_json = |i: &IdentRow| p::Verification {
        object: Some(objects::VERIFICATION_OTP.into()),
        status: p::VerificationStatus::Verified,
        strategy: Some(i.strategy.clone()),
        attempts: None,
        expire_at: None,
        ..Default::default()
    };
    let emails: Vec<p::EmailAddress> = idents
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
    let phones: Vec<p::PhoneNumber> = idents
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
    Ok(p::User {
        object: objects::USER.into(),
        id: u.id.clone(),
        username: u.username.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        primary_email_address_id: emails.first().map(|e| e.id.clone()),
        primary_phone_number_id: phones.first().map(|e| e.id.clone()),
        email_addresses: emails,
        phone_numbers: phones,
        public_metadata: json!({}),
        unsafe_metadata: json!({}),
        last_sign_in_at: u.last_sign_in_at,
        delete_self_enabled: false,
        created_at: u.created_at,
        updated_at: u.updated_at,
        ..Default::default()
    })
}

/// Whether a session row is active now.
pub fn session_is_active(s: &SessionRow, now: i64) -> bool {
    s.status == "active" && s.expire_at > now
}

/// Signs a fresh session token.
pub fn session_token(app: &App, s: &SessionRow, origin: Option<String>) -> Result<p::Token> {
    let iat = app.now() / 1000;
    let claims = p::SessionClaims {
        iss: app.issuer.clone(),
        sub: s.user_id.clone(),
        sid: s.id.clone(),
        iat,
        nbf: iat - 10,
        exp: iat + TOKEN_LIFETIME_SECS,
        jti: crypto::random_token(12),
        azp: origin,
        v: 2,
    };
    Ok(p::Token {
        object: objects::TOKEN.into(),
        jwt: app.key.sign(&claims)?,
    })
}

/// A session (with a fresh `last_active_token` when active).
pub async fn session(app: &App, s: &SessionRow) -> Result<p::Session> {
    let now = app.now();
    let active = session_is_active(s, now);
    let status = if s.status == "active" && !active {
        "expired"
    } else {
        s.status.as_str()
    };
    let user_row = app.store.user(&s.user_id).await?;
    let user = match &user_row {
        Some(u) => Some(user(app, u).await?),
        None => None,
    };
    let identifier = user
        .as_ref()
        .and_then(|u| {
            u.primary_phone_number()
                .or(u.primary_email_address())
                .map(str::to_owned)
                .or_else(|| u.username.clone())
        })
        .unwrap_or_default();
    Ok(p::Session {
        object: objects::SESSION.into(),
        id: s.id.clone(),
        status: serde_json::from_value(json!(status)).unwrap_or_default(),
        expire_at: s.expire_at,
        abandon_at: s.expire_at,
        last_active_at: s.last_active_at,
        last_active_organization_id: None,
        last_active_token: if active {
            Some(session_token(app, s, None)?)
        } else {
            None
        },
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
    })
}

/// The full client: active sessions, current sign-in and sign-up.
pub async fn client(app: &App, c: &ClientRow) -> Result<p::Client> {
    let now = app.now();
    let mut sessions = Vec::new();
    for s in app.store.client_sessions(&c.id, "active").await? {
        if session_is_active(&s, now) {
            sessions.push(session(app, &s).await?);
        }
    }
    let last_active = c
        .last_active_session_id
        .clone()
        .filter(|id| sessions.iter().any(|s| &s.id == id));
    let sign_in = match &c.sign_in_id {
        Some(id) => match app.store.sign_in(id).await? {
            Some(si) => Some(sign_in(app, &si).await?),
            None => None,
        },
        None => None,
    };
    let sign_up = match &c.sign_up_id {
        Some(id) => app.store.sign_up(id).await?.map(|su| sign_up(app, &su)),
        None => None,
    };
    Ok(p::Client {
        object: objects::CLIENT.into(),
        id: c.id.clone(),
        sessions,
        sign_in,
        sign_up,
        last_active_session_id: last_active,
        last_authentication_strategy: c.last_authentication_strategy.clone(),
        cookie_expires_at: Some(c.updated_at + crate::routes::cookie::MAX_AGE_SECS * 1000),
        captcha_bypass: false,
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}

/// Where `trunk serve` (and so the app) runs in development.
const DEV_APP_URL: &str = "http://localhost:8080";

/// The bare Environment built from the instance configuration.
pub fn environment(app: &App) -> p::Environment {
    let cfg = &app.config;
    let ids = &cfg.identifiers;
    // Absolute URLs (clerk-js builds `URL`s from them): home_url, else public_url, else the
    // first allowed origin, else in --dev `trunk serve`'s address, else this server.
    let home = cfg
        .home_url
        .clone()
        .or_else(|| cfg.public_url.clone())
        .or_else(|| cfg.allowed_origins.first().cloned())
        .or_else(|| app.dev.then(|| DEV_APP_URL.to_owned()))
        .unwrap_or_else(|| app.issuer.clone());
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
            test_mode: app.dev,
        },
        display_config: p::DisplayConfig {
            object: objects::DISPLAY_CONFIG.into(),
            id: "dc_onetime".into(),
            instance_environment_type: if app.dev { "development" } else { "production" }.into(),
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
