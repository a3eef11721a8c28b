//! `/user`: the account page (protected): identifiers, devices, the session, deletion.

use leptos::prelude::*;

use crate::auth::{use_auth, use_user};
use crate::components::Protect;
use crate::components::delete_account::DeleteAccount;
use crate::components::devices::Devices;
use crate::components::icons::Spinner;
use crate::components::identifier_list::IdentifierList;
use crate::components::top_bar::TopBar;
use crate::components::user_button::{Avatar, use_sign_out, user_initials};
use crate::messages::{IdentifierKind, describe};
use crate::time::format_time;

/// The profile page: phone numbers, email addresses, username, session, sign out.
#[component]
pub fn UserProfilePage() -> impl IntoView {
    view! {
        <TopBar/>
        <main class="page">
            <Protect>
                <UserProfile/>
            </Protect>
        </main>
    }
}

/// The profile card (`#user-profile`).
#[component]
pub fn UserProfile() -> impl IntoView {
    let auth = use_auth();
    let user = use_user();
    let sign_out = use_sign_out();
    // The last token fetched, or why fetching failed (one of them is set).
    let token = RwSignal::new(String::new());
    let token_error = RwSignal::new(String::new());
    let token_pending = RwSignal::new(false);
    let get_token = move |_| {
        let Some(sid) = untrack(|| user.session()).map(|s| s.id) else {
            return;
        };
        token_pending.set(true);
        wasm_bindgen_futures::spawn_local(async move {
            let (jwt, error) = match auth.api().session(&sid).get_token().await {
                Ok(jwt) => (jwt, String::new()),
                Err(e) => (String::new(), describe(&e, IdentifierKind::Phone).message),
            };
            token.try_set(jwt);
            token_error.try_set(error);
            token_pending.try_set(false);
        });
    };
    // What the sections just did, announced to screen readers.
    let status = RwSignal::new(String::new());
    let initials = Memo::new(move |_| user.user().map(|u| user_initials(&u)).unwrap_or_default());

    view! {
        <section id="user-profile" class="card profile-card" aria-labelledby="profile-title">
            <div class="card-body">
                <header class="profile-header">
                    <Avatar initials=initials large=true/>
                    <div>
                        <h1 id="profile-title" class="card-title">"Account"</h1>
                        <p class="card-subtitle">"Manage your account info."</p>
                    </div>
                </header>

                <section class="profile-section" aria-labelledby="profile-username">
                    <h2 id="profile-username" class="section-title">"Username"</h2>
                    <p class="section-value" id="profile-username-value">
                        {move || user.user().and_then(|u| u.username).unwrap_or_else(|| "Not set".to_string())}
                    </p>
                </section>

                <IdentifierList kind=IdentifierKind::Phone status=status/>
                <IdentifierList kind=IdentifierKind::Email status=status/>
                <section class="profile-section" aria-labelledby="profile-session">
                    <h2 id="profile-session" class="section-title">"Active session"</h2>
                    {move || user.session().map(|s| view! {
                        <dl class="facts">
                            <div class="fact"><dt>"Session"</dt><dd class="mono" id="session-id">{s.id.clone()}</dd></div>
                            <div class="fact"><dt>"Status"</dt><dd><span class="badge badge-success">{s.status.as_str()}</span></dd></div>
                            <div class="fact"><dt>"Signed in"</dt><dd>{format_time(s.created_at)}</dd></div>
                            <div class="fact"><dt>"Last active"</dt><dd>{format_time(s.last_active_at)}</dd></div>
                            <div class="fact"><dt>"Expires"</dt><dd>{format_time(s.expire_at)}</dd></div>
                        </dl>
                    })}
                    <div class="token-row">
                        <button id="get-token" type="button" class="button button-secondary button-small" disabled=move || token_pending.get() on:click=get_token>
                            {move || if token_pending.get() { view! { <Spinner/> }.into_any() } else { "Get session token".into_any() }}
                        </button>
                        {move || {
                            let (jwt, error) = (token.get(), token_error.get());
                            if !error.is_empty() {
                                view! { <p class="field-error" role="alert">{error}</p> }.into_any()
                            } else if !jwt.is_empty() {
                                let title = jwt.clone();
                                view! { <code id="session-token" class="token" title=title>{jwt}</code> }.into_any()
                            } else {
                                ().into_any()
                            }
                        }}
                    </div>
                </section>

                <Devices status=status/>
                <DeleteAccount/>
                <div class="sr-only" role="status" aria-live="polite" id="profile-status">{move || status.get()}</div>

                {move || sign_out.error.get().map(|e| view! {
                    <div id="form-error" class="alert" role="alert"><div class="alert-body"><span>{e.message}</span></div></div>
                })}
                <div class="profile-actions">
                    <a class="button button-ghost" href="/">"Back home"</a>
                    <button id="profile-sign-out" type="button" class="button button-danger" disabled=move || sign_out.pending.get() on:click=move |_| sign_out.run.run(())>
                        "Sign out"
                    </button>
                </div>
            </div>
        </section>
    }
}
