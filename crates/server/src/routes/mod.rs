//! HTTP layer: router, extractors and the handlers of each area.

mod assets;
mod client;
pub mod cookie;
mod dev;
mod environment;
mod extract;
pub mod hardening;
mod identifiers;
pub mod load;
mod me;
mod sessions;
mod sign_ins;
mod sign_ups;

pub use extract::{Ctx, FapiForm};

use crate::error::{AppError, Result};
use crate::store::{Change, ClientRow, SessionRow, SignInRow, SignUpRow};
use crate::{App, render};
use axum::Router;
use axum::http::{HeaderValue, Method, Request, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use onetime_protocol as p;
use std::path::Path;

/// The FAPI router (without the method-override wrapper; see [`method_override`]).
pub fn router(app: App, static_dir: Option<&Path>) -> Router {
    let mut r = Router::new()
        .route(
            "/v1/environment",
            get(environment::get)
                .patch(environment::get)
                .post(environment::get),
        )
        .route("/v1/client", get(client::get).delete(client::destroy))
        .route("/v1/client/sign_ups", post(sign_ups::create))
        .route(
            "/v1/client/sign_ups/{id}",
            get(sign_ups::get).patch(sign_ups::update),
        )
        .route(
            "/v1/client/sign_ups/{id}/prepare_verification",
            post(sign_ups::prepare),
        )
        .route(
            "/v1/client/sign_ups/{id}/attempt_verification",
            post(sign_ups::attempt),
        )
        .route("/v1/client/sign_ins", post(sign_ins::create))
        .route("/v1/client/sign_ins/{id}", get(sign_ins::get))
        .route(
            "/v1/client/sign_ins/{id}/prepare_first_factor",
            post(sign_ins::prepare),
        )
        .route(
            "/v1/client/sign_ins/{id}/attempt_first_factor",
            post(sign_ins::attempt),
        )
        .route(
            "/v1/client/sessions",
            axum::routing::delete(sessions::remove_all),
        )
        .route("/v1/client/sessions/{sid}", get(sessions::get))
        .route("/v1/client/sessions/{sid}/touch", post(sessions::touch))
        .route("/v1/client/sessions/{sid}/end", post(sessions::end))
        .route("/v1/client/sessions/{sid}/remove", post(sessions::remove))
        .route("/v1/client/sessions/{sid}/tokens", post(sessions::tokens))
        .route("/.well-known/jwks.json", get(sessions::jwks))
        .route("/v1/me", get(me::get).patch(me::update).delete(me::delete))
        .route("/v1/me/sessions/active", get(me::active_sessions))
        .route("/v1/me/{collection}", post(identifiers::add))
        // clerk-js creates with a trailing slash (`/me/phone_numbers/`).
        .route("/v1/me/{collection}/", post(identifiers::add))
        .route(
            "/v1/me/{collection}/{id}",
            axum::routing::delete(identifiers::remove),
        )
        .route(
            "/v1/me/{collection}/{id}/prepare_verification",
            post(identifiers::prepare),
        )
        .route(
            "/v1/me/{collection}/{id}/attempt_verification",
            post(identifiers::attempt),
        )
        .route("/v1/me/sessions/{sid}/revoke", post(me::revoke_session))
        .route("/v1/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            guard_mutations,
        ));
    if app.dev {
        r = r.route("/dev/outbox", get(dev::outbox));
    }
    r = match static_dir {
        Some(dir) => r.fallback_service(assets::service(dir)),
        None => r.fallback(not_found),
    };
    r.with_state(app)
}

/// Refuses, before any handler runs (so no state changes and no cookie is set), a mutation
/// from a foreign browser origin (403 `origin_invalid`; `Origin: null` included) or with a body
/// that is neither a form nor JSON (415). Requests without `Origin` (native apps, curl, servers)
/// pass: the check is against cross-site requests, which browsers always label.
async fn guard_mutations(
    axum::extract::State(app): axum::extract::State<App>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mutation = matches!(
        *req.method(),
        Method::POST | Method::PATCH | Method::PUT | Method::DELETE
    );
    if mutation {
        let headers = req.headers();
        let text = |name| {
            headers
                .get(name)
                .map(|v: &HeaderValue| v.to_str().unwrap_or("null"))
        };
        if !crate::protection::origin_may_mutate(
            text(header::ORIGIN),
            text(header::HOST),
            &app.origins,
        ) {
            return AppError::origin_invalid().into_response();
        }
        if let Some(content_type) = text(header::CONTENT_TYPE) {
            let essence = content_type
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if essence != "application/x-www-form-urlencoded" && essence != "application/json" {
                return AppError::unsupported_body(content_type).into_response();
            }
        }
    }
    next.run(req).await
}

/// Honours `POST ?_method=PATCH|PUT|DELETE` (clerk-js avoids CORS preflights this way).
/// Must wrap the router (it has to run before routing).
pub fn method_override<B>(mut req: Request<B>) -> Request<B> {
    if req.method() == Method::POST {
        let wanted = req.uri().query().and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "_method")
                .map(|(_, v)| v.to_ascii_uppercase())
        });
        match wanted.as_deref() {
            Some("PATCH") => *req.method_mut() = Method::PATCH,
            Some("PUT") => *req.method_mut() = Method::PUT,
            Some("DELETE") => *req.method_mut() = Method::DELETE,
            _ => {}
        }
    }
    req
}

async fn not_found(uri: axum::http::Uri) -> AppError {
    AppError::not_found("resource", uri.path())
}

async fn method_not_allowed(method: Method) -> AppError {
    AppError::api(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        format!("{method} is not allowed on this endpoint."),
    )
}

/// What a request answers with (rendered together with the full client): the rows as the
/// handler holds them after its commit, so nothing is read again to answer.
#[allow(clippy::large_enum_variant)] // one per request, moved once into the renderer
pub enum Resource {
    /// A sign-up.
    SignUp(SignUpRow),
    /// A sign-in.
    SignIn(SignInRow),
    /// A session.
    Session(SessionRow),
    /// One of the signed-in user's sessions, with its device (`/v1/me/sessions`).
    SessionWithDevice(SessionRow),
    /// A user that was deleted (`deleted_object`).
    DeletedUser(String),
    /// The client itself.
    Client,
}

/// Rows a request's own commit wrote that its answer shows: used instead of reading them back.
#[derive(Debug, Default)]
pub struct Fresh {
    /// The client's sessions with status active after the commit (`None`: not known).
    pub sessions: Option<Vec<SessionRow>>,
    /// The user the commit created.
    pub user: Option<render::UserView>,
}

/// What a mutation answers with: its resource, the client as committed, and what it knows.
pub struct Answer {
    resource: Resource,
    client: ClientRow,
    fresh: Fresh,
}

impl From<(Resource, ClientRow)> for Answer {
    fn from((resource, client): (Resource, ClientRow)) -> Self {
        Self {
            resource,
            client,
            fresh: Fresh::default(),
        }
    }
}

impl From<(Resource, ClientRow, Fresh)> for Answer {
    fn from((resource, client, fresh): (Resource, ClientRow, Fresh)) -> Self {
        Self {
            resource,
            client,
            fresh,
        }
    }
}

/// Loads the request's client (None when there is no valid cookie, the client was deleted, or
/// the cookie's token is not the client's current one: a cookie from before a sign-in).
pub async fn load_client(app: &App, ctx: &Ctx) -> Result<Option<ClientRow>> {
    match &ctx.client_id {
        Some(id) => Ok(app
            .store
            .client(id)
            .await?
            .filter(|c| crate::crypto::tokens_match(&c.token, &ctx.client_token))),
        None => Ok(None),
    }
}

/// The request's client, or a new one (not yet stored).
pub async fn client_or_new(app: &App, ctx: &Ctx) -> Result<ClientRow> {
    if let Some(c) = load_client(app, ctx).await? {
        return Ok(c);
    }
    let now = app.now();
    Ok(ClientRow {
        id: crate::crypto::new_id("client"),
        token: crate::crypto::random_token(16),
        sign_in_id: None,
        sign_up_id: None,
        last_active_session_id: None,
        last_authentication_strategy: None,
        created_at: now,
        updated_at: now,
        version: 0,
    })
}

/// Renders a `{response, client}` envelope (setting the client cookie when `set_cookie`).
pub async fn envelope(
    app: &App,
    ctx: &Ctx,
    resource: Resource,
    client: Option<&ClientRow>,
    set_cookie: bool,
    fresh: &Fresh,
) -> Result<Response> {
    let now = app.now();
    let origin = ctx.origin.as_deref();
    // The resource's sign-in view is built once and shared with the client view.
    let (sign_in, user) = match &resource {
        Resource::SignIn(si) => {
            let (view, user) = load::sign_in_and_user(app, si.clone(), fresh.user.as_ref()).await?;
            (Some(view), user)
        }
        _ => (None, None),
    };
    let known = load::Known {
        sign_up: match &resource {
            Resource::SignUp(su) => Some(su),
            _ => None,
        },
        sign_in: sign_in.as_ref(),
        user: user.as_ref().or(fresh.user.as_ref()),
        sessions: fresh.sessions.as_deref(),
    };
    let client_json = match client {
        Some(c) => Some(render::client(
            &app.config,
            now,
            &load::client(app, c, origin, known).await?,
        )),
        None => None,
    };
    // Serialised straight from the typed shapes (no `serde_json::Value` tree in between).
    let mut resp = match &resource {
        Resource::SignUp(su) => axum::Json(p::Envelope {
            response: Some(render::sign_up(&app.config, now, su)),
            client: client_json,
        })
        .into_response(),
        Resource::SignIn(_) => match &sign_in {
            Some(view) => axum::Json(p::Envelope {
                response: Some(render::sign_in(&app.config, now, view)),
                client: client_json,
            })
            .into_response(),
            None => unreachable!("built above for a sign-in"),
        },
        Resource::Session(s) => {
            let view = load::session(app, s.clone(), origin, known).await?;
            axum::Json(p::Envelope {
                response: Some(render::session(now, &view)),
                client: client_json,
            })
            .into_response()
        }
        Resource::SessionWithDevice(s) => axum::Json(p::Envelope {
            response: Some(render::session_with_activities(now, s)),
            client: client_json,
        })
        .into_response(),
        Resource::DeletedUser(id) => axum::Json(p::Envelope {
            response: Some(p::DeletedObject {
                object: p::objects::USER.into(),
                id: id.clone(),
                deleted: true,
            }),
            client: client_json,
        })
        .into_response(),
        Resource::Client => axum::Json(p::Envelope {
            response: client_json.clone(),
            client: client_json,
        })
        .into_response(),
    };
    if set_cookie
        && let Some(c) = client
        && let Some(v) = cookie::set(app, ctx, &c.id, &c.token)
    {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// Renders a read: the resource and its client as stored, without touching the cookie.
pub async fn show(
    app: &App,
    ctx: &Ctx,
    resource: Resource,
    client: &ClientRow,
) -> Result<Response> {
    envelope(app, ctx, resource, Some(client), false, &Fresh::default()).await
}

/// Finishes a mutation: on success renders the envelope; on an API error attaches the current
/// client (as stored now) so clerk-js can resync.
pub async fn finish<A: Into<Answer>>(app: &App, ctx: &Ctx, result: Result<A>) -> Response {
    match result.map(Into::into) {
        Ok(Answer {
            resource,
            client,
            fresh,
        }) => match envelope(app, ctx, resource, Some(&client), true, &fresh).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        },
        Err(e) => {
            let client = match load_client(app, ctx).await {
                Ok(Some(c)) => load::client(app, &c, ctx.origin.as_deref(), load::Known::default())
                    .await
                    .ok()
                    .map(|view| render::client(&app.config, app.now(), &view)),
                _ => None,
            };
            e.with_client(client).into_response()
        }
    }
}

/// Rounds a request body gets before it answers 429 (see [`retrying!`]).
pub const RETRY_ROUNDS: u64 = 24;

/// Runs a read-modify-write request body (an `async { … }` block, evaluated afresh each round),
/// starting over when the store reports that a row it read changed before it wrote
/// ([`AppError::Stale`]: another request, on this or another instance, won the race). Every round
/// reads fresh rows, so each rule (single use, attempt limit, cooldown) is judged on the latest
/// state and the database decides who was first. A macro rather than a function taking an async
/// closure: axum needs the handler futures to be `Send`, which async closures cannot promise yet.
macro_rules! retrying {
    ($body:expr) => {{
        let mut round = 1;
        loop {
            match $body.await {
                Err($crate::error::AppError::Stale) if round < $crate::routes::RETRY_ROUNDS => {
                    $crate::routes::back_off(round).await;
                    round += 1;
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use retrying;

/// A little jitter before the next round, so racers do not collide again in lockstep.
pub async fn back_off(round: u64) {
    let ms = rand::random_range(0..=round.min(8) * 2);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// A new active session of `user_id` on `client_id` (sign-in and sign-up both end here), on the
/// request's device. The client gets a new cookie token with every new session (see [`cookie`]).
pub fn new_session(app: &App, ctx: &Ctx, client: &mut ClientRow, user_id: &str) -> SessionRow {
    client.token = crate::crypto::random_token(16);
    let client_id = client.id.as_str();
    let now = app.now();
    let lifetime_ms =
        i64::try_from(app.config.session_lifetime_secs).unwrap_or(i64::MAX / 4000) * 1000;
    SessionRow {
        id: crate::crypto::new_id("sess"),
        client_id: client_id.to_owned(),
        user_id: user_id.to_owned(),
        status: p::SessionStatus::Active,
        expire_at: now + lifetime_ms,
        last_active_at: now,
        user_agent: ctx.user_agent.clone(),
        ip_address: ctx.client_ip.map(|ip| ip.to_string()),
        created_at: now,
        updated_at: now,
        version: 0,
    }
}

/// Touches the client row and adds it to the change set.
pub fn save_client(app: &App, client: &mut ClientRow, changes: &mut Vec<Change>) {
    client.updated_at = app.now();
    changes.push(Change::Client(client.clone()));
}

/// The `code` parameter of an attempt, parsed: `form_param_missing` when absent,
/// `form_param_format_invalid` when it is not `[codes] length` digits.
pub fn required_code(app: &App, raw: Option<&str>) -> Result<crate::domain::OtpCode> {
    let raw = raw.ok_or_else(|| AppError::param_missing(p::fields::CODE))?;
    crate::domain::OtpCode::parse(raw, app.config.codes.length)
        .map_err(|e| AppError::param_format_invalid(p::fields::CODE, e.0))
}

/// The cookie-clearing headers.
pub fn clear_cookie(app: &App, ctx: &Ctx) -> Vec<HeaderValue> {
    cookie::clear(app, ctx.https)
}

/// `session_exists` when single-session mode is on and the client has an active session.
/// Otherwise the client's sessions with status active (all past their lifetime) when it looked,
/// for [`Fresh::sessions`]; `None` when it did not need to look (multi-session mode).
pub async fn ensure_no_active_session(
    app: &App,
    client: &ClientRow,
) -> Result<Option<Vec<SessionRow>>> {
    // A client not stored yet (version 0) has no sessions.
    if client.version == 0 {
        return Ok(Some(Vec::new()));
    }
    if !app.config.single_session_mode {
        return Ok(None);
    }
    let now = app.now();
    let active = app
        .store
        .client_sessions(&client.id, p::SessionStatus::Active)
        .await?;
    match active.iter().find(|s| s.is_active(now)) {
        Some(s) => Err(AppError::session_exists(&s.id)),
        None => Ok(Some(active)),
    }
}
