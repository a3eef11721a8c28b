//! Delivery of one-time codes.
//!
//! The server calls [`CodeSender::send`] from `prepare_verification` / `prepare_first_factor`
//! **before** answering success. On `Err` the request fails with `502 delivery_failed`, and
//! neither the resend cooldown nor the per-identifier send budget is consumed.
//!
//! Implementations here: [`DevSender`] (dev mode: log + in-memory outbox served at
//! `GET /dev/outbox`) and [`UnconfiguredSender`] (production without a delivery backend: every
//! send fails). Real providers live in the submodules — [`smtp`] (email over SMTP), [`twilio`]
//! (SMS), [`webhook`] (signed JSON POST) — chosen per channel by the `[delivery]` section
//! ([`settings`]) in [`setup::build`], with bounded retries ([`retry`]) and editable message
//! templates ([`templates`]).

pub mod http;
pub mod retry;
pub mod settings;
pub mod setup;
pub mod smtp;
pub mod templates;
pub mod twilio;
pub mod webhook;

pub use setup::{Secrets, Senders};

use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use templates::{Templates, Vars};

/// Delivery channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Text message to a phone number.
    Sms,
    /// Email.
    Email,
}

/// A code to deliver.
#[derive(Debug, Clone)]
pub struct OutgoingCode {
    /// SMS or email.
    pub channel: Channel,
    /// E.164 phone number or email address.
    pub recipient: String,
    /// The 6-digit code (plain text: only the sender sees it).
    pub code: String,
    /// Application name for the message.
    pub app_name: String,
    /// How long the code is valid, in seconds.
    pub lifetime_secs: u64,
    /// The user's locale as sent by the client (e.g. `en-US`), if any.
    pub locale: Option<String>,
}

/// Why a code could not be delivered. The message is logged, never shown to the client.
#[derive(Debug, thiserror::Error)]
#[error("delivery failed: {0}")]
pub struct DeliveryError(pub String);

/// Boxed future returned by [`CodeSender::send`] (keeps the trait object-safe).
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), DeliveryError>> + Send + 'a>>;

/// Sends codes. Object-safe: the server holds an `Arc<dyn CodeSender>`.
pub trait CodeSender: Send + Sync + 'static {
    /// Delivers one code; resolves once the provider accepted it.
    fn send<'a>(&'a self, msg: &'a OutgoingCode) -> SendFuture<'a>;
}

/// One entry of the dev outbox.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxEntry {
    /// `sms` or `email`.
    pub channel: Channel,
    /// Phone number or email address.
    pub recipient: String,
    /// The code.
    pub code: String,
    /// What a real sender would deliver: the SMS text, or the email's plain-text body, rendered
    /// from the same templates in the same locale.
    pub message: String,
    /// The email's subject line (emails only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The locale the client asked for, if any.
    pub locale: Option<String>,
    /// When it was "sent" (unix ms).
    pub created_at: i64,
}

/// Dev-mode sender: prints every code to the log and keeps it in an in-memory outbox. It
/// renders the same templates as the real senders, so the outbox shows what a person would
/// receive, in their language.
#[derive(Debug, Clone)]
pub struct DevSender {
    outbox: Arc<Mutex<Vec<OutboxEntry>>>,
    templates: Arc<Templates>,
    origin_host: Option<String>,
}

impl DevSender {
    /// An empty outbox rendering with `templates`; SMS get the `@host #code` line when
    /// `origin_host` is known.
    pub fn new(templates: Arc<Templates>, origin_host: Option<String>) -> Self {
        Self {
            outbox: Arc::default(),
            templates,
            origin_host,
        }
    }

    /// Entries, newest first.
    pub fn entries(&self) -> Vec<OutboxEntry> {
        let guard = self.outbox.lock().unwrap_or_else(|e| e.into_inner());
        guard.iter().rev().cloned().collect()
    }
}

impl CodeSender for DevSender {
    fn send<'a>(&'a self, msg: &'a OutgoingCode) -> SendFuture<'a> {
        Box::pin(async move {
            let vars = Vars::of(msg, self.origin_host.as_deref());
            let rendered = self.templates.render(msg, &vars);
            let (message, subject) = (rendered.message, rendered.subject);
            tracing::info!(
                channel = ?msg.channel,
                recipient = %msg.recipient,
                code = %msg.code,
                "dev outbox: {message}"
            );
            let created_at = crate::clock::Clock::now_ms(&crate::clock::SystemClock);
            let mut guard = self.outbox.lock().unwrap_or_else(|e| e.into_inner());
            guard.push(OutboxEntry {
                channel: msg.channel,
                recipient: msg.recipient.clone(),
                code: msg.code.clone(),
                message,
                subject,
                locale: msg.locale.clone(),
                created_at,
            });
            // Bounded: keep the last 1000 entries.
            let excess = guard.len().saturating_sub(1000);
            guard.drain(..excess);
            Ok(())
        })
    }
}

/// Used outside dev mode until a real delivery backend is configured: every send fails,
/// so clients get `502 delivery_failed` instead of a code that never arrives.
#[derive(Debug, Default, Clone, Copy)]
pub struct UnconfiguredSender;

impl CodeSender for UnconfiguredSender {
    fn send<'a>(&'a self, msg: &'a OutgoingCode) -> SendFuture<'a> {
        Box::pin(async move {
            Err(DeliveryError(format!(
                "no delivery backend configured for {:?} (run with --dev to use the dev outbox)",
                msg.channel
            )))
        })
    }
}
