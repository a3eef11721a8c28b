//! Code rules shared by sign-up verification and sign-in first factors: cooldown, send budget,
//! delivery, expiry, attempt limit, single use.

use crate::delivery::{Channel, OutgoingCode};
use crate::domain::OtpCode;
use crate::error::{AppError, Result};
use crate::store::{Change, VerifState};
use crate::{App, crypto};
use onetime_protocol::strategies;

/// The code that Clerk's test identifiers accept in dev mode.
pub const TEST_CODE: &str = "424242";

/// Verification status strings.
pub mod status {
    /// Waiting for a (valid) code.
    pub const UNVERIFIED: &str = "unverified";
    /// Done.
    pub const VERIFIED: &str = "verified";
    /// Too many wrong attempts.
    pub const FAILED: &str = "failed";
    /// The code expired.
    pub const EXPIRED: &str = "expired";
}

/// What to send where.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    /// `sua_…`/`sia_…`: binds the code MAC to this object.
    pub owner: &'a str,
    /// Field name (`phone_number`, `email_address`, `first_factor`).
    pub field: &'a str,
    /// Recipient (E.164 / email).
    pub recipient: &'a str,
    /// `phone_code` / `email_code`.
    pub strategy: &'a str,
    /// Whether this is one of Clerk's test identifiers.
    pub is_test: bool,
    /// Client locale.
    pub locale: Option<String>,
}

/// Whether `recipient` is a Clerk test identifier (only meaningful in dev mode).
pub fn is_test_identifier(recipient: &str) -> bool {
    if recipient.contains('@') {
        crate::domain::EmailAddress::parse(recipient).is_ok_and(|e| e.is_test_address())
    } else {
        crate::domain::PhoneNumber::parse(recipient).is_ok_and(|p| p.is_test_number())
    }
}

/// Effective status (an unverified code past its expiry reads as expired).
pub fn effective_status(state: &VerifState, now: i64) -> &str {
    if state.status == status::UNVERIFIED && state.expire_at.is_some_and(|e| now > e) {
        status::EXPIRED
    } else {
        &state.status
    }
}

/// Prepares (sends) a code into `state`, enforcing the cooldown and the per-identifier budget.
/// Only calls the sender after all checks passed; on a delivery error nothing is consumed.
/// Returns the changes to persist besides `state` (the send record).
pub async fn prepare(app: &App, target: Target<'_>, state: &mut VerifState) -> Result<Vec<Change>> {
    let now = app.now();
    let rules = &app.config.codes;
    if state.status == status::VERIFIED {
        return Err(AppError::already_verified());
    }
    if state.status == status::FAILED || state.attempts >= rules.max_attempts {
        return Err(AppError::verification_failed());
    }
    if let Some(last) = state.last_sent_at {
        let cooldown_ms = i64::try_from(rules.resend_cooldown_secs).unwrap_or(i64::MAX) * 1000;
        let wait = last.saturating_add(cooldown_ms) - now;
        if wait > 0 {
            return Err(AppError::too_many_requests(ceil_secs(wait)));
        }
    }
    let test = app.dev && target.is_test;
    let changes: Vec<Change> = Vec::new();
    let code = if test {
        tracing::info!(recipient = %target.recipient, "test identifier: use code {TEST_CODE} (nothing sent)");
        TEST_CODE.to_owned()
    } else {
        let _recipient_guard = app.store.lock_recipient(target.recipient).await;
        let window_ms = i64::try_from(rules.send_window_secs).unwrap_or(i64::MAX) * 1000;
        let (count, oldest) = app
            .store
            .sends_since(target.recipient, now - window_ms)
            .await?;
        if count >= i64::from(rules.sends_per_identifier) {
            let wait = oldest.unwrap_or(now) + window_ms - now;
            return Err(AppError::too_many_requests(ceil_secs(wait)));
        }
        let code = crypto::new_code();
        let msg = OutgoingCode {
            channel: if target.strategy == strategies::PHONE_CODE {
                Channel::Sms
            } else {
                Channel::Email
            },
            recipient: target.recipient.to_owned(),
            code: code.clone(),
            app_name: app.config.app_name.clone(),
            lifetime_secs: rules.lifetime_secs,
            locale: target.locale.clone(),
        };
        if let Err(e) = app.sender.send(&msg).await {
            tracing::warn!(error = %e, recipient = %target.recipient, "code delivery failed");
            return Err(AppError::delivery_failed());
        }
        // Recorded at once (still under the recipient lock): the code is out, whatever happens
        // to the rest of the request.
        app.store
            .apply(vec![Change::CodeSent {
                identifier: target.recipient.to_owned(),
                at: now,
            }])
            .await?;
        if count == 0 {
            // Occasional housekeeping: old send records are useless.
            app.store.prune_sends(now - window_ms).await?;
        }
        code
    };
    state.strategy = target.strategy.to_owned();
    state.target = target.recipient.to_owned();
    state.code_mac = Some(app.secret.code_mac(target.owner, target.field, &code));
    state.status = status::UNVERIFIED.to_owned();
    state.expire_at = Some(now + i64::try_from(rules.lifetime_secs).unwrap_or(i64::MAX / 2) * 1000);
    state.last_sent_at = Some(now);
    Ok(changes)
}

/// Checks a submitted code against `state`, updating it (attempts, status, single use).
/// The caller persists `state` whatever the outcome, then returns the error if any.
pub fn attempt(
    app: &App,
    owner: &str,
    field: &str,
    state: &mut VerifState,
    code: &OtpCode,
) -> Result<()> {
    let now = app.now();
    let max = app.config.codes.max_attempts;
    match effective_status(state, now) {
        status::VERIFIED => return Err(AppError::already_verified()),
        status::FAILED => return Err(AppError::verification_failed()),
        status::EXPIRED => {
            state.status = status::EXPIRED.to_owned();
            state.code_mac = None;
            return Err(AppError::verification_expired());
        }
        _ => {}
    }
    if state.attempts >= max {
        state.status = status::FAILED.to_owned();
        return Err(AppError::verification_failed());
    }
    let Some(mac) = state.code_mac.as_deref() else {
        return Err(AppError::verification_missing());
    };
    if app.secret.code_matches(owner, field, code.as_str(), mac) {
        state.status = status::VERIFIED.to_owned();
        state.code_mac = None;
        Ok(())
    } else {
        state.attempts += 1;
        if state.attempts >= max {
            state.status = status::FAILED.to_owned();
            state.code_mac = None;
        }
        Err(AppError::code_incorrect())
    }
}

fn ceil_secs(ms: i64) -> u64 {
    u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1)
}
