//! Email over SMTP with `lettre` (tokio, rustls): STARTTLS, implicit TLS, or plain to loopback.

use super::retry::{self, AttemptError, RetryPolicy};
use super::settings::{SmtpConfig, SmtpTls};
use super::templates::{Templates, Vars};
use super::{CodeSender, DeliveryError, OutgoingCode, SendFuture};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;

/// Sends email codes through an SMTP server.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    templates: Arc<Templates>,
    policy: RetryPolicy,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSender")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// Builds the transport (no connection is made until the first send). `password` is
    /// required when `username` is set.
    pub fn new(
        cfg: &SmtpConfig,
        password: Option<String>,
        templates: Arc<Templates>,
        policy: RetryPolicy,
    ) -> anyhow::Result<Self> {
        let builder = match cfg.tls {
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
        };
        let mut builder = builder
            .port(cfg.effective_port())
            .timeout(Some(policy.attempt_timeout));
        if let Some(user) = &cfg.username {
            let password = password.ok_or_else(|| {
                anyhow::anyhow!(
                    "delivery.email.username is set but the environment variable {} (the SMTP password) is not",
                    cfg.password_env
                )
            })?;
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let from = cfg.from.parse().map_err(|e| {
            anyhow::anyhow!("delivery.email.from: invalid mailbox {:?}: {e}", cfg.from)
        })?;
        Ok(Self {
            transport: builder.build(),
            from,
            templates,
            policy,
        })
    }

    fn message(&self, msg: &OutgoingCode) -> Result<Message, DeliveryError> {
        let to: Mailbox = msg.recipient.parse().map_err(|e| {
            DeliveryError(format!("smtp: invalid recipient {:?}: {e}", msg.recipient))
        })?;
        let content = self
            .templates
            .email(msg.locale.as_deref(), &Vars::of(msg, None));
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(content.subject)
            .multipart(MultiPart::alternative_plain_html(
                content.text,
                content.html,
            ))
            .map_err(|e| DeliveryError(format!("smtp: cannot build the message: {e}")))
    }
}

/// Classifies a lettre error: SMTP 5xx, client-side and TLS errors are permanent; 4xx replies,
/// timeouts and connection errors are transient.
fn classify(e: &lettre::transport::smtp::Error) -> AttemptError {
    let message = match e.status() {
        Some(code) => format!("SMTP {code}: {e}"),
        None => format!("{e}"),
    };
    if e.is_permanent() || e.is_client() || e.is_tls() || e.is_response() {
        AttemptError::permanent(message)
    } else {
        AttemptError::transient(message)
    }
}

impl CodeSender for SmtpSender {
    fn send<'a>(&'a self, msg: &'a OutgoingCode) -> SendFuture<'a> {
        Box::pin(async move {
            let message = self.message(msg)?;
            let envelope = message.envelope().clone();
            let raw = message.formatted();
            retry::run(&self.policy, "smtp", || async {
                self.transport
                    .send_raw(&envelope, &raw)
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(&e))
            })
            .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_transports_build_with_the_rustls_provider() {
        for tls in [SmtpTls::Starttls, SmtpTls::Tls] {
            let cfg = SmtpConfig {
                host: "smtp.example.com".into(),
                port: None,
                tls,
                username: Some("u".into()),
                password_env: "X".into(),
                from: "a@example.com".into(),
            };
            let policy = RetryPolicy::from_config(&Default::default());
            let templates = Arc::new(Templates::builtin());
            assert!(SmtpSender::new(&cfg, Some("p".into()), templates.clone(), policy).is_ok());
            let err = SmtpSender::new(&cfg, None, templates, policy).unwrap_err();
            assert!(err.to_string().contains("environment variable X"), "{err}");
        }
    }
}
