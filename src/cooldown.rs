//! The resend cooldown: how long "Resend code" stays disabled, from the environment or a
//! `Retry-After`, and the clock it is measured with.

use onetime_protocol::slim::Environment;

/// Seconds before "Resend code" is enabled again when the environment does not say.
pub const RESEND_SECONDS: u32 = 30;

/// The resend cooldown the environment announces (`display_config.resend_cooldown_seconds`),
/// else [`RESEND_SECONDS`].
pub fn cooldown_of(env: Option<&Environment>) -> u32 {
    env.and_then(|e| e.display_config.resend_cooldown_seconds)
        .map(|s| s.min(3600) as u32)
        .unwrap_or(RESEND_SECONDS)
}

/// The `sent_at` that makes the countdown show `wait` seconds left (after a 429 on resend).
pub fn sent_at_for_wait(now: f64, cooldown: u32, wait: u64) -> f64 {
    now - (f64::from(cooldown) - wait.min(3600) as f64) * 1000.0
}

/// Seconds left of a `cooldown` that started at `sent_at` (both in ms), rounded up.
pub fn seconds_left(now: f64, sent_at: f64, cooldown: u32) -> u32 {
    let left = f64::from(cooldown) - (now - sent_at) / 1000.0;
    if left <= 0.0 { 0 } else { left.ceil() as u32 }
}

/// Milliseconds since the epoch (0 off the browser).
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdown_arithmetic() {
        assert_eq!(cooldown_of(None), RESEND_SECONDS);
        let mut env = Environment::default();
        env.display_config.resend_cooldown_seconds = Some(7);
        assert_eq!(cooldown_of(Some(&env)), 7);
        env.display_config.resend_cooldown_seconds = Some(99_999);
        assert_eq!(cooldown_of(Some(&env)), 3600);
        assert_eq!(seconds_left(10_000.0, 10_000.0, 30), 30);
        assert_eq!(seconds_left(10_500.0, 10_000.0, 30), 30);
        assert_eq!(seconds_left(40_000.0, 10_000.0, 30), 0);
        let sent_at = sent_at_for_wait(100_000.0, 30, 12);
        assert_eq!(seconds_left(100_000.0, sent_at, 30), 12);
    }
}
