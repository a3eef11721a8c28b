//! `redirect_url` handling: where to go after signing in, and the links that carry it along.
//!
//! Only same-origin paths are followed. Anything that could leave the site (absolute URLs to
//! another origin, protocol-relative `//evil.example`, `/\evil.example` which browsers read as
//! `//`, `javascript:` and other schemes, control characters) falls back to `/`.

/// Where to go when there is no usable `redirect_url`.
pub const HOME: &str = "/";

/// The path to navigate to after a successful sign-in or sign-up.
///
/// `raw` is the decoded `redirect_url` query value; `origin` is the page's origin
/// (`https://app.example`), used to accept absolute URLs that point back at this site.
pub fn safe_redirect(raw: Option<&str>, origin: &str) -> String {
    let Some(raw) = raw else {
        return HOME.to_string();
    };
    // Browsers strip tabs and newlines from URLs, so "/\t/evil" would become "//evil".
    if raw.chars().any(|ch| ch.is_control() || ch == '\\') {
        return HOME.to_string();
    }
    let raw = raw.trim();
    if raw.is_empty() {
        return HOME.to_string();
    }
    // An absolute URL on our own origin is reduced to its path.
    let path = match raw.strip_prefix(origin) {
        Some(rest) if !origin.is_empty() && (rest.is_empty() || rest.starts_with('/')) => {
            if rest.is_empty() { "/" } else { rest }
        }
        _ => raw,
    };
    if !path.starts_with('/') || path.starts_with("//") {
        return HOME.to_string();
    }
    // Going back to the auth pages would loop.
    let route = path.split(['?', '#']).next().unwrap_or("/");
    if is_auth_page(route) {
        return HOME.to_string();
    }
    path.to_string()
}

/// True for `/sign-in` and `/sign-up` (and anything below them).
pub fn is_auth_page(route: &str) -> bool {
    ["/sign-in", "/sign-up"].iter().any(|p| {
        route == *p
            || route
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// `base` (`/sign-in`) with `?redirect_url=<target>` when there is a target other than home.
pub fn with_redirect(base: &str, target: Option<&str>) -> String {
    match target {
        Some(t) if !t.is_empty() && t != HOME => {
            format!("{base}?redirect_url={}", encode_component(t))
        }
        _ => base.to_string(),
    }
}

/// `base` with the given query parameters (those with a value), e.g. the sign-in link that
/// carries `redirect_url` and the identifier the user already typed.
pub fn with_params(base: &str, params: &[(&str, Option<&str>)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| {
            v.filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", encode_component(v)))
        })
        .collect();
    if query.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", query.join("&"))
    }
}

/// Percent-encodes like JavaScript's `encodeURIComponent`.
pub fn encode_component(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://app.example";

    #[test]
    fn accepts_same_origin_paths() {
        assert_eq!(safe_redirect(Some("/user"), ORIGIN), "/user");
        assert_eq!(
            safe_redirect(Some("/user?tab=2#x"), ORIGIN),
            "/user?tab=2#x"
        );
        assert_eq!(
            safe_redirect(Some("https://app.example/user"), ORIGIN),
            "/user"
        );
        assert_eq!(safe_redirect(Some("https://app.example"), ORIGIN), "/");
        assert_eq!(safe_redirect(Some("/"), ORIGIN), "/");
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "https://evil.example/",
            "http://app.example/user",
            "https://app.example.evil.example/user",
            "https://app.example@evil.example/",
            "//evil.example",
            "//evil.example/user",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,hi",
            "user",
            "",
            "/user\n",
            "/\tevil",
        ] {
            assert_eq!(safe_redirect(Some(bad), ORIGIN), "/", "{bad:?}");
        }
        assert_eq!(safe_redirect(None, ORIGIN), "/");
    }

    #[test]
    fn no_loops_back_to_auth_pages() {
        assert_eq!(safe_redirect(Some("/sign-in"), ORIGIN), "/");
        assert_eq!(safe_redirect(Some("/sign-up?x=1"), ORIGIN), "/");
        assert_eq!(safe_redirect(Some("/sign-in/factor-one"), ORIGIN), "/");
        assert_eq!(safe_redirect(Some("/sign-inside"), ORIGIN), "/sign-inside");
    }

    #[test]
    fn links_carry_the_target() {
        assert_eq!(
            with_redirect("/sign-in", Some("/user")),
            "/sign-in?redirect_url=%2Fuser"
        );
        assert_eq!(
            with_redirect("/sign-in", Some("/user?a=1&b=2")),
            "/sign-in?redirect_url=%2Fuser%3Fa%3D1%26b%3D2"
        );
        assert_eq!(with_redirect("/sign-up", Some("/")), "/sign-up");
        assert_eq!(with_redirect("/sign-up", None), "/sign-up");
    }

    #[test]
    fn links_carry_the_identifier() {
        assert_eq!(
            with_params(
                "/sign-in",
                &[
                    ("redirect_url", Some("/user")),
                    ("identifier", Some("+12015550100"))
                ]
            ),
            "/sign-in?redirect_url=%2Fuser&identifier=%2B12015550100"
        );
        assert_eq!(
            with_params(
                "/sign-in",
                &[("redirect_url", None), ("identifier", Some(""))]
            ),
            "/sign-in"
        );
    }

    #[test]
    fn encoding_matches_encode_uri_component() {
        assert_eq!(encode_component("a b+c@d.e/é"), "a%20b%2Bc%40d.e%2F%C3%A9");
        assert_eq!(encode_component("-_.!~*'()"), "-_.!~*'()");
    }
}
