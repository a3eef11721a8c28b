//! The key that signs session tokens: RS256 (the default, what Clerk's backend SDKs expect),
//! or ES256 / EdDSA for backends that accept them (`[tokens] algorithm`), at a fraction of the
//! CPU: one RS256 signature is about 5 million instructions here, ES256 and EdDSA well under
//! a tenth of that.
//!
//! Signed with `aws-lc-rs` directly rather than through `jsonwebtoken::encode`, which parses
//! and checks the DER key again on every call: the key is parsed once, and the JWT header (the
//! same for every token) is encoded once. aws-lc rather than `ring` (which the TLS clients use)
//! because its RSA uses AVX-512 IFMA where the CPU has it: one 2048-bit signature took 257 µs
//! here against ring's 458 µs, the largest single cost of a sign-in. A JWS compact token is three base64url parts; the tests
//! verify our tokens with `jsonwebtoken` against the JWKS.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `[tokens] algorithm`: how session tokens are signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256, 2048-bit keys (the default; Clerk's own tokens).
    #[default]
    RS256,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// Ed25519.
    EdDSA,
}

impl TokenAlgorithm {
    /// The JOSE `alg` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::ES256 => "ES256",
            Self::EdDSA => "EdDSA",
        }
    }
}

enum Signer {
    Rsa(signature::RsaKeyPair),
    Ecdsa(signature::EcdsaKeyPair),
    Ed25519(signature::Ed25519KeyPair),
}

/// The key that signs session tokens.
pub struct SigningKey {
    /// Key id (in the JWT header and the JWKS).
    pub kid: String,
    signer: Signer,
    /// `base64url({"alg":…,"kid":…,"typ":"JWT"})`.
    header: String,
    jwk: onetime_protocol::Jwk,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, {})", self.jwk.alg, self.kid)
    }
}

/// A new 2048-bit RSA key as PKCS#1 PEM.
pub fn generate_rsa_pem() -> anyhow::Result<String> {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    let key = rsa::RsaPrivateKey::new(&mut rand_core06::OsRng, 2048)?;
    Ok(key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)?.to_string())
}

/// A new private key for `algorithm` as PEM (PKCS#1 for RSA, PKCS#8 for the others).
pub fn generate_pem(algorithm: TokenAlgorithm) -> anyhow::Result<String> {
    let rng = SystemRandom::new();
    let pkcs8 = match algorithm {
        TokenAlgorithm::RS256 => return generate_rsa_pem(),
        TokenAlgorithm::ES256 => signature::EcdsaKeyPair::generate_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        ),
        TokenAlgorithm::EdDSA => signature::Ed25519KeyPair::generate_pkcs8(&rng),
    }
    .map_err(|_| anyhow::anyhow!("generating a {} key failed", algorithm.as_str()))?;
    pem_rfc7468::encode_string("PRIVATE KEY", pem_rfc7468::LineEnding::LF, pkcs8.as_ref())
        .map_err(|e| anyhow::anyhow!("encoding the key as PEM: {e}"))
}

fn kid_of(material: &str) -> String {
    format!(
        "ins_{}",
        &URL_SAFE_NO_PAD.encode(Sha256::digest(material.as_bytes()))[..16]
    )
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl SigningKey {
    /// Loads an RSA key (PKCS#1 or PKCS#8 PEM), a P-256 or an Ed25519 key (PKCS#8 PEM).
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        if let Ok(key) = rsa_from_pem(pem) {
            return Self::rsa(&key);
        }
        let (_, der) = pem_rfc7468::decode_vec(pem.trim().as_bytes())
            .map_err(|e| anyhow::anyhow!("the signing key is not PEM: {e}"))?;
        if let Ok(pair) =
            signature::EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &der)
        {
            // An uncompressed point: 0x04, then x and y (32 bytes each).
            let point = pair.public_key().as_ref();
            let (x, y) = (b64(&point[1..33]), b64(&point[33..65]));
            let jwk = onetime_protocol::Jwk {
                kid: kid_of(&format!("P-256.{x}.{y}")),
                alg: "ES256".into(),
                use_: "sig".into(),
                kty: "EC".into(),
                crv: Some("P-256".into()),
                x: Some(x),
                y: Some(y),
                ..Default::default()
            };
            return Ok(Self::new(Signer::Ecdsa(pair), jwk));
        }
        if let Ok(pair) = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der) {
            let x = b64(pair.public_key().as_ref());
            let jwk = onetime_protocol::Jwk {
                kid: kid_of(&format!("Ed25519.{x}")),
                alg: "EdDSA".into(),
                use_: "sig".into(),
                kty: "OKP".into(),
                crv: Some("Ed25519".into()),
                x: Some(x),
                ..Default::default()
            };
            return Ok(Self::new(Signer::Ed25519(pair), jwk));
        }
        anyhow::bail!("the signing key is neither RSA, P-256 nor Ed25519")
    }

    fn rsa(key: &rsa::RsaPrivateKey) -> anyhow::Result<Self> {
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        use rsa::traits::PublicKeyParts as _;
        let n = b64(&key.n().to_bytes_be());
        let e = b64(&key.e().to_bytes_be());
        let pair = signature::RsaKeyPair::from_der(key.to_pkcs1_der()?.as_bytes())
            .map_err(|e| anyhow::anyhow!("the RSA signing key is not usable: {e}"))?;
        let jwk = onetime_protocol::Jwk {
            kid: kid_of(&format!("{n}.{e}")),
            alg: "RS256".into(),
            use_: "sig".into(),
            kty: "RSA".into(),
            n: Some(n),
            e: Some(e),
            ..Default::default()
        };
        Ok(Self::new(Signer::Rsa(pair), jwk))
    }

    fn new(signer: Signer, jwk: onetime_protocol::Jwk) -> Self {
        let header = b64(serde_json::json!({
            "alg": jwk.alg,
            "kid": jwk.kid,
            "typ": "JWT",
        })
        .to_string()
        .as_bytes());
        Self {
            kid: jwk.kid.clone(),
            signer,
            header,
            jwk,
            rng: SystemRandom::new(),
        }
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> TokenAlgorithm {
        match self.signer {
            Signer::Rsa(_) => TokenAlgorithm::RS256,
            Signer::Ecdsa(_) => TokenAlgorithm::ES256,
            Signer::Ed25519(_) => TokenAlgorithm::EdDSA,
        }
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> &onetime_protocol::Jwk {
        &self.jwk
    }

    /// Signs claims as a JWT with this key's algorithm and `kid`.
    pub fn sign(&self, claims: &onetime_protocol::SessionClaims) -> anyhow::Result<String> {
        let mut jwt = self.header.clone();
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims)?, &mut jwt);
        let failed = |_| anyhow::anyhow!("{} signing failed", self.jwk.alg);
        let sig = match &self.signer {
            Signer::Rsa(pair) => {
                let mut sig = vec![0; pair.public_modulus_len()];
                pair.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &self.rng,
                    jwt.as_bytes(),
                    &mut sig,
                )
                .map_err(failed)?;
                sig
            }
            Signer::Ecdsa(pair) => pair
                .sign(&self.rng, jwt.as_bytes())
                .map_err(failed)?
                .as_ref()
                .to_vec(),
            Signer::Ed25519(pair) => pair.sign(jwt.as_bytes()).as_ref().to_vec(),
        };
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(sig, &mut jwt);
        Ok(jwt)
    }
}

fn rsa_from_pem(pem: &str) -> anyhow::Result<rsa::RsaPrivateKey> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::DecodePrivateKey as _;
    Ok(rsa::RsaPrivateKey::from_pkcs1_pem(pem)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(pem))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> onetime_protocol::SessionClaims {
        onetime_protocol::SessionClaims {
            iss: "http://127.0.0.1".into(),
            sub: "user_1".into(),
            sid: "sess_1".into(),
            iat: 1_700_000_000,
            nbf: 1_700_000_000 - 10,
            exp: 4_000_000_000,
            jti: "j".into(),
            azp: Some("http://localhost:8080".into()),
            v: 2,
        }
    }

    /// The JWK's public key verifies the token with `jsonwebtoken`; one changed byte does not.
    fn verifies(algorithm: TokenAlgorithm) {
        let key = SigningKey::from_pem(&generate_pem(algorithm).unwrap()).unwrap();
        assert_eq!(key.algorithm(), algorithm);
        let jwt = key.sign(&claims()).unwrap();
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.kid.as_deref(), Some(key.kid.as_str()));
        let jwk = key.jwk();
        assert_eq!(jwk.alg, algorithm.as_str());
        let (decoding, alg) = match algorithm {
            TokenAlgorithm::RS256 => (
                jsonwebtoken::DecodingKey::from_rsa_components(
                    jwk.n.as_deref().unwrap(),
                    jwk.e.as_deref().unwrap(),
                )
                .unwrap(),
                jsonwebtoken::Algorithm::RS256,
            ),
            TokenAlgorithm::ES256 => (
                jsonwebtoken::DecodingKey::from_ec_components(
                    jwk.x.as_deref().unwrap(),
                    jwk.y.as_deref().unwrap(),
                )
                .unwrap(),
                jsonwebtoken::Algorithm::ES256,
            ),
            TokenAlgorithm::EdDSA => (
                jsonwebtoken::DecodingKey::from_ed_components(jwk.x.as_deref().unwrap()).unwrap(),
                jsonwebtoken::Algorithm::EdDSA,
            ),
        };
        assert_eq!(header.alg, alg);
        let mut validation = jsonwebtoken::Validation::new(alg);
        validation.set_issuer(&["http://127.0.0.1"]);
        let got = jsonwebtoken::decode::<serde_json::Value>(&jwt, &decoding, &validation).unwrap();
        assert_eq!(got.claims["sid"], "sess_1");
        assert_eq!(got.claims["azp"], "http://localhost:8080");
        let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
        parts[1] = parts[1].replacen('e', "f", 1);
        let forged = parts.join(".");
        assert!(
            jsonwebtoken::decode::<serde_json::Value>(&forged, &decoding, &validation).is_err()
        );
        // The same PEM gives the same kid (instances agree).
        let pem = generate_pem(algorithm).unwrap();
        assert_eq!(
            SigningKey::from_pem(&pem).unwrap().kid,
            SigningKey::from_pem(&pem).unwrap().kid
        );
    }

    #[test]
    fn rs256_tokens_verify_against_the_jwk() {
        verifies(TokenAlgorithm::RS256);
    }

    #[test]
    fn es256_tokens_verify_against_the_jwk() {
        verifies(TokenAlgorithm::ES256);
    }

    #[test]
    fn eddsa_tokens_verify_against_the_jwk() {
        verifies(TokenAlgorithm::EdDSA);
    }

    #[test]
    fn garbage_is_not_a_key() {
        assert!(SigningKey::from_pem("not a key").is_err());
    }
}
