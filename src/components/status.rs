//! Whole-card states: the environment could not be loaded.

use leptos::prelude::*;

use crate::auth::use_auth;
use crate::components::icons::LogoMark;
use crate::messages::{IdentifierKind, describe};

/// Shown when `GET /v1/environment` failed, with a retry.
#[component]
pub fn EnvironmentError() -> impl IntoView {
    let auth = use_auth();
    let message = move || {
        auth.environment
            .get()
            .and_then(Result::err)
            .map(|e| describe(&e, IdentifierKind::Phone).message)
            .unwrap_or_else(|| "Something went wrong. Please try again.".to_string())
    };
    view! {
        <section class="card auth-card" aria-labelledby="env-error-title">
            <div class="card-body">
                <header class="card-header">
                    <LogoMark/>
                    <h1 id="env-error-title" class="card-title">"We can't load this page"</h1>
                </header>
                <div id="form-error" class="alert" role="alert">
                    <div class="alert-body">
                        <span>{message}</span>
                        <button
                            type="button"
                            id="retry"
                            class="alert-action"
                            on:click=move |_| {
                                auth.reload_environment();
                                auth.reload_client();
                            }
                        >
                            "Try again"
                        </button>
                    </div>
                </div>
            </div>
        </section>
    }
}
