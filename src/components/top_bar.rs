//! The bar at the top of the signed-in pages.

use leptos::prelude::*;

use crate::auth::use_auth;
use crate::components::guards::{SignedIn, SignedOut};
use crate::components::user_button::UserButton;

/// Brand on the left, the user button (or sign-in link) on the right.
#[component]
pub fn TopBar() -> impl IntoView {
    let auth = use_auth();
    let name = move || auth.app_name();
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <svg viewBox="0 0 32 32" width="24" height="24" aria-hidden="true">
                    <rect x="2" y="2" width="28" height="28" rx="8" fill="var(--color-primary)"></rect>
                    <path d="M10 16.5l4 4 8-9" fill="none" stroke="var(--color-on-primary)" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"></path>
                </svg>
                <span>{name}</span>
            </a>
            <SignedIn><UserButton/></SignedIn>
            <SignedOut><a class="button button-ghost button-small" href="/sign-in">"Sign in"</a></SignedOut>
        </header>
    }
}
