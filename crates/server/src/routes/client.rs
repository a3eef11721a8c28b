//! `GET /v1/client` and `DELETE /v1/client`.

use super::retrying;
use super::{Ctx, Resource, clear_cookie, load_client, show};
use crate::App;
use crate::error::Result;
use crate::store::Change;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use onetime_protocol as p;

fn empty() -> Response {
    axum::Json(p::Envelope::<p::Client>::default()).into_response()
}

/// The current client, or `{"response":null,"client":null}` (200) without one.
pub async fn get(State(app): State<App>, ctx: Ctx) -> Result<Response> {
    match load_client(&app, &ctx).await? {
        Some(c) => show(&app, &ctx, Resource::Client, &c).await,
        None => Ok(empty()),
    }
}

/// Ends all sessions and destroys the client (clears the cookie).
pub async fn destroy(State(app): State<App>, ctx: Ctx) -> Result<Response> {
    let _guard = app.store.lock_client(ctx.client_id.as_deref()).await;
    let ended: Result<()> = retrying!(async {
        if let Some(c) = load_client(&app, &ctx).await? {
            let now = app.now();
            let mut changes = Vec::new();
            for mut s in app
                .store
                .client_sessions(&c.id, p::SessionStatus::Active)
                .await?
            {
                s.status = p::SessionStatus::Ended;
                s.updated_at = now;
                changes.push(Change::Session(s));
            }
            changes.push(Change::DeleteClient(c.id.clone()));
            app.store.apply(changes).await?;
        }
        Ok(())
    });
    ended?;
    let mut resp = empty();
    for v in clear_cookie(&app, &ctx) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}
