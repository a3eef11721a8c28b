//! Session tokens: the short-lived RS256 JWTs a backend verifies with the JWKS.

use onetime_protocol::{self as p, objects};

use crate::error::Result;
use crate::store::SessionRow;
use crate::{App, crypto};

/// Session JWT lifetime (seconds).
pub const TOKEN_LIFETIME_SECS: i64 = 60;

/// Signs a fresh token for `session`, with `azp` = the requesting origin when there is one.
pub fn session_token(app: &App, session: &SessionRow, origin: Option<String>) -> Result<p::Token> {
    let iat = app.now() / 1000;
    let claims = p::SessionClaims {
        iss: app.issuer.clone(),
        sub: session.user_id.clone(),
        sid: session.id.clone(),
        iat,
        nbf: iat - 10,
        exp: iat + TOKEN_LIFETIME_SECS,
        jti: crypto::random_token(12),
        azp: origin,
        v: 2,
    };
    Ok(p::Token {
        object: objects::TOKEN.into(),
        jwt: app.key.sign(&claims)?,
    })
}
