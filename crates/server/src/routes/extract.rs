//! Extractors: the request context (client cookie) and FAPI forms with FAPI-shaped rejections.

use crate::App;
use crate::error::AppError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Maximum accepted body size.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Per-request context.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Client id from a valid signed client cookie.
    pub client_id: Option<String>,
    /// The token that cookie carries (checked against the client's in `load_client`).
    pub client_token: String,
    /// Whether the request came over https (`X-Forwarded-Proto`).
    pub https: bool,
    /// `Origin` header, when it is this server's own origin or an allowed one (the `azp` of
    /// the session tokens this request gets; a foreign origin gets no `azp` rather than its
    /// own name in a token).
    pub origin: Option<String>,
    /// The client's address (`protection::client_ip`: the peer, or behind trusted proxies
    /// their `X-Forwarded-For` entry).
    pub client_ip: Option<std::net::IpAddr>,
    /// `User-Agent` (at most 512 characters), recorded with a new session for the device list.
    pub user_agent: Option<String>,
    /// The browser's preferred language (the first tag of `Accept-Language`): the language of
    /// the codes it asks for when the request does not name a `locale` itself.
    pub locale: Option<String>,
}

impl Ctx {
    /// The locale a code goes out in: the one the request names (`locale`, at most 35
    /// characters, as a BCP 47 tag is), else the browser's `Accept-Language`.
    pub fn locale_or(&self, named: Option<&String>) -> Option<String> {
        named
            .filter(|l| l.len() <= 35)
            .or(self.locale.as_ref())
            .cloned()
    }
}

/// The first language tag of an `Accept-Language` value (`de-CH,de;q=0.9` -> `de-CH`), if it is
/// a plausible tag (`*` and garbage are not).
pub fn preferred_locale(accept_language: &str) -> Option<String> {
    let first = accept_language.split(',').next()?.split(';').next()?.trim();
    crate::delivery::templates::normalize_locale(first)
        .filter(|t| t.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .map(|_| first.to_owned())
}

impl FromRequestParts<App> for Ctx {
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let https = parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"));
        let origin = parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .filter(|o| {
                let host = parts
                    .headers
                    .get(header::HOST)
                    .and_then(|v| v.to_str().ok());
                crate::protection::origin_may_mutate(Some(o), host, &app.origins)
            })
            .map(str::to_owned);
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0);
        let client_ip = crate::protection::client_ip(
            peer,
            &parts.headers,
            app.config.protection.trusted_proxies,
        );
        let (client_id, client_token) = match super::cookie::presented(app, &parts.headers) {
            super::cookie::Presented::Nothing => (None, String::new()),
            super::cookie::Presented::Client { id, token } => (Some(id), token),
            super::cookie::Presented::Several => {
                // Refused, and both names cleared so the browser's next request starts clean.
                let mut resp = axum::response::IntoResponse::into_response(AppError::api(
                    axum::http::StatusCode::BAD_REQUEST,
                    "client_cookie_invalid",
                    "Several client cookies",
                    "The request carried more than one client cookie; they were deleted, so the next request starts a new client.",
                ));
                for v in super::cookie::clear(app, https) {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                }
                return Err(resp);
            }
        };
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect());
        let locale = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(preferred_locale);
        Ok(Self {
            user_agent,
            locale,
            client_id,
            client_token,
            https,
            origin,
            client_ip,
        })
    }
}

/// A form body (`application/x-www-form-urlencoded`; JSON also accepted). Unknown keys are
/// ignored, empty strings are `None` (see the protocol types). Bad bodies answer 4xx in the
/// FAPI error shape instead of axum's plain-text rejections.
#[derive(Debug, Clone)]
pub struct FapiForm<T>(pub T);

impl<T, S> FromRequest<S> for FapiForm<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| AppError::body_too_large())?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        let parsed = if is_json {
            serde_json::from_slice(&bytes).map_err(|e| e.to_string())
        } else {
            check_urlencoded(&bytes)
                .and_then(|()| serde_urlencoded::from_bytes(&bytes).map_err(|e| e.to_string()))
        };
        parsed.map(Self).map_err(|e| {
            AppError::api(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                onetime_protocol::codes::FORM_PARAM_FORMAT_INVALID,
                "is invalid",
                format!(
                    "The request body could not be parsed: {}",
                    truncate(&e, 200)
                ),
            )
        })
    }
}

/// Strict syntax check of an urlencoded body: printable ASCII only, well-formed `%XX` escapes,
/// and every decoded key and value valid UTF-8 (the lenient parser would silently replace
/// garbage with U+FFFD).
fn check_urlencoded(bytes: &[u8]) -> Result<(), String> {
    if let Some(b) = bytes
        .iter()
        .find(|b| !(b.is_ascii_graphic() || **b == b' '))
    {
        return Err(format!("unexpected byte 0x{b:02x} in form body"));
    }
    for part in bytes.split(|b| *b == b'&') {
        let mut decoded = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            match part[i] {
                b'%' => {
                    let hex = part
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                        .ok_or("malformed percent-escape in form body")?;
                    decoded.push(hex);
                    i += 3;
                }
                b'+' => {
                    decoded.push(b' ');
                    i += 1;
                }
                b => {
                    decoded.push(b);
                    i += 1;
                }
            }
        }
        if std::str::from_utf8(&decoded).is_err() {
            return Err("form body is not valid UTF-8".into());
        }
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::preferred_locale;

    #[test]
    fn the_first_accept_language_tag_is_the_locale() {
        assert_eq!(
            preferred_locale("de-CH,de;q=0.9,en;q=0.8").as_deref(),
            Some("de-CH")
        );
        assert_eq!(preferred_locale("es;q=1").as_deref(), Some("es"));
        assert_eq!(preferred_locale(" fr "), Some("fr".into()));
        assert_eq!(preferred_locale("*"), None);
        assert_eq!(preferred_locale(""), None);
        assert_eq!(preferred_locale("../../etc,en"), None);
        assert_eq!(preferred_locale(&"x".repeat(60)), None);
    }
}
