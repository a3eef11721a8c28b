//! Building the sender from `[delivery]`: one provider per channel, secrets from the
//! environment, the dev outbox in `--dev` for channels without a provider.

use super::retry::RetryPolicy;
use super::settings::{EmailProvider, SmsProvider};
use super::smtp::SmtpSender;
use super::templates::Templates;
use super::twilio::TwilioSender;
use super::webhook::WebhookSender;
use super::{Channel, CodeSender, DevSender, OutgoingCode, SendFuture, UnconfiguredSender};
use crate::config::InstanceConfig;
use std::collections::HashMap;
use std::sync::Arc;

/// Where provider secrets come from: values given here first (tests, embedding), then the
/// process environment. Empty values count as unset.
#[derive(Clone, Default)]
pub struct Secrets {
    given: HashMap<String, String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("given", &self.given.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Secrets {
    /// Only the process environment.
    pub fn from_env() -> Self {
        Self::default()
    }

    /// Adds a value for the variable `name` (takes precedence over the environment).
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.given.insert(name.into(), value.into());
        self
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<String> {
        self.given
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
            .filter(|v| !v.is_empty())
    }

    fn require(&self, name: &str, what: &str) -> anyhow::Result<String> {
        self.get(name).ok_or_else(|| {
            anyhow::anyhow!("{what} needs the environment variable {name} (it is not set)")
        })
    }
}

/// The sender of the server and, in dev mode, the outbox behind `GET /dev/outbox`.
pub struct Senders {
    /// Routes each code to its channel's provider.
    pub sender: Arc<dyn CodeSender>,
    /// The dev outbox (dev mode only).
    pub outbox: Option<DevSender>,
}

impl std::fmt::Debug for Senders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Senders")
            .field("outbox", &self.outbox.is_some())
            .finish_non_exhaustive()
    }
}

/// Dispatches by channel.
struct ByChannel {
    email: Arc<dyn CodeSender>,
    sms: Arc<dyn CodeSender>,
}

impl CodeSender for ByChannel {
    fn send<'a>(&'a self, msg: &'a OutgoingCode) -> SendFuture<'a> {
        match msg.channel {
            Channel::Email => self.email.send(msg),
            Channel::Sms => self.sms.send(msg),
        }
    }
}

/// The host for SMS origin-bound lines: `[delivery] sms_origin_host`, else `public_url`'s host.
fn origin_host(instance: &InstanceConfig) -> Option<String> {
    if let Some(h) = &instance.delivery.sms_origin_host {
        return Some(h.clone());
    }
    let url = reqwest::Url::parse(instance.public_url.as_deref()?).ok()?;
    url.host_str().map(str::to_owned)
}

/// Builds the senders. Without `dev`, a channel without a provider fails every send (the
/// client gets `502 delivery_failed`) and `provider = "dev"` is refused. With `dev`, a channel
/// without a provider (or with `provider = "dev"`) goes to the dev outbox; a configured real
/// provider is used as configured.
pub fn build(instance: &InstanceConfig, dev: bool, secrets: &Secrets) -> anyhow::Result<Senders> {
    let cfg = &instance.delivery;
    let policy = RetryPolicy::from_config(cfg);
    let templates = Arc::new(Templates::load(cfg.templates_dir.as_deref())?);
    let host = origin_host(instance);
    let outbox = dev.then(|| DevSender::new(templates.clone(), host.clone()));
    let fallback = |channel: &str| -> anyhow::Result<Arc<dyn CodeSender>> {
        match &outbox {
            Some(o) => Ok(Arc::new(o.clone())),
            None => {
                tracing::warn!(
                    "no delivery provider for {channel}: sending {channel} codes fails until [delivery.{channel}] is configured"
                );
                Ok(Arc::new(UnconfiguredSender))
            }
        }
    };
    let dev_only = |channel: &str| -> anyhow::Result<Arc<dyn CodeSender>> {
        match &outbox {
            Some(o) => Ok(Arc::new(o.clone())),
            None => anyhow::bail!(
                "delivery.{channel}.provider = \"dev\" only works with --dev (it would only log the codes)"
            ),
        }
    };
    let email: Arc<dyn CodeSender> = match &cfg.email {
        None => fallback("email")?,
        Some(EmailProvider::Dev) => dev_only("email")?,
        Some(EmailProvider::Smtp(s)) => {
            let password = s
                .username
                .as_ref()
                .and_then(|_| secrets.get(&s.password_env));
            tracing::info!(host = %s.host, port = s.effective_port(), tls = ?s.tls, "email codes go out over SMTP");
            Arc::new(SmtpSender::new(s, password, templates.clone(), policy)?)
        }
        Some(EmailProvider::Webhook(w)) => {
            let secret = secrets.require(&w.secret_env, "delivery.email (webhook)")?;
            tracing::info!(url = %w.url, "email codes go out through the webhook");
            Arc::new(WebhookSender::new(
                w,
                secret,
                None,
                templates.clone(),
                policy,
            )?)
        }
    };
    let sms: Arc<dyn CodeSender> = match &cfg.sms {
        None => fallback("sms")?,
        Some(SmsProvider::Dev) => dev_only("sms")?,
        Some(SmsProvider::Twilio(t)) => {
            let token = secrets.require(&t.auth_token_env, "delivery.sms (twilio)")?;
            if host.is_none() {
                tracing::warn!(
                    "SMS without the origin-bound line: set public_url or delivery.sms_origin_host for one-time-code autofill"
                );
            }
            tracing::info!(base_url = %t.base_url, "SMS codes go out through Twilio");
            Arc::new(TwilioSender::new(
                t,
                token,
                host.clone(),
                templates.clone(),
                policy,
            )?)
        }
        Some(SmsProvider::Webhook(w)) => {
            let secret = secrets.require(&w.secret_env, "delivery.sms (webhook)")?;
            tracing::info!(url = %w.url, "SMS codes go out through the webhook");
            Arc::new(WebhookSender::new(
                w,
                secret,
                host.clone(),
                templates.clone(),
                policy,
            )?)
        }
    };
    Ok(Senders {
        sender: Arc::new(ByChannel { email, sms }),
        outbox,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::settings::WebhookConfig;

    fn with(email: Option<EmailProvider>, sms: Option<SmsProvider>) -> InstanceConfig {
        let mut c = InstanceConfig::default();
        c.delivery.email = email;
        c.delivery.sms = sms;
        c
    }

    #[test]
    fn dev_mode_falls_back_to_the_outbox_and_dev_needs_dev_mode() {
        let secrets = Secrets::default();
        assert!(
            build(&with(None, None), true, &secrets)
                .unwrap()
                .outbox
                .is_some()
        );
        assert!(
            build(&with(None, None), false, &secrets)
                .unwrap()
                .outbox
                .is_none()
        );
        let dev = with(Some(EmailProvider::Dev), None);
        assert!(build(&dev, true, &secrets).is_ok());
        let err = build(&dev, false, &secrets).unwrap_err().to_string();
        assert!(err.contains("only works with --dev"), "{err}");
    }

    #[test]
    fn missing_secret_names_the_variable_and_given_secrets_win() {
        let hook = SmsProvider::Webhook(WebhookConfig {
            url: "https://gw.example.com/".into(),
            secret_env: "ONETIME_TEST_UNSET_WEBHOOK_SECRET_4711".into(),
        });
        let cfg = with(None, Some(hook));
        let err = build(&cfg, true, &Secrets::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ONETIME_TEST_UNSET_WEBHOOK_SECRET_4711"),
            "{err}"
        );
        let secrets = Secrets::default().with("ONETIME_TEST_UNSET_WEBHOOK_SECRET_4711", "s");
        assert!(build(&cfg, true, &secrets).is_ok());
        assert!(
            !format!("{secrets:?}").contains("\"s\""),
            "secrets are not printed"
        );
    }

    #[test]
    fn origin_host_from_config_or_public_url() {
        let mut c = InstanceConfig::default();
        assert_eq!(origin_host(&c), None);
        c.public_url = Some("https://auth.example.com:8443/base".into());
        assert_eq!(origin_host(&c).as_deref(), Some("auth.example.com"));
        c.delivery.sms_origin_host = Some("example.com".into());
        assert_eq!(origin_host(&c).as_deref(), Some("example.com"));
    }
}
