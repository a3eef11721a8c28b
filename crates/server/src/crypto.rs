//! Randomness, ids, code MACs, signed cookies and the session-token signing key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::Rng as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new id with a Clerk-style prefix (`client_`, `sua_`, `sia_`, `sess_`, `user_`, `idn_`),
/// followed by 27 random base62 characters (~160 bits).
pub fn new_id(prefix: &str) -> String {
    let mut rng = rand::rng();
    let mut s = String::with_capacity(prefix.len() + 28);
    s.push_str(prefix);
    s.push('_');
    for _ in 0..27 {
        s.push(BASE62[rng.random_range(0..BASE62.len())] as char);
    }
    s
}

/// A fresh 6-digit code from the thread-local CSPRNG (ChaCha, seeded from the OS).
pub fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// Random bytes as base64url (for secrets).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(&mut buf[..]);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Keyed MACs derived from the server secret.
#[derive(Clone)]
pub struct Secret {
    key: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// Wraps the server secret.
    pub fn new(secret: &str) -> Self {
        Self {
            key: secret.as_bytes().to_vec(),
        }
    }

    fn mac(&self, domain: &str, parts: &[&str]) -> Vec<u8> {
        let mut m = HmacSha256::new_from_slice(&self.key).expect("HMAC accepts any key length");
        m.update(domain.as_bytes());
        for p in parts {
            m.update(&[0]);
            m.update(p.as_bytes());
        }
        m.finalize().into_bytes().to_vec()
    }

    /// MAC of a code, bound to its verification (`owner` id and field), base64url.
    /// Only this is stored; the code itself never is.
    pub fn code_mac(&self, owner: &str, field: &str, code: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac("otp-code", &[owner, field, code]))
    }

    /// Constant-time check of a submitted code against a stored MAC.
    pub fn code_matches(&self, owner: &str, field: &str, code: &str, stored: &str) -> bool {
        let Ok(stored) = URL_SAFE_NO_PAD.decode(stored) else {
            return false;
        };
        let candidate = self.mac("otp-code", &[owner, field, code]);
        candidate.ct_eq(&stored).into()
    }

    /// Cookie value `<client_id>.<mac>`.
    pub fn sign_client_id(&self, client_id: &str, token: &str) -> String {
        let value = format!("{client_id}:{token}");
        let mac = URL_SAFE_NO_PAD.encode(self.mac("client-cookie", &[&value]));
        format!("{value}.{mac}")
    }

    /// Verifies a cookie value and returns the client id and token (`""` for a cookie made
    /// before tokens existed).
    pub fn verify_client_cookie(&self, value: &str) -> Option<(String, String)> {
        let (signed, mac) = value.rsplit_once('.')?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        let expected = self.mac("client-cookie", &[signed]);
        if !bool::from(expected.ct_eq(&mac)) {
            return None;
        }
        let (id, token) = signed.split_once(':').unwrap_or((signed, ""));
        Some((id.to_owned(), token.to_owned()))
    }
}

/// Whether a cookie's token is the client's current one (constant time).
pub fn tokens_match(stored: &str, presented: &str) -> bool {
    bool::from(stored.as_bytes().ct_eq(presented.as_bytes()))
}

/// The RS256 key that signs session tokens.
///
/// Signed with `ring` directly rather than through `jsonwebtoken::encode`, which parses and
/// checks the DER key again on every call: the key is parsed once here, and the JWT header
/// (the same for every token) is encoded once. A JWS compact token is three base64url parts;
/// the API tests verify our tokens with `jsonwebtoken` and the JWKS.
pub struct SigningKey {
    /// Key id (in the JWT header and the JWKS).
    pub kid: String,
    key_pair: ring::signature::RsaKeyPair,
    /// `base64url({"alg":"RS256","kid":…,"typ":"JWT"})`.
    header: String,
    jwk: onetime_protocol::Jwk,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.kid)
    }
}

/// Generates a new 2048-bit RSA key as PKCS#1 PEM.
pub fn generate_rsa_pem() -> anyhow::Result<String> {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    let key = rsa::RsaPrivateKey::new(&mut rand_core06::OsRng, 2048)?;
    Ok(key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)?.to_string())
}

impl SigningKey {
    /// Loads a PKCS#1 or PKCS#8 PEM private key.
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        use rsa::pkcs8::DecodePrivateKey as _;
        use rsa::traits::PublicKeyParts as _;
        let key = rsa::RsaPrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(pem))?;
        let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        let kid = format!(
            "ins_{}",
            &URL_SAFE_NO_PAD.encode(Sha256::digest(format!("{n}.{e}").as_bytes()))[..16]
        );
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        let key_pair = ring::signature::RsaKeyPair::from_der(key.to_pkcs1_der()?.as_bytes())
            .map_err(|e| anyhow::anyhow!("the RSA signing key is not usable: {e}"))?;
        let header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&serde_json::json!({
            "alg": "RS256",
            "kid": kid,
            "typ": "JWT",
        }))?);
        let jwk = onetime_protocol::Jwk {
            kid: kid.clone(),
            alg: "RS256".into(),
            use_: "sig".into(),
            kty: "RSA".into(),
            n,
            e,
        };
        Ok(Self {
            kid,
            key_pair,
            header,
            jwk,
        })
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> &onetime_protocol::Jwk {
        &self.jwk
    }

    /// Signs claims as an RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &onetime_protocol::SessionClaims) -> anyhow::Result<String> {
        let mut jwt = self.header.clone();
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims)?, &mut jwt);
        let mut signature = vec![0; self.key_pair.public().modulus_len()];
        self.key_pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                jwt.as_bytes(),
                &mut signature,
            )
            .map_err(|_| anyhow::anyhow!("RS256 signing failed"))?;
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut jwt);
        Ok(jwt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_and_are_unique() {
        let a = new_id("sua");
        assert!(a.starts_with("sua_") && a.len() == 31);
        assert_ne!(a, new_id("sua"));
    }

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn code_mac_is_bound_and_checked() {
        let s = Secret::new("k");
        let mac = s.code_mac("sua_1", "phone_number", "123456");
        assert!(!mac.contains("123456"));
        assert!(s.code_matches("sua_1", "phone_number", "123456", &mac));
        assert!(!s.code_matches("sua_1", "phone_number", "123457", &mac));
        assert!(!s.code_matches("sua_2", "phone_number", "123456", &mac));
        assert!(!Secret::new("other").code_matches("sua_1", "phone_number", "123456", &mac));
    }

    #[test]
    fn session_tokens_verify_against_the_jwk() {
        let key = SigningKey::from_pem(&generate_rsa_pem().unwrap()).unwrap();
        let claims = onetime_protocol::SessionClaims {
            iss: "http://127.0.0.1".into(),
            sub: "user_1".into(),
            sid: "sess_1".into(),
            iat: 1_700_000_000,
            nbf: 1_700_000_000 - 10,
            exp: 4_000_000_000,
            jti: "j".into(),
            azp: Some("http://localhost:8080".into()),
            v: 2,
        };
        let jwt = key.sign(&claims).unwrap();
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.kid.as_deref(), Some(key.kid.as_str()));
        assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
        let jwk = key.jwk();
        let decoding = jsonwebtoken::DecodingKey::from_rsa_components(&jwk.n, &jwk.e).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.set_issuer(&["http://127.0.0.1"]);
        let got = jsonwebtoken::decode::<serde_json::Value>(&jwt, &decoding, &validation).unwrap();
        assert_eq!(got.claims["sid"], "sess_1");
        assert_eq!(got.claims["azp"], "http://localhost:8080");
        // One changed byte of the payload breaks the signature.
        let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
        parts[1] = parts[1].replacen('e', "f", 1);
        let forged = parts.join(".");
        assert!(
            jsonwebtoken::decode::<serde_json::Value>(&forged, &decoding, &validation).is_err()
        );
    }

    #[test]
    fn cookie_signature() {
        let s = Secret::new("k");
        let v = s.sign_client_id("client_abc", "tok");
        assert_eq!(
            s.verify_client_cookie(&v),
            Some(("client_abc".into(), "tok".into()))
        );
        assert!(s.verify_client_cookie("client_abc:tok.AAAA").is_none());
        // Another token under the same signature does not verify.
        let forged = v.replacen(":tok.", ":other.", 1);
        assert!(s.verify_client_cookie(&forged).is_none());
        assert!(s.verify_client_cookie("garbage").is_none());
    }
}
