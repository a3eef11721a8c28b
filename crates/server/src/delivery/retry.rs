//! Bounded retries with backoff and timeouts around one provider call.

use super::DeliveryError;
use super::settings::DeliveryConfig;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// Timeouts and retry counts of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Bound of one attempt.
    pub attempt_timeout: Duration,
    /// Bound of the whole delivery (attempts + pauses).
    pub total_timeout: Duration,
    /// Extra attempts after transient failures.
    pub retries: u32,
    /// First pause; doubles each time.
    pub backoff: Duration,
}

impl RetryPolicy {
    /// From `[delivery]`.
    pub fn from_config(c: &DeliveryConfig) -> Self {
        Self {
            attempt_timeout: Duration::from_millis(c.timeout_ms),
            total_timeout: Duration::from_millis(c.total_timeout_ms),
            retries: c.retries,
            backoff: Duration::from_millis(c.retry_backoff_ms),
        }
    }
}

/// Outcome of a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptError {
    /// Worth retrying (connection error, timeout, 5xx, 429, SMTP 4xx).
    pub transient: bool,
    /// What went wrong (logged only).
    pub message: String,
}

impl AttemptError {
    /// A failure that may go away on retry.
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            transient: true,
            message: message.into(),
        }
    }

    /// A failure that will not go away (bad credentials, rejected recipient, …).
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            transient: false,
            message: message.into(),
        }
    }

    /// Classifies an HTTP status: 429 and 5xx are transient, the rest permanent.
    pub fn from_http_status(status: reqwest::StatusCode, detail: &str) -> Self {
        let message = format!("HTTP {status}: {detail}");
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Self::transient(message)
        } else {
            Self::permanent(message)
        }
    }

    /// Classifies a reqwest error: connecting, timeouts and broken connections are transient.
    pub fn from_reqwest(e: &reqwest::Error) -> Self {
        let message = format!("{e}");
        if e.is_builder() || e.is_redirect() {
            Self::permanent(message)
        } else {
            Self::transient(message)
        }
    }
}

/// Runs `attempt` until it succeeds, fails permanently, the retries are used up or the total
/// timeout is reached. `provider` names the provider in the error.
pub async fn run<F, Fut>(
    policy: &RetryPolicy,
    provider: &str,
    mut attempt: F,
) -> Result<(), DeliveryError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), AttemptError>>,
{
    let deadline = Instant::now() + policy.total_timeout;
    let mut backoff = policy.backoff;
    let mut tries = 0u32;
    let last = loop {
        tries += 1;
        let remaining = deadline.saturating_duration_since(Instant::now());
        let bound = policy.attempt_timeout.min(remaining);
        let outcome = match tokio::time::timeout(bound, attempt()).await {
            Ok(r) => r,
            Err(_) => Err(AttemptError::transient(format!(
                "no answer within {} ms",
                bound.as_millis()
            ))),
        };
        let err = match outcome {
            Ok(()) => {
                if tries > 1 {
                    tracing::info!(provider, tries, "code delivered after retrying");
                }
                return Ok(());
            }
            Err(e) => e,
        };
        if !err.transient || tries > policy.retries {
            break err;
        }
        if Instant::now() + backoff >= deadline {
            break err;
        }
        tracing::warn!(provider, tries, error = %err.message, "transient delivery failure, retrying");
        tokio::time::sleep(backoff).await;
        backoff = backoff.saturating_mul(2);
    };
    let kind = if last.transient {
        "transient"
    } else {
        "permanent"
    };
    Err(DeliveryError(format!(
        "{provider}: {} ({kind}, {tries} attempt{})",
        last.message,
        if tries == 1 { "" } else { "s" }
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn policy(retries: u32) -> RetryPolicy {
        RetryPolicy {
            attempt_timeout: Duration::from_millis(200),
            total_timeout: Duration::from_secs(2),
            retries,
            backoff: Duration::from_millis(1),
        }
    }

    #[tokio::test]
    async fn transient_failures_are_retried_up_to_the_limit() {
        let n = AtomicU32::new(0);
        let r = run(&policy(2), "t", || async {
            n.fetch_add(1, Ordering::SeqCst);
            Err(AttemptError::transient("503"))
        })
        .await;
        assert!(r.unwrap_err().0.contains("3 attempts"));
        assert_eq!(n.load(Ordering::SeqCst), 3);

        let n = AtomicU32::new(0);
        run(&policy(2), "t", || async {
            if n.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(AttemptError::transient("503"))
            } else {
                Ok(())
            }
        })
        .await
        .unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn permanent_failures_are_not_retried() {
        let n = AtomicU32::new(0);
        let r = run(&policy(5), "t", || async {
            n.fetch_add(1, Ordering::SeqCst);
            Err(AttemptError::permanent("401"))
        })
        .await;
        assert!(r.unwrap_err().0.contains("permanent"));
        assert_eq!(n.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn hanging_attempts_time_out() {
        let r = run(&policy(1), "t", || {
            std::future::pending::<Result<(), AttemptError>>()
        })
        .await;
        assert!(r.unwrap_err().0.contains("no answer within"));
    }

    #[test]
    fn http_status_classification() {
        use reqwest::StatusCode as S;
        assert!(AttemptError::from_http_status(S::TOO_MANY_REQUESTS, "").transient);
        assert!(AttemptError::from_http_status(S::BAD_GATEWAY, "").transient);
        assert!(!AttemptError::from_http_status(S::UNAUTHORIZED, "").transient);
        assert!(!AttemptError::from_http_status(S::BAD_REQUEST, "").transient);
    }
}
