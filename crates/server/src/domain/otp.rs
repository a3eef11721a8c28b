//! One-time codes as submitted by users.

use super::ParseError;

/// A 6-digit code.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpCode(String);

impl std::fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OtpCode(******)")
    }
}

impl OtpCode {
    /// Number of digits.
    pub const LEN: usize = 6;

    /// Parses exactly six ASCII digits (surrounding whitespace is ignored).
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.len() == Self::LEN && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError("code must be a 6-digit code.".into()))
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
    fn six_digits_only() {
        assert_eq!(OtpCode::parse(" 424242 ").unwrap().as_str(), "424242");
        for bad in ["", "42424", "4242424", "42424a", "４２４２４２", "42 424"] {
            assert!(OtpCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            format!("{:?}", OtpCode::parse("123456").unwrap()),
            "OtpCode(******)"
        );
    }
}
