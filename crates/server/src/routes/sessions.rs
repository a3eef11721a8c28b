//! Sessions: get, touch, end, remove, tokens, sign-out, JWKS.

use super::retrying;
use super::{Ctx, FapiForm, Resource, finish, load_client, save_client, show};
use crate::App;
use crate::error::{AppError, Result};
use crate::store::{Change, ClientRow, SessionRow};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use onetime_protocol as p;

async fn owned_session(app: &App, ctx: &Ctx, sid: &str) -> Result<(ClientRow, SessionRow)> {
    let client = load_client(app, ctx).await?;
    let session = app.store.session(sid).await?;
    match (client, session) {
        (Some(c), Some(s)) if s.client_id == c.id => Ok((c, s)),
        _ => Err(AppError::not_found("session", sid)),
    }
}

/// `GET /v1/client/sessions/{sid}`.
pub async fn get(State(app): State<App>, ctx: Ctx, Path(sid): Path<String>) -> Result<Response> {
    let (c, s) = owned_session(&app, &ctx, &sid).await?;
    show(&app, &ctx, Resource::Session(s), &c).await
}

async fn set_status(
    app: &App,
    ctx: &Ctx,
    sid: &str,
    status: p::SessionStatus,
) -> Result<(Resource, ClientRow)> {
    let (mut c, mut s) = owned_session(app, ctx, sid).await?;
    let now = app.now();
    let mut changes = Vec::new();
    if status == p::SessionStatus::Active {
        if !s.is_active(now) {
            return Err(AppError::signed_out());
        }
        s.last_active_at = now;
        c.last_active_session_id = Some(s.id.clone());
    } else {
        if s.status == p::SessionStatus::Active {
            s.status = status;
        }
        if c.last_active_session_id.as_deref() == Some(sid) {
            c.last_active_session_id = None;
        }
    }
    s.updated_at = now;
    changes.push(Change::Session(s.clone()));
    save_client(app, &mut c, &mut changes);
    app.store.apply(changes).await?;
    Ok((Resource::Session(s), c))
}

/// `POST /v1/client/sessions/{sid}/touch`: marks it active and last active.
pub async fn touch(
    State(app): State<App>,
    ctx: Ctx,
    Path(sid): Path<String>,
    FapiForm(_form): FapiForm<p::TouchSession>,
) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async { set_status(&app, &ctx, &sid, p::SessionStatus::Active).await });
    finish(&app, &ctx, r).await
}

/// `POST /v1/client/sessions/{sid}/end`.
pub async fn end(State(app): State<App>, ctx: Ctx, Path(sid): Path<String>) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async { set_status(&app, &ctx, &sid, p::SessionStatus::Ended).await });
    finish(&app, &ctx, r).await
}

/// `POST /v1/client/sessions/{sid}/remove`.
pub async fn remove(State(app): State<App>, ctx: Ctx, Path(sid): Path<String>) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async { set_status(&app, &ctx, &sid, p::SessionStatus::Removed).await });
    finish(&app, &ctx, r).await
}

/// `DELETE /v1/client/sessions`: sign out (all sessions removed, client kept).
pub async fn remove_all(State(app): State<App>, ctx: Ctx) -> Response {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let r = retrying!(async {
        let Some(mut c) = load_client(&app, &ctx).await? else {
            return Err(AppError::api(
                axum::http::StatusCode::BAD_REQUEST,
                p::codes::CLIENT_NOT_FOUND,
                "No client found",
                "This request is expecting a client and did not find one",
            ));
        };
        let now = app.now();
        let mut changes = Vec::new();
        for mut s in app
            .store
            .client_sessions(&c.id, p::SessionStatus::Active)
            .await?
        {
            s.status = p::SessionStatus::Removed;
            s.updated_at = now;
            changes.push(Change::Session(s));
        }
        c.last_active_session_id = None;
        save_client(&app, &mut c, &mut changes);
        app.store.apply(changes).await?;
        Ok((Resource::Client, c))
    });
    finish(&app, &ctx, r).await
}

/// `POST /v1/client/sessions/{sid}/tokens`: a bare `{object:"token", jwt}` (RS256, 60 s).
pub async fn tokens(
    State(app): State<App>,
    ctx: Ctx,
    Path(sid): Path<String>,
    FapiForm(_form): FapiForm<p::CreateToken>,
) -> Result<Response> {
    let (_c, s) = owned_session(&app, &ctx, &sid).await?;
    if !s.is_active(app.now()) {
        return Err(AppError::signed_out());
    }
    Ok(Json(crate::tokens::session_token(
        &app,
        &s,
        ctx.origin.as_deref(),
    )?)
    .into_response())
}

/// `GET /.well-known/jwks.json`: the current key and those it recently replaced (read from the
/// database, so a key rotated on another instance is listed everywhere at once).
pub async fn jwks(State(app): State<App>) -> Result<Json<p::Jwks>> {
    let keys = if app.key_configured {
        vec![app.key.jwk().clone()]
    } else {
        crate::keys::published(&app.store).await?
    };
    Ok(Json(p::Jwks { keys }))
}
