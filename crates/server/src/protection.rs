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

/// With `enumeration_protection`, the identification an unknown phone or email seems to have:
/// its id is derived from the identifier with the server secret, so every sign-in for it shows
/// the same stable id, shaped like a real one (`idn_` + 27 base62 characters).
pub fn decoy_ident(app: &App, identifier: &str) -> crate::store::IdentRow {
    let is_email = identifier.contains('@');
    let mac = app
        .secret
        .code_mac("enumeration-decoy", "identification", identifier);
    let mut id: String = mac
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(27)
        .collect();
    while id.len() < 27 {
        id.push('0');
    }
    crate::store::IdentRow {
        id: format!("idn_{id}"),
        user_id: String::new(),
        kind: if is_email {
            "email_address"
        } else {
            "phone_number"
        }
        .into(),
        value: identifier.to_owned(),
        strategy: if is_email { "email_code" } else { "phone_code" }.into(),
        created_at: 0,
    }
}

/// The stored "MAC" of a decoy verification: not base64 of any HMAC, so no code ever matches.
pub const DECOY_MAC: &str = "decoy!";

/// The origins allowed to call the API from a browser: `allowed_origins`, the origin of
/// `public_url`, and in `--dev` any loopback origin (`http://localhost:*`, `http://127.0.0.1:*`,
/// `http://[::1]:*`), so `trunk serve` works without configuration while production allows no
/// localhost unless listed.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins {
    listed: Vec<String>,
    loopback: bool,
}

impl AllowedOrigins {
    /// Validates the configured entries (`*`, `null` and anything that is not
    /// `scheme://host[:port]` are refused with a message that says so).
    pub fn new(listed: &[String], public_url: Option<&str>, dev: bool) -> anyhow::Result<Self> {
        let mut origins = Vec::new();
        for entry in listed {
            origins.push(
                parse_origin(entry)
                    .map_err(|why| anyhow::anyhow!("allowed_origins: {entry:?} {why}"))?,
            );
        }
        if let Some(url) = public_url {
            let origin = url.trim_end_matches('/');
            let origin = match origin.find("://").map(|i| i + 3) {
                Some(start) => match origin[start..].find('/') {
                    Some(path) => &origin[..start + path],
                    None => origin,
                },
                None => anyhow::bail!("public_url {url:?} must start with http:// or https://"),
            };
            origins.push(
                parse_origin(origin).map_err(|why| anyhow::anyhow!("public_url: {url:?} {why}"))?,
            );
        }
        Ok(Self {
            listed: origins,
            loopback: dev,
        })
    }

    /// Whether a browser on `origin` may call the API.
    pub fn allows(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if self.listed.contains(&origin) {
            return true;
        }
        self.loopback && is_loopback_origin(&origin)
    }
}

/// `scheme://host[:port]`, lower-cased; why not otherwise.
fn parse_origin(entry: &str) -> std::result::Result<String, &'static str> {
    let origin = entry.trim().trim_end_matches('/').to_ascii_lowercase();
    if origin == "*" || origin == "null" {
        return Err(
            "is not allowed: list each origin (scheme://host[:port]) that may call the API",
        );
    }
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', '*', ' ']) {
        return Err("must be an origin: scheme://host[:port], without path, query or wildcard");
    }
    Ok(origin)
}

fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("http://") else {
        return false;
    };
    let host = match rest.strip_prefix('[') {
        Some(v6) => v6.split(']').next().map(|h| format!("[{h}]")),
        None => rest.split(':').next().map(str::to_owned),
    };
    matches!(host.as_deref(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

/// Whether a mutation's `Origin` may change state: absent (native apps, curl, servers), this
/// server's own origin (the `Host` it was reached at), or an allowed one. `null` never.
pub fn origin_may_mutate(
    origin: Option<&str>,
    host: Option<&str>,
    allowed: &AllowedOrigins,
) -> bool {
    let Some(origin) = origin else {
        return true;
    };
    let origin = origin.trim().to_ascii_lowercase();
    if origin == "null" {
        return false;
    }
    if let Some(host) = host {
        let host = host.to_ascii_lowercase();
        if origin == format!("http://{host}") || origin == format!("https://{host}") {
            return true;
        }
    }
    allowed.allows(&origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ip_reads_only_what_trusted_proxies_wrote() {
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "6.6.6.6, 1.2.3.4".parse().unwrap());
        h.append("x-forwarded-for", "10.0.0.2".parse().unwrap());
        let peer = Some("127.0.0.1:5000".parse().unwrap());
        assert_eq!(client_ip(peer, &h, 0), Some("127.0.0.1".parse().unwrap()));
        assert_eq!(client_ip(peer, &h, 1), Some("10.0.0.2".parse().unwrap()));
        assert_eq!(client_ip(peer, &h, 2), Some("1.2.3.4".parse().unwrap()));
        assert_eq!(client_ip(peer, &h, 4), Some("127.0.0.1".parse().unwrap()));
    }

    #[test]
    fn mailbox_key_drops_the_tag_and_folds_the_domain() {
        assert_eq!(mailbox_key("victim+1@Example.COM"), "victim@example.com");
        assert_eq!(mailbox_key("victim@example.com"), "victim@example.com");
        assert_eq!(mailbox_key("+12015550100"), "+12015550100");
    }

    #[test]
    fn origins_are_validated_and_matched() {
        for bad in [
            "*",
            "null",
            "example.com",
            "https://x.com/app",
            "https://*.x.com",
        ] {
            assert!(
                AllowedOrigins::new(&[bad.into()], None, false).is_err(),
                "{bad}"
            );
        }
        let o = AllowedOrigins::new(
            &["https://App.example.com/".into()],
            Some("https://id.example.com/base"),
            false,
        )
        .unwrap();
        assert!(o.allows("https://app.example.com"));
        assert!(o.allows("https://id.example.com"));
        assert!(!o.allows("http://localhost:8080"));
        let dev = AllowedOrigins::new(&[], None, true).unwrap();
        assert!(dev.allows("http://localhost:8080") && dev.allows("http://127.0.0.1:3000"));
        assert!(!dev.allows("http://localhost.evil.com"));
        assert!(!origin_may_mutate(Some("null"), Some("a:1"), &dev));
        assert!(origin_may_mutate(None, Some("a:1"), &o));
        assert!(origin_may_mutate(Some("http://a:1"), Some("a:1"), &o));
        assert!(!origin_may_mutate(
            Some("https://evil.com"),
            Some("a:1"),
            &o
        ));
    }
}
