//! `/`: who is signed in, or the way in.

use leptos::prelude::*;

use crate::auth::{use_auth, use_user};
use crate::components::card::LoadingCard;
use crate::components::icons::LogoMark;
use crate::components::top_bar::TopBar;
use crate::components::user_button::{Avatar, primary_identifier, user_initials};
use crate::components::{SignedIn, SignedOut};
use crate::phone::display_e164;

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_auth();
    let user = use_user();
    let app_name = move || auth.app_name();
    let identifier = move || {
        user.user()
            .map(|u| primary_identifier(&u))
            .unwrap_or_default()
    };
    let initials = Memo::new(move |_| user.user().map(|u| user_initials(&u)).unwrap_or_default());
    view! {
        <TopBar/>
        <main class="page">
            {move || (!user.is_loaded()).then(|| view! {
                <LoadingCard/>
            })}
            <SignedIn>
                <section class="card home-card" aria-labelledby="home-title">
                    <div class="card-body">
                        <div class="home-hero">
                            <Avatar initials=initials large=true/>
                            <div>
                                <p class="eyebrow">"Signed in"</p>
                                <h1 id="home-title" class="card-title">
                                    {move || match user.user().and_then(|u| u.username) {
                                        Some(name) => format!("Welcome back, {name}"),
                                        None => "Welcome back".to_string(),
                                    }}
                                </h1>
                            </div>
                        </div>
                        <dl class="facts">
                            <div class="fact">
                                <dt>"Signed in as"</dt>
                                <dd><span id="signed-in-identifier" class="mono">{identifier}</span></dd>
                            </div>
                            {move || identifier().starts_with('+').then(|| view! {
                                <div class="fact">
                                    <dt>"Formatted"</dt>
                                    <dd>{move || display_e164(&identifier())}</dd>
                                </div>
                            })}
                        </dl>
                        <div class="actions">
                            <a class="button button-secondary" href="/user">"Manage account"</a>
                        </div>
                    </div>
                </section>
            </SignedIn>
            <SignedOut>
                <section class="card auth-card" aria-labelledby="home-title">
                    <div class="card-body center">
                        <LogoMark/>
                        <h1 id="home-title" class="card-title">{move || format!("Welcome to {}", app_name())}</h1>
                        <p class="card-subtitle">"Sign in or create an account with a one-time code. No passwords."</p>
                        <div class="stack">
                            <a id="go-sign-in" class="button button-primary" href="/sign-in">"Sign in"</a>
                            <a id="go-sign-up" class="button button-secondary" href="/sign-up">"Create an account"</a>
                        </div>
                    </div>
                </section>
            </SignedOut>
        </main>
    }
}
