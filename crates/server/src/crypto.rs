//! Randomness, ids, code MACs and signed cookies.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::Rng as _;
use sha2::Sha256;
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

/// A fresh code of `length` digits (4 to 10) from the thread-local CSPRNG (ChaCha, seeded from
/// the OS), uniform over all `10^length` values.
pub fn new_code(length: usize) -> String {
    let length = length.clamp(4, 10);
    let bound = 10u64.pow(length as u32);
    format!("{:0length$}", rand::rng().random_range(0..bound))
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
        for length in 4..=10 {
            for _ in 0..100 {
                let c = new_code(length);
                assert_eq!(c.len(), length);
                assert!(c.bytes().all(|b| b.is_ascii_digit()));
            }
        }
        // Ten digits draw from all 10^10 values, not just a u32's range.
        assert!((0..50).any(|_| new_code(10).parse::<u64>().unwrap() > u64::from(u32::MAX)));
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
