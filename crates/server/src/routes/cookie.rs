//! The client cookie: its names, building and parsing in one place.
//!
//! The value is `<client id>:<token>.<HMAC>`. The token is replaced whenever a session is created,
//! so a cookie planted in a victim's browser before sign-in never sees the session (session
//! fixation). Over https the cookie is named `__Host-client`, which browsers only accept when it is
//! `Secure`, `Path=/` and has no `Domain`, so a sibling subdomain cannot plant or overwrite it.

use super::Ctx;
use crate::App;
use axum::http::{HeaderMap, HeaderValue, header};

/// The cookie's name over plain http.
pub const NAME: &str = "__client";
/// The cookie's name when it is `Secure`.
pub const SECURE_NAME: &str = "__Host-client";
/// Cookie lifetime.
pub const MAX_AGE_SECS: i64 = 365 * 24 * 3600;

/// What client cookie a request carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// None (or none that verifies).
    Nothing,
    /// One valid cookie: the client id and its token.
    Client {
        /// `client_…`.
        id: String,
        /// The token it carries.
        token: String,
    },
    /// More than one client cookie: refused, since which one the browser meant is unknowable
    /// and an attacker may have planted one of them.
    Several,
}

/// Reads the client cookie(s) of a request.
pub fn presented(app: &App, headers: &HeaderMap) -> Presented {
    let values: Vec<&str> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .filter(|(k, _)| *k == NAME || *k == SECURE_NAME)
        .map(|(_, v)| v)
        .collect();
    match values.as_slice() {
        [] => Presented::Nothing,
        [one] => match app.secret.verify_client_cookie(one) {
            Some((id, token)) => Presented::Client { id, token },
            None => Presented::Nothing,
        },
        _ => Presented::Several,
    }
}

fn secure(app: &App, ctx_https: bool) -> bool {
    app.config.secure_cookies.unwrap_or_else(|| {
        app.config
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
            || ctx_https
    })
}

/// `Set-Cookie` for `client_id` with `token`.
pub fn set(app: &App, ctx: &Ctx, client_id: &str, token: &str) -> Option<HeaderValue> {
    let value = app.secret.sign_client_id(client_id, token);
    let s = if secure(app, ctx.https) {
        format!(
            "{SECURE_NAME}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={MAX_AGE_SECS}; Secure"
        )
    } else {
        format!("{NAME}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={MAX_AGE_SECS}")
    };
    HeaderValue::from_str(&s).ok()
}

/// `Set-Cookie` headers that delete the client cookie under both names.
pub fn clear(app: &App, https: bool) -> Vec<HeaderValue> {
    let plain = format!("{NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    let mut out = vec![HeaderValue::from_str(&plain).ok()];
    if secure(app, https) {
        let host = format!("{SECURE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure");
        out.push(HeaderValue::from_str(&host).ok());
        out[0] = HeaderValue::from_str(&format!("{plain}; Secure")).ok();
    }
    out.into_iter().flatten().collect()
}
