//! Usernames.

use super::ParseError;

/// A username: 4-64 characters of `a-z`, `0-9`, `_`, `-`, `.`, starting with a letter or digit,
/// lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Parses user input (trimmed, lower-cased).
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim().to_lowercase();
        let ok = (4..=64).contains(&s.len())
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            && s.chars().any(|c| c.is_ascii_alphabetic());
        if ok {
            Ok(Self(s))
        } else {
            Err(ParseError(
                "username must be 4-64 characters of letters, digits, '_', '-' or '.', with at least one letter."
                    .into(),
            ))
        }
    }

    /// The username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rules() {
        assert_eq!(Username::parse(" Jane_Doe ").unwrap().as_str(), "jane_doe");
        for bad in [
            "abc",
            "_jane",
            "jane doe",
            "jane@x",
            "12345",
            &"a".repeat(65),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }
}
