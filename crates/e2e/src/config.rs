//! The server config the suite writes into its temp dir at run time.

/// A TOML config for a dev-mode test server: a short resend cooldown (scenario 7) and rate
/// limits high enough that nine scenarios and the benchmark's clients, all from 127.0.0.1, never
/// trip them (the limits themselves are tested by the server's own API tests).
pub fn test_config(resend_cooldown_secs: u64) -> String {
    format!(
        r#"# Written by onetime-e2e for one run; see config/onetime.example.toml for every key.
[otp]
resend_cooldown_secs = {resend_cooldown_secs}

[rate_limits]
enabled = false
"#
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn config_carries_the_cooldown() {
        assert!(super::test_config(3).contains("resend_cooldown_secs = 3"));
    }
}
