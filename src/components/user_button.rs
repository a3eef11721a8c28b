//! `<UserButton/>`: the avatar with a menu ("Manage account", "Sign out"), and the sign-out hook.

use crate::router::use_navigate;
use leptos::prelude::*;
use onetime_protocol::slim::User;

use crate::auth::use_auth;
use crate::components::icons::Spinner;
use crate::messages::{IdentifierKind, UiError, describe};
use crate::validate::initials;

/// The identifier to show for a user: primary phone (E.164), else primary email, else username.
pub fn primary_identifier(user: &User) -> String {
    user.primary_phone_number()
        .or_else(|| user.phone_numbers.first().map(|p| p.phone_number.as_str()))
        .or_else(|| user.primary_email_address())
        .or_else(|| {
            user.email_addresses
                .first()
                .map(|e| e.email_address.as_str())
        })
        .or(user.username.as_deref())
        .unwrap_or("")
        .to_string()
}

/// Avatar initials of a user.
pub fn user_initials(user: &User) -> String {
    initials(
        user.first_name.as_deref(),
        user.last_name.as_deref(),
        user.username.as_deref(),
        user.primary_email_address().or_else(|| {
            user.email_addresses
                .first()
                .map(|e| e.email_address.as_str())
        }),
        user.primary_phone_number()
            .or_else(|| user.phone_numbers.first().map(|p| p.phone_number.as_str())),
    )
}

/// Signing out: run it, watch it, show its error.
#[derive(Clone, Copy)]
pub struct SignOut {
    /// Starts signing out; goes home when done.
    pub run: Callback<()>,
    /// Running.
    pub pending: RwSignal<bool>,
    /// Why it failed.
    pub error: RwSignal<Option<UiError>>,
}

/// `signOut()` with navigation home afterwards.
pub fn use_sign_out() -> SignOut {
    let auth = use_auth();
    let navigate = use_navigate();
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<UiError>);
    let run = Callback::new(move |_| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        let navigate = navigate.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = auth.sign_out("/", &navigate).await {
                error.try_set(Some(describe(&e, IdentifierKind::Phone)));
            }
            pending.try_set(false);
        });
    });
    SignOut {
        run,
        pending,
        error,
    }
}

/// A round avatar with initials.
#[component]
pub fn Avatar(
    /// The initials.
    initials: Memo<String>,
    /// Bigger variant for the profile page.
    #[prop(optional)]
    large: bool,
) -> impl IntoView {
    view! { <span class="avatar" class:avatar-lg=large aria-hidden="true">{move || initials.get()}</span> }
}

/// The user button: avatar that opens a menu with the identifier, "Manage account" and "Sign out".
///
/// The menu is a native popover (`popover` + `popovertarget`): the browser opens and closes
/// it, closes it on a click outside or Escape (returning focus to the button), moves focus to
/// the `autofocus` item when it opens, and tells assistive tech whether it is expanded. No
/// window listeners or open state in the wasm.
#[component]
pub fn UserButton() -> impl IntoView {
    let auth = use_auth();
    let user = move || auth.user();
    let sign_out = use_sign_out();

    let identifier = move || user().map(|u| primary_identifier(&u)).unwrap_or_default();
    let initials = Memo::new(move |_| user().map(|u| user_initials(&u)).unwrap_or_default());

    view! {
        <div class="user-button">
            <button
                id="user-button"
                type="button"
                class="user-button-trigger"
                aria-haspopup="menu"
                aria-controls="user-menu"
                popovertarget="user-menu"
            >
                <Avatar initials=initials/>
                <span class="sr-only">"Open user menu"</span>
            </button>
            <div id="user-menu" class="menu" role="menu" aria-label="User menu" popover="auto">
                <div class="menu-header">
                    <Avatar initials=initials/>
                    <div class="menu-identity">
                        <span class="menu-name">{move || user().and_then(|u| u.username).unwrap_or_else(|| "Signed in as".to_string())}</span>
                        <span class="menu-identifier">{identifier}</span>
                    </div>
                </div>
                <a id="manage-account" class="menu-item" role="menuitem" href="/user" autofocus=true>
                    <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
                        <circle cx="8" cy="8" r="2.2" fill="none" stroke="currentColor" stroke-width="1.4"></circle>
                        <path d="M8 1.8v1.6M8 12.6v1.6M1.8 8h1.6M12.6 8h1.6M3.6 3.6l1.1 1.1M11.3 11.3l1.1 1.1M3.6 12.4l1.1-1.1M11.3 4.7l1.1-1.1" stroke="currentColor" stroke-width="1.4" stroke-linecap="round"></path>
                    </svg>
                    "Manage account"
                </a>
                <button id="sign-out" type="button" class="menu-item" role="menuitem" disabled=move || sign_out.pending.get() on:click=move |_| sign_out.run.run(())>
                    {move || if sign_out.pending.get() {
                        view! { <Spinner/> }.into_any()
                    } else {
                        view! {
                            <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
                                <path d="M6 2.5H3.5v11H6M10.5 5l3 3-3 3M13.5 8H6.5" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round"></path>
                            </svg>
                        }.into_any()
                    }}
                    "Sign out"
                </button>
                {move || sign_out.error.get().map(|e| view! { <p class="menu-error" role="alert">{e.message}</p> })}
            </div>
        </div>
    }
}
