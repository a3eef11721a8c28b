//! Session tokens: the short-lived RS256 JWTs a backend verifies with the JWKS.
//!
//! A token just minted for a session and origin is handed out again for [`REUSE_MS`] instead
//! of being signed anew: a sign-in answers with the session's `last_active_token` and the
//! browser asks `/tokens` for one a moment later, and each RS256 signature costs about a third
//! of a millisecond of CPU. A reused token has at least `TOKEN_LIFETIME_SECS - 5` seconds left.

use std::collections::HashMap;
use std::sync::Mutex;

use onetime_protocol::{self as p, objects};

use crate::error::Result;
use crate::store::SessionRow;
use crate::{App, crypto};

/// Session JWT lifetime (seconds).
pub const TOKEN_LIFETIME_SECS: i64 = 60;

/// How long a minted token is handed out again for the same session and origin (ms).
pub const REUSE_MS: i64 = 5_000;

/// (session id, `azp`).
type TokenKey = (String, Option<String>);

/// Tokens minted in the last [`REUSE_MS`] on this instance: when, and the JWT.
#[derive(Debug, Default)]
pub struct RecentTokens(Mutex<HashMap<TokenKey, (i64, String)>>);

impl RecentTokens {
    fn get(&self, key: &TokenKey, now: i64) -> Option<String> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(minted, _)| (0..REUSE_MS).contains(&(now - minted)))
            .map(|(_, jwt)| jwt.clone())
    }

    fn put(&self, key: TokenKey, now: i64, jwt: String) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= 4096 {
            map.retain(|_, (minted, _)| now - *minted < REUSE_MS);
        }
        map.insert(key, (now, jwt));
    }
}

/// A token for `session` (active: the caller checked), with `azp` = the requesting origin when
/// there is one: the one minted in the last [`REUSE_MS`] or a fresh one.
pub fn session_token(app: &App, session: &SessionRow, origin: Option<&str>) -> Result<p::Token> {
    let now = app.now();
    let key = (session.id.clone(), origin.map(str::to_owned));
    let jwt = match app.recent_tokens.get(&key, now) {
        Some(jwt) => jwt,
        None => {
            let iat = now / 1000;
            let claims = p::SessionClaims {
                iss: app.issuer.clone(),
                sub: session.user_id.clone(),
                sid: session.id.clone(),
                iat,
                nbf: iat - 10,
                exp: iat + TOKEN_LIFETIME_SECS,
                jti: crypto::random_token(12),
                azp: key.1.clone(),
                v: 2,
            };
            let jwt = app.key.sign(&claims)?;
            app.recent_tokens.put(key, now, jwt.clone());
            jwt
        }
    };
    Ok(p::Token {
        object: objects::TOKEN.into(),
        jwt,
    })
}
