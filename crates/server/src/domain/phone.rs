//! Phone numbers in E.164.
//!
//! Validation is a strict E.164 check (`^\+[1-9]\d{6,14}$` after removing spaces, dashes, dots and
//! parentheses) plus the NANP rules for `+1` numbers (10 national digits, area code and exchange
//! starting with 2-9). The `phonenumber` crate was not used to keep the build light; this rejects
//! malformed input reliably but accepts some unassigned numbers of other countries.

use super::ParseError;

/// A phone number in E.164 form (`+12015550100`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// The ISO 3166 alpha-2 country of an E.164 number (`"US"`), from libphonenumber's metadata
    /// (the `phonenumber` crate): NANP numbers are told apart by area code.
    pub fn country_of(e164: &str) -> Option<String> {
        let parsed = phonenumber::parse(None, e164).ok()?;
        parsed.country().id().map(|id| id.as_ref().to_owned())
    }

    /// Parses user input; separators (space, `-`, `.`, `(`, `)`) are removed.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let err = || {
            ParseError(
                "phone_number must be a valid phone number according to E.164 international standard."
                    .into(),
            )
        };
        let input = input.trim();
        if input.len() > 32 {
            return Err(err());
        }
        let compact: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let digits = compact.strip_prefix('+').ok_or_else(err)?;
        if !(7..=15).contains(&digits.len())
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
        {
            return Err(err());
        }
        if let Some(national) = digits.strip_prefix('1') {
            let b = national.as_bytes();
            if b.len() != 10 || b[0] < b'2' || b[3] < b'2' {
                return Err(err());
            }
        }
        Ok(Self(compact))
    }

    /// The E.164 string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Clerk's fictional test numbers `+1 XXX 555-0100` .. `+1 XXX 555-0199`.
    pub fn is_test_number(&self) -> bool {
        let d = &self.0.as_bytes()[1..];
        d.len() == 11 && d[0] == b'1' && &d[4..9] == b"55501"
    }

    /// Masked form for `safe_identifier`: `+1******0100`.
    pub fn masked(&self) -> String {
        let s = &self.0;
        let n = s.len();
        format!(
            "{}{}{}",
            &s[..2],
            "*".repeat(n.saturating_sub(6)),
            &s[n - 4..]
        )
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_e164_and_separators() {
        assert_eq!(
            PhoneNumber::parse("+12015550100").unwrap().as_str(),
            "+12015550100"
        );
        assert_eq!(
            PhoneNumber::parse(" +1 (201) 555-0100 ").unwrap().as_str(),
            "+12015550100"
        );
        assert_eq!(
            PhoneNumber::parse("+306912345678").unwrap().as_str(),
            "+306912345678"
        );
        assert!(PhoneNumber::parse("+4915112345678").is_ok());
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "12015550100",
            "+",
            "+0123456789",
            "+1201555010",
            "+120155501000",
            "+11015550100",
            "+12011550100",
            "+1abc5550100",
            "+1234567890123456",
            "++12015550100",
            "+12015550100x",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
        assert!(PhoneNumber::parse(&"9".repeat(5000)).is_err());
    }

    #[test]
    fn test_numbers_and_masking() {
        assert!(PhoneNumber::parse("+12015550100").unwrap().is_test_number());
        assert!(PhoneNumber::parse("+19735550199").unwrap().is_test_number());
        assert!(!PhoneNumber::parse("+12015550200").unwrap().is_test_number());
        assert!(!PhoneNumber::parse("+12015551100").unwrap().is_test_number());
        assert_eq!(
            PhoneNumber::parse("+12015550100").unwrap().masked(),
            "+1******0100"
        );
    }
}
