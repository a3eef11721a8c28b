//! Checks done before a request is sent (the server checks again).

/// A light email shape check: something@domain.tld, no spaces. The server has the final word.
pub fn check_email(input: &str) -> Result<String, &'static str> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Enter your email address.");
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Err("Enter a valid email address.");
    };
    let ok = !local.is_empty()
        && !s.chars().any(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..");
    if ok {
        Ok(s.to_string())
    } else {
        Err("Enter a valid email address.")
    }
}

/// Username rules: 4-64 characters, letters, digits, `_` and `-`.
pub fn check_username(input: &str) -> Result<String, &'static str> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Choose a username.");
    }
    if !(4..=64).contains(&s.chars().count()) {
        return Err("Usernames must be between 4 and 64 characters long.");
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err("Usernames can use letters, numbers, '_' and '-'.");
    }
    Ok(s.to_string())
}

/// Up to two letters for an avatar: from the name, else the username, else the email's local
/// part, else the last two digits of the phone number.
pub fn initials(
    first_name: Option<&str>,
    last_name: Option<&str>,
    username: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> String {
    // ASCII case mapping only: char::to_uppercase would pull Unicode tables into the wasm.
    let letters = |s: &str, n: usize| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .take(n)
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    let from_name: String = [first_name, last_name]
        .into_iter()
        .flatten()
        .map(|s| letters(s, 1))
        .collect();
    if !from_name.is_empty() {
        return from_name;
    }
    if let Some(u) = username.filter(|u| !u.is_empty()) {
        return letters(u, 2);
    }
    if let Some(e) = email
        .and_then(|e| e.split('@').next())
        .filter(|e| !e.is_empty())
    {
        return letters(e, 2);
    }
    if let Some(p) = phone {
        let d: Vec<char> = p.chars().filter(char::is_ascii_digit).collect();
        if d.len() >= 2 {
            return d[d.len() - 2..].iter().collect();
        }
    }
    "?".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            check_email(" jane+clerk_test@example.com ").unwrap(),
            "jane+clerk_test@example.com"
        );
        assert_eq!(check_email(""), Err("Enter your email address."));
        for bad in [
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "ja ne@example.com",
            "jane@.com",
            "jane@example.com.",
            "a@b..c",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(check_username("jane_doe").unwrap(), "jane_doe");
        assert!(check_username("").is_err());
        assert!(check_username("abc").is_err());
        assert!(check_username("jane doe").is_err());
        assert!(check_username(&"a".repeat(65)).is_err());
    }

    #[test]
    fn avatar_initials() {
        assert_eq!(initials(Some("Jane"), Some("Doe"), None, None, None), "JD");
        assert_eq!(initials(None, None, Some("jane_doe"), None, None), "JA");
        assert_eq!(
            initials(None, None, None, Some("bob@example.com"), None),
            "BO"
        );
        assert_eq!(initials(None, None, None, None, Some("+12015550100")), "00");
        assert_eq!(initials(None, None, Some(""), None, None), "?");
    }
}
