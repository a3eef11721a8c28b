//! Timestamps as people read them (the account page's sessions and devices).

/// A timestamp (ms) in the browser's locale.
pub fn format_time(ms: i64) -> String {
    if ms <= 0 {
        return "—".to_string();
    }
    #[cfg(target_arch = "wasm32")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        String::from(d.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        ms.to_string()
    }
}
