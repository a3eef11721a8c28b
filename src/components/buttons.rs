//! The primary submit button with its pending state.

use leptos::prelude::*;

use crate::components::a11y::aria_flag;
use crate::components::icons::Spinner;

/// A primary submit button with a pending state.
#[component]
pub fn SubmitButton(
    /// The `id`.
    id: &'static str,
    /// The label.
    label: &'static str,
    /// A request is running.
    pending: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <button
            id=id
            type="submit"
            class="button button-primary"
            disabled=move || pending.get()
            aria-busy=aria_flag(pending)
        >
            <span class="button-label" class:invisible=move || pending.get()>
                {label}
                <svg class="button-arrow" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                    <path d="M6 4l4 4-4 4" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"></path>
                </svg>
            </span>
            {move || pending.get().then(|| view! {
                <span class="button-spinner"><Spinner/><span class="sr-only">"Please wait"</span></span>
            })}
        </button>
    }
}
