//! Control components like Clerk's: `<SignedIn>`, `<SignedOut>`, `<RedirectToSignIn/>`,
//! `<RedirectToSignUp/>` and `<Protect>` for whole pages.

use crate::router::{NavigateOptions, use_location, use_navigate};
use leptos::prelude::*;

use crate::auth::{AuthPhase, use_auth};
use crate::components::card::LoadingCard;
use crate::redirect::with_redirect;

/// Renders its children only when someone is signed in (and the state has loaded).
#[component]
pub fn SignedIn(
    /// Shown when signed in.
    children: ChildrenFn,
) -> impl IntoView {
    let auth = use_auth();
    let show = Memo::new(move |_| auth.phase() == AuthPhase::SignedIn);
    move || show.get().then(|| children())
}

/// Renders its children only when nobody is signed in (and the state has loaded).
#[component]
pub fn SignedOut(
    /// Shown when signed out.
    children: ChildrenFn,
) -> impl IntoView {
    let auth = use_auth();
    let show = Memo::new(move |_| auth.phase() == AuthPhase::SignedOut);
    move || show.get().then(|| children())
}

fn here() -> String {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    }
}

/// A tracked check that the router is still on the page that called this (at component
/// creation). A guard acts only while its page is current: once `activate` or `sign_out` has
/// navigated away, the page being left is about to be replaced, whatever order the reactive
/// system runs its effects in.
pub fn still_on_this_page() -> impl Fn() -> bool + Clone + 'static {
    let location = use_location();
    let page = location.pathname.get_untracked();
    let pathname = location.pathname;
    move || pathname.with(|p| *p == page)
}

/// Navigates to `path` as it renders, replacing the current history entry (a guard's page should
/// not stay behind the Back button), as leptos_router's `<Redirect/>` did on the client,
/// without its server-side branch and relative-path resolution (our paths are absolute).
pub fn redirect(path: &str) {
    use_navigate()(path, NavigateOptions { replace: true });
}

/// Sends the user to `/sign-in?redirect_url=<this page>`.
#[component]
pub fn RedirectToSignIn() -> impl IntoView {
    redirect(&with_redirect("/sign-in", Some(&here())));
}

/// Sends the user to `/sign-up?redirect_url=<this page>`.
#[component]
pub fn RedirectToSignUp() -> impl IntoView {
    redirect(&with_redirect("/sign-up", Some(&here())));
}

/// A protected page: a loading card while the state loads (or a session is being activated),
/// the children when signed in, and a redirect to the sign-in page (coming back to this page
/// afterwards) when signed out.
#[component]
pub fn Protect(
    /// The page.
    children: ChildrenFn,
) -> impl IntoView {
    let auth = use_auth();
    // The page as it was opened, so the way back is this page whenever the redirect happens.
    let page = here();
    let here_still = still_on_this_page();
    // Once the route has moved on, keep what is shown until this page is replaced.
    let phase = Memo::new(move |prev: Option<&AuthPhase>| match prev {
        Some(prev) if !here_still() => *prev,
        _ => auth.phase(),
    });
    move || match phase.get() {
        AuthPhase::SignedIn => children().into_any(),
        AuthPhase::SignedOut => {
            redirect(&with_redirect("/sign-in", Some(&page)));
            ().into_any()
        }
        AuthPhase::Loading | AuthPhase::Activating => view! { <LoadingCard/> }.into_any(),
    }
}
