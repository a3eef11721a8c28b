//! Control components like Clerk's: `<SignedIn>`, `<SignedOut>`, `<RedirectToSignIn/>`,
//! `<RedirectToSignUp/>` and `<Protect>` for whole pages.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};

use crate::auth::use_auth;
use crate::components::flow::LoadingCard;
use crate::redirect::with_redirect;

/// Renders its children only when someone is signed in (and the state has loaded).
#[component]
pub fn SignedIn(
    /// Shown when signed in.
    children: ChildrenFn,
) -> impl IntoView {
    let auth = use_auth();
    let show = Memo::new(move |_| auth.is_loaded() && auth.is_signed_in());
    move || show.get().then(|| children())
}

/// Renders its children only when nobody is signed in (and the state has loaded).
#[component]
pub fn SignedOut(
    /// Shown when signed out.
    children: ChildrenFn,
) -> impl IntoView {
    let auth = use_auth();
    let show = Memo::new(move |_| auth.is_loaded() && !auth.is_signed_in());
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

/// Navigates to `path` as it renders, replacing the current history entry (a guard's page should
/// not stay behind the Back button). What leptos_router's `<Redirect/>` does on the client,
/// without its server-side branch and relative-path resolution (our paths are absolute).
pub fn redirect(path: &str) {
    use_navigate()(
        path,
        NavigateOptions {
            replace: true,
            ..Default::default()
        },
    );
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

/// A protected page: a loading card while the state loads, the children when signed in, and
/// a redirect to the sign-in page (coming back here afterwards) when signed out.
#[component]
pub fn Protect(
    /// The page.
    children: ChildrenFn,
) -> impl IntoView {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        Loading,
        In,
        Out,
    }
    let auth = use_auth();
    let state = Memo::new(move |prev: Option<&State>| {
        // While signing out, stay put: the sign-out navigates home itself.
        if auth.finishing.get()
            && let Some(prev) = prev
        {
            return *prev;
        }
        match (auth.is_loaded(), auth.is_signed_in()) {
            (false, _) => State::Loading,
            (true, true) => State::In,
            (true, false) => State::Out,
        }
    });
    move || match state.get() {
        State::Loading => view! { <LoadingCard/> }.into_any(),
        State::In => children().into_any(),
        State::Out => view! { <RedirectToSignIn/> }.into_any(),
    }
}
