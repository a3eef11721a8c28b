//! The code step: where the code went, the six-slot input, resend with a countdown, and a switch
//! to the other identifier kind.

use leptos::prelude::*;

use crate::components::a11y::focus_on_mount;
use crate::components::buttons::SubmitButton;
use crate::components::code_signals::CodeSignals;
use crate::components::errors::{FieldError, FlowLinks};
use crate::components::identifier_state::IdentifierState;
use crate::components::otp_input::OtpInput;
use crate::cooldown::{now_ms, seconds_left};
use crate::identifier::IdentifierKind;
use crate::messages::{Slot, UiError};

/// The code step: identity preview with an edit button, the six-slot input, resend with a
/// countdown, and a switch to the other identifier kind.
#[component]
pub fn CodeStep(
    /// The code, where it went, when, the error and the input.
    signals: CodeSignals,
    /// Phone or email (for wording).
    kind: RwSignal<IdentifierKind>,
    /// What was typed, and what is offered (for "Use email instead").
    state: IdentifierState,
    /// A request is running.
    pending: RwSignal<bool>,
    /// Error links.
    links: FlowLinks,
    /// Submits the code.
    on_submit: Callback<String>,
    /// Sends a new code.
    on_resend: Callback<()>,
    /// Goes back to the identifier step (after "Use email instead" the step has switched kind).
    on_back: Callback<()>,
) -> impl IntoView {
    let CodeSignals {
        code,
        error,
        sent_to,
        sent_at,
        code_ref,
        ..
    } = signals;
    // Focus the code input as soon as it appears.
    focus_on_mount(code_ref);
    let now = RwSignal::new(now_ms());
    #[cfg(target_arch = "wasm32")]
    {
        let handle = set_interval_with_handle(
            move || {
                now.try_set(now_ms());
            },
            std::time::Duration::from_millis(250),
        )
        .ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    }
    let auth = crate::auth::use_auth();
    let length = Memo::new(move |_| auth.code_length());
    // WebOTP for SMS codes: the code fills itself in and is submitted. The request lives as long
    // as this step: disposing the step drops it, which aborts it.
    #[cfg(target_arch = "wasm32")]
    if kind.get_untracked() == IdentifierKind::Phone {
        let fill = move |raw: String| {
            let digits = crate::code::sanitize_code(&raw, length.get_untracked());
            if code.try_set(digits.clone()).is_none()
                && crate::code::is_complete(&digits, length.get_untracked())
                && !pending.get_untracked()
            {
                on_submit.run(digits);
            }
        };
        StoredValue::new_local(crate::web_otp::request_sms_code(fill));
    }
    let remaining = move || seconds_left(now.get(), sent_at.get(), auth.cooldown());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let c = code.get_untracked();
        let len = length.get_untracked();
        if crate::code::is_complete(&c, len) {
            on_submit.run(c);
        } else {
            error.set(Some(UiError::new(
                Slot::Code,
                format!("Enter the {len}-digit code."),
            )));
            if let Some(el) = code_ref.get_untracked() {
                let _ = el.focus();
            }
        }
    };
    let invalid =
        Memo::new(move |_| error.with(|e| e.as_ref().is_some_and(|e| e.slot == Slot::Code)));
    let clear_code_error = Callback::new(move |_: String| {
        if error.with_untracked(|e| e.as_ref().is_some_and(|e| e.slot == Slot::Code)) {
            error.set(None);
        }
    });
    let other = move || kind.get().other();

    view! {
        <div class="identity">
            <span class="identity-text">{move || sent_to.get()}</span>
            <button
                type="button"
                id="edit-identifier"
                class="icon-button"
                title=move || format!("Edit {}", kind.get().noun())
                on:click=move |_| on_back.run(())
            >
                <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                    <path d="M11.2 2.8l2 2L6 12H4v-2z" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linejoin="round"></path>
                </svg>
                <span class="sr-only">{move || format!("Edit {}", kind.get().noun())}</span>
            </button>
        </div>
        <form id="code-form" class="form" novalidate=true on:submit=submit>
            <div class="field">
                <label for="code" class="label label-center">"Verification code"</label>
                <OtpInput
                    value=code
                    length=length
                    on_complete=on_submit
                    on_change=clear_code_error
                    busy=pending
                    invalid=invalid
                    node_ref=code_ref
                />
                <p id="code-help" class="sr-only">{move || format!("Enter the {}-digit code sent to {}", length.get(), sent_to.get())}</p>
                <div class="center-row"><FieldError field=Slot::Code error=error links=links.clone() on_resend=on_resend/></div>
            </div>
            <p class="resend">
                <span class="muted">"Didn't receive a code? "</span>
                <button
                    type="button"
                    id="resend-code"
                    class="link-button"
                    disabled=move || { remaining() > 0 || pending.get() }
                    on:click=move |_| on_resend.run(())
                >
                    {move || match remaining() {
                        0 => "Resend code".to_string(),
                        n => format!("Resend code ({n})"),
                    }}
                </button>
            </p>
            <SubmitButton id="code-submit" label="Continue" pending=pending/>
            {move || state.allowed().both().then(|| view! {
                <p class="alt-method">
                    <button type="button" id="use-other-method" class="link-button muted-link" on:click=move |_| {
                        state.set_kind(other());
                        on_back.run(());
                    }>
                        {move || match other() {
                            IdentifierKind::Email => "Use email instead".to_string(),
                            IdentifierKind::Phone => "Use phone instead".to_string(),
                        }}
                    </button>
                </p>
            })}
        </form>
    }
}
