//! The server config the suite writes into its temp dir at run time.
//!
//! Keys follow `config/onetime.example.toml` (the server denies unknown keys); everything not
//! set here keeps the server's defaults (phone first, email as the alternative, no username).

/// A TOML config for a dev-mode test server with a short resend cooldown (scenario 7) and room
/// for `sends_per_identifier` codes to one identifier per window (the bench signs the same test
/// numbers in thousands of times; the per-identifier limit itself is the server's API tests'
/// business).
pub fn test_config(resend_cooldown_secs: u64, sends_per_identifier: u32) -> String {
    format!(
        r#"# Written by onetime-e2e for one run; see config/onetime.example.toml for every key.
app_name = "onetime"

[codes]
resend_cooldown_secs = {resend_cooldown_secs}
sends_per_identifier = {sends_per_identifier}
send_window_secs = 600
"#
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn config_carries_the_knobs() {
        let c = super::test_config(3, 50);
        assert!(c.contains("resend_cooldown_secs = 3\n"));
        assert!(c.contains("sends_per_identifier = 50\n"));
    }
}
