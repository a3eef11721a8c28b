//! The username step of a sign-up (when the instance requires one).

use leptos::html;
use leptos::prelude::*;

use crate::components::a11y::{aria_flag, described_by, focus_on_mount};
use crate::components::buttons::SubmitButton;
use crate::components::errors::{FieldError, FlowLinks};
use crate::messages::{Slot, UiError};

/// The username step of a sign-up (when the instance requires one).
#[component]
pub fn UsernameStep(
    /// The typed username.
    username: RwSignal<String>,
    /// The flow's error.
    error: RwSignal<Option<UiError>>,
    /// A request is running.
    pending: RwSignal<bool>,
    /// Error links.
    links: FlowLinks,
    /// Submits the username.
    on_submit: Callback<String>,
) -> impl IntoView {
    let input_ref = NodeRef::<html::Input>::new();
    focus_on_mount(input_ref);
    let invalid =
        Memo::new(move |_| error.with(|e| e.as_ref().is_some_and(|e| e.slot == Slot::Username)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        match crate::validate::check_username(&username.get_untracked()) {
            Ok(u) => on_submit.run(u),
            Err(msg) => {
                error.set(Some(UiError::new(Slot::Username, msg)));
                if let Some(el) = input_ref.get_untracked() {
                    let _ = el.focus();
                }
            }
        }
    };
    view! {
        <form id="username-form" class="form" novalidate=true on:submit=submit>
            <div class="field">
                <label for="username" class="label">"Username"</label>
                <input
                    id="username"
                    name="username"
                    class="input"
                    type="text"
                    autocomplete="username"
                    autocapitalize="none"
                    spellcheck="false"
                    required=true
                    minlength="4"
                    maxlength="64"
                    aria-invalid=aria_flag(invalid)
                    aria-describedby=described_by(invalid, "username-error")
                    prop:value=move || username.get()
                    on:input:target=move |ev| username.set(ev.target().value())
                    node_ref=input_ref
                />
                <FieldError field=Slot::Username error=error links=links/>
            </div>
            <SubmitButton id="username-submit" label="Continue" pending=pending/>
        </form>
    }
}
