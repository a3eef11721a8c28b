//! When a session counts as signed in.

use onetime_protocol::SessionStatus;

use crate::store::SessionRow;

impl SessionRow {
    /// Active and not past its lifetime: the only sessions that sign anyone in.
    pub fn is_active(&self, now: i64) -> bool {
        self.status == SessionStatus::Active && self.expire_at > now
    }

    /// The status as the wire shows it: an active session past its lifetime is `expired`.
    pub fn effective_status(&self, now: i64) -> SessionStatus {
        if self.status == SessionStatus::Active && !self.is_active(now) {
            SessionStatus::Expired
        } else {
            self.status
        }
    }
}
