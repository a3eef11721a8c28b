//! Token signing keys: the newest key in the database signs; the JWKS publishes the newest
//! [`PUBLISHED`] so a token signed before `onetime-server rotate-key` still verifies until it
//! expires, on every instance (each reads the JWKS from the database).

use crate::signing::{self, SigningKey, TokenAlgorithm};
use crate::store::Store;

/// Keys the JWKS lists: the current one and those it replaced most recently.
pub const PUBLISHED: i64 = 3;

/// The legacy settings key of the single signing key (before rotation existed).
const LEGACY_SETTING: &str = "jwt_signing_key_pem";

/// The key this instance signs with: the newest in the database for `algorithm`, made on the
/// first start with that algorithm (or moved from the legacy setting). Instances starting at
/// once agree on one key.
pub async fn current(
    store: &Store,
    now_ms: i64,
    algorithm: TokenAlgorithm,
) -> anyhow::Result<SigningKey> {
    if let Some(key) = newest(store, algorithm).await? {
        return Ok(key);
    }
    let legacy = match algorithm {
        TokenAlgorithm::RS256 => store.setting(LEGACY_SETTING).await?,
        _ => None,
    };
    let pem = match legacy {
        Some(pem) => pem,
        None => {
            tracing::info!(
                algorithm = algorithm.as_str(),
                "generating a session-token signing key (first start with this algorithm)"
            );
            tokio::task::spawn_blocking(move || signing::generate_pem(algorithm)).await??
        }
    };
    add(store, &pem, now_ms).await?;
    // Another instance may have added its own key at the same moment: all take the newest.
    newest(store, algorithm)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no signing key after adding one"))
}

/// Keys looked at for the newest of one algorithm (older ones only verify, via the JWKS).
const SEARCHED: i64 = 50;

async fn newest(store: &Store, algorithm: TokenAlgorithm) -> anyhow::Result<Option<SigningKey>> {
    // The stored JWK names the algorithm: only the chosen key's PEM is parsed.
    for (_, pem, jwk) in store.signing_keys(SEARCHED).await? {
        let jwk: onetime_protocol::Jwk = serde_json::from_str(&jwk)?;
        if jwk.alg == algorithm.as_str() {
            return SigningKey::from_pem(&pem).map(Some);
        }
    }
    Ok(None)
}

/// Generates a new key and makes it the newest: instances sign with it after their next start,
/// while the JWKS of every instance already lists it beside the previous ones.
pub async fn rotate(
    store: &Store,
    now_ms: i64,
    algorithm: TokenAlgorithm,
) -> anyhow::Result<String> {
    let pem = tokio::task::spawn_blocking(move || signing::generate_pem(algorithm)).await??;
    add(store, &pem, now_ms).await
}

async fn add(store: &Store, pem: &str, now_ms: i64) -> anyhow::Result<String> {
    let key = SigningKey::from_pem(pem)?;
    let jwk = serde_json::to_string(key.jwk())?;
    store.add_signing_key(&key.kid, pem, &jwk, now_ms).await?;
    Ok(key.kid)
}

/// The published keys, newest first.
pub async fn published(store: &Store) -> anyhow::Result<Vec<onetime_protocol::Jwk>> {
    store
        .signing_keys(PUBLISHED)
        .await?
        .into_iter()
        .map(|(_, _, jwk)| Ok(serde_json::from_str(&jwk)?))
        .collect()
}
