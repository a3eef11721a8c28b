//! onetime: passwordless sign-up and sign-in with one-time codes (SMS and email), as a Leptos
//! 0.8 client-side app. It does in Rust what Clerk's passwordless guides do with React and
//! clerk-js, against the same wire protocol (Clerk's Frontend API).
//!
//! - [`App`]: the router with `/`, `/sign-in`, `/sign-up`, `/user` and a not-found page.
//! - [`components::SignIn`], [`components::SignUp`]: the cards, usable in any Leptos app that
//!   has an [`auth::AuthProvider`] and a `<Router>`.
//! - [`api`]: every request, behind the [`api::Transport`] trait.
//! - [`auth`]: the auth context and `use_sign_in` / `use_sign_up` / `use_user`.
//! - Pure logic with native unit tests: [`phone`], [`code`], [`messages`], [`redirect`],
//!   [`validate`].
//!
//! # Stable selectors (the end-to-end suite relies on exactly these)
//!
//! | element | selector |
//! |---|---|
//! | identifier form | `form#identifier-form` |
//! | country | `select#country` |
//! | phone input (national digits, `type=tel`, `autocomplete=tel-national`) | `input#phone-number` |
//! | email input (`type=email`, `autocomplete=email`) | `input#email-address` |
//! | switch buttons | `button#use-email` / `button#use-phone` |
//! | identifier submit ("Continue") | `button#identifier-submit` |
//! | code form | `form#code-form` |
//! | code input | `input#code` |
//! | resend ("Resend code (27)" while disabled) | `button#resend-code` |
//! | back to the identifier | `button#edit-identifier` |
//! | username form / input | `form#username-form` / `input#username` |
//! | field errors | `#identifier-error`, `#code-error`, `#username-error` |
//! | form-level error | `#form-error` |
//! | links in error messages | `a#sign-up-instead` / `a#sign-in-instead` |
//! | home: user button (opens the menu) | `#user-button` |
//! | home: who is signed in (E.164 or email, as text) | `#signed-in-identifier` |
//! | user menu (a native popover, `#user-menu`) items | `a#manage-account`, `button#sign-out` |
//! | profile page root | `#user-profile` |
//! | signed-out home links | `a#go-sign-in`, `a#go-sign-up` |
//! | not-found root | `#not-found` |
//!
//! Also present (not part of the contract): `button#code-submit`, `button#username-submit`,
//! `button#use-other-method`, `button#retry` (in `#form-error` after a network failure),
//! `button#get-token` / `#session-token` / `button#profile-sign-out` on the profile.

use std::rc::Rc;

use leptos::prelude::*;

pub mod api;
pub mod auth;
pub mod code;
pub mod components;
pub mod cooldown;
pub mod identifier;
pub mod messages;
pub mod pages;
pub mod phone;
pub mod redirect;
pub mod router;
pub mod time;
pub mod validate;
pub mod web_otp;

use crate::api::Transport;
use crate::auth::AuthProvider;
use crate::pages::{HomePage, NotFoundPage, SignInPage, SignUpPage, UserProfilePage};
use crate::router::{Router, use_location};

/// The app's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Home,
    SignIn,
    SignUp,
    User,
    NotFound,
}

impl Page {
    fn of(path: &str) -> Self {
        match path {
            "/" => Page::Home,
            "/sign-in" => Page::SignIn,
            "/sign-up" => Page::SignUp,
            "/user" => Page::User,
            _ => Page::NotFound,
        }
    }
}

/// The page for the current path; a new page is built only when the path names another one
/// (not when only the query changes).
#[component]
fn Pages() -> impl IntoView {
    let location = use_location();
    let page = Memo::new(move |_| location.pathname.with(|p| Page::of(p)));
    move || match page.get() {
        Page::Home => view! { <HomePage/> }.into_any(),
        Page::SignIn => view! { <SignInPage/> }.into_any(),
        Page::SignUp => view! { <SignUpPage/> }.into_any(),
        Page::User => view! { <UserProfilePage/> }.into_any(),
        Page::NotFound => view! { <NotFoundPage/> }.into_any(),
    }
}

/// The whole app: auth context, router and pages. Without `transport` it talks to the page's
/// origin with `fetch` (Trunk proxies `/v1/` to the server in development).
#[component]
pub fn App(
    /// The HTTP transport (tests pass a fake).
    #[prop(default = None)]
    transport: Option<Rc<dyn Transport>>,
) -> impl IntoView {
    view! {
        <AuthProvider transport=transport>
            <Router>
                <div class="shell">
                    <Pages/>
                </div>
            </Router>
        </AuthProvider>
    }
}
