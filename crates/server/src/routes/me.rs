//! The signed-in user's own account (`/v1/me`): read it, update names and primary identifiers,
//! delete it, list its active sessions on every device and revoke one.
//!
//! clerk-js names the session it acts for with `_clerk_session_id` on every non-`/client`
//! path; without it, the client's last active session. Either way the session must be this
//! client's and active, or the answer is 401 `authentication_invalid`.

use super::{Ctx, FapiForm, Resource, finish, load, load_client, retrying, save_client};
use crate::domain::Username;
use crate::error::{AppError, Result};
use crate::store::StoreError;
use crate::store::{Change, ClientRow, SessionRow};
use crate::{App, render};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use onetime_protocol as p;
use onetime_protocol::fields;

/// Query of every `/v1/me` request.
#[derive(Debug, Default, serde::Deserialize)]
pub struct MeQuery {
    #[serde(rename = "_clerk_session_id")]
    session_id: Option<String>,
}

/// The request's client and the active session it acts for.
pub(super) async fn signed_in(
    app: &App,
    ctx: &Ctx,
    q: &MeQuery,
) -> Result<(ClientRow, SessionRow)> {
    let client = load_client(app, ctx).await?;
    let mut session = None;
    if let Some(c) = &client {
        let sid = q
            .session_id
            .clone()
            .or_else(|| c.last_active_session_id.clone());
        if let Some(sid) = sid.filter(|s| !s.is_empty()) {
            session = app
                .store
                .session(&sid)
                .await?
                .filter(|s| s.client_id == c.id && s.is_active(app.now()));
        }
    }
    match (client, session) {
        (Some(c), Some(s)) => Ok((c, s)),
        _ => Err(AppError::api(
            axum::http::StatusCode::UNAUTHORIZED,
            p::codes::AUTHENTICATION_INVALID,
            "Invalid authentication",
            "Unable to authenticate the request, you need to supply an active session",
        )),
    }
}

/// `GET /v1/me`: `{response: User, client}` (clerk-js `User.reload()`).
pub async fn get(State(app): State<App>, ctx: Ctx, Query(q): Query<MeQuery>) -> Result<Response> {
    let (c, s) = signed_in(&app, &ctx, &q).await?;
    let user = load::user(&app, &s.user_id)
        .await?
        .ok_or_else(|| AppError::not_found("user", &s.user_id))?;
    let client = load::client(&app, &c, ctx.origin.as_deref(), load::Known::default()).await?;
    let body = p::Envelope {
        response: Some(render::user(&user, app.now())),
        client: Some(render::client(&app.config, app.now(), &client)),
    };
    Ok(Json(body).into_response())
}

/// `PATCH /v1/me` (clerk-js `user.update`): names, username, and which of the user's own email
/// addresses and phone numbers is primary. `{response: User, client}`.
pub async fn update(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<MeQuery>,
    FapiForm(form): FapiForm<p::UpdateUser>,
) -> Result<Response> {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let (c, s) = signed_in(&app, &ctx, &q).await?;
    let mut view = load::user(&app, &s.user_id)
        .await?
        .ok_or_else(|| AppError::not_found("user", &s.user_id))?;
    let user = &mut view.user;
    if let Some(raw) = &form.username {
        if raw.trim().is_empty() {
            user.username = None;
        } else {
            if !app.config.identifiers.username.enabled {
                return Err(AppError::param_unknown(fields::USERNAME));
            }
            let name = Username::parse(raw)
                .map_err(|e| AppError::param_format_invalid(fields::USERNAME, e.0))?;
            user.username = Some(name.as_str().to_owned());
        }
    }
    if let Some(raw) = &form.first_name {
        user.first_name = super::sign_ups::person_name(fields::FIRST_NAME, raw)?;
    }
    if let Some(raw) = &form.last_name {
        user.last_name = super::sign_ups::person_name(fields::LAST_NAME, raw)?;
    }
    for (param, kind, wanted, slot) in [
        (
            "primary_email_address_id",
            fields::EMAIL_ADDRESS,
            &form.primary_email_address_id,
            &mut user.primary_email_address_id,
        ),
        (
            "primary_phone_number_id",
            fields::PHONE_NUMBER,
            &form.primary_phone_number_id,
            &mut user.primary_phone_number_id,
        ),
    ] {
        if let Some(id) = wanted {
            if !view.idents.iter().any(|i| i.kind == kind && &i.id == id) {
                let what = kind.replace('_', " ");
                return Err(AppError::api(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    p::codes::FORM_PARAM_VALUE_INVALID,
                    "is invalid",
                    format!("{id} is not one of your verified {what}es."),
                )
                .param(param));
            }
            *slot = Some(id.clone());
        }
    }
    user.updated_at = app.now();
    match app
        .store
        .apply(vec![Change::UpdateUser(user.clone())])
        .await
    {
        Err(StoreError::Conflict(_)) => return Err(AppError::identifier_exists(fields::USERNAME)),
        Err(StoreError::Stale) => return Err(AppError::not_found("user", &s.user_id)),
        other => other?,
    }
    let client = load::client(&app, &c, ctx.origin.as_deref(), load::Known::default()).await?;
    let body = p::Envelope {
        response: Some(render::user(&view, app.now())),
        client: Some(render::client(&app.config, app.now(), &client)),
    };
    Ok(Json(body).into_response())
}

/// `DELETE /v1/me` (clerk-js `user.delete()`): the user, its phone numbers and email addresses
/// (free to sign up again at once), and its sessions on every device are gone;
/// `{response: deleted_object, client}` shows this client signed out.
pub async fn delete(State(app): State<App>, ctx: Ctx, Query(q): Query<MeQuery>) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async {
        let (mut c, s) = signed_in(&app, &ctx, &q).await?;
        let mut changes = vec![Change::DeleteUser(s.user_id.clone())];
        c.last_active_session_id = None;
        c.sign_in_id = None;
        save_client(&app, &mut c, &mut changes);
        app.store.apply(changes).await?;
        tracing::info!(user_id = %s.user_id, "user deleted their account");
        Ok((Resource::DeletedUser(s.user_id), c))
    });
    finish(&app, &ctx, r).await
}

/// `GET /v1/me/sessions/active` (clerk-js `user.getSessions()`): the user's active sessions on
/// every device, most recently active first, each with its browser and platform. A bare JSON
/// array, as Clerk answers it.
pub async fn active_sessions(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<MeQuery>,
) -> Result<Response> {
    let (_c, s) = signed_in(&app, &ctx, &q).await?;
    let now = app.now();
    let sessions: Vec<p::SessionWithActivities> = app
        .store
        .user_sessions(&s.user_id, p::SessionStatus::Active)
        .await?
        .iter()
        .filter(|s| s.is_active(now))
        .map(|s| render::session_with_activities(now, s))
        .collect();
    Ok(Json(sessions).into_response())
}

/// `POST /v1/me/sessions/{sid}/revoke` (clerk-js `SessionWithActivities.revoke()`): ends one of
/// the user's sessions, on whatever device it is: that device's next token request fails and
/// its client shows no session. Another user's session, or none, is 404.
pub async fn revoke_session(
    State(app): State<App>,
    ctx: Ctx,
    Path(sid): Path<String>,
    Query(q): Query<MeQuery>,
) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async {
        let (mut c, me) = signed_in(&app, &ctx, &q).await?;
        let mut target = app
            .store
            .session(&sid)
            .await?
            .filter(|s| s.user_id == me.user_id)
            .ok_or_else(|| AppError::not_found("session", &sid))?;
        let now = app.now();
        let mut changes = Vec::new();
        if target.is_active(now) {
            target.status = p::SessionStatus::Revoked;
            target.updated_at = now;
            changes.push(Change::Session(target.clone()));
            target.version += 1;
        }
        if c.last_active_session_id.as_deref() == Some(sid.as_str()) {
            c.last_active_session_id = None;
        }
        save_client(&app, &mut c, &mut changes);
        app.store.apply(changes).await?;
        Ok((Resource::SessionWithDevice(target), c))
    });
    finish(&app, &ctx, r).await
}
