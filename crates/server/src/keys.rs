//! Token signing keys: the newest key in the database signs; the JWKS publishes the newest
//! [`PUBLISHED`] so a token signed before `onetime-server rotate-key` still verifies until it
//! expires, on every instance (each reads the JWKS from the database).

use crate::crypto::{self, SigningKey};
use crate::store::Store;

/// Keys the JWKS lists: the current one and those it replaced most recently.
pub const PUBLISHED: i64 = 3;

/// The legacy settings key of the single signing key (before rotation existed).
const LEGACY_SETTING: &str = "jwt_signing_key_pem";

/// The key this instance signs with: the newest in the database, made on the very first start
/// (or moved from the legacy setting). Instances starting at once agree on one key.
pub async fn current(store: &Store, now_ms: i64) -> anyhow::Result<SigningKey> {
    if let Some((_, pem, _)) = store.signing_keys(1).await?.into_iter().next() {
        return SigningKey::from_pem(&pem);
    }
    let pem = match store.setting(LEGACY_SETTING).await? {
        Some(pem) => pem,
        None => {
            tracing::info!("generating the RSA session-token signing key (first start)");
            tokio::task::spawn_blocking(crypto::generate_rsa_pem).await??
        }
    };
    add(store, &pem, now_ms).await?;
    // Another instance may have added its own key at the same moment: all take the newest.
    let (_, pem, _) = store
        .signing_keys(1)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no signing key after adding one"))?;
    SigningKey::from_pem(&pem)
}

/// Generates a new key and makes it the newest: instances sign with it after their next start,
/// while the JWKS of every instance already lists it beside the previous ones.
pub async fn rotate(store: &Store, now_ms: i64) -> anyhow::Result<String> {
    let pem = tokio::task::spawn_blocking(crypto::generate_rsa_pem).await??;
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
