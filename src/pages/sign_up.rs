//! `/sign-up`.

use leptos::prelude::*;

use crate::components::SignUp;

/// The sign-up page: the `<SignUp/>` card, centred.
#[component]
pub fn SignUpPage() -> impl IntoView {
    view! { <main class="auth-page"><SignUp/></main> }
}
