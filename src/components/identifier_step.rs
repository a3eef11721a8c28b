//! The identifier step: phone and/or email, per the environment, with a switch when both.

use leptos::html;
use leptos::prelude::*;

use crate::components::a11y::{aria_flag, described_by, focus_on_mount};
use crate::components::buttons::SubmitButton;
use crate::components::errors::{FieldError, FlowLinks};
use crate::components::identifier_state::IdentifierState;
use crate::components::phone_input::PhoneInput;
use crate::identifier::IdentifierKind;
use crate::messages::{Slot, UiError};

/// The identifier step: phone and/or email, per the environment, with a switch when both.
#[component]
pub fn IdentifierStep(
    /// What was typed.
    state: IdentifierState,
    /// The flow's error.
    error: RwSignal<Option<UiError>>,
    /// A request is running.
    pending: RwSignal<bool>,
    /// Error links.
    links: FlowLinks,
    /// Called once the identifier looks valid ([`IdentifierState::value`] has it).
    on_submit: Callback<()>,
) -> impl IntoView {
    let phone_ref = NodeRef::<html::Input>::new();
    let email_ref = NodeRef::<html::Input>::new();
    // Focus the field when it appears (first load, switching, coming back from the code step).
    focus_on_mount(phone_ref);
    focus_on_mount(email_ref);
    let switch_to = move |kind: IdentifierKind| {
        state.set_kind(kind);
        error.set(None);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        match state.value() {
            Ok(_) => on_submit.run(()),
            Err(msg) => {
                error.set(Some(UiError::new(Slot::Identifier, msg)));
                let el = match untrack(|| state.kind()) {
                    IdentifierKind::Phone => phone_ref.get_untracked(),
                    IdentifierKind::Email => email_ref.get_untracked(),
                };
                if let Some(el) = el {
                    let _ = el.focus();
                }
            }
        }
    };
    let invalid =
        Memo::new(move |_| error.with(|e| e.as_ref().is_some_and(|e| e.slot == Slot::Identifier)));
    let links_field = links.clone();

    view! {
        <form id="identifier-form" class="form" novalidate=true on:submit=submit>
            <div class="field">
                {move || match state.kind() {
                    IdentifierKind::Phone => view! {
                        <div class="field-label-row">
                            <label for="phone-number" class="label">"Phone number"</label>
                            {move || state.allowed().both().then(|| view! {
                                <button type="button" id="use-email" class="link-button" on:click=move |_| switch_to(IdentifierKind::Email)>
                                    "Use email instead"
                                </button>
                            })}
                        </div>
                        <PhoneInput country=state.country digits=state.digits invalid=invalid node_ref=phone_ref/>
                    }.into_any(),
                    IdentifierKind::Email => view! {
                        <div class="field-label-row">
                            <label for="email-address" class="label">"Email address"</label>
                            {move || state.allowed().both().then(|| view! {
                                <button type="button" id="use-phone" class="link-button" on:click=move |_| switch_to(IdentifierKind::Phone)>
                                    "Use phone instead"
                                </button>
                            })}
                        </div>
                        <input
                            id="email-address"
                            name="email_address"
                            class="input"
                            type="email"
                            inputmode="email"
                            autocomplete="email"
                            autocapitalize="none"
                            spellcheck="false"
                            required=true
                            placeholder="you@example.com"
                            aria-invalid=aria_flag(invalid)
                            aria-describedby=described_by(invalid, "identifier-error")
                            prop:value=move || state.email.get()
                            on:input:target=move |ev| state.email.set(ev.target().value())
                            node_ref=email_ref
                        />
                    }.into_any(),
                }}
                <FieldError field=Slot::Identifier error=error links=links_field/>
            </div>
            <SubmitButton id="identifier-submit" label="Continue" pending=pending/>
        </form>
    }
}
