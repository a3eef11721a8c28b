//! The code step's state both flows share, so sending, resending and failing are handled in
//! one place.

use leptos::html;
use leptos::prelude::*;

use crate::cooldown::{now_ms, sent_at_for_wait};
use crate::identifier::IdentifierKind;
use crate::messages::{Slot, UiError};

/// The code step's state both flows share, so "Resend code" is handled in one place.
#[derive(Clone, Copy)]
pub struct CodeSignals {
    /// What the person typed into the code input.
    pub code: RwSignal<String>,
    /// The error shown next to a field or above the form.
    pub error: RwSignal<Option<UiError>>,
    /// The text announced through the live region.
    pub status: RwSignal<String>,
    /// Where the code went, as shown to the person: derived from the attempt in the client
    /// state (the sign-in's identifier, the sign-up's phone number or email address).
    pub sent_to: Memo<String>,
    /// When the last code went out (ms); drives the resend countdown.
    pub sent_at: RwSignal<f64>,
    /// The code input, refocused after a resend.
    pub code_ref: NodeRef<html::Input>,
}

impl CodeSignals {
    /// The first code went out: start the countdown and announce it. The flow then switches
    /// to its code step.
    pub fn code_sent(self) {
        self.went_out("a verification code");
    }

    /// A code (`what`) went out to `sent_to`: clear the input, (re)start the countdown and
    /// announce it.
    fn went_out(self, what: &str) {
        self.code.set(String::new());
        self.error.set(None);
        self.sent_at.set(now_ms());
        self.status.set(format!(
            "We sent {what} to {}.",
            self.sent_to.get_untracked()
        ));
    }

    /// Shows a failed request where it belongs: next to the code (cleared and refocused for a
    /// new try), the identifier, or above the form; and announces it.
    pub fn fail(self, e: &crate::api::Error, kind: IdentifierKind) {
        self.show(crate::messages::describe(e, kind));
    }

    /// Shows `ui` where it belongs (see [`CodeSignals::fail`]).
    pub fn show(self, ui: UiError) {
        if ui.slot == Slot::Code {
            self.code.set(String::new());
            if let Some(el) = self.code_ref.get_untracked() {
                let _ = el.focus();
            }
        }
        self.status.set(ui.message.clone());
        self.error.set(Some(ui));
    }

    /// A new code went out: clear the input, restart the countdown, announce it, refocus.
    pub fn resent(self) {
        self.went_out("a new code");
        if let Some(el) = self.code_ref.get_untracked() {
            let _ = el.focus();
        }
    }

    /// A resend was refused: a `Retry-After` restarts the countdown (of `cooldown` seconds)
    /// with the seconds it names.
    pub fn resend_refused(self, e: &crate::api::Error, cooldown: u32) {
        if let crate::api::Error::Api {
            retry_after: Some(wait),
            ..
        } = e
        {
            self.sent_at
                .set(sent_at_for_wait(now_ms(), cooldown, *wait));
        }
    }
}
