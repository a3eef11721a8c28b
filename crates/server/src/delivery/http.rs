//! The HTTP client the HTTP providers (Twilio, the webhook) share.

use super::retry::RetryPolicy;

/// An HTTP client for providers: rustls, no redirects, bounded connect and request time.
pub fn client(policy: &RetryPolicy) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .user_agent(concat!("onetime-server/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(policy.attempt_timeout)
        .timeout(policy.attempt_timeout)
        .build()?)
}
