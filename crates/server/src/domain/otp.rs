//! One-time codes as submitted by users.

use super::ParseError;

/// A code as typed: the configured number of ASCII digits.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpCode(String);

impl std::fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OtpCode(******)")
    }
}

impl OtpCode {
    /// Parses exactly `length` ASCII digits (surrounding whitespace is ignored).
    pub fn parse(input: &str, length: usize) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.len() == length && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError(format!("code must be a {length}-digit code.")))
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_the_configured_digits() {
        assert_eq!(OtpCode::parse(" 424242 ", 6).unwrap().as_str(), "424242");
        for bad in ["", "42424", "4242424", "42424a", "４２４２４２", "42 424"] {
            assert!(OtpCode::parse(bad, 6).is_err(), "{bad}");
        }
        assert_eq!(OtpCode::parse("42424242", 8).unwrap().as_str(), "42424242");
        assert!(OtpCode::parse("424242", 8).is_err());
        assert_eq!(
            OtpCode::parse("4242", 6).unwrap_err().0,
            "code must be a 6-digit code."
        );
        assert_eq!(
            format!("{:?}", OtpCode::parse("123456", 6).unwrap()),
            "OtpCode(******)"
        );
    }
}
