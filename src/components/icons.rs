//! Small inline SVG icons (no icon font, no extra request).

use leptos::prelude::*;

/// The product mark shown on top of the cards.
#[component]
pub fn LogoMark() -> impl IntoView {
    view! {
        <div class="logo" aria-hidden="true">
            <svg viewBox="0 0 32 32" width="32" height="32">
                <rect x="2" y="2" width="28" height="28" rx="8" fill="var(--color-primary)"></rect>
                <path d="M10 16.5l4 4 8-9" fill="none" stroke="var(--color-on-primary)" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"></path>
            </svg>
        </div>
    }
}

/// A small spinning indicator.
#[component]
pub fn Spinner() -> impl IntoView {
    view! {
        <svg class="spinner" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
            <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-opacity="0.25" stroke-width="3"></circle>
            <path d="M21 12a9 9 0 0 0-9-9" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round"></path>
        </svg>
    }
}
