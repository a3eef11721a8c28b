//! Deleting the account from the account page: the person types a phrase to confirm, so a
//! stray click or Enter cannot do it.

use crate::router::use_navigate;
use leptos::html;
use leptos::prelude::*;

use crate::auth::use_auth;
use crate::components::a11y::{aria_flag, focus_on_mount};
use crate::components::errors::{FlowLinks, FormError};
use crate::identifier::IdentifierKind;
use crate::messages::{UiError, describe_account};

/// What the person types to confirm.
pub const CONFIRM_PHRASE: &str = "Delete account";

/// True when `typed` is the confirmation phrase (surrounding spaces ignored, case kept: the
/// phrase is copied, not guessed).
pub fn confirms(typed: &str) -> bool {
    typed.trim() == CONFIRM_PHRASE
}

/// The danger zone (`#delete-account`).
#[component]
pub fn DeleteAccount() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let open = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<UiError>);
    let input_ref = NodeRef::<html::Input>::new();
    focus_on_mount(input_ref);
    let ready = Memo::new(move |_| typed.with(|t| confirms(t)));
    let run = Callback::new(move |_: ()| {
        if pending.get_untracked() || !ready.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        let navigate = navigate.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = auth.delete_account("/", &navigate).await {
                error.try_set(Some(describe_account(&e, IdentifierKind::Phone)));
            }
            pending.try_set(false);
        });
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run.run(());
    };
    let close = move || {
        open.set(false);
        typed.set(String::new());
        error.set(None);
    };
    let links = FlowLinks::none();

    view! {
        <section class="profile-section danger-zone" id="delete-account" aria-labelledby="profile-delete">
            <h2 id="profile-delete" class="section-title">"Delete account"</h2>
            <p class="muted">"Deleting your account removes your phone numbers, email addresses and every session. This cannot be undone."</p>
            {move || if open.get() {
                let links = links.clone();
                view! {
                    <form id="delete-account-form" class="form" novalidate=true on:submit=submit
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { close() }>
                        <div class="field">
                            <label for="delete-confirm" class="label">"Type \"" {CONFIRM_PHRASE} "\" to confirm"</label>
                            <input id="delete-confirm" class="input" type="text" autocomplete="off" spellcheck="false"
                                prop:value=move || typed.get()
                                on:input:target=move |ev| typed.set(ev.target().value())
                                node_ref=input_ref/>
                        </div>
                        <FormError error=error links=links on_retry=Callback::new(move |_| run.run(()))/>
                        <div class="confirm-actions">
                            <button id="delete-account-confirm" type="submit" class="button button-danger button-small"
                                disabled=move || !ready.get() || pending.get() aria-busy=aria_flag(pending)>
                                {move || if pending.get() { "Deleting…" } else { "Delete my account" }}
                            </button>
                            <button id="delete-account-cancel" type="button" class="button button-ghost button-small" on:click=move |_| close()>
                                "Cancel"
                            </button>
                        </div>
                    </form>
                }.into_any()
            } else {
                view! {
                    <button id="delete-account-open" type="button" class="button button-danger button-small" on:click=move |_| open.set(true)>
                        "Delete account"
                    </button>
                }.into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_phrase_confirms() {
        assert!(confirms("Delete account"));
        assert!(confirms("  Delete account "));
        assert!(!confirms("delete account"));
        assert!(!confirms("Delete"));
        assert!(!confirms(""));
    }
}
