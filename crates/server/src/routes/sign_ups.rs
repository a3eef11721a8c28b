//! Sign-up: create, update, get, prepare_verification, attempt_verification.

use super::required_code;
use super::retrying;
use super::{
    Ctx, FapiForm, Fresh, Resource, client_or_new, ensure_no_active_session, finish, load_client,
    new_session, save_client, show,
};
use crate::domain::{EmailAddress, PhoneNumber, Username};
use crate::error::{AppError, Result};
use crate::otp::{self, Target};
use crate::render::UserView;
use crate::store::{
    Change, ClientRow, IdentRow, SessionRow, SignUpRow, SignUpVerifs, StoreError, UserRow,
};
use crate::{App, crypto, protection};
use axum::extract::{Path, State};
use axum::response::Response;
use onetime_protocol::{self as p, fields, strategies};

const ABANDON_AFTER_MS: i64 = 24 * 3600 * 1000;
const MAX_NAME_CHARS: usize = 256;

/// `POST /v1/client/sign_ups`.
pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    FapiForm(form): FapiForm<p::CreateSignUp>,
) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async {
        let mut client = client_or_new(&app, &ctx).await?;
        ensure_no_active_session(&app, &client).await?;
        let now = app.now();
        let mut su = SignUpRow {
            id: crypto::new_id("sua"),
            client_id: client.id.clone(),
            status: p::SignUpStatus::MissingRequirements,
            phone_number: None,
            email_address: None,
            username: None,
            first_name: None,
            last_name: None,
            // A `locale` in the form replaces it.
            locale: ctx.locale.clone(),
            verifications: SignUpVerifs::default(),
            created_user_id: None,
            created_session_id: None,
            abandon_at: now + ABANDON_AFTER_MS,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        apply_fields(&app, &mut su, &form).await?;
        client.sign_up_id = Some(su.id.clone());
        let fresh = commit(&app, &ctx, &mut su, &mut client, Vec::new()).await?;
        Ok((Resource::SignUp(su), client, fresh))
    });
    finish(&app, &ctx, r).await
}

async fn owned(app: &App, ctx: &Ctx, id: &str) -> Result<(ClientRow, SignUpRow)> {
    let client = load_client(app, ctx).await?;
    let su = app.store.sign_up(id).await?;
    match (client, su) {
        (Some(c), Some(su)) if su.client_id == c.id => Ok((c, su)),
        _ => Err(AppError::not_found("sign up", id)),
    }
}

fn ensure_open(app: &App, su: &SignUpRow, action: &str) -> Result<()> {
    if su.status == p::SignUpStatus::Complete || app.now() > su.abandon_at {
        Err(AppError::client_state_invalid(action))
    } else {
        Ok(())
    }
}

/// `GET /v1/client/sign_ups/{id}`.
pub async fn get(State(app): State<App>, ctx: Ctx, Path(id): Path<String>) -> Result<Response> {
    let (c, su) = owned(&app, &ctx, &id).await?;
    show(&app, &ctx, Resource::SignUp(su), &c).await
}

/// `PATCH /v1/client/sign_ups/{id}` (or `POST ?_method=PATCH`).
pub async fn update(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    FapiForm(form): FapiForm<p::UpdateSignUp>,
) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async {
        let (mut client, mut su) = owned(&app, &ctx, &id).await?;
        ensure_open(&app, &su, "update sign up")?;
        apply_fields(&app, &mut su, &form).await?;
        let fresh = commit(&app, &ctx, &mut su, &mut client, Vec::new()).await?;
        Ok((Resource::SignUp(su), client, fresh))
    });
    finish(&app, &ctx, r).await
}

/// Validates the given fields against the instance configuration and sets them.
async fn apply_fields(app: &App, su: &mut SignUpRow, f: &p::CreateSignUp) -> Result<()> {
    let ids = &app.config.identifiers;
    if let Some(raw) = &f.phone_number {
        if !ids.phone_number.enabled {
            return Err(AppError::param_unknown(fields::PHONE_NUMBER));
        }
        let phone = parse_phone(app, raw)?;
        if app
            .store
            .ident_by_value(fields::PHONE_NUMBER, phone.as_str())
            .await?
            .is_some()
        {
            return Err(AppError::identifier_exists(fields::PHONE_NUMBER));
        }
        if su.phone_number.as_deref() != Some(phone.as_str()) {
            su.phone_number = Some(phone.as_str().to_owned());
            su.verifications.phone_number = None;
        }
    }
    if let Some(raw) = &f.email_address {
        if !ids.email_address.enabled {
            return Err(AppError::param_unknown(fields::EMAIL_ADDRESS));
        }
        let email = parse_email(raw)?;
        if app
            .store
            .ident_by_value(fields::EMAIL_ADDRESS, email.as_str())
            .await?
            .is_some()
        {
            return Err(AppError::identifier_exists(fields::EMAIL_ADDRESS));
        }
        if su.email_address.as_deref() != Some(email.as_str()) {
            su.email_address = Some(email.as_str().to_owned());
            su.verifications.email_address = None;
        }
    }
    if let Some(raw) = &f.username {
        if !ids.username.enabled {
            return Err(AppError::param_unknown(fields::USERNAME));
        }
        let name = Username::parse(raw)
            .map_err(|e| AppError::param_format_invalid(fields::USERNAME, e.0))?;
        if app.store.user_by_username(name.as_str()).await?.is_some() {
            return Err(AppError::identifier_exists(fields::USERNAME));
        }
        su.username = Some(name.as_str().to_owned());
    }
    for (param, value, slot) in [
        (fields::FIRST_NAME, &f.first_name, &mut su.first_name),
        (fields::LAST_NAME, &f.last_name, &mut su.last_name),
    ] {
        if let Some(v) = value {
            *slot = person_name(param, v)?;
        }
    }
    if let Some(l) = &f.locale
        && l.len() <= 35
    {
        su.locale = Some(l.clone());
    }
    Ok(())
}

/// A phone number a person gave (sign-up or account page): E.164, in an allowed SMS country.
pub(super) fn parse_phone(app: &App, raw: &str) -> Result<PhoneNumber> {
    let phone = PhoneNumber::parse(raw)
        .map_err(|e| AppError::param_format_invalid(fields::PHONE_NUMBER, e.0))?;
    protection::check_sms_country(&app.config.protection, phone.as_str(), fields::PHONE_NUMBER)?;
    Ok(phone)
}

/// An email address a person gave (sign-up or account page).
pub(super) fn parse_email(raw: &str) -> Result<EmailAddress> {
    EmailAddress::parse(raw).map_err(|e| AppError::param_format_invalid(fields::EMAIL_ADDRESS, e.0))
}

/// A first or last name as given (trimmed; empty is none), or `form_param_format_invalid`.
pub(super) fn person_name(param: &str, raw: &str) -> Result<Option<String>> {
    let v = raw.trim();
    if v.chars().count() > MAX_NAME_CHARS || v.chars().any(char::is_control) {
        return Err(AppError::param_format_invalid(
            param,
            format!("{param} must be at most {MAX_NAME_CHARS} characters."),
        ));
    }
    Ok(Some(v.to_owned()).filter(|v| !v.is_empty()))
}

/// Persists the sign-up; completes it (user + session) when nothing is missing or unverified.
/// A unique-constraint conflict (a racing sign-up took the identifier) becomes
/// `form_identifier_exists`, after saving the sign-up's own progress. Afterwards the rows carry
/// their new versions, so the request may write them again.
async fn commit(
    app: &App,
    ctx: &Ctx,
    su: &mut SignUpRow,
    client: &mut ClientRow,
    mut changes: Vec<Change>,
) -> Result<Fresh> {
    let now = app.now();
    su.updated_at = now;
    if su.status != p::SignUpStatus::Complete {
        // Abandoned after 24 h without activity.
        su.abandon_at = now + ABANDON_AFTER_MS;
    }
    let ready = su.status != p::SignUpStatus::Complete
        && su.fields(&app.config.identifiers, now).satisfied();
    if !ready {
        // A client never updated since it was stored never had a session (making one always
        // updates the client), and this commit makes none.
        let never_signed_in = client.version <= 1;
        changes.push(Change::SignUp(su.clone()));
        save_client(app, client, &mut changes);
        app.store.apply(changes).await?;
        su.version += 1;
        client.version += 1;
        return Ok(Fresh {
            sessions: never_signed_in.then(Vec::new),
            user: None,
        });
    }
    let base = {
        let mut b = changes.clone();
        b.push(Change::SignUp(su.clone()));
        let mut c = client.clone();
        save_client(app, &mut c, &mut b);
        b
    };
    let seen_sessions = ensure_no_active_session(app, client).await?;
    let user_id = crypto::new_id("user");
    let user = UserRow {
        id: user_id.clone(),
        username: su.username.clone(),
        first_name: su.first_name.clone(),
        last_name: su.last_name.clone(),
        primary_email_address_id: None,
        primary_phone_number_id: None,
        last_sign_in_at: Some(now),
        created_at: now,
        updated_at: now,
    };
    changes.push(Change::NewUser(user.clone()));
    let mut idents = Vec::new();
    let mut strategy = None;
    for (kind, value, strat) in [
        (
            fields::PHONE_NUMBER,
            &su.phone_number,
            strategies::PHONE_CODE,
        ),
        (
            fields::EMAIL_ADDRESS,
            &su.email_address,
            strategies::EMAIL_CODE,
        ),
    ] {
        if let Some(v) = value {
            strategy.get_or_insert(strat);
            let ident = IdentRow {
                id: crypto::new_id("idn"),
                user_id: user_id.clone(),
                kind: kind.into(),
                value: v.clone(),
                strategy: strat.into(),
                created_at: now,
            };
            changes.push(Change::NewIdent(ident.clone()));
            idents.push(ident);
        }
    }
    let mut new_client = client.clone();
    let session = new_session(app, ctx, &mut new_client, &user_id);
    let session_id = session.id.clone();
    // As the store lists them: oldest first, then by id.
    idents.sort_by(|a, b| a.id.cmp(&b.id));
    let fresh = Fresh {
        sessions: seen_sessions.map(|mut rows| {
            rows.push(SessionRow {
                version: 1,
                ..session.clone()
            });
            rows
        }),
        user: Some(UserView {
            user,
            idents,
            pending: Vec::new(),
        }),
    };
    changes.push(Change::Session(session));
    let mut done = su.clone();
    done.status = p::SignUpStatus::Complete;
    done.created_user_id = Some(user_id);
    done.created_session_id = Some(session_id.clone());
    changes.push(Change::SignUp(done.clone()));
    new_client.last_active_session_id = Some(session_id);
    new_client.last_authentication_strategy = strategy.map(str::to_owned);
    save_client(app, &mut new_client, &mut changes);
    match app.store.apply(changes).await {
        Ok(()) => {
            *su = done;
            *client = new_client;
        }
        Err(StoreError::Conflict(msg)) => {
            tracing::info!(sign_up = %su.id, %msg, "sign-up lost a race for its identifier");
            app.store.apply(base).await?;
            let param = conflict_param(app, su).await;
            return Err(AppError::identifier_exists(param));
        }
        Err(e) => return Err(e.into()),
    }
    su.version += 1;
    client.version += 1;
    Ok(fresh)
}

async fn conflict_param(app: &App, su: &SignUpRow) -> &'static str {
    for (kind, value) in [
        (fields::PHONE_NUMBER, &su.phone_number),
        (fields::EMAIL_ADDRESS, &su.email_address),
    ] {
        if let Some(v) = value
            && matches!(app.store.ident_by_value(kind, v).await, Ok(Some(_)))
        {
            return kind;
        }
    }
    fields::USERNAME
}

fn parse_strategy(raw: Option<&String>) -> Result<Option<&'static str>> {
    match raw.map(String::as_str) {
        None => Ok(None),
        Some(strategies::PHONE_CODE) => Ok(Some(strategies::PHONE_CODE)),
        Some(strategies::EMAIL_CODE) => Ok(Some(strategies::EMAIL_CODE)),
        Some(other) => Err(AppError::param_value_invalid(
            fields::STRATEGY,
            &other.chars().take(64).collect::<String>(),
        )),
    }
}

/// (field, value, state slot) for a strategy.
fn slot<'a>(
    su: &'a mut SignUpRow,
    strategy: &str,
) -> Result<(
    &'static str,
    String,
    &'a mut Option<crate::store::VerifState>,
)> {
    let (field, value, state) = if strategy == strategies::PHONE_CODE {
        (
            fields::PHONE_NUMBER,
            su.phone_number.clone(),
            &mut su.verifications.phone_number,
        )
    } else {
        (
            fields::EMAIL_ADDRESS,
            su.email_address.clone(),
            &mut su.verifications.email_address,
        )
    };
    let value = value.ok_or_else(AppError::verification_strategy_invalid)?;
    Ok((field, value, state))
}

/// `POST /v1/client/sign_ups/{id}/prepare_verification`: claims a new code (state and send
/// reservation committed together), then sends it.
pub async fn prepare(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    FapiForm(form): FapiForm<p::PrepareVerification>,
) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async {
        let strategy = parse_strategy(form.strategy.as_ref())?
            .ok_or_else(|| AppError::param_missing(fields::STRATEGY))?;
        let (mut client, mut su) = owned(&app, &ctx, &id).await?;
        ensure_open(&app, &su, "prepare verification")?;
        let owner = su.id.clone();
        let locale = su.locale.clone();
        let (field, value, state_slot) = slot(&mut su, strategy)?;
        let before = state_slot.clone();
        let mut state = before.clone().unwrap_or_default();
        let target = Target {
            owner: &owner,
            field,
            param: field,
            recipient: &value,
            strategy,
            is_test: otp::is_test_identifier(&value),
            locale,
            client_ip: ctx.client_ip,
            decoy: false,
        };
        let prepared = otp::prepare(&app, target, &mut state)?;
        let reserved_at = state.last_sent_at.unwrap_or_default();
        *state_slot = Some(state);
        let fresh = commit(&app, &ctx, &mut su, &mut client, prepared.changes.clone()).await?;
        if let Some(message) = prepared.message
            && let Err(e) = otp::deliver(&app, &message).await
        {
            // Not sent: the verification goes back to what it was and the budget is given back,
            // so the user can try again at once.
            *slot(&mut su, strategy)?.2 = before;
            let undo = vec![otp::cancel_send(&prepared.reserved, reserved_at)];
            if let Err(undo_error) = commit(&app, &ctx, &mut su, &mut client, undo).await {
                tracing::info!(sign_up = %su.id, error = %undo_error, "undoing a failed send lost a race");
            }
            return Err(e);
        }
        Ok((Resource::SignUp(su), client, fresh))
    });
    finish(&app, &ctx, r).await
}

/// `POST /v1/client/sign_ups/{id}/attempt_verification`: checks a code; completes the sign-up
/// when nothing else is missing.
pub async fn attempt(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    FapiForm(form): FapiForm<p::AttemptVerification>,
) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async {
        let strategy = parse_strategy(form.strategy.as_ref())?;
        let code = required_code(&app, form.code.as_deref())?;
        let (mut client, mut su) = owned(&app, &ctx, &id).await?;
        ensure_open(&app, &su, "attempt verification")?;
        let strategy = match strategy {
            Some(s) => s,
            None => infer_strategy(&su).ok_or_else(|| AppError::param_missing(fields::STRATEGY))?,
        };
        let owner = su.id.clone();
        let (field, _value, state_slot) = slot(&mut su, strategy)?;
        let Some(mut state) = state_slot
            .clone()
            .filter(|s| s.code_mac.is_some() || s.status != p::VerificationStatus::Unverified)
        else {
            return Err(AppError::verification_missing());
        };
        // Locked: refused before the code is judged, even the right one.
        protection::ensure_not_locked(&app, &state.target).await?;
        let outcome = otp::attempt(&app, &owner, field, &mut state, &code);
        let counted = otp::failure_count_change(&app, &state, &outcome);
        *state_slot = Some(state);
        let fresh = commit(
            &app,
            &ctx,
            &mut su,
            &mut client,
            counted.into_iter().collect(),
        )
        .await?;
        outcome?;
        Ok((Resource::SignUp(su), client, fresh))
    });
    finish(&app, &ctx, r).await
}

/// Without a `strategy`: the one verification that has a code pending.
fn infer_strategy(su: &SignUpRow) -> Option<&'static str> {
    let pending =
        |s: &Option<crate::store::VerifState>| s.as_ref().is_some_and(|s| s.code_mac.is_some());
    match (
        pending(&su.verifications.phone_number),
        pending(&su.verifications.email_address),
    ) {
        (true, false) => Some(strategies::PHONE_CODE),
        (false, true) => Some(strategies::EMAIL_CODE),
        _ => None,
    }
}
