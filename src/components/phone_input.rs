//! Phone number entry: a country `<select>` with calling codes and a national-number input that
//! groups digits as you type.

use leptos::html;
use leptos::prelude::*;

use crate::phone::{COUNTRIES, Country, country_by_iso, format_as_you_type, split_international};

/// An example national number for the placeholder, in the country's grouping.
pub fn placeholder(country: &Country) -> String {
    const SAMPLE: &str = "2015550123456789";
    let n = country.max_len.min(SAMPLE.len());
    format_as_you_type(country, &SAMPLE[..n])
}

/// Country selector + national number. `digits` holds what was typed (digits only, a typed
/// trunk `0` included); the grouped text is derived from it.
#[component]
pub fn PhoneInput(
    /// The selected country.
    country: RwSignal<&'static Country>,
    /// The typed national digits.
    digits: RwSignal<String>,
    /// Show the error styling.
    invalid: Memo<bool>,
    /// The number input (for focus management).
    node_ref: NodeRef<html::Input>,
) -> impl IntoView {
    let on_country = move |ev: leptos::ev::Event| {
        let select: web_sys::HtmlSelectElement = event_target(&ev);
        if let Some(c) = country_by_iso(&select.value()) {
            country.set(c);
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let el: web_sys::HtmlInputElement = event_target(&ev);
        let raw = el.value();
        // A pasted or autofilled "+44 7700 900123" picks the country itself.
        if let Some((c, national)) = split_international(&raw, country.get_untracked()) {
            country.set(c);
            digits.set(national);
        } else {
            digits.set(crate::phone::digits(&raw));
        }
        el.set_value(&format_as_you_type(
            country.get_untracked(),
            &digits.get_untracked(),
        ));
    };
    let shown = move || format_as_you_type(country.get(), &digits.get());

    view! {
        <div class="phone-field" class:invalid=move || invalid.get()>
            <div class="country-select">
                <span class="country-face" aria-hidden="true">
                    <span class="country-iso">{move || country.get().iso}</span>
                    <span class="country-dial">{move || format!("+{}", country.get().dial)}</span>
                    <svg class="chevron" viewBox="0 0 16 16" width="12" height="12">
                        <path d="M4 6l4 4 4-4" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"></path>
                    </svg>
                </span>
                <label for="country" class="sr-only">"Country or region"</label>
                <select id="country" name="country" autocomplete="tel-country-code" on:change=on_country>
                    {COUNTRIES
                        .iter()
                        .map(|c| {
                            let iso = c.iso;
                            view! {
                                <option value=iso selected=move || country.get().iso == iso>
                                    {format!("{} (+{})", c.name, c.dial)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <input
                id="phone-number"
                name="phone_number"
                class="input phone-number"
                type="tel"
                inputmode="tel"
                autocomplete="tel-national"
                required=true
                placeholder=move || placeholder(country.get())
                aria-invalid=move || if invalid.get() { "true" } else { "false" }
                aria-describedby=crate::components::a11y::described_by(invalid, "identifier-error")
                prop:value=shown
                on:input=on_input
                node_ref=node_ref
            />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_pattern() {
        assert_eq!(placeholder(country_by_iso("US").unwrap()), "(201) 555-0123");
        assert_eq!(placeholder(country_by_iso("GB").unwrap()), "2015 550123");
    }
}
