//! Dev-mode only endpoints.

use crate::App;
use crate::delivery::OutboxEntry;
use axum::Json;
use axum::extract::State;

/// `GET /dev/outbox`: every code "sent" in dev mode, newest first.
pub async fn outbox(State(app): State<App>) -> Json<Vec<OutboxEntry>> {
    Json(app.outbox.as_ref().map(|o| o.entries()).unwrap_or_default())
}
