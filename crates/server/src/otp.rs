//! Code rules shared by sign-up verification and sign-in first factors: cooldown, send budget,
//! delivery, expiry, attempt limit, single use.

use crate::delivery::{Channel, OutgoingCode};
use crate::domain::OtpCode;
use crate::error::{AppError, Result};
use crate::store::{Change, VerifState};
use crate::{App, crypto};
use onetime_protocol::{VerificationStatus, strategies};

/// The code that Clerk's test identifiers accept in dev mode.
pub const TEST_CODE: &str = "424242";

/// The code Clerk's test identifiers accept in dev mode, at `length` digits: `424242` for the
/// default six, and the same pattern cut or extended (`4242`, `42424242`).
pub fn test_code(length: usize) -> String {
    "4242424242".chars().cycle().take(length).collect()
}

/// What to send where.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    /// `sua_…`/`sia_…`: binds the code MAC to this object.
    pub owner: &'a str,
    /// Field name (`phone_number`, `email_address`, `first_factor`).
    pub field: &'a str,
    /// The request parameter that named the recipient (for errors about it).
    pub param: &'a str,
    /// Recipient (E.164 / email).
    pub recipient: &'a str,
    /// `phone_code` / `email_code`.
    pub strategy: &'a str,
    /// Whether this is one of Clerk's test identifiers.
    pub is_test: bool,
    /// Client locale.
    pub locale: Option<String>,
    /// The client's address (per-IP send budget).
    pub client_ip: Option<std::net::IpAddr>,
    /// An unknown identifier under enumeration protection: a verification that no code
    /// matches, and nothing sent.
    pub decoy: bool,
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
pub fn effective_status(state: &VerifState, now: i64) -> VerificationStatus {
    if state.status == VerificationStatus::Unverified && state.expire_at.is_some_and(|e| now > e) {
        VerificationStatus::Expired
    } else {
        state.status
    }
}

/// What [`prepare`] decided: the changes that reserve the send (to commit together with the row
/// holding the new state), and the message to [`deliver`] once that is committed (`None` for a
/// test identifier in dev mode: nothing is sent).
#[derive(Debug)]
pub struct Prepared {
    /// The send reservation (empty for a test identifier).
    pub changes: Vec<Change>,
    /// What to send after the commit.
    pub message: Option<OutgoingCode>,
    /// The budget keys reserved (given back by [`cancel_send`] when delivery fails).
    pub reserved: Vec<String>,
}

/// Puts a new code into `state`, enforcing the cooldown; the caller commits `state` with
/// [`Prepared::changes`] (which reserve a send within the per-identifier budget, atomically in
/// the database) and only then delivers. Claiming before sending is what keeps two racing
/// prepares, on any instances, from both sending: the second one's commit finds the row changed,
/// starts over and meets the cooldown.
pub fn prepare(app: &App, target: Target<'_>, state: &mut VerifState) -> Result<Prepared> {
    let now = app.now();
    let rules = &app.config.codes;
    if state.status == VerificationStatus::Verified {
        return Err(AppError::already_verified());
    }
    if state.status == VerificationStatus::Failed || state.attempts >= rules.max_attempts {
        return Err(AppError::verification_failed());
    }
    if let Some(last) = state.last_sent_at {
        let cooldown_ms = i64::try_from(rules.resend_cooldown_secs).unwrap_or(i64::MAX) * 1000;
        let wait = last.saturating_add(cooldown_ms) - now;
        if wait > 0 {
            return Err(AppError::too_many_requests(ceil_secs(wait)));
        }
    }
    let nothing = || Prepared {
        changes: Vec::new(),
        message: None,
        reserved: Vec::new(),
    };
    if target.decoy {
        state.strategy = target.strategy.to_owned();
        state.target = target.recipient.to_owned();
        state.code_mac = Some(crate::protection::DECOY_MAC.to_owned());
        state.status = VerificationStatus::Unverified;
        state.expire_at =
            Some(now + i64::try_from(rules.lifetime_secs).unwrap_or(i64::MAX / 2) * 1000);
        state.last_sent_at = Some(now);
        return Ok(nothing());
    }
    let (code, prepared) = if app.dev && target.is_test {
        let code = test_code(rules.length);
        tracing::debug!(recipient = %target.recipient, "test identifier: use code {code} (nothing sent)");
        (code, nothing())
    } else {
        let channel = if target.strategy == strategies::PHONE_CODE {
            crate::protection::check_sms_country(
                &app.config.protection,
                target.recipient,
                target.param,
            )?;
            Channel::Sms
        } else {
            Channel::Email
        };
        let code = crypto::new_code(rules.length);
        let buckets =
            crate::protection::send_buckets(app, target.recipient, channel, target.client_ip);
        let reserved = buckets.iter().map(|b| b.key.clone()).collect();
        let reserve = Change::ReserveSend { buckets, at: now };
        let message = OutgoingCode {
            channel,
            recipient: target.recipient.to_owned(),
            code: code.clone(),
            app_name: app.config.app_name.clone(),
            lifetime_secs: rules.lifetime_secs,
            locale: target.locale.clone(),
        };
        let prepared = Prepared {
            changes: vec![reserve],
            message: Some(message),
            reserved,
        };
        (code, prepared)
    };
    state.strategy = target.strategy.to_owned();
    state.target = target.recipient.to_owned();
    state.code_mac = Some(app.secret.code_mac(target.owner, target.field, &code));
    state.status = VerificationStatus::Unverified;
    state.expire_at = Some(now + i64::try_from(rules.lifetime_secs).unwrap_or(i64::MAX / 2) * 1000);
    state.last_sent_at = Some(now);
    Ok(prepared)
}

/// Hands a committed code to the sender. On failure the caller undoes the claim: it restores
/// the previous state and commits [`cancel_send`], so neither the cooldown nor the budget is
/// used up and the user can try again at once.
pub async fn deliver(app: &App, message: &OutgoingCode) -> Result<()> {
    // At most `max_concurrent_sends` provider calls in flight; the others queue here.
    let _permit = app
        .send_permits
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    app.sender.send(message).await.map_err(|e| {
        tracing::warn!(error = %e, recipient = %message.recipient, "code delivery failed");
        AppError::delivery_failed()
    })
}

/// Gives back the send reservations [`prepare`] made at `reserved_at`.
pub fn cancel_send(reserved: &[String], reserved_at: i64) -> Change {
    Change::CancelSend {
        keys: reserved.to_vec(),
        at: reserved_at,
    }
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
        VerificationStatus::Verified => return Err(AppError::already_verified()),
        VerificationStatus::Failed => return Err(AppError::verification_failed()),
        VerificationStatus::Expired => {
            state.status = VerificationStatus::Expired;
            state.code_mac = None;
            return Err(AppError::verification_expired());
        }
        _ => {}
    }
    if state.attempts >= max {
        state.status = VerificationStatus::Failed;
        return Err(AppError::verification_failed());
    }
    let Some(mac) = state.code_mac.as_deref() else {
        return Err(AppError::verification_missing());
    };
    if app.secret.code_matches(owner, field, code.as_str(), mac) {
        state.status = VerificationStatus::Verified;
        state.code_mac = None;
        Ok(())
    } else {
        state.attempts += 1;
        if state.attempts >= max {
            state.status = VerificationStatus::Failed;
            state.code_mac = None;
        }
        Err(AppError::code_incorrect())
    }
}

/// What an attempt's outcome does to the identifier's failure count: a wrong code adds one
/// (locking it at `max_failures`), a right one starts it again. `None` for other outcomes.
pub fn failure_count_change(app: &App, state: &VerifState, outcome: &Result<()>) -> Option<Change> {
    let p = &app.config.protection;
    match outcome {
        Ok(()) => Some(Change::CodeSucceeded {
            identifier: state.target.clone(),
        }),
        Err(e) if e.code() == Some(onetime_protocol::codes::FORM_CODE_INCORRECT) => {
            Some(Change::CodeFailed {
                identifier: state.target.clone(),
                at: app.now(),
                max_failures: i64::from(p.max_failures),
                lockout_ms: i64::try_from(p.lockout_secs).unwrap_or(i64::MAX / 2000) * 1000,
            })
        }
        Err(_) => None,
    }
}

fn ceil_secs(ms: i64) -> u64 {
    u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_code_keeps_its_pattern_at_every_length() {
        assert_eq!(test_code(6), TEST_CODE);
        assert_eq!(test_code(4), "4242");
        assert_eq!(test_code(8), "42424242");
        assert_eq!(test_code(10), "4242424242");
    }
}
