//! The `[delivery]` section of the instance configuration: which provider delivers each channel
//! and how (timeouts, retries, templates). Secrets never live in the file: they come from
//! environment variables (see [`super::Secrets`]).

use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::PathBuf;

/// Default environment variable of the SMTP password.
pub const SMTP_PASSWORD_ENV: &str = "ONETIME_SMTP_PASSWORD";
/// Default environment variable of the Twilio auth token.
pub const TWILIO_AUTH_TOKEN_ENV: &str = "ONETIME_TWILIO_AUTH_TOKEN";
/// Default environment variable of the webhook signing secret.
pub const WEBHOOK_SECRET_ENV: &str = "ONETIME_WEBHOOK_SECRET";
/// Twilio's API base URL.
pub const TWILIO_BASE_URL: &str = "https://api.twilio.com";

/// `[delivery]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Timeout of one attempt (connect + send + answer) in ms (default 4000).
    pub timeout_ms: u64,
    /// Upper bound of one whole delivery, retries and backoff included, in ms (default 8000).
    /// `prepare` never waits longer than this for a provider.
    pub total_timeout_ms: u64,
    /// Extra attempts after a transient failure (default 2, i.e. 3 tries).
    pub retries: u32,
    /// Pause before the first retry in ms; doubles on each further retry (default 200).
    pub retry_backoff_ms: u64,
    /// Directory with message templates overriding the built-in ones (`<locale>/sms.txt`,
    /// `email_subject.txt`, `email.txt`, `email.html`).
    pub templates_dir: Option<PathBuf>,
    /// Host for the origin-bound last line of SMS messages (`@host #code`). Default: the host
    /// of `public_url`. Without either, the line is left out.
    pub sms_origin_host: Option<String>,
    /// `[delivery.email]`: how email codes are sent. Unset: the dev outbox in `--dev`,
    /// otherwise sending fails (`502 delivery_failed`).
    pub email: Option<EmailProvider>,
    /// `[delivery.sms]`: how SMS codes are sent. Unset: as for `email`.
    pub sms: Option<SmsProvider>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            timeout_ms: 4000,
            total_timeout_ms: 8000,
            retries: 2,
            retry_backoff_ms: 200,
            templates_dir: None,
            sms_origin_host: None,
            email: None,
            sms: None,
        }
    }
}

/// `[delivery.email]`, selected by `provider`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum EmailProvider {
    /// `provider = "dev"`: the dev outbox (only with `--dev`).
    Dev,
    /// `provider = "smtp"`.
    Smtp(SmtpConfig),
    /// `provider = "webhook"`.
    Webhook(WebhookConfig),
}

/// `[delivery.sms]`, selected by `provider`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum SmsProvider {
    /// `provider = "dev"`: the dev outbox (only with `--dev`).
    Dev,
    /// `provider = "twilio"`: Twilio's Messages API.
    Twilio(TwilioConfig),
    /// `provider = "webhook"`.
    Webhook(WebhookConfig),
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which is required (default port 587).
    #[default]
    Starttls,
    /// Implicit TLS from the first byte (default port 465).
    Tls,
    /// No encryption (default port 25): only allowed to localhost / a loopback address.
    None,
}

/// SMTP settings. The password comes from the environment variable `password_env`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Server host name (also the name checked in its TLS certificate).
    pub host: String,
    /// Port (default: 587 for `starttls`, 465 for `tls`, 25 for `none`).
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `none`.
    #[serde(default)]
    pub tls: SmtpTls,
    /// User name; when set, the password is required (AUTH PLAIN/LOGIN).
    pub username: Option<String>,
    /// Environment variable holding the password (default `ONETIME_SMTP_PASSWORD`).
    #[serde(default = "smtp_password_env")]
    pub password_env: String,
    /// Sender mailbox, e.g. `Example <no-reply@example.com>`.
    pub from: String,
}

impl SmtpConfig {
    /// The configured port or the default of the TLS mode.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }
}

/// Twilio Messages API settings. The auth token comes from the environment variable
/// `auth_token_env`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwilioConfig {
    /// Account SID (`AC…`).
    pub account_sid: String,
    /// Sender phone number (E.164) or alphanumeric sender id; or use `messaging_service_sid`.
    pub from: Option<String>,
    /// Messaging service (`MG…`) instead of `from`.
    pub messaging_service_sid: Option<String>,
    /// API base URL (default `https://api.twilio.com`; tests point it at a local server).
    #[serde(default = "twilio_base_url")]
    pub base_url: String,
    /// Environment variable holding the auth token (default `ONETIME_TWILIO_AUTH_TOKEN`).
    #[serde(default = "twilio_auth_token_env")]
    pub auth_token_env: String,
}

/// Generic webhook settings. The signing secret comes from the environment variable
/// `secret_env`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// URL receiving the JSON POST (`https`, or `http` to a loopback address).
    pub url: String,
    /// Environment variable holding the HMAC secret (default `ONETIME_WEBHOOK_SECRET`).
    #[serde(default = "webhook_secret_env")]
    pub secret_env: String,
}

fn smtp_password_env() -> String {
    SMTP_PASSWORD_ENV.into()
}
fn twilio_auth_token_env() -> String {
    TWILIO_AUTH_TOKEN_ENV.into()
}
fn twilio_base_url() -> String {
    TWILIO_BASE_URL.into()
}
fn webhook_secret_env() -> String {
    WEBHOOK_SECRET_ENV.into()
}

/// Whether `host` is `localhost` or a loopback IP address (brackets allowed around IPv6).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Checks an HTTP endpoint: `https`, or `http` only to a loopback host.
fn check_http_url(what: &str, url: &str) -> anyhow::Result<()> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| anyhow::anyhow!("{what}: invalid URL {url:?}: {e}"))?;
    let host = parsed.host_str().unwrap_or_default();
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_host(host) => Ok(()),
        "http" => anyhow::bail!(
            "{what}: plain http would send codes in clear text; it is only allowed to localhost \
             or a loopback address, not {host:?} (use https)"
        ),
        other => anyhow::bail!("{what}: unsupported URL scheme {other:?} (use https)"),
    }
}

impl DeliveryConfig {
    /// Checks the section (called from the instance configuration's validation, so mistakes
    /// stop the server at start-up with a message naming the key).
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.timeout_ms == 0 || self.total_timeout_ms == 0 {
            anyhow::bail!("delivery.timeout_ms and delivery.total_timeout_ms must be > 0");
        }
        if self.retries > 10 {
            anyhow::bail!("delivery.retries must be at most 10");
        }
        let bad_host =
            |h: &str| h.is_empty() || h.contains(|c: char| c.is_whitespace() || "/:@#".contains(c));
        if let Some(host) = self.sms_origin_host.as_deref().filter(|h| bad_host(h)) {
            anyhow::bail!(
                "delivery.sms_origin_host must be a bare host name like \"example.com\", got {host:?}"
            );
        }
        match &self.email {
            Some(EmailProvider::Smtp(s)) => s.validate()?,
            Some(EmailProvider::Webhook(w)) => check_http_url("delivery.email.url", &w.url)?,
            Some(EmailProvider::Dev) | None => {}
        }
        match &self.sms {
            Some(SmsProvider::Twilio(t)) => t.validate()?,
            Some(SmsProvider::Webhook(w)) => check_http_url("delivery.sms.url", &w.url)?,
            Some(SmsProvider::Dev) | None => {}
        }
        Ok(())
    }
}

impl SmtpConfig {
    fn validate(&self) -> anyhow::Result<()> {
        if self.host.trim().is_empty() {
            anyhow::bail!("delivery.email.host must not be empty");
        }
        if self.tls == SmtpTls::None && !is_loopback_host(&self.host) {
            anyhow::bail!(
                "delivery.email: tls = \"none\" sends codes (and the password) in clear text; it is \
                 only allowed to localhost or a loopback address, not {:?} (use tls = \"starttls\" or \"tls\")",
                self.host
            );
        }
        self.from.parse::<lettre::message::Mailbox>().map_err(|e| {
            anyhow::anyhow!("delivery.email.from: invalid mailbox {:?}: {e}", self.from)
        })?;
        Ok(())
    }
}

impl TwilioConfig {
    fn validate(&self) -> anyhow::Result<()> {
        if self.account_sid.trim().is_empty()
            || !self.account_sid.chars().all(|c| c.is_ascii_alphanumeric())
        {
            anyhow::bail!("delivery.sms.account_sid must be the Twilio account SID (AC…)");
        }
        match (&self.from, &self.messaging_service_sid) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => anyhow::bail!("delivery.sms: set exactly one of from / messaging_service_sid"),
        }
        check_http_url("delivery.sms.base_url", &self.base_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<DeliveryConfig> {
        let cfg: DeliveryConfig = toml::from_str(text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    #[test]
    fn providers_parse() {
        let cfg = parse(
            "[email]\nprovider = \"smtp\"\nhost = \"smtp.example.com\"\nusername = \"u\"\nfrom = \"App <a@example.com>\"\n\
             [sms]\nprovider = \"twilio\"\naccount_sid = \"AC1\"\nfrom = \"+15005550006\"\n",
        )
        .unwrap();
        let Some(EmailProvider::Smtp(s)) = cfg.email else {
            panic!()
        };
        assert_eq!(
            (s.tls, s.effective_port(), s.password_env.as_str()),
            (SmtpTls::Starttls, 587, SMTP_PASSWORD_ENV)
        );
        let Some(SmsProvider::Twilio(t)) = cfg.sms else {
            panic!()
        };
        assert_eq!(t.base_url, TWILIO_BASE_URL);
        let cfg = parse("[sms]\nprovider = \"webhook\"\nurl = \"https://gw.example.com/hook\"\n[email]\nprovider = \"dev\"\n").unwrap();
        assert_eq!(cfg.email, Some(EmailProvider::Dev));
    }

    /// The commented `[delivery]` examples in `config/onetime.example.toml` parse once
    /// uncommented (the first `[delivery.sms]` block is Twilio, the second the webhook).
    #[test]
    fn example_file_delivery_blocks_parse() {
        let text = include_str!("../../../../config/onetime.example.toml");
        let start = text.find("# [delivery]\n").expect("[delivery] example");
        let mut chunks: Vec<String> = Vec::new();
        for line in text[start..].lines() {
            let Some(l) = line.strip_prefix("# ") else {
                continue;
            };
            let is_key = l.split_once(" = ").is_some_and(|(k, _)| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            });
            if l.starts_with('[') {
                chunks.push(format!("{l}\n"));
            } else if is_key {
                chunks
                    .last_mut()
                    .expect("key after a header")
                    .push_str(&format!("{l}\n"));
            }
        }
        assert_eq!(chunks.len(), 4, "{chunks:?}");
        let first = format!("{}{}{}", chunks[0], chunks[1], chunks[2]);
        let cfg = crate::config::InstanceConfig::from_toml(&first).unwrap();
        assert!(matches!(cfg.delivery.email, Some(EmailProvider::Smtp(_))));
        assert!(matches!(cfg.delivery.sms, Some(SmsProvider::Twilio(_))));
        let cfg = crate::config::InstanceConfig::from_toml(&chunks[3]).unwrap();
        assert!(matches!(cfg.delivery.sms, Some(SmsProvider::Webhook(_))));
    }

    #[test]
    fn plain_smtp_only_to_loopback() {
        let base = "[email]\nprovider = \"smtp\"\ntls = \"none\"\nfrom = \"a@example.com\"\n";
        for ok in ["localhost", "127.0.0.1", "::1", "[::1]"] {
            parse(&format!("{base}host = \"{ok}\"\n")).unwrap();
        }
        let err = parse(&format!("{base}host = \"smtp.example.com\"\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("only allowed to localhost"), "{err}");
    }

    #[test]
    fn bad_values_are_rejected() {
        for bad in [
            "[email]\nprovider = \"carrier-pigeon\"\n",
            "[email]\nprovider = \"smtp\"\nhost = \"h\"\nfrom = \"not a mailbox\"\n",
            "[email]\nprovider = \"smtp\"\nhost = \"h\"\nfrom = \"a@b.c\"\nunknown = 1\n",
            "[sms]\nprovider = \"twilio\"\naccount_sid = \"AC1\"\n",
            "[sms]\nprovider = \"webhook\"\nurl = \"http://gw.example.com/hook\"\n",
            "timeout_ms = 0\n",
            "sms_origin_host = \"https://example.com\"\n",
        ] {
            assert!(parse(bad).is_err(), "accepted: {bad}");
        }
    }
}
