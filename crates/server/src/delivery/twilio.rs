//! SMS through Twilio's Messages API:
//! `POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json`, Basic auth `sid:token`, form
//! fields `To`, `From` (or `MessagingServiceSid`) and `Body`.

use super::retry::{self, AttemptError, RetryPolicy};
use super::settings::TwilioConfig;
use super::templates::{Templates, Vars};
use super::{CodeSender, OutgoingCode, SendFuture};
use std::sync::Arc;

/// Sends SMS codes with Twilio.
pub struct TwilioSender {
    client: reqwest::Client,
    url: String,
    account_sid: String,
    auth_token: String,
    sender: (&'static str, String),
    origin_host: Option<String>,
    templates: Arc<Templates>,
    policy: RetryPolicy,
}

impl std::fmt::Debug for TwilioSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioSender")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl TwilioSender {
    /// A sender for `cfg`, with the auth token (from the environment) and the host of the
    /// origin-bound line.
    pub fn new(
        cfg: &TwilioConfig,
        auth_token: String,
        origin_host: Option<String>,
        templates: Arc<Templates>,
        policy: RetryPolicy,
    ) -> anyhow::Result<Self> {
        let sender = match (&cfg.from, &cfg.messaging_service_sid) {
            (Some(from), _) => ("From", from.clone()),
            (None, Some(mg)) => ("MessagingServiceSid", mg.clone()),
            (None, None) => anyhow::bail!("delivery.sms: set from or messaging_service_sid"),
        };
        Ok(Self {
            client: super::http::client(&policy)?,
            url: format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                cfg.base_url.trim_end_matches('/'),
                cfg.account_sid
            ),
            account_sid: cfg.account_sid.clone(),
            auth_token,
            sender,
            origin_host,
            templates,
            policy,
        })
    }

    async fn attempt(&self, form: &[(&str, &str)]) -> Result<(), AttemptError> {
        let resp = self
            .client
            .post(&self.url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(form)
            .send()
            .await
            .map_err(|e| AttemptError::from_reqwest(&e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        // Twilio errors are JSON: {"code": 21211, "message": "...", "more_info": "..."}.
        let body = resp.text().await.unwrap_or_default();
        let detail = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| {
                let msg = v.get("message")?.as_str()?.to_owned();
                Some(match v.get("code").and_then(serde_json::Value::as_i64) {
                    Some(code) => format!("Twilio error {code}: {msg}"),
                    None => msg,
                })
            })
            .unwrap_or_else(|| body.chars().take(200).collect());
        Err(AttemptError::from_http_status(status, &detail))
    }
}

impl CodeSender for TwilioSender {
    fn send<'a>(&'a self, msg: &'a OutgoingCode) -> SendFuture<'a> {
        Box::pin(async move {
            let body = self.templates.sms(
                msg.locale.as_deref(),
                &Vars::of(msg, self.origin_host.as_deref()),
            );
            let form = [
                ("To", msg.recipient.as_str()),
                (self.sender.0, self.sender.1.as_str()),
                ("Body", body.as_str()),
            ];
            retry::run(&self.policy, "twilio", || self.attempt(&form)).await
        })
    }
}
