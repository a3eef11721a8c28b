//! A generic webhook for any other gateway: a signed JSON POST.
//!
//! Body (JSON, UTF-8):
//! `{"id", "channel": "sms"|"email", "recipient", "code", "app_name", "lifetime_secs",
//! "minutes", "locale", "origin_host", "message", "subject", "html"}` — `message` is the
//! rendered SMS text or plain-text email body, `subject`/`html` are set for email only, `id`
//! is the same on every retry of one delivery (deduplicate on it).
//!
//! Signature: headers `X-Onetime-Timestamp: <unix seconds>` and
//! `X-Onetime-Signature: sha256=<hex>`, where `<hex>` is the lowercase hex HMAC-SHA256, keyed
//! with the secret's UTF-8 bytes, of `<timestamp>.<raw body>` (the timestamp's decimal digits,
//! a full stop, then the body bytes exactly as received). A receiver recomputes it, compares in
//! constant time and rejects timestamps more than a few minutes away from its clock (replays).
//! See [`verify_signature`].
//!
//! Any 2xx answer means delivered; 429 and 5xx are retried, other statuses are permanent.

use super::retry::{self, AttemptError, RetryPolicy};
use super::settings::WebhookConfig;
use super::templates::{Rendered, Templates, Vars};
use super::{Channel, CodeSender, OutgoingCode, SendFuture};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::sync::Arc;

/// Header with the unix time (seconds) of the request.
pub const TIMESTAMP_HEADER: &str = "X-Onetime-Timestamp";
/// Header with `sha256=<hex HMAC>`.
pub const SIGNATURE_HEADER: &str = "X-Onetime-Signature";

/// The signature header value for `body` sent at `timestamp` (unix seconds).
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256=");
    for b in tag {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Receiver-side check: the signature matches (constant time) and `timestamp` is within
/// `tolerance_secs` of `now` (unix seconds).
pub fn verify_signature(
    secret: &[u8],
    timestamp: &str,
    signature_header: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> bool {
    use subtle::ConstantTimeEq;
    let Ok(ts) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    if (now - ts).abs() > tolerance_secs {
        return false;
    }
    let expected = signature(secret, ts, body);
    expected
        .as_bytes()
        .ct_eq(signature_header.trim().as_bytes())
        .into()
}

/// The JSON body.
#[derive(Debug, Serialize)]
pub struct WebhookPayload<'a> {
    /// Random id, the same on retries.
    pub id: String,
    /// `sms` or `email`.
    pub channel: Channel,
    /// Phone number (E.164) or email address.
    pub recipient: &'a str,
    /// The code.
    pub code: &'a str,
    /// Application name.
    pub app_name: &'a str,
    /// Code lifetime in seconds.
    pub lifetime_secs: u64,
    /// Code lifetime in minutes (rounded up).
    pub minutes: u64,
    /// The client's locale, if it sent one.
    pub locale: Option<&'a str>,
    /// Host of the SMS origin-bound line, if configured.
    pub origin_host: Option<&'a str>,
    /// Rendered SMS text, or the plain-text email body.
    pub message: String,
    /// Email subject (email only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Email HTML body (email only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

/// Posts codes to a webhook.
pub struct WebhookSender {
    client: reqwest::Client,
    url: String,
    secret: String,
    origin_host: Option<String>,
    templates: Arc<Templates>,
    policy: RetryPolicy,
}

impl std::fmt::Debug for WebhookSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSender")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl WebhookSender {
    /// A sender posting to `cfg.url`, signing with `secret`.
    pub fn new(
        cfg: &WebhookConfig,
        secret: String,
        origin_host: Option<String>,
        templates: Arc<Templates>,
        policy: RetryPolicy,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            client: super::http::client(&policy)?,
            url: cfg.url.clone(),
            secret,
            origin_host,
            templates,
            policy,
        })
    }

    /// The JSON body for `msg`.
    fn payload<'a>(&'a self, msg: &'a OutgoingCode) -> WebhookPayload<'a> {
        let vars = Vars::of(msg, self.origin_host.as_deref());
        let Rendered {
            message,
            subject,
            html,
        } = self.templates.render(msg, &vars);
        let (minutes, origin_host) = (vars.minutes, vars.origin_host);
        let locale = msg.locale.as_deref();
        WebhookPayload {
            id: format!("dlv_{:032x}", rand::random::<u128>()),
            channel: msg.channel,
            recipient: &msg.recipient,
            code: &msg.code,
            app_name: &msg.app_name,
            lifetime_secs: msg.lifetime_secs,
            minutes,
            locale,
            origin_host,
            message,
            subject,
            html,
        }
    }

    async fn attempt(&self, body: &[u8]) -> Result<(), AttemptError> {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let resp = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, ts.to_string())
            .header(
                SIGNATURE_HEADER,
                signature(self.secret.as_bytes(), ts, body),
            )
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| AttemptError::from_reqwest(&e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let text = resp.text().await.unwrap_or_default();
        Err(AttemptError::from_http_status(
            status,
            &text.chars().take(200).collect::<String>(),
        ))
    }
}

impl CodeSender for WebhookSender {
    fn send<'a>(&'a self, msg: &'a OutgoingCode) -> SendFuture<'a> {
        Box::pin(async move {
            let body = serde_json::to_vec(&self.payload(msg)).map_err(|e| {
                super::DeliveryError(format!("webhook: cannot encode the payload: {e}"))
            })?;
            retry::run(&self.policy, "webhook", || self.attempt(&body)).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body() {
        // Independent check: HMAC-SHA256(key="secret", "1700000000.{}").
        let sig = signature(b"secret", 1_700_000_000, b"{}");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(b"1700000000.{}");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sig, format!("sha256={hex}"));
        assert_eq!(sig.len(), 7 + 64);
    }

    #[test]
    fn known_vector() {
        // printf '1700000000.{"code":"123456"}' | openssl dgst -sha256 -hmac s3cret
        assert_eq!(
            signature(b"s3cret", 1_700_000_000, br#"{"code":"123456"}"#),
            "sha256=982be7c671d76a16ee8304a2cfb64bc6e72177227aaa638f35df81dc25a8ec77"
        );
    }

    #[test]
    fn verification_rejects_tampering_and_replays() {
        let body = br#"{"code":"123456"}"#;
        let sig = signature(b"s3cret", 1000, body);
        assert!(verify_signature(b"s3cret", "1000", &sig, body, 1100, 300));
        assert!(
            !verify_signature(b"s3cret", "1000", &sig, body, 2000, 300),
            "stale"
        );
        assert!(
            !verify_signature(b"s3cret", "1001", &sig, body, 1100, 300),
            "other time"
        );
        assert!(
            !verify_signature(b"other", "1000", &sig, body, 1100, 300),
            "other key"
        );
        assert!(!verify_signature(
            b"s3cret",
            "1000",
            &sig,
            br#"{"code":"000000"}"#,
            1100,
            300
        ));
    }
}
