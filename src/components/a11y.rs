//! Focus and ARIA helpers every form uses. One function each, so the effect and the attribute
//! closures exist once in the wasm instead of once per call site.

use leptos::html;
use leptos::prelude::*;

/// Focuses `input` whenever it (re)appears.
pub fn focus_on_mount(input: NodeRef<html::Input>) {
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
}

/// `"true"` / `"false"` for an ARIA state attribute (`aria-invalid`, `aria-busy`). Shared, so all
/// those attributes use one closure type.
pub fn aria_flag(
    flag: impl Get<Value = bool> + Copy + 'static,
) -> impl Fn() -> &'static str + Copy + 'static {
    move || if flag.get() { "true" } else { "false" }
}

/// `aria-describedby` naming `error_id` while the field is invalid (empty otherwise: the same
/// attribute type as [`aria_flag`], so the wasm has one kind of reactive attribute fewer).
pub fn described_by(
    invalid: Memo<bool>,
    error_id: &'static str,
) -> impl Fn() -> &'static str + Copy + 'static {
    move || if invalid.get() { error_id } else { "" }
}
