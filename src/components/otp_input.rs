//! The verification-code input: ONE real `<input autocomplete="one-time-code">` laid over one
//! drawn slot per digit (the `input-otp` pattern), so SMS/email autofill and paste fill every
//! slot. The number of digits is the server's (`Auth::code_length`).

use leptos::html;
use leptos::prelude::*;

use crate::code::{active_slot, is_complete, sanitize_code, slots};
use crate::components::a11y::aria_flag;

/// The code input. Sanitises typing, paste and autofill to digits, and calls `on_complete` as
/// soon as all `length` digits are there.
#[component]
pub fn OtpInput(
    /// The digits typed so far.
    value: RwSignal<String>,
    /// Digits in a code.
    length: Memo<usize>,
    /// Called with the full code when the last digit arrives.
    on_complete: Callback<String>,
    /// Called on every change (e.g. to clear a stale error).
    #[prop(optional)]
    on_change: Option<Callback<String>>,
    /// A submission is running: keep focus but ignore input.
    busy: RwSignal<bool>,
    /// Show the error styling.
    invalid: Memo<bool>,
    /// The input element (for focus management).
    node_ref: NodeRef<html::Input>,
) -> impl IntoView {
    let focused = RwSignal::new(false);
    let accept = move |raw: &str, el: Option<web_sys::HtmlInputElement>| {
        let len = length.get_untracked();
        let digits = sanitize_code(raw, len);
        if let Some(el) = el {
            // Keep the DOM in step even when the sanitised value did not change.
            el.set_value(&digits);
        }
        value.set(digits.clone());
        if let Some(cb) = on_change {
            cb.run(digits.clone());
        }
        if is_complete(&digits, len) && !busy.get_untracked() {
            on_complete.run(digits);
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let el: web_sys::HtmlInputElement = event_target(&ev);
        if busy.get_untracked() {
            el.set_value(&value.get_untracked());
            return;
        }
        accept(&el.value(), Some(el));
    };
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        // maxlength would cut "424 242" to "424 24": take the clipboard text ourselves.
        let text = ev
            .clipboard_data()
            .and_then(|d| d.get_data("text").ok())
            .unwrap_or_default();
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let el: web_sys::HtmlInputElement = event_target(&ev);
        accept(&text, Some(el));
    };

    view! {
        <div class="otp" class:otp-invalid=move || invalid.get() class:otp-busy=move || busy.get()>
            <input
                id="code"
                name="code"
                class="otp-input"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                pattern="[0-9]*"
                maxlength=move || length.get().to_string()
                spellcheck="false"
                required=true
                aria-invalid=aria_flag(invalid)
                aria-describedby=move || if invalid.get() { "code-error code-help" } else { "code-help" }
                readonly=move || busy.get()
                prop:value=move || value.get()
                on:input=on_input
                on:paste=on_paste
                on:focus=move |_| focused.set(true)
                on:blur=move |_| focused.set(false)
                node_ref=node_ref
            />
            <div class="otp-slots" aria-hidden="true">
                {move || {
                    let code = value.get();
                    let len = length.get();
                    let active = active_slot(&code, len);
                    let full = code.len() == len;
                    slots(&code, len)
                        .into_iter()
                        .enumerate()
                        .map(|(i, digit)| {
                            let is_active = focused.get() && i == active && !(full && i + 1 < len);
                            view! {
                                <div
                                    class="otp-slot"
                                    class:filled=digit.is_some()
                                    class:active=is_active
                                >
                                    {digit.map(String::from)}
                                    {(is_active && digit.is_none()).then(|| view! { <span class="otp-caret"></span> })}
                                </div>
                            }
                        })
                        .collect_view()
                }}
            </div>
        </div>
    }
}
