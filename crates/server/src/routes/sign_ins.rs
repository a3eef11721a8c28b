//! Sign-in: create (optionally preparing in the same request), get, prepare_first_factor,
//! attempt_first_factor.

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
use crate::store::{Change, ClientRow, IdentRow, SessionRow, SignInRow, VerifState};
use crate::{App, crypto, protection};
use axum::extract::{Path, State};
use axum::response::Response;
use onetime_protocol::{self as p, fields, strategies};

const ABANDON_AFTER_MS: i64 = 24 * 3600 * 1000;
const FIRST_FACTOR: &str = "first_factor";

fn not_enabled(kind: &str) -> AppError {
    AppError::param_format_invalid(
        fields::IDENTIFIER,
        format!("Signing in with a {kind} is not enabled for this application."),
    )
}

/// Finds the user for an identifier: (normalised identifier, user id). With
/// `enumeration_protection`, an unknown phone or email gives no user instead of an error, and
/// the sign-in goes on as a decoy.
async fn lookup(app: &App, raw: &str) -> Result<(String, Option<String>)> {
    let ids = &app.config.identifiers;
    let raw = raw.trim();
    let looks_like_phone = raw.starts_with('+')
        || (!raw.is_empty()
            && raw
                .chars()
                .all(|c| c.is_ascii_digit() || " -.()".contains(c)));
    let (kind, value) = if raw.contains('@') {
        if !ids.email_address.sign_in {
            return Err(not_enabled("email address"));
        }
        let e = EmailAddress::parse(raw)
            .map_err(|e| AppError::param_format_invalid(fields::IDENTIFIER, e.0))?;
        (fields::EMAIL_ADDRESS, e.as_str().to_owned())
    } else if looks_like_phone {
        if !ids.phone_number.sign_in {
            return Err(not_enabled("phone number"));
        }
        let ph = PhoneNumber::parse(raw)
            .map_err(|e| AppError::param_format_invalid(fields::IDENTIFIER, e.0))?;
        protection::check_sms_country(&app.config.protection, ph.as_str(), fields::IDENTIFIER)?;
        (fields::PHONE_NUMBER, ph.as_str().to_owned())
    } else {
        if !ids.username.sign_in {
            return Err(AppError::param_format_invalid(
                fields::IDENTIFIER,
                "identifier must be a phone number in E.164 format or an email address.",
            ));
        }
        let u = Username::parse(raw).map_err(|_| AppError::identifier_not_found())?;
        let user = app
            .store
            .user_by_username(u.as_str())
            .await?
            .ok_or_else(AppError::identifier_not_found)?;
        return Ok((u.as_str().to_owned(), Some(user.id)));
    };
    match app.store.ident_by_value(kind, &value).await? {
        Some(ident) => Ok((value, Some(ident.user_id))),
        None if app.config.protection.enumeration_protection => Ok((value, None)),
        None => Err(AppError::identifier_not_found()),
    }
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

/// Picks the identification to send to: the requested id, else the one matching the identifier,
/// else the user's first of that kind.
async fn pick_ident(
    app: &App,
    si: &SignInRow,
    strategy: &str,
    requested: Option<&str>,
) -> Result<(IdentRow, Option<UserView>)> {
    let (kind, allowed) = if strategy == strategies::PHONE_CODE {
        (
            fields::PHONE_NUMBER,
            app.config.identifiers.phone_number.sign_in,
        )
    } else {
        (
            fields::EMAIL_ADDRESS,
            app.config.identifiers.email_address.sign_in,
        )
    };
    if !allowed {
        return Err(AppError::strategy_for_user_invalid());
    }
    // The whole user (one query): the answer shows it too.
    let user = match &si.user_id {
        Some(user_id) => super::load::user(app, user_id).await?,
        None => None,
    };
    let idents: Vec<IdentRow> = match (&si.user_id, &user, &si.identifier) {
        (Some(_), Some(view), _) => view.idents.clone(),
        // The user is gone.
        (Some(_), None, _) => Vec::new(),
        // A decoy (enumeration protection): the one identification it seems to have.
        (None, _, Some(identifier)) => vec![protection::decoy_ident(app, identifier)],
        (None, _, None) => return Err(AppError::client_state_invalid("prepare first factor")),
    }
    .into_iter()
    .filter(|i| i.kind == kind)
    .collect();
    let found = match requested {
        Some(id) => idents.into_iter().find(|i| i.id == id),
        None => {
            let matching = idents
                .iter()
                .position(|i| Some(i.value.as_str()) == si.identifier.as_deref());
            match matching {
                Some(n) => idents.into_iter().nth(n),
                None => idents.into_iter().next(),
            }
        }
    };
    Ok((found.ok_or_else(AppError::strategy_for_user_invalid)?, user))
}

/// Puts a new first-factor code into `si` (state kept across prepares: attempts are not reset);
/// [`persist`] claims it, [`deliver`] sends it.
async fn prepare_factor(
    app: &App,
    ctx: &Ctx,
    si: &mut SignInRow,
    strategy: &'static str,
    requested: Option<&str>,
) -> Result<(otp::Prepared, Option<UserView>)> {
    let (ident, user) = pick_ident(app, si, strategy, requested).await?;
    let mut state = si.first_factor.clone().unwrap_or_default();
    let target = Target {
        owner: &si.id,
        field: FIRST_FACTOR,
        param: fields::IDENTIFIER,
        recipient: &ident.value,
        strategy,
        is_test: otp::is_test_identifier(&ident.value),
        locale: si.locale.clone(),
        client_ip: ctx.client_ip,
        decoy: si.user_id.is_none(),
    };
    let prepared = otp::prepare(app, target, &mut state)?;
    state.ident_id = Some(ident.id);
    si.first_factor = Some(state);
    Ok((prepared, user))
}

/// Commits the sign-in and the client with `changes` in one transaction; afterwards both rows
/// carry their new version, so the request may write them again.
async fn persist(
    app: &App,
    si: &mut SignInRow,
    client: &mut ClientRow,
    mut changes: Vec<Change>,
) -> Result<()> {
    si.updated_at = app.now();
    if si.status != p::SignInStatus::Complete {
        si.abandon_at = si.updated_at + ABANDON_AFTER_MS;
    }
    changes.push(Change::SignIn(si.clone()));
    save_client(app, client, &mut changes);
    app.store.apply(changes).await?;
    si.version += 1;
    client.version += 1;
    Ok(())
}

/// Sends the code that [`persist`] just claimed. When delivery fails, the first factor goes back
/// to `before` and the send reservation is given back, so the user can try again at once.
async fn deliver(
    app: &App,
    si: &mut SignInRow,
    client: &mut ClientRow,
    before: Option<VerifState>,
    prepared: otp::Prepared,
) -> Result<()> {
    let Some(message) = prepared.message else {
        return Ok(());
    };
    let reserved_at = si
        .first_factor
        .as_ref()
        .and_then(|s| s.last_sent_at)
        .unwrap_or_default();
    if app.config.protection.enumeration_protection {
        // Off the request path, so a known identifier answers as fast as a decoy. A failed
        // send gives its budget back; the person asks for a new code after the cooldown.
        let app = app.clone();
        tokio::spawn(async move {
            if otp::deliver(&app, &message).await.is_err() {
                let undo = vec![otp::cancel_send(&prepared.reserved, reserved_at)];
                if let Err(e) = app.store.apply(undo).await {
                    tracing::warn!(error = %e, "giving back a failed send's budget");
                }
            }
        });
        return Ok(());
    }
    let Err(e) = otp::deliver(app, &message).await else {
        return Ok(());
    };
    si.first_factor = before;
    let undo = vec![otp::cancel_send(&prepared.reserved, reserved_at)];
    if let Err(undo_error) = persist(app, si, client, undo).await {
        // Another request changed the sign-in meanwhile; it owns the state now.
        tracing::info!(sign_in = %si.id, error = %undo_error, "undoing a failed send lost a race");
    }
    Err(e)
}

/// `POST /v1/client/sign_ins`: `identifier` (+ optional `strategy` to send the code at once).
pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    FapiForm(form): FapiForm<p::CreateSignIn>,
) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async {
        let raw = form
            .identifier
            .as_deref()
            .ok_or_else(|| AppError::param_missing(fields::IDENTIFIER))?;
        if raw.len() > 320 {
            return Err(AppError::param_format_invalid(
                fields::IDENTIFIER,
                "identifier is too long.",
            ));
        }
        let strategy = parse_strategy(form.strategy.as_ref())?;
        let mut client = client_or_new(&app, &ctx).await?;
        ensure_no_active_session(&app, &client).await?;
        let (identifier, user_id) = lookup(&app, raw).await?;
        protection::ensure_not_locked(&app, &identifier).await?;
        let now = app.now();
        let mut si = SignInRow {
            id: crypto::new_id("sia"),
            client_id: client.id.clone(),
            status: p::SignInStatus::NeedsFirstFactor,
            identifier: Some(identifier),
            user_id,
            locale: ctx.locale_or(form.locale.as_ref()),
            first_factor: None,
            created_session_id: None,
            abandon_at: now + ABANDON_AFTER_MS,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        client.sign_in_id = Some(si.id.clone());
        let mut fresh = Fresh::default();
        match strategy {
            Some(strategy) => match prepare_factor(&app, &ctx, &mut si, strategy, None).await {
                Ok((prepared, user)) => {
                    persist(&app, &mut si, &mut client, prepared.changes.clone()).await?;
                    deliver(&app, &mut si, &mut client, None, prepared).await?;
                    fresh.user = user;
                }
                Err(e) => {
                    // The sign-in exists; only the send was refused (the client sees both).
                    persist(&app, &mut si, &mut client, Vec::new()).await?;
                    return Err(e);
                }
            },
            None => persist(&app, &mut si, &mut client, Vec::new()).await?,
        }
        Ok((Resource::SignIn(si), client, fresh))
    });
    finish(&app, &ctx, r).await
}

async fn owned(app: &App, ctx: &Ctx, id: &str) -> Result<(ClientRow, SignInRow)> {
    let client = load_client(app, ctx).await?;
    let si = app.store.sign_in(id).await?;
    match (client, si) {
        (Some(c), Some(si)) if si.client_id == c.id => Ok((c, si)),
        _ => Err(AppError::not_found("sign in", id)),
    }
}

/// `GET /v1/client/sign_ins/{id}`.
pub async fn get(State(app): State<App>, ctx: Ctx, Path(id): Path<String>) -> Result<Response> {
    let (c, si) = owned(&app, &ctx, &id).await?;
    show(&app, &ctx, Resource::SignIn(si), &c).await
}

/// `POST /v1/client/sign_ins/{id}/prepare_first_factor`.
pub async fn prepare(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    FapiForm(form): FapiForm<p::PrepareFirstFactor>,
) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async {
        let strategy = parse_strategy(form.strategy.as_ref())?
            .ok_or_else(|| AppError::param_missing(fields::STRATEGY))?;
        let (mut client, mut si) = owned(&app, &ctx, &id).await?;
        if si.status != p::SignInStatus::NeedsFirstFactor || app.now() > si.abandon_at {
            return Err(AppError::client_state_invalid("prepare first factor"));
        }
        let requested = if strategy == strategies::PHONE_CODE {
            form.phone_number_id.as_deref()
        } else {
            form.email_address_id.as_deref()
        };
        let before = si.first_factor.clone();
        let (prepared, user) = prepare_factor(&app, &ctx, &mut si, strategy, requested).await?;
        persist(&app, &mut si, &mut client, prepared.changes.clone()).await?;
        deliver(&app, &mut si, &mut client, before, prepared).await?;
        let fresh = Fresh {
            sessions: None,
            user,
        };
        Ok((Resource::SignIn(si), client, fresh))
    });
    finish(&app, &ctx, r).await
}

/// `POST /v1/client/sign_ins/{id}/attempt_first_factor`: checks the code; on success creates
/// the session and makes it the client's last active session.
pub async fn attempt(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    FapiForm(form): FapiForm<p::AttemptFirstFactor>,
) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async {
        let strategy = parse_strategy(form.strategy.as_ref())?;
        let code = required_code(&app, form.code.as_deref())?;
        let (mut client, mut si) = owned(&app, &ctx, &id).await?;
        if si.status != p::SignInStatus::NeedsFirstFactor || app.now() > si.abandon_at {
            return Err(AppError::client_state_invalid("attempt first factor"));
        }
        let Some(mut state) = si.first_factor.clone() else {
            return Err(AppError::verification_missing());
        };
        if strategy.is_some_and(|s| s != state.strategy) {
            return Err(AppError::verification_strategy_invalid());
        }
        let seen_sessions = ensure_no_active_session(&app, &client).await?;
        // Locked: refused before the code is judged, even the right one.
        protection::ensure_not_locked(&app, &state.target).await?;
        let outcome = otp::attempt(&app, &si.id, FIRST_FACTOR, &mut state, &code);
        let counted = otp::failure_count_change(&app, &state, &outcome);
        let strategy_used = state.strategy.clone();
        si.first_factor = Some(state);
        if let Err(e) = outcome {
            persist(&app, &mut si, &mut client, counted.into_iter().collect()).await?;
            return Err(e);
        }
        let now = app.now();
        let user_id = si
            .user_id
            .clone()
            .ok_or_else(|| AppError::client_state_invalid("attempt first factor"))?;
        let session = new_session(&app, &ctx, &mut client, &user_id);
        let session_id = session.id.clone();
        let fresh = Fresh {
            sessions: seen_sessions.map(|mut rows| {
                rows.push(SessionRow {
                    version: 1,
                    ..session.clone()
                });
                rows
            }),
            user: None,
        };
        let mut changes = vec![
            Change::Session(session),
            Change::UserSignedIn { user_id, at: now },
        ];
        changes.extend(counted);
        si.status = p::SignInStatus::Complete;
        si.created_session_id = Some(session_id.clone());
        client.last_active_session_id = Some(session_id);
        client.last_authentication_strategy = Some(strategy_used);
        persist(&app, &mut si, &mut client, changes).await?;
        Ok((Resource::SignIn(si), client, fresh))
    });
    finish(&app, &ctx, r).await
}
