//! The page for unknown paths.

use leptos::prelude::*;

use crate::components::icons::LogoMark;

/// "Page not found" with a way home.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <main class="auth-page">
            <section id="not-found" class="card auth-card" aria-labelledby="not-found-title">
                <div class="card-body center">
                    <LogoMark/>
                    <p class="eyebrow">"404"</p>
                    <h1 id="not-found-title" class="card-title">"Page not found"</h1>
                    <p class="card-subtitle">"The page you're looking for doesn't exist or has moved."</p>
                    <a class="button button-primary" href="/">"Go home"</a>
                </div>
            </section>
        </main>
    }
}
