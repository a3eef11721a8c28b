//! Email addresses (a careful subset of RFC 5321: dot-atom local part, DNS domain).

use super::ParseError;

/// A syntactically valid email address, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses user input (trimmed, lower-cased).
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let err = || ParseError("email_address must be a valid email address.".into());
        let s = input.trim().to_lowercase();
        if s.len() > 254 {
            return Err(err());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(err)?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(err());
        }
        let atom_ok = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c))
        };
        if !local.split('.').all(atom_ok) {
            return Err(err());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || domain.len() > 253 {
            return Err(err());
        }
        for l in &labels {
            if l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(err());
            }
        }
        let tld = labels[labels.len() - 1];
        if tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(err());
        }
        Ok(Self(s))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Clerk's test addresses: a `+clerk_test` subaddress.
    pub fn is_test_address(&self) -> bool {
        self.0
            .split_once('@')
            .is_some_and(|(local, _)| local.contains("+clerk_test"))
    }

    /// Masked form for `safe_identifier`: `j*****@example.com`.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}*****@{domain}")
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_addresses() {
        assert_eq!(
            EmailAddress::parse(" Jane+clerk_test@Example.COM ")
                .unwrap()
                .as_str(),
            "jane+clerk_test@example.com"
        );
        assert!(EmailAddress::parse("a.b-c_d@sub.example.co.uk").is_ok());
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@@b.com",
            "a@b..com",
            ".a@b.com",
            "a.@b.com",
            "a..b@c.com",
            "a@-b.com",
            "a@b-.com",
            "a b@c.com",
            "a@b.c",
            "a@b.c0m",
            "a@exa_mple.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
        assert!(EmailAddress::parse(&format!("{}@x.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn test_addresses_and_masking() {
        let e = EmailAddress::parse("jane+clerk_test@example.com").unwrap();
        assert!(e.is_test_address());
        assert!(
            !EmailAddress::parse("jane@example.com")
                .unwrap()
                .is_test_address()
        );
        assert_eq!(e.masked(), "j*****@example.com");
    }
}
