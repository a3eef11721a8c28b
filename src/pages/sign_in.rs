//! `/sign-in`.

use leptos::prelude::*;

use crate::components::SignIn;

/// The sign-in page: the `<SignIn/>` card, centred.
#[component]
pub fn SignInPage() -> impl IntoView {
    view! { <main class="auth-page"><SignIn/></main> }
}
