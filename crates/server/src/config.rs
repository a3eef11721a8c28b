//! Configuration: the instance configuration (a TOML file) and the runtime settings.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Settings of one identifier kind (phone number, email address or username).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentifierConfig {
    /// Whether users can have this identifier at all.
    #[serde(default)]
    pub enabled: bool,
    /// Whether sign-up requires it.
    #[serde(default)]
    pub required: bool,
    /// Whether it can be used to sign in (with a code for phone/email; a username signs in with
    /// a code sent to the user's phone or email).
    #[serde(default)]
    pub sign_in: bool,
}

impl IdentifierConfig {
    const fn new(enabled: bool, required: bool, sign_in: bool) -> Self {
        Self {
            enabled,
            required,
            sign_in,
        }
    }
}

/// `[identifiers]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Identifiers {
    /// `[identifiers.phone_number]`: default enabled, not required, sign-in on.
    pub phone_number: IdentifierConfig,
    /// `[identifiers.email_address]`: default enabled, not required, sign-in on.
    pub email_address: IdentifierConfig,
    /// `[identifiers.username]`: default disabled.
    pub username: IdentifierConfig,
}

impl Default for Identifiers {
    fn default() -> Self {
        Self {
            phone_number: IdentifierConfig::new(true, false, true),
            email_address: IdentifierConfig::new(true, false, true),
            username: IdentifierConfig::new(false, false, false),
        }
    }
}

/// The code lengths `[codes] length` may have: fewer than 4 digits are guessed too easily
/// within the attempt limits; more than 10 do not fit a `u64` draw and nobody types them.
pub const CODE_LENGTHS: std::ops::RangeInclusive<usize> = 4..=10;

/// `[codes]`: one-time code rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CodeConfig {
    /// Digits in a code, 4 to 10 (default 6). Published as `display_config.code_length`, so the
    /// app's code input has as many slots.
    pub length: usize,
    /// Code lifetime in seconds (default 600).
    pub lifetime_secs: u64,
    /// Wrong attempts allowed per verification before it is `failed` (default 5).
    pub max_attempts: u32,
    /// Minimum seconds between two sends for the same sign-in/sign-up verification (default 30).
    pub resend_cooldown_secs: u64,
    /// Maximum sends to one identifier per `send_window_secs` (default 5).
    pub sends_per_identifier: u32,
    /// Window of the per-identifier send limit in seconds (default 600).
    pub send_window_secs: u64,
}

impl Default for CodeConfig {
    fn default() -> Self {
        Self {
            length: 6,
            lifetime_secs: 600,
            max_attempts: 5,
            resend_cooldown_secs: 30,
            sends_per_identifier: 5,
            send_window_secs: 600,
        }
    }
}

/// `[protection]`: defences against abuse (SMS pumping, code guessing, floods). Every counter
/// lives in the database, so limits hold across restarts and instances. They apply in `--dev`
/// too; only Clerk's test identifiers skip the send budgets there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProtectionConfig {
    /// Code sends per client IP per `ip_window_secs` (default 20).
    pub sends_per_ip: u32,
    /// Window of the per-IP send budget in seconds (default 3600).
    pub ip_window_secs: u64,
    /// Proxies in front of the server that append to `X-Forwarded-For` (default 0: the header is
    /// ignored and the socket's peer address is the client). With N, the Nth address from the
    /// right is the client.
    pub trusted_proxies: u32,
    /// SMS codes the whole instance sends per hour (default 1000).
    pub sms_per_hour: u32,
    /// ISO 3166 alpha-2 countries SMS codes may go to (default empty: all).
    pub sms_countries: Vec<String>,
    /// Consecutive wrong codes for one identifier, across all its sign-ins and sign-ups, that
    /// lock it (default 100, NIST 800-63B's ceiling).
    pub max_failures: u32,
    /// How long a locked identifier stays locked, seconds (default 3600).
    pub lockout_secs: u64,
    /// Sign-in for an unknown phone or email answers exactly like a known one: the same
    /// status, keys and first factor, nothing sent, every code wrong; names are never shown
    /// before the code, and real codes are sent off the request path (default false).
    pub enumeration_protection: bool,
    /// Provider calls (SMS/email sends) in flight at once per instance (default 64).
    pub max_concurrent_sends: u32,
    /// How often the housekeeping task deletes abandoned and expired rows, seconds (default 600).
    pub housekeeping_interval_secs: u64,
}

impl Default for ProtectionConfig {
    fn default() -> Self {
        Self {
            sends_per_ip: 20,
            ip_window_secs: 3600,
            trusted_proxies: 0,
            sms_per_hour: 1000,
            sms_countries: Vec::new(),
            max_failures: 100,
            lockout_secs: 3600,
            enumeration_protection: false,
            max_concurrent_sends: 64,
            housekeeping_interval_secs: 600,
        }
    }
}

impl ProtectionConfig {
    fn validate(&self) -> anyhow::Result<()> {
        if self.sends_per_ip == 0
            || self.ip_window_secs == 0
            || self.sms_per_hour == 0
            || self.max_failures == 0
            || self.lockout_secs == 0
            || self.max_concurrent_sends == 0
            || self.housekeeping_interval_secs == 0
        {
            anyhow::bail!(
                "protection: sends_per_ip, ip_window_secs, sms_per_hour, max_failures, \
                 lockout_secs, max_concurrent_sends and housekeeping_interval_secs must be > 0"
            );
        }
        for country in &self.sms_countries {
            if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
                anyhow::bail!(
                    "protection.sms_countries: {country:?} is not an ISO 3166 alpha-2 code in capitals (e.g. \"US\")"
                );
            }
        }
        Ok(())
    }
}

/// `[database] synchronous`: when SQLite waits for the disk (PostgreSQL ignores it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// `synchronous=NORMAL` with WAL (the default): every answered write survives a crash of
    /// the server process (`kill -9`, a panic, an OOM kill), because a commit is in the OS's
    /// page cache before the answer leaves. Only an OS crash or a power loss can roll back the
    /// last commits (the database stays consistent). No fsync per commit.
    #[default]
    Normal,
    /// `synchronous=FULL`: every commit waits for an fsync of the WAL, so answered writes
    /// survive a power loss too, at one fsync per write request.
    Full,
}

/// `[database]`: storage settings that belong to the instance rather than to one process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// SQLite durability: `"normal"` (default) or `"full"`.
    pub synchronous: Synchronous,
}

/// `[tokens]`: session tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenConfig {
    /// `"RS256"` (default), `"ES256"` or `"EdDSA"`.
    pub algorithm: crate::signing::TokenAlgorithm,
}

/// The instance configuration, read from the `--config` TOML file (see
/// `config/onetime.example.toml`). Every key is optional; the defaults follow Clerk's
/// passwordless guide: phone number first (SMS codes), email codes as the alternative,
/// no username, no password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstanceConfig {
    /// Application name shown in messages and `display_config.application_name`.
    pub app_name: String,
    /// Public base URL of this server (JWT `iss`; an `https` URL turns on `Secure` cookies).
    pub public_url: Option<String>,
    /// Force the `Secure` attribute on the client cookie on or off (default: decided by
    /// `public_url` or the `X-Forwarded-Proto` request header).
    pub secure_cookies: Option<bool>,
    /// Other origins allowed to call the API with credentials (CORS, mutations, token `azp`).
    /// Same-origin needs nothing; `--dev` also allows every loopback origin. `*` and `null` are
    /// refused at start-up. Default: none.
    pub allowed_origins: Vec<String>,
    /// URL of the app's home page (display_config URLs derive from it). Default: `public_url`,
    /// else the first allowed origin, else the server URL.
    pub home_url: Option<String>,
    /// Session lifetime in seconds (default 7 days).
    pub session_lifetime_secs: u64,
    /// One signed-in session per client (default true): sign-in/up while signed in is `session_exists`.
    pub single_session_mode: bool,
    /// Which identifiers exist, are required and sign in.
    pub identifiers: Identifiers,
    /// Code rules.
    pub codes: CodeConfig,
    /// `[delivery]`: how codes reach phones and mailboxes.
    pub delivery: crate::delivery::settings::DeliveryConfig,
    /// `[protection]`: abuse defences.
    pub protection: ProtectionConfig,
    /// `[database]`: durability.
    pub database: DatabaseConfig,
    /// `[tokens]`: how session tokens are signed.
    pub tokens: TokenConfig,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        Self {
            app_name: "onetime".into(),
            public_url: None,
            secure_cookies: None,
            allowed_origins: Vec::new(),
            home_url: None,
            session_lifetime_secs: 7 * 24 * 3600,
            single_session_mode: true,
            identifiers: Identifiers::default(),
            codes: CodeConfig::default(),
            delivery: crate::delivery::settings::DeliveryConfig::default(),
            protection: ProtectionConfig::default(),
            database: DatabaseConfig::default(),
            tokens: TokenConfig::default(),
        }
    }
}

impl InstanceConfig {
    /// Reads and validates a TOML file.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read config file {}: {e}", path.display()))?;
        Self::from_toml(&text)
            .map_err(|e| anyhow::anyhow!("invalid config file {}: {e}", path.display()))
    }

    /// Parses and validates TOML text.
    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        let cfg: Self = toml::from_str(text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks cross-field rules.
    pub fn validate(&self) -> anyhow::Result<()> {
        let ids = &self.identifiers;
        for (name, c) in [
            ("phone_number", &ids.phone_number),
            ("email_address", &ids.email_address),
            ("username", &ids.username),
        ] {
            if (c.required || c.sign_in) && !c.enabled {
                anyhow::bail!("identifiers.{name}: required/sign_in need enabled = true");
            }
        }
        if !ids.phone_number.enabled && !ids.email_address.enabled {
            anyhow::bail!(
                "at least one of identifiers.phone_number / email_address must be enabled"
            );
        }
        if ids.username.sign_in && !ids.phone_number.sign_in && !ids.email_address.sign_in {
            anyhow::bail!(
                "username sign-in needs phone_number or email_address sign-in (codes go there)"
            );
        }
        let c = &self.codes;
        if c.lifetime_secs == 0 || c.max_attempts == 0 || c.sends_per_identifier == 0 {
            anyhow::bail!("codes.lifetime_secs, max_attempts and sends_per_identifier must be > 0");
        }
        if !CODE_LENGTHS.contains(&c.length) {
            anyhow::bail!(
                "codes.length is {}: it must be from {} to {} digits",
                c.length,
                CODE_LENGTHS.start(),
                CODE_LENGTHS.end()
            );
        }
        self.delivery.validate()?;
        self.protection.validate()?;
        if self.session_lifetime_secs == 0 {
            anyhow::bail!("session_lifetime_secs must be > 0");
        }
        Ok(())
    }
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Database URL: `sqlite://.data/onetime.db` (default) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB` for several instances on one database.
    pub database_url: String,
    /// Connection pool size (default: 4 for SQLite, 10 for PostgreSQL).
    pub database_max_connections: Option<u32>,
    /// PostgreSQL `statement_timeout` in ms (0 = none); default 5000.
    pub database_statement_timeout_ms: u64,
    /// Dev mode: test identifiers with `424242`, codes in the log and at `/dev/outbox`.
    pub dev: bool,
    /// Let dev mode listen on a non-loopback address (containers); refused otherwise.
    pub dev_allow_public: bool,
    /// Directory of a built app to serve with SPA fallback.
    pub static_dir: Option<PathBuf>,
    /// Server secret (HMAC of codes and of the client cookie). Required outside dev mode.
    pub secret: Option<String>,
    /// The instance configuration.
    pub instance: InstanceConfig,
    /// A PEM RSA private key to use instead of the stored/generated one (tests use this to
    /// skip key generation). Not persisted.
    pub signing_key_pem: Option<String>,
    /// Delivery provider secrets given directly (tests); unset ones come from the environment.
    pub delivery_secrets: crate::delivery::Secrets,
}

impl Config {
    /// Defaults: 127.0.0.1:8787, `sqlite://.data/onetime.db`, built-in instance configuration.
    pub fn new() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            database_url: "sqlite://.data/onetime.db".into(),
            database_max_connections: None,
            database_statement_timeout_ms: 5_000,
            dev: false,
            dev_allow_public: false,
            static_dir: None,
            secret: None,
            instance: InstanceConfig::default(),
            signing_key_pem: None,
            delivery_secrets: crate::delivery::Secrets::from_env(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_parses_and_matches_defaults() {
        let text = include_str!("../../../config/onetime.example.toml");
        let cfg = InstanceConfig::from_toml(text).unwrap();
        assert_eq!(cfg, InstanceConfig::default());
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(
            InstanceConfig::from_toml("").unwrap(),
            InstanceConfig::default()
        );
    }

    #[test]
    fn synchronous_is_normal_unless_full_is_asked_for() {
        assert_eq!(
            InstanceConfig::default().database.synchronous,
            Synchronous::Normal
        );
        let full = InstanceConfig::from_toml("[database]\nsynchronous = \"full\"\n").unwrap();
        assert_eq!(full.database.synchronous, Synchronous::Full);
        assert!(InstanceConfig::from_toml("[database]\nsynchronous = \"off\"\n").is_err());
    }

    #[test]
    fn inconsistent_config_is_rejected() {
        let bad = "[identifiers.username]\nenabled = false\nrequired = true\n";
        assert!(InstanceConfig::from_toml(bad).is_err());
        assert!(InstanceConfig::from_toml("unknown_key = 1").is_err());
    }

    #[test]
    fn code_length_is_four_to_ten_digits() {
        for ok in [4, 6, 10] {
            let cfg = InstanceConfig::from_toml(&format!("[codes]\nlength = {ok}\n")).unwrap();
            assert_eq!(cfg.codes.length, ok);
        }
        for bad in [0, 3, 11] {
            let err = InstanceConfig::from_toml(&format!("[codes]\nlength = {bad}\n"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("codes.length"), "{err}");
        }
    }
}
