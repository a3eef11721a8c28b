//! The signed-in user's phone numbers and email addresses (`/v1/me/phone_numbers`,
//! `/v1/me/email_addresses`): add one, verify it with a code, remove one.
//!
//! An added identifier waits in `pending_identifications` until its code is right, so an
//! unverified address never blocks anyone else; then it moves to `identifications` under the
//! same id, where the unique constraint decides a race with another user. Its codes follow the
//! sign-in rules exactly (the same [`otp`] functions): CSPRNG codes stored as HMACs bound to the
//! identifier's id, expiry, attempt limit, resend cooldown, send budgets and lockouts.

use super::me::{MeQuery, signed_in};
use super::{Ctx, FapiForm, load, required_code, retrying};
use crate::error::{AppError, Result};
use crate::otp::{self, Target};
use crate::store::{Change, IdentRow, PendingIdentRow, StoreError};
use crate::{App, crypto, protection, render};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use onetime_protocol::{self as p, fields, objects, strategies};

/// Identifiers a user may be adding at once: enough for any person, few enough that nobody can
/// fill the table through one account.
const MAX_PENDING: usize = 10;

/// Which collection a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/v1/me/phone_numbers`.
    Phone,
    /// `/v1/me/email_addresses`.
    Email,
}

impl Kind {
    fn from_path(collection: &str) -> Result<Self> {
        match collection {
            "phone_numbers" => Ok(Self::Phone),
            "email_addresses" => Ok(Self::Email),
            other => Err(AppError::not_found("resource", other)),
        }
    }

    fn field(self) -> &'static str {
        match self {
            Self::Phone => fields::PHONE_NUMBER,
            Self::Email => fields::EMAIL_ADDRESS,
        }
    }

    fn strategy(self) -> &'static str {
        match self {
            Self::Phone => strategies::PHONE_CODE,
            Self::Email => strategies::EMAIL_CODE,
        }
    }
}

/// `{response: PhoneNumber | EmailAddress, client}` for identifier `id` of the signed-in user.
async fn answer(app: &App, ctx: &Ctx, q: &MeQuery, kind: Kind, id: &str) -> Result<Response> {
    let (c, s) = signed_in(app, ctx, q).await?;
    let view = load::user(app, &s.user_id)
        .await?
        .ok_or_else(|| AppError::not_found("user", &s.user_id))?;
    let user = render::user(&view, app.now());
    let client = load::client(app, &c, ctx.origin.as_deref(), load::Known::default()).await?;
    let client = Some(render::client(&app.config, app.now(), &client));
    let missing = || AppError::not_found(kind.field(), id);
    Ok(match kind {
        Kind::Phone => Json(p::Envelope {
            response: Some(
                user.phone_numbers
                    .into_iter()
                    .find(|x| x.id == id)
                    .ok_or_else(missing)?,
            ),
            client,
        })
        .into_response(),
        Kind::Email => Json(p::Envelope {
            response: Some(
                user.email_addresses
                    .into_iter()
                    .find(|x| x.id == id)
                    .ok_or_else(missing)?,
            ),
            client,
        })
        .into_response(),
    })
}

/// `POST /v1/me/phone_numbers` / `email_addresses` (clerk-js `user.createPhoneNumber`,
/// `createEmailAddress`): adds an unverified identifier. One any user already has is
/// `form_identifier_exists`; adding the same one again answers the one being added.
pub async fn add(
    State(app): State<App>,
    ctx: Ctx,
    Path(collection): Path<String>,
    Query(q): Query<MeQuery>,
    FapiForm(form): FapiForm<p::AddIdentifier>,
) -> Result<Response> {
    let kind = Kind::from_path(&collection)?;
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let (_c, s) = signed_in(&app, &ctx, &q).await?;
    let ids = &app.config.identifiers;
    let value = match kind {
        Kind::Phone => {
            if !ids.phone_number.enabled {
                return Err(AppError::param_unknown(fields::PHONE_NUMBER));
            }
            let raw = form
                .phone_number
                .as_deref()
                .ok_or_else(|| AppError::param_missing(fields::PHONE_NUMBER))?;
            super::sign_ups::parse_phone(&app, raw)?.as_str().to_owned()
        }
        Kind::Email => {
            if !ids.email_address.enabled {
                return Err(AppError::param_unknown(fields::EMAIL_ADDRESS));
            }
            let raw = form
                .email_address
                .as_deref()
                .ok_or_else(|| AppError::param_missing(fields::EMAIL_ADDRESS))?;
            super::sign_ups::parse_email(raw)?.as_str().to_owned()
        }
    };
    if app
        .store
        .ident_by_value(kind.field(), &value)
        .await?
        .is_some()
    {
        return Err(AppError::identifier_exists(kind.field()));
    }
    let pending = app.store.pending_idents(&s.user_id).await?;
    if let Some(same) = pending
        .iter()
        .find(|i| i.kind == kind.field() && i.value == value)
    {
        return answer(&app, &ctx, &q, kind, &same.id).await;
    }
    if pending.len() >= MAX_PENDING {
        return Err(AppError::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            p::codes::FORM_PARAM_VALUE_INVALID,
            "Too many unverified identifiers",
            format!(
                "You are adding {MAX_PENDING} phone numbers or email addresses already; verify or remove one first."
            ),
        )
        .param(kind.field()));
    }
    let now = app.now();
    let id = crypto::new_id("idn");
    let row = PendingIdentRow {
        id: id.clone(),
        user_id: s.user_id.clone(),
        kind: kind.field().to_owned(),
        value,
        verification: None,
        created_at: now,
        updated_at: now,
        version: 0,
    };
    match app.store.apply(vec![Change::PendingIdent(row)]).await {
        // The same identifier added by a request racing this one: answer the one stored.
        Err(StoreError::Conflict(_)) => {}
        other => other?,
    }
    let pending = app.store.pending_idents(&s.user_id).await?;
    let stored = pending
        .iter()
        .find(|i| i.kind == kind.field() && i.id == id)
        .or_else(|| pending.iter().find(|i| i.kind == kind.field()))
        .map(|i| i.id.clone())
        .unwrap_or(id);
    answer(&app, &ctx, &q, kind, &stored).await
}

/// The signed-in user's identifier being added, by id.
async fn owned_pending(
    app: &App,
    ctx: &Ctx,
    q: &MeQuery,
    kind: Kind,
    id: &str,
) -> Result<PendingIdentRow> {
    let (_c, s) = signed_in(app, ctx, q).await?;
    let pending = app.store.pending_idents(&s.user_id).await?;
    if let Some(row) = pending
        .into_iter()
        .find(|i| i.id == id && i.kind == kind.field())
    {
        return Ok(row);
    }
    let view = load::user(app, &s.user_id).await?;
    if view.is_some_and(|v| v.idents.iter().any(|i| i.id == id)) {
        return Err(AppError::already_verified());
    }
    Err(AppError::not_found(kind.field(), id))
}

/// `POST /v1/me/{collection}/{id}/prepare_verification` (clerk-js `prepareVerification`): sends
/// a code to the identifier being added.
pub async fn prepare(
    State(app): State<App>,
    ctx: Ctx,
    Path((collection, id)): Path<(String, String)>,
    Query(q): Query<MeQuery>,
    FapiForm(form): FapiForm<p::PrepareVerification>,
) -> Result<Response> {
    let kind = Kind::from_path(&collection)?;
    if let Some(strategy) = form.strategy.as_deref()
        && strategy != kind.strategy()
    {
        return Err(AppError::param_value_invalid(fields::STRATEGY, strategy));
    }
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    retrying!(async {
        let mut row = owned_pending(&app, &ctx, &q, kind, &id).await?;
        let before = row.verification.clone();
        let mut state = before.clone().unwrap_or_default();
        let target = Target {
            owner: &row.id,
            field: kind.field(),
            param: kind.field(),
            recipient: &row.value,
            strategy: kind.strategy(),
            is_test: otp::is_test_identifier(&row.value),
            locale: ctx.locale_or(form.locale.as_ref()),
            client_ip: ctx.client_ip,
            decoy: false,
        };
        let prepared = otp::prepare(&app, target, &mut state)?;
        let reserved_at = state.last_sent_at.unwrap_or_default();
        row.verification = Some(state);
        row.updated_at = app.now();
        let mut changes = prepared.changes.clone();
        changes.push(Change::PendingIdent(row.clone()));
        app.store.apply(changes).await?;
        row.version += 1;
        if let Some(message) = prepared.message
            && let Err(e) = otp::deliver(&app, &message).await
        {
            // Not sent: the verification goes back to what it was and the budget is given back.
            row.verification = before;
            let undo = vec![
                otp::cancel_send(&prepared.reserved, reserved_at),
                Change::PendingIdent(row.clone()),
            ];
            if let Err(undo_error) = app.store.apply(undo).await {
                tracing::info!(identifier = %row.id, error = %undo_error, "undoing a failed send lost a race");
            }
            return Err(e);
        }
        Ok(())
    })?;
    answer(&app, &ctx, &q, kind, &id).await
}

/// `POST /v1/me/{collection}/{id}/attempt_verification` (clerk-js `attemptVerification`): a
/// right code makes the identifier the user's (it can sign in with it from now on).
pub async fn attempt(
    State(app): State<App>,
    ctx: Ctx,
    Path((collection, id)): Path<(String, String)>,
    Query(q): Query<MeQuery>,
    FapiForm(form): FapiForm<p::AttemptVerification>,
) -> Result<Response> {
    let kind = Kind::from_path(&collection)?;
    let code = required_code(&app, form.code.as_deref())?;
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    retrying!(async {
        let mut row = owned_pending(&app, &ctx, &q, kind, &id).await?;
        let Some(mut state) = row
            .verification
            .clone()
            .filter(|s| s.code_mac.is_some() || s.status != p::VerificationStatus::Unverified)
        else {
            return Err(AppError::verification_missing());
        };
        // Locked: refused before the code is judged, even the right one.
        protection::ensure_not_locked(&app, &state.target).await?;
        let outcome = otp::attempt(&app, &row.id, kind.field(), &mut state, &code);
        let counted = otp::failure_count_change(&app, &state, &outcome);
        let now = app.now();
        let mut changes: Vec<Change> = counted.into_iter().collect();
        if outcome.is_ok() {
            changes.push(Change::DeletePendingIdent(row.id.clone()));
            changes.push(Change::NewIdent(IdentRow {
                id: row.id.clone(),
                user_id: row.user_id.clone(),
                kind: row.kind.clone(),
                value: row.value.clone(),
                strategy: kind.strategy().to_owned(),
                created_at: now,
            }));
        } else {
            row.verification = Some(state);
            row.updated_at = now;
            changes.push(Change::PendingIdent(row));
        }
        match app.store.apply(changes).await {
            // Another user verified the same identifier first.
            Err(StoreError::Conflict(_)) => Err(AppError::identifier_exists(kind.field())),
            other => Ok(other?),
        }?;
        outcome
    })?;
    answer(&app, &ctx, &q, kind, &id).await
}

/// `DELETE /v1/me/{collection}/{id}` (clerk-js `destroy()`): removes an identifier. The last
/// verified one the user can sign in with cannot go (422): the account would be unreachable.
pub async fn remove(
    State(app): State<App>,
    ctx: Ctx,
    Path((collection, id)): Path<(String, String)>,
    Query(q): Query<MeQuery>,
) -> Result<Response> {
    let kind = Kind::from_path(&collection)?;
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let (c, s) = signed_in(&app, &ctx, &q).await?;
    let view = load::user(&app, &s.user_id)
        .await?
        .ok_or_else(|| AppError::not_found("user", &s.user_id))?;
    let change = if view
        .pending
        .iter()
        .any(|i| i.id == id && i.kind == kind.field())
    {
        Change::DeletePendingIdent(id.clone())
    } else if view
        .idents
        .iter()
        .any(|i| i.id == id && i.kind == kind.field())
    {
        let ids = &app.config.identifiers;
        let can_sign_in = |kind: &str| {
            (kind == fields::PHONE_NUMBER && ids.phone_number.enabled)
                || (kind == fields::EMAIL_ADDRESS && ids.email_address.enabled)
        };
        let others = view
            .idents
            .iter()
            .filter(|i| i.id != id && can_sign_in(&i.kind))
            .count();
        if others == 0 {
            return Err(AppError::api(
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_identifier_last",
                "This is your only way to sign in",
                format!(
                    "Add and verify another phone number or email address before removing your only {}.",
                    kind.field().replace('_', " ")
                ),
            ));
        }
        Change::DeleteIdent {
            id: id.clone(),
            user_id: s.user_id.clone(),
        }
    } else {
        return Err(AppError::not_found(kind.field(), &id));
    };
    match app.store.apply(vec![change]).await {
        // Removed by a request racing this one: gone either way.
        Err(StoreError::Stale) => {}
        other => other?,
    }
    let client = load::client(&app, &c, ctx.origin.as_deref(), load::Known::default()).await?;
    Ok(Json(p::Envelope {
        response: Some(p::DeletedObject {
            object: match kind {
                Kind::Phone => objects::PHONE_NUMBER.into(),
                Kind::Email => objects::EMAIL_ADDRESS.into(),
            },
            id,
            deleted: true,
        }),
        client: Some(render::client(&app.config, app.now(), &client)),
    })
    .into_response())
}
