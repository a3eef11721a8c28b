//! Browser tests: the components mounted with a fake transport behind the `api` module's trait.
//!
//! Run with `cargo test -p onetime --target wasm32-unknown-unknown` (needs
//! `wasm-bindgen-test-runner` and chromedriver on PATH).
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use onetime::App;
use onetime::api::{HttpRequest, HttpResponse, NetworkError, Transport, TransportFuture};
use onetime::auth::AuthProvider;
use onetime::components::{SignIn, SignUp};
use onetime::router::Router;
use onetime_protocol as p;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

// ----- a fake FAPI server -----

#[derive(Clone, Copy, Default)]
struct Scenario {
    phone: bool,
    email: bool,
    username_required: bool,
    signed_in: bool,
    offline: bool,
    /// `display_config.resend_cooldown_seconds`.
    cooldown: Option<u64>,
    /// `display_config.code_length`.
    code_length: Option<usize>,
}

fn phone_only() -> Scenario {
    Scenario {
        phone: true,
        ..Default::default()
    }
}

struct Fake {
    scenario: RefCell<Scenario>,
    log: RefCell<Vec<HttpRequest>>,
    /// The phone number and email address the sign-up was created with.
    sign_up_with: RefCell<(Option<String>, Option<String>)>,
}

impl Fake {
    fn new(scenario: Scenario) -> Rc<Self> {
        Rc::new(Self {
            scenario: RefCell::new(scenario),
            log: RefCell::new(Vec::new()),
            sign_up_with: RefCell::new((None, None)),
        })
    }

    fn seen(&self, method: &str, route_suffix: &str) -> Vec<HttpRequest> {
        self.log
            .borrow()
            .iter()
            .filter(|r| r.effective_method() == method && r.route().ends_with(route_suffix))
            .cloned()
            .collect()
    }

    fn environment(&self) -> p::Environment {
        let s = *self.scenario.borrow();
        let attr = |enabled: bool, strategy: &str| p::Attribute {
            enabled,
            used_for_first_factor: enabled,
            first_factors: if enabled {
                vec![strategy.into()]
            } else {
                vec![]
            },
            verifications: if enabled {
                vec![strategy.into()]
            } else {
                vec![]
            },
            verify_at_sign_up: enabled,
            ..Default::default()
        };
        let mut env = p::Environment {
            object: "environment".into(),
            ..Default::default()
        };
        env.display_config.application_name = "Acme".into();
        env.display_config.resend_cooldown_seconds = s.cooldown;
        env.display_config.code_length = s.code_length;
        let attributes = &mut env.user_settings.attributes;
        attributes.phone_number = attr(s.phone, "phone_code");
        attributes.email_address = attr(s.email, "email_code");
        attributes.username = p::Attribute {
            enabled: s.username_required,
            required: s.username_required,
            ..Default::default()
        };
        env
    }

    fn user() -> p::User {
        p::User {
            object: "user".into(),
            id: "user_1".into(),
            primary_phone_number_id: Some("idn_p".into()),
            phone_numbers: vec![p::PhoneNumber {
                object: "phone_number".into(),
                id: "idn_p".into(),
                phone_number: "+12015550100".into(),
                verification: Some(p::Verification {
                    status: p::VerificationStatus::Verified,
                    strategy: Some("phone_code".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn session() -> p::Session {
        p::Session {
            object: "session".into(),
            id: "sess_1".into(),
            status: p::SessionStatus::Active,
            user: Some(Self::user()),
            created_at: 1767312000000,
            last_active_at: 1767312000000,
            expire_at: 1767916800000,
            ..Default::default()
        }
    }

    fn client(
        sign_up: Option<p::SignUp>,
        sign_in: Option<p::SignIn>,
        signed_in: bool,
    ) -> p::Client {
        p::Client {
            object: "client".into(),
            id: "client_1".into(),
            sessions: if signed_in {
                vec![Self::session()]
            } else {
                vec![]
            },
            sign_up,
            sign_in,
            last_active_session_id: signed_in.then(|| "sess_1".into()),
            ..Default::default()
        }
    }

    fn sign_up(
        &self,
        status: p::SignUpStatus,
        missing: &[&str],
        unverified: &[&str],
        session: Option<&str>,
    ) -> p::SignUp {
        let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        let (phone_number, email_address) = self.sign_up_with.borrow().clone();
        p::SignUp {
            phone_number,
            email_address,
            object: "sign_up_attempt".into(),
            id: "sua_1".into(),
            status,
            missing_fields: strings(missing),
            unverified_fields: strings(unverified),
            created_session_id: session.map(Into::into),
            verifications: p::SignUpVerifications {
                phone_number: Some(p::Verification {
                    status: p::VerificationStatus::Unverified,
                    strategy: Some("phone_code".into()),
                    next_action: Some("needs_attempt".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn sign_in(status: p::SignInStatus, session: Option<&str>) -> p::SignIn {
        p::SignIn {
            object: "sign_in_attempt".into(),
            id: "sia_1".into(),
            status,
            identifier: Some("+12015550100".into()),
            supported_first_factors: vec![
                p::SignInFactor {
                    strategy: "phone_code".into(),
                    phone_number_id: Some("idn_p".into()),
                    safe_identifier: Some("+1******0100".into()),
                    ..Default::default()
                },
                p::SignInFactor {
                    strategy: "email_code".into(),
                    email_address_id: Some("idn_e".into()),
                    safe_identifier: Some("j***@example.com".into()),
                    ..Default::default()
                },
            ],
            created_session_id: session.map(Into::into),
            ..Default::default()
        }
    }

    fn ok<T: serde::Serialize>(response: Option<T>, client: Option<p::Client>) -> HttpResponse {
        HttpResponse {
            status: 200,
            body: serde_json::to_string(&p::Envelope { response, client }).unwrap(),
            retry_after: None,
        }
    }

    fn error(
        status: u16,
        code: &str,
        param: Option<&str>,
        client: Option<p::Client>,
    ) -> HttpResponse {
        let body = p::ErrorResponse {
            errors: vec![p::ApiError {
                code: code.into(),
                message: "is invalid".into(),
                long_message: Some("Server text".into()),
                meta: p::ErrorMeta {
                    param_name: param.map(Into::into),
                    ..Default::default()
                },
            }],
            // Without a client the answer has no `meta.client` (which would mean "signed out").
            meta: client.map(|c| p::ErrorResponseMeta { client: Some(c) }),
            ..Default::default()
        };
        HttpResponse {
            status,
            body: serde_json::to_string(&body).unwrap(),
            retry_after: None,
        }
    }

    fn answer(&self, r: &HttpRequest) -> HttpResponse {
        use p::{SignInStatus as In, SignUpStatus as Up};
        let s = *self.scenario.borrow();
        let route = r.route().to_string();
        let sign_up_answer = |su: p::SignUp, signed_in: bool| {
            Self::ok(
                Some(su.clone()),
                Some(Self::client(Some(su), None, signed_in)),
            )
        };
        let sign_in_answer = |si: p::SignIn, signed_in: bool| {
            Self::ok(
                Some(si.clone()),
                Some(Self::client(None, Some(si), signed_in)),
            )
        };
        match (r.effective_method(), route.as_str()) {
            ("GET", "/v1/environment") => HttpResponse {
                status: 200,
                body: serde_json::to_string(&self.environment()).unwrap(),
                retry_after: None,
            },
            ("GET", "/v1/client") => {
                if s.signed_in {
                    let c = Self::client(None, None, true);
                    Self::ok(Some(c.clone()), Some(c))
                } else {
                    Self::ok(None::<p::Client>, None)
                }
            }
            ("POST", "/v1/client/sign_ups") => {
                *self.sign_up_with.borrow_mut() = (
                    r.field("phone_number").map(Into::into),
                    r.field("email_address").map(Into::into),
                );
                let su = self.sign_up(Up::MissingRequirements, &[], &["phone_number"], None);
                sign_up_answer(su, false)
            }
            ("POST", "/v1/client/sign_ups/sua_1/prepare_verification") => {
                let su = self.sign_up(Up::MissingRequirements, &[], &["phone_number"], None);
                sign_up_answer(su, false)
            }
            ("POST", "/v1/client/sign_ups/sua_1/attempt_verification") => {
                if r.field("code") == Some("000000") {
                    let su = self.sign_up(Up::MissingRequirements, &[], &["phone_number"], None);
                    let client = Self::client(Some(su), None, false);
                    return Self::error(422, "verification_expired", Some("code"), Some(client));
                }
                if r.field("code") != Some("424242") {
                    let su = self.sign_up(Up::MissingRequirements, &[], &["phone_number"], None);
                    let client = Self::client(Some(su), None, false);
                    return Self::error(422, "form_code_incorrect", Some("code"), Some(client));
                }
                if s.username_required {
                    let su = self.sign_up(Up::MissingRequirements, &["username"], &[], None);
                    return sign_up_answer(su, false);
                }
                sign_up_answer(self.sign_up(Up::Complete, &[], &[], Some("sess_1")), true)
            }
            ("PATCH", "/v1/client/sign_ups/sua_1") => {
                sign_up_answer(self.sign_up(Up::Complete, &[], &[], Some("sess_1")), true)
            }
            ("POST", "/v1/client/sign_ins") => {
                if r.field("identifier") == Some("+12015550199") {
                    return Self::error(422, "form_identifier_not_found", Some("identifier"), None);
                }
                sign_in_answer(Self::sign_in(In::NeedsFirstFactor, None), false)
            }
            ("POST", "/v1/client/sign_ins/sia_1/prepare_first_factor") => {
                sign_in_answer(Self::sign_in(In::NeedsFirstFactor, None), false)
            }
            ("POST", "/v1/client/sign_ins/sia_1/attempt_first_factor") => {
                if r.field("code") != Some("424242") {
                    return Self::error(422, "form_code_incorrect", Some("code"), None);
                }
                sign_in_answer(Self::sign_in(In::Complete, Some("sess_1")), true)
            }
            ("POST", "/v1/client/sessions/sess_1/touch") => {
                Self::ok(Some(Self::session()), Some(Self::client(None, None, true)))
            }
            ("DELETE", "/v1/client/sessions") => {
                let c = Self::client(None, None, false);
                Self::ok(Some(c.clone()), Some(c))
            }
            _ => Self::error(404, "resource_not_found", None, None),
        }
    }
}

struct FakeTransport(Rc<Fake>);

impl Transport for FakeTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture {
        let fake = self.0.clone();
        Box::pin(async move {
            // Answer asynchronously, like a real network.
            TimeoutFuture::new(1).await;
            fake.log.borrow_mut().push(request.clone());
            let offline = fake.scenario.borrow().offline;
            if offline
                && !request.path.starts_with("/v1/environment")
                && request.path != "/v1/client"
            {
                return Err(NetworkError("Failed to fetch".into()));
            }
            Ok(fake.answer(&request))
        })
    }
}

// ----- DOM helpers -----

fn container() -> HtmlElement {
    let doc = document();
    let el = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

async fn settle() {
    for _ in 0..4 {
        tick().await;
        TimeoutFuture::new(5).await;
    }
    tick().await;
}

async fn wait_for(root: &HtmlElement, selector: &str) -> Element {
    for _ in 0..200 {
        if let Some(el) = root.query_selector(selector).unwrap() {
            return el;
        }
        tick().await;
        TimeoutFuture::new(10).await;
    }
    panic!("{selector} never appeared; html: {}", root.inner_html());
}

async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        tick().await;
        TimeoutFuture::new(10).await;
    }
    panic!("timed out waiting for {what}");
}

fn find(root: &HtmlElement, selector: &str) -> Option<Element> {
    root.query_selector(selector).unwrap()
}

fn input(root: &HtmlElement, selector: &str) -> HtmlInputElement {
    find(root, selector)
        .unwrap_or_else(|| panic!("no {selector}"))
        .unchecked_into()
}

fn click(root: &HtmlElement, selector: &str) {
    find(root, selector)
        .unwrap_or_else(|| panic!("no {selector}"))
        .unchecked_into::<HtmlElement>()
        .click();
}

fn type_into(el: &HtmlInputElement, value: &str) {
    el.set_value(value);
    let ev = web_sys::Event::new("input").unwrap();
    el.dispatch_event(&ev).unwrap();
}

fn active_id() -> String {
    document()
        .active_element()
        .map(|e| e.id())
        .unwrap_or_default()
}

fn set_path(path: &str) {
    window()
        .history()
        .unwrap()
        .push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
        .unwrap();
}

fn location() -> String {
    let l = window().location();
    format!("{}{}", l.pathname().unwrap(), l.search().unwrap())
}

fn mount_sign_up(fake: &Rc<Fake>) -> (HtmlElement, impl Sized) {
    let root = container();
    let t: Rc<dyn Transport> = Rc::new(FakeTransport(fake.clone()));
    let handle = mount_to(root.clone(), move || {
        view! { <AuthProvider transport=Some(t.clone())><Router><SignUp/></Router></AuthProvider> }
    });
    (root, handle)
}

fn mount_sign_in(fake: &Rc<Fake>) -> (HtmlElement, impl Sized) {
    let root = container();
    let t: Rc<dyn Transport> = Rc::new(FakeTransport(fake.clone()));
    let handle = mount_to(root.clone(), move || {
        view! { <AuthProvider transport=Some(t.clone())><Router><SignIn/></Router></AuthProvider> }
    });
    (root, handle)
}

fn mount_app(fake: &Rc<Fake>) -> (HtmlElement, impl Sized) {
    let root = container();
    let t: Rc<dyn Transport> = Rc::new(FakeTransport(fake.clone()));
    let handle = mount_to(
        root.clone(),
        move || view! { <App transport=Some(t.clone())/> },
    );
    (root, handle)
}

/// Fills the phone form and submits it; returns when the code form is there.
async fn to_code_step(root: &HtmlElement) {
    let phone = wait_for(root, "input#phone-number")
        .await
        .unchecked_into::<HtmlInputElement>();
    type_into(&phone, "2015550100");
    settle().await;
    assert_eq!(phone.value(), "(201) 555-0100", "grouped as you type");
    click(root, "button#identifier-submit");
    wait_for(root, "form#code-form").await;
    settle().await;
}

// ----- tests -----

#[wasm_bindgen_test]
async fn identifier_form_phone_only() {
    set_path("/sign-up");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_sign_up(&fake);
    wait_for(&root, "form#identifier-form").await;
    let phone = input(&root, "input#phone-number");
    assert_eq!(phone.type_(), "tel");
    assert_eq!(
        phone.get_attribute("autocomplete").as_deref(),
        Some("tel-national")
    );
    let country: HtmlSelectElement = find(&root, "select#country").unwrap().unchecked_into();
    assert_eq!(country.value(), "US", "default country");
    assert!(find(&root, "input#email-address").is_none());
    assert!(
        find(&root, "button#use-email").is_none(),
        "no switch with one kind"
    );
    assert_eq!(
        find(&root, "button#identifier-submit")
            .unwrap()
            .text_content()
            .unwrap()
            .trim(),
        "Continue"
    );
}

#[wasm_bindgen_test]
async fn identifier_form_email_only() {
    set_path("/sign-up");
    let fake = Fake::new(Scenario {
        email: true,
        ..Default::default()
    });
    let (root, _h) = mount_sign_up(&fake);
    wait_for(&root, "form#identifier-form").await;
    let email = input(&root, "input#email-address");
    assert_eq!(email.type_(), "email");
    assert_eq!(
        email.get_attribute("autocomplete").as_deref(),
        Some("email")
    );
    assert!(find(&root, "input#phone-number").is_none());
    assert!(find(&root, "select#country").is_none());
    assert!(find(&root, "button#use-phone").is_none());
}

#[wasm_bindgen_test]
async fn identifier_form_both_with_switch_keeps_what_was_typed() {
    set_path("/sign-in");
    let fake = Fake::new(Scenario {
        phone: true,
        email: true,
        ..Default::default()
    });
    let (root, _h) = mount_sign_in(&fake);
    wait_for(&root, "input#phone-number").await;
    assert!(find(&root, "input#email-address").is_none(), "phone first");
    type_into(&input(&root, "input#phone-number"), "201555");
    settle().await;
    click(&root, "button#use-email");
    let email = wait_for(&root, "input#email-address")
        .await
        .unchecked_into::<HtmlInputElement>();
    assert!(find(&root, "input#phone-number").is_none());
    type_into(&email, "jane@example.com");
    settle().await;
    click(&root, "button#use-phone");
    let phone = wait_for(&root, "input#phone-number")
        .await
        .unchecked_into::<HtmlInputElement>();
    assert_eq!(
        phone.value(),
        "(201) 555",
        "typed digits survive the switch"
    );
    click(&root, "button#use-email");
    let email = wait_for(&root, "input#email-address")
        .await
        .unchecked_into::<HtmlInputElement>();
    assert_eq!(email.value(), "jane@example.com");
}

#[wasm_bindgen_test]
async fn submitting_switches_to_the_code_form_and_focuses_it() {
    set_path("/sign-up");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_sign_up(&fake);
    to_code_step(&root).await;
    assert!(find(&root, "form#identifier-form").is_none());
    let create = fake.seen("POST", "/v1/client/sign_ups");
    assert_eq!(create.len(), 1);
    assert_eq!(
        create[0].field("phone_number"),
        Some("+12015550100"),
        "E.164 on the wire"
    );
    assert_eq!(
        fake.seen("POST", "/prepare_verification")[0].field("strategy"),
        Some("phone_code")
    );
    let code = input(&root, "input#code");
    assert_eq!(
        code.get_attribute("autocomplete").as_deref(),
        Some("one-time-code")
    );
    assert_eq!(code.get_attribute("inputmode").as_deref(), Some("numeric"));
    assert_eq!(code.get_attribute("maxlength").as_deref(), Some("6"));
    assert_eq!(code.get_attribute("pattern").as_deref(), Some("[0-9]*"));
    assert_eq!(
        root.query_selector_all("input").unwrap().length(),
        1,
        "one real input"
    );
    assert_eq!(
        root.query_selector_all(".otp-slot").unwrap().length(),
        6,
        "six drawn slots"
    );
    wait_until("code input focused", || active_id() == "code").await;
    assert!(root.text_content().unwrap().contains("+1 (201) 555-0100"));
}

#[wasm_bindgen_test]
async fn the_code_input_has_as_many_digits_as_the_server_says() {
    set_path("/sign-up");
    let fake = Fake::new(Scenario {
        code_length: Some(8),
        ..phone_only()
    });
    let (root, _h) = mount_sign_up(&fake);
    to_code_step(&root).await;
    let code = input(&root, "input#code");
    assert_eq!(code.get_attribute("maxlength").as_deref(), Some("8"));
    assert_eq!(root.query_selector_all(".otp-slot").unwrap().length(), 8);
    assert!(
        root.text_content().unwrap().contains("8-digit code"),
        "the wording follows the length"
    );
    // Six digits are not a code here: nothing is submitted until the eighth.
    type_into(&code, "424242");
    settle().await;
    assert!(fake.seen("POST", "/attempt_verification").is_empty());
    type_into(&code, "42424242");
    wait_until("attempt sent", || {
        !fake.seen("POST", "/attempt_verification").is_empty()
    })
    .await;
    let attempt = fake.seen("POST", "/attempt_verification");
    assert_eq!(attempt.len(), 1, "auto-submitted once at the eighth digit");
    assert_eq!(attempt[0].field("code"), Some("42424242"));
}

/// A browser with WebOTP whose `navigator.credentials.get` records each request in
/// `window.__otp` (`calls`, `aborted`) and resolves when the test calls `__otp.resolve`.
fn fake_web_otp() {
    js_sys::Function::new_no_args(
        r#"
        window.OTPCredential = window.OTPCredential || function () {};
        window.__otp = { calls: [], aborted: 0, resolve: null };
        Object.defineProperty(navigator, 'credentials', { configurable: true, value: {
            get(options) {
                return new Promise((resolve, reject) => {
                    window.__otp.calls.push(options);
                    window.__otp.resolve = resolve;
                    options.signal.addEventListener('abort', () => {
                        window.__otp.aborted += 1;
                        reject(new DOMException('The request was aborted.', 'AbortError'));
                    });
                });
            },
        } });
        "#,
    )
    .call0(&wasm_bindgen::JsValue::NULL)
    .unwrap();
}

/// Back to the real browser (no `OTPCredential`, the real `navigator.credentials`).
fn remove_fake_web_otp() {
    js_sys::Function::new_no_args("delete window.OTPCredential; delete navigator.credentials;")
        .call0(&wasm_bindgen::JsValue::NULL)
        .unwrap();
}

fn web_otp(expr: &str) -> wasm_bindgen::JsValue {
    js_sys::Function::new_no_args(&format!("return {expr};"))
        .call0(&wasm_bindgen::JsValue::NULL)
        .unwrap()
}

#[wasm_bindgen_test]
async fn an_sms_code_from_web_otp_fills_the_input_and_submits() {
    set_path("/sign-up");
    fake_web_otp();
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_sign_up(&fake);
    to_code_step(&root).await;
    wait_until("WebOTP asked", || {
        web_otp("window.__otp.calls.length").as_f64() == Some(1.0)
    })
    .await;
    assert_eq!(
        web_otp("window.__otp.calls[0].otp.transport.join()").as_string(),
        Some("sms".into())
    );
    assert!(fake.seen("POST", "/attempt_verification").is_empty());
    web_otp("window.__otp.resolve({ type: 'otp', id: '', code: '424242' })");
    wait_until("attempt sent", || {
        !fake.seen("POST", "/attempt_verification").is_empty()
    })
    .await;
    let attempt = fake.seen("POST", "/attempt_verification");
    assert_eq!(attempt.len(), 1, "submitted once, nothing typed");
    assert_eq!(attempt[0].field("code"), Some("424242"));
    remove_fake_web_otp();
}

#[wasm_bindgen_test]
async fn leaving_the_code_step_aborts_web_otp_and_email_codes_never_ask() {
    set_path("/sign-up");
    fake_web_otp();
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_sign_up(&fake);
    to_code_step(&root).await;
    wait_until("WebOTP asked", || {
        web_otp("window.__otp.calls.length").as_f64() == Some(1.0)
    })
    .await;
    assert_eq!(web_otp("window.__otp.aborted").as_f64(), Some(0.0));
    click(&root, "button#edit-identifier");
    wait_for(&root, "form#identifier-form").await;
    wait_until("WebOTP aborted", || {
        web_otp("window.__otp.aborted").as_f64() == Some(1.0)
    })
    .await;
    remove_fake_web_otp();

    fake_web_otp();
    let fake = Fake::new(Scenario {
        email: true,
        ..Default::default()
    });
    let (root, _h2) = mount_sign_up(&fake);
    let email = wait_for(&root, "input#email-address")
        .await
        .unchecked_into::<HtmlInputElement>();
    type_into(&email, "jane@example.com");
    settle().await;
    click(&root, "button#identifier-submit");
    wait_for(&root, "form#code-form").await;
    settle().await;
    assert_eq!(
        web_otp("window.__otp.calls.length").as_f64(),
        Some(0.0),
        "WebOTP reads SMS only"
    );
    remove_fake_web_otp();
}

#[wasm_bindgen_test]
async fn resend_is_disabled_with_a_countdown() {
    set_path("/sign-up");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_sign_up(&fake);
    to_code_step(&root).await;
    let resend: HtmlButtonElement = find(&root, "button#resend-code").unwrap().unchecked_into();
    assert!(resend.disabled());
    let text = resend.text_content().unwrap();
    assert!(
        text.starts_with("Resend code (") && (text.contains("30") || text.contains("29")),
        "{text}"
    );
}

#[wasm_bindgen_test]
async fn six_digits_auto_submit_and_sign_in_lands_on_redirect_url() {
    set_path("/sign-up?redirect_url=%2Fuser");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_sign_up(&fake);
    to_code_step(&root).await;
    // Autofill delivers the whole code at once, with junk around it.
    type_into(&input(&root, "input#code"), "42 42 42");
    wait_until("attempt sent", || {
        !fake.seen("POST", "/attempt_verification").is_empty()
    })
    .await;
    let attempt = fake.seen("POST", "/attempt_verification");
    assert_eq!(attempt.len(), 1, "auto-submitted once, no button press");
    assert_eq!(attempt[0].field("code"), Some("424242"));
    wait_until("session activated", || {
        !fake
            .seen("POST", "/v1/client/sessions/sess_1/touch")
            .is_empty()
    })
    .await;
    wait_until("navigated to redirect_url", || location() == "/user").await;
}

#[wasm_bindgen_test]
async fn wrong_code_shows_the_error_next_to_the_input_and_clears_it() {
    set_path("/sign-up");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_sign_up(&fake);
    to_code_step(&root).await;
    type_into(&input(&root, "input#code"), "111111");
    let err = wait_for(&root, "#code-error").await;
    assert_eq!(
        err.text_content().unwrap().trim(),
        "That code is incorrect. Try again."
    );
    settle().await;
    let code = input(&root, "input#code");
    assert_eq!(code.value(), "", "cleared");
    assert_eq!(code.get_attribute("aria-invalid").as_deref(), Some("true"));
    wait_until("refocused", || active_id() == "code").await;
    let live = root.query_selector("[aria-live]").unwrap().unwrap();
    assert!(
        live.text_content().unwrap().contains("incorrect"),
        "announced"
    );
    // Typing again clears the error.
    type_into(&code, "4");
    settle().await;
    assert!(find(&root, "#code-error").is_none());
}

#[wasm_bindgen_test]
async fn edit_identifier_goes_back_without_losing_the_number() {
    set_path("/sign-up");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_sign_up(&fake);
    to_code_step(&root).await;
    click(&root, "button#edit-identifier");
    let phone = wait_for(&root, "input#phone-number")
        .await
        .unchecked_into::<HtmlInputElement>();
    assert_eq!(phone.value(), "(201) 555-0100");
}

#[wasm_bindgen_test]
async fn username_step_when_required() {
    set_path("/sign-up");
    let fake = Fake::new(Scenario {
        phone: true,
        username_required: true,
        ..Default::default()
    });
    let (root, _h) = mount_sign_up(&fake);
    to_code_step(&root).await;
    type_into(&input(&root, "input#code"), "424242");
    let name = wait_for(&root, "form#username-form input#username")
        .await
        .unchecked_into::<HtmlInputElement>();
    type_into(&name, "jane_doe");
    settle().await;
    click(&root, "button#username-submit");
    wait_until("PATCH sent", || {
        !fake.seen("PATCH", "/v1/client/sign_ups/sua_1").is_empty()
    })
    .await;
    assert_eq!(
        fake.seen("PATCH", "/v1/client/sign_ups/sua_1")[0].field("username"),
        Some("jane_doe")
    );
    wait_until("activated", || !fake.seen("POST", "/touch").is_empty()).await;
}

#[wasm_bindgen_test]
async fn unknown_account_offers_sign_up_instead() {
    set_path("/sign-in");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_sign_in(&fake);
    let phone = wait_for(&root, "input#phone-number")
        .await
        .unchecked_into::<HtmlInputElement>();
    type_into(&phone, "2015550199");
    settle().await;
    click(&root, "button#identifier-submit");
    let err = wait_for(&root, "#identifier-error").await;
    assert!(
        err.text_content()
            .unwrap()
            .contains("We couldn't find an account with that phone number.")
    );
    let link = wait_for(&root, "#identifier-error a#sign-up-instead").await;
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("/sign-up?identifier=%2B12015550199")
    );
}

#[wasm_bindgen_test]
async fn invalid_phone_is_caught_before_sending() {
    set_path("/sign-in");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_sign_in(&fake);
    let phone = wait_for(&root, "input#phone-number")
        .await
        .unchecked_into::<HtmlInputElement>();
    type_into(&phone, "20155");
    settle().await;
    click(&root, "button#identifier-submit");
    let err = wait_for(&root, "#identifier-error").await;
    assert!(err.text_content().unwrap().contains("too short"));
    assert!(fake.seen("POST", "/v1/client/sign_ins").is_empty());
}

#[wasm_bindgen_test]
async fn network_failure_has_its_own_message_and_retry() {
    set_path("/sign-in");
    let fake = Fake::new(Scenario {
        phone: true,
        offline: true,
        ..Default::default()
    });
    let (root, _h) = mount_sign_in(&fake);
    let phone = wait_for(&root, "input#phone-number")
        .await
        .unchecked_into::<HtmlInputElement>();
    type_into(&phone, "2015550100");
    settle().await;
    click(&root, "button#identifier-submit");
    let err = wait_for(&root, "#form-error").await;
    assert!(
        err.text_content()
            .unwrap()
            .contains("couldn't reach the server")
    );
    fake.scenario.borrow_mut().offline = false;
    click(&root, "#form-error button#retry");
    wait_for(&root, "form#code-form").await;
}

#[wasm_bindgen_test]
async fn sign_in_flow_with_a_wrong_then_right_code() {
    set_path("/sign-in");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_sign_in(&fake);
    to_code_step(&root).await;
    assert_eq!(
        fake.seen("POST", "/v1/client/sign_ins")[0].field("identifier"),
        Some("+12015550100")
    );
    let prepare = fake.seen("POST", "/prepare_first_factor");
    assert_eq!(prepare[0].field("phone_number_id"), Some("idn_p"));
    type_into(&input(&root, "input#code"), "000000");
    wait_for(&root, "#code-error").await;
    type_into(&input(&root, "input#code"), "424242");
    wait_until("home", || location() == "/").await;
}

#[wasm_bindgen_test]
async fn guard_sends_signed_out_users_to_sign_in_with_redirect_url() {
    set_path("/user");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_app(&fake);
    wait_until("redirected", || {
        location() == "/sign-in?redirect_url=%2Fuser"
    })
    .await;
    wait_for(&root, "form#identifier-form").await;
    assert!(find(&root, "#user-profile").is_none());
}

#[wasm_bindgen_test]
async fn signed_in_users_skip_the_auth_pages_and_see_home() {
    set_path("/sign-in");
    let fake = Fake::new(Scenario {
        phone: true,
        signed_in: true,
        ..Default::default()
    });
    let (root, _h) = mount_app(&fake);
    wait_until("sent home", || location() == "/").await;
    let who = wait_for(&root, "#signed-in-identifier").await;
    assert_eq!(who.text_content().unwrap(), "+12015550100");
    click(&root, "#user-button");
    wait_for(&root, "a#manage-account").await;
    click(&root, "button#sign-out");
    wait_until("signed out", || {
        !fake.seen("DELETE", "/v1/client/sessions").is_empty()
    })
    .await;
    wait_for(&root, "a#go-sign-in").await;
    assert!(find(&root, "a#go-sign-up").is_some());
}

#[wasm_bindgen_test]
async fn profile_lists_the_verified_phone() {
    set_path("/user");
    let fake = Fake::new(Scenario {
        phone: true,
        signed_in: true,
        ..Default::default()
    });
    let (root, _h) = mount_app(&fake);
    let profile = wait_for(&root, "#user-profile").await;
    let text = profile.text_content().unwrap();
    assert!(
        text.contains("+1 (201) 555-0100") && text.contains("Verified") && text.contains("sess_1"),
        "{text}"
    );
    // Signing out from the protected page goes home, not to the sign-in page: the route
    // changes before the guard sees the signed-out state, so nothing bounces (no sleeps).
    click(&root, "button#profile-sign-out");
    wait_for(&root, "a#go-sign-in").await;
    settle().await;
    assert_eq!(location(), "/");
}

#[wasm_bindgen_test]
async fn sign_in_lands_home_then_sign_out_and_in_again() {
    set_path("/sign-in");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_app(&fake);
    let phone = wait_for(&root, "input#phone-number")
        .await
        .unchecked_into::<HtmlInputElement>();
    type_into(&phone, "2015550100");
    click(&root, "button#identifier-submit");
    let code = wait_for(&root, "input#code")
        .await
        .unchecked_into::<HtmlInputElement>();
    assert!(root.text_content().unwrap().contains("+1 (201) 555-0100"));
    type_into(&code, "424242");
    let who = wait_for(&root, "#signed-in-identifier").await;
    assert_eq!(who.text_content().unwrap(), "+12015550100");
    assert_eq!(location(), "/");
    assert_eq!(fake.seen("POST", "/touch").len(), 1, "activated once");
    settle().await;
    assert_eq!(location(), "/", "no second navigation after activating");
    // Sign out from the menu: home shows the way in again, and it leads to sign-in.
    click(&root, "#user-button");
    wait_for(&root, "button#sign-out").await;
    click(&root, "button#sign-out");
    wait_for(&root, "a#go-sign-in").await;
    settle().await;
    assert_eq!(location(), "/");
    let way_in = find(&root, "a#go-sign-in").unwrap();
    assert_eq!(way_in.get_attribute("href").as_deref(), Some("/sign-in"));
}

#[wasm_bindgen_test]
async fn an_expired_code_offers_a_new_code() {
    set_path("/sign-up");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_sign_up(&fake);
    to_code_step(&root).await;
    type_into(&input(&root, "input#code"), "000000");
    let error = wait_for(&root, "#code-error").await;
    assert!(error.text_content().unwrap().contains("expired"));
    let prepared = fake.seen("POST", "/prepare_verification").len();
    click(&root, "#code-error button#send-new-code");
    wait_until("a new code was asked for", || {
        fake.seen("POST", "/prepare_verification").len() == prepared + 1
    })
    .await;
    wait_until("the error is gone", || find(&root, "#code-error").is_none()).await;
}

#[wasm_bindgen_test]
async fn unknown_paths_show_not_found() {
    set_path("/nope");
    let fake = Fake::new(phone_only());
    let (root, _h) = mount_app(&fake);
    wait_for(&root, "#not-found").await;
}

#[wasm_bindgen_test]
async fn resend_follows_the_server_cooldown_and_sends_again() {
    set_path("/sign-up");
    let fake = Fake::new(Scenario {
        phone: true,
        cooldown: Some(1),
        ..Default::default()
    });
    let (root, _h) = mount_sign_up(&fake);
    to_code_step(&root).await;
    let resend: HtmlButtonElement = find(&root, "button#resend-code").unwrap().unchecked_into();
    assert!(resend.disabled());
    assert_eq!(resend.text_content().unwrap(), "Resend code (1)");
    wait_until("enabled after the cooldown", || !resend.disabled()).await;
    assert_eq!(resend.text_content().unwrap(), "Resend code");
    resend.click();
    wait_until("second prepare", || {
        fake.seen("POST", "/prepare_verification").len() == 2
    })
    .await;
    settle().await;
    let resend: HtmlButtonElement = find(&root, "button#resend-code").unwrap().unchecked_into();
    assert!(resend.disabled(), "countdown restarts");
}

#[wasm_bindgen_test]
async fn an_identifier_in_the_url_is_prefilled() {
    set_path("/sign-in?identifier=%2B447700900123");
    let fake = Fake::new(Scenario {
        phone: true,
        email: true,
        ..Default::default()
    });
    let (root, _h) = mount_sign_in(&fake);
    let phone = wait_for(&root, "input#phone-number")
        .await
        .unchecked_into::<HtmlInputElement>();
    assert_eq!(phone.value(), "7700 900123");
    let country: HtmlSelectElement = find(&root, "select#country").unwrap().unchecked_into();
    assert_eq!(country.value(), "GB");
}
