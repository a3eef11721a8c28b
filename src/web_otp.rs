//! WebOTP: Chrome on Android reads the code from the SMS as it arrives (the server ends every SMS
//! with the origin-bound line `@host #code` for this) and hands it to the page after one tap, so
//! nobody types it. Browsers without `OTPCredential` are left alone.

/// A WebOTP request in flight; dropping it aborts the request (the code step was left).
#[cfg(target_arch = "wasm32")]
pub struct SmsCodeRequest(web_sys::AbortController);

#[cfg(target_arch = "wasm32")]
impl Drop for SmsCodeRequest {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Asks the browser for the code of the SMS on its way (`navigator.credentials.get({otp:
/// {transport: ['sms']}})`) and calls `on_code` with it. `None` where WebOTP is not supported.
#[cfg(target_arch = "wasm32")]
pub fn request_sms_code(on_code: impl FnOnce(String) + 'static) -> Option<SmsCodeRequest> {
    // Written against `Reflect` and `JSON.parse`, which the app imports anyway: web-sys's typed
    // `CredentialsContainer` and option dictionaries cost the wasm about twice as much.
    use js_sys::{Function, JSON, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    let key = JsValue::from_str;
    let window = web_sys::window()?;
    if Reflect::get(&window, &key("OTPCredential"))
        .ok()?
        .is_undefined()
    {
        return None;
    }
    let credentials = Reflect::get(&window.navigator(), &key("credentials")).ok()?;
    let get: Function = Reflect::get(&credentials, &key("get"))
        .ok()?
        .dyn_into()
        .ok()?;
    let controller = web_sys::AbortController::new().ok()?;
    let options = JSON::parse(r#"{"otp":{"transport":["sms"]}}"#).ok()?;
    Reflect::set(&options, &key("signal"), &controller.signal()).ok()?;
    let promise: Promise = get.call1(&credentials, &options).ok()?.dyn_into().ok()?;
    wasm_bindgen_futures::spawn_local(async move {
        // Aborted (the step was left) or dismissed: the promise rejects and nothing happens.
        if let Ok(credential) = wasm_bindgen_futures::JsFuture::from(promise).await
            && let Some(code) = Reflect::get(&credential, &key("code"))
                .ok()
                .and_then(|c| c.as_string())
        {
            on_code(code);
        }
    });
    Some(SmsCodeRequest(controller))
}
