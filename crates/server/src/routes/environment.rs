//! `GET /v1/environment` (also `PATCH`, which clerk-js sends with development keys).

use crate::{App, render};
use axum::Json;
use axum::extract::State;

/// The bare Environment.
pub async fn get(State(app): State<App>) -> Json<onetime_protocol::Environment> {
    Json(render::environment(&app.config, app.dev, &app.issuer))
}
