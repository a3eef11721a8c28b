//! Abuse defences (`[protection]`): who the client is (IP behind trusted proxies), which budgets
//! a code send counts against, the SMS country allow-list, the per-identifier failure lockout and
//! the housekeeping task. The counters themselves live in the database (see [`crate::store`]).

use crate::config::ProtectionConfig;
use crate::error::{AppError, Result};
use crate::store::SendBucket;
use crate::{App, delivery::Channel};
use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Budget key of the whole instance's SMS sends.
pub const SMS_BUCKET: &str = "sms:all";

/// The client's address: the socket's peer, or with `trusted_proxies = N` the Nth address from
/// the right of `X-Forwarded-For` (each trusted proxy appends the address it saw). Entries a
/// client wrote itself stand further left and are never read, so a spoofed header cannot reset a
/// budget; a request with fewer entries than proxies did not come through them and counts as its
/// peer.
pub fn client_ip(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    trusted_proxies: u32,
) -> Option<IpAddr> {
    let peer = peer.map(|p| p.ip());
    let n = usize::try_from(trusted_proxies).unwrap_or(usize::MAX);
    if n == 0 {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if hops.len() < n {
        return peer;
    }
    hops[hops.len() - n].parse().ok().or(peer)
}

/// The per-identifier budget key: a phone as is; an email's mailbox, with any `+tag` removed and
/// the domain lower-cased (`victim+1@x` and `victim+2@x` reach one mailbox, so they share one
/// budget; the accounts stay distinct).
pub fn mailbox_key(recipient: &str) -> String {
    match recipient.rsplit_once('@') {
        Some((local, domain)) => {
            let local = local.split_once('+').map_or(local, |(base, _)| base);
            format!("{local}@{}", domain.to_ascii_lowercase())
        }
        None => recipient.to_owned(),
    }
}

/// The budgets one code send to `recipient` counts against.
pub fn send_buckets(
    app: &App,
    recipient: &str,
    channel: Channel,
    ip: Option<IpAddr>,
) -> Vec<SendBucket> {
    let codes = &app.config.codes;
    let p = &app.config.protection;
    let ms = |secs: u64| i64::try_from(secs).unwrap_or(i64::MAX / 2000) * 1000;
    let mut buckets = vec![SendBucket {
        key: mailbox_key(recipient),
        limit: i64::from(codes.sends_per_identifier),
        window_ms: ms(codes.send_window_secs),
    }];
    if let Some(ip) = ip {
        buckets.push(SendBucket {
            key: format!("ip:{ip}"),
            limit: i64::from(p.sends_per_ip),
            window_ms: ms(p.ip_window_secs),
        });
    }
    if channel == Channel::Sms {
        buckets.push(SendBucket {
            key: SMS_BUCKET.to_owned(),
            limit: i64::from(p.sms_per_hour),
            window_ms: ms(3600),
        });
    }
    buckets
}

/// The longest window any send budget uses, ms (older send records are useless).
pub fn longest_window_ms(app: &App) -> i64 {
    let secs = app
        .config
        .codes
        .send_window_secs
        .max(app.config.protection.ip_window_secs)
        .max(3600);
    i64::try_from(secs).unwrap_or(i64::MAX / 2000) * 1000
}

/// 422 `form_param_format_invalid` on `param` when SMS codes may not go to `phone`'s country.
pub fn check_sms_country(p: &ProtectionConfig, phone: &str, param: &str) -> Result<()> {
    if p.sms_countries.is_empty() {
        return Ok(());
    }
    let country = crate::domain::PhoneNumber::country_of(phone);
    match country {
        Some(c) if p.sms_countries.contains(&c) => Ok(()),
        Some(c) => Err(AppError::param_format_invalid(
            param,
            format!(
                "Phone numbers from {c} are not supported: codes can only be sent by SMS to {}.",
                p.sms_countries.join(", ")
            ),
        )),
        None => Err(AppError::param_format_invalid(
            param,
            "This phone number's country could not be determined, so no code can be sent to it.",
        )),
    }
}

/// 403 `user_locked` while `identifier` is locked after too many wrong codes.
pub async fn ensure_not_locked(app: &App, identifier: &str) -> Result<()> {
    if let Some(until) = app.store.locked_until(identifier).await? {
        let left = until - app.now();
        if left > 0 {
            return Err(AppError::user_locked(
                u64::try_from((left + 999) / 1000).unwrap_or(1),
            ));
        }
    }
    Ok(())
}

/// Deletes, every `housekeeping_interval_secs`, what nobody can use any more (see
/// [`crate::store::Store::housekeep`]), so a flood of cookie-less requests cannot grow the
/// database without bound. Runs on every instance; the deletes are idempotent.
pub async fn housekeeping(app: App) {
    let every = Duration::from_secs(app.config.protection.housekeeping_interval_secs);
    loop {
        tokio::time::sleep(every).await;
        match housekeep_once(&app).await {
            Ok(done) => tracing::debug!(?done, "housekeeping"),
            Err(e) => tracing::warn!(error = %e, "housekeeping failed; trying again next round"),
        }
    }
}

/// One housekeeping pass at the app's current time.
pub async fn housekeep_once(app: &App) -> Result<crate::store::Housekept> {
    const DAY_MS: i64 = 24 * 3600 * 1000;
    let now = app.now();
    Ok(app
        .store
        .housekeep(now - DAY_MS, now - longest_window_ms(app), now - DAY_MS)
        .await?)
}
