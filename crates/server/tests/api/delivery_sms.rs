//! SMS codes through Twilio's Messages API (issue 8), with a local HTTP capture server as the
//! API: request shape, Basic auth, the origin-bound last line, and failure handling.

use crate::delivery_support::*;
use base64::Engine as _;
use onetime_server::delivery::Secrets;
use onetime_server::delivery::settings::{DeliveryConfig, SmsProvider, TwilioConfig};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN_ENV: &str = "ONETIME_TEST_TWILIO_TOKEN";
const PHONE: &str = "+14155552671";

fn twilio(base_url: &str) -> DeliveryConfig {
    DeliveryConfig {
        sms: Some(SmsProvider::Twilio(TwilioConfig {
            account_sid: SID.into(),
            from: Some("+15005550006".into()),
            messaging_service_sid: None,
            base_url: base_url.into(),
            auth_token_env: TOKEN_ENV.into(),
        })),
        ..fast_delivery()
    }
}

async fn server(delivery: DeliveryConfig) -> Server {
    let mut inst = instance(delivery);
    inst.public_url = Some("https://app.acme.test".into());
    spawn(inst, Secrets::default().with(TOKEN_ENV, "tw-token")).await
}

/// Checks the captured Twilio request and returns the code from its origin-bound last line.
fn check_request(req: &Captured) -> String {
    assert_eq!(
        req.path,
        format!("/2010-04-01/Accounts/{SID}/Messages.json")
    );
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{SID}:tw-token"));
    assert_eq!(req.header("authorization"), format!("Basic {expected}"));
    assert!(
        req.header("content-type")
            .starts_with("application/x-www-form-urlencoded")
    );
    assert_eq!(req.field("To"), PHONE);
    assert_eq!(req.field("From"), "+15005550006");
    let body = req.field("Body");
    let last = body.lines().last().unwrap();
    let code = last
        .strip_prefix("@app.acme.test #")
        .unwrap_or_else(|| panic!("origin-bound last line: {body:?}"));
    assert_eq!(code.len(), 6);
    assert!(
        body.starts_with(&format!("{code} is your Acme code")),
        "{body}"
    );
    assert!(body.contains("10 minutes"), "{body}");
    code.to_owned()
}

/// Signs up `PHONE` through the captured SMS, then starts over in a new browser.
async fn sign_up_by_sms(server: &mut Server, api: &HttpCapture) {
    let id = server.sign_up("phone_number", PHONE).await;
    let r = server.prepare_sign_up(&id, "phone_code").await;
    assert_eq!(r.status, 200, "{}", r.json);
    let code = check_request(&api.last());
    server.complete_sign_up(&id, "phone_code", &code).await;
    server.switch_browser();
}

both_backends!(sms_code_goes_to_twilio_and_completes_the_sign_in);
async fn sms_code_goes_to_twilio_and_completes_the_sign_in() {
    let api = HttpCapture::start().await;
    let mut server = server(twilio(&api.base)).await;
    sign_up_by_sms(&mut server, &api).await;

    let id = server.sign_in(PHONE).await;
    let r = server.prepare_sign_in(&id, "phone_code").await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(api.requests().len(), 2);
    let code = check_request(&api.last());
    server.complete_sign_in(&id, "phone_code", &code).await;
}

both_backends!(twilio_500_is_retried_then_reported_and_a_retry_works);
async fn twilio_500_is_retried_then_reported_and_a_retry_works() {
    let api = HttpCapture::start().await;
    let mut server = server(twilio(&api.base)).await;
    sign_up_by_sms(&mut server, &api).await;

    let id = server.sign_in(PHONE).await;
    api.set_mode(HttpMode::Status(500));
    let before = api.requests().len();
    assert_delivery_failed(&server.prepare_sign_in(&id, "phone_code").await);
    assert_eq!(
        api.requests().len() - before,
        3,
        "500 is transient: 1 try + 2 retries"
    );

    // Recovered: the same sign-in prepares again at once (the 30 s cooldown was not consumed).
    api.set_mode(HttpMode::Accept);
    let r = server.prepare_sign_in(&id, "phone_code").await;
    assert_eq!(r.status, 200, "{}", r.json);
    server
        .complete_sign_in(&id, "phone_code", &check_request(&api.last()))
        .await;
}

both_backends!(twilio_429_is_retried_but_400_is_not);
async fn twilio_429_is_retried_but_400_is_not() {
    let api = HttpCapture::start().await;
    let server = server(twilio(&api.base)).await;
    let id = server.sign_up("phone_number", PHONE).await;

    api.set_mode(HttpMode::Status(429));
    assert_delivery_failed(&server.prepare_sign_up(&id, "phone_code").await);
    assert_eq!(api.requests().len(), 3);

    api.set_mode(HttpMode::Status(400));
    assert_delivery_failed(&server.prepare_sign_up(&id, "phone_code").await);
    assert_eq!(api.requests().len(), 4, "400 is permanent");
}

both_backends!(hung_twilio_times_out_and_a_retry_works);
async fn hung_twilio_times_out_and_a_retry_works() {
    let api = HttpCapture::start().await;
    let delivery = DeliveryConfig {
        timeout_ms: 300,
        retries: 1,
        ..twilio(&api.base)
    };
    let server = server(delivery).await;
    let id = server.sign_up("phone_number", PHONE).await;

    api.set_mode(HttpMode::Hang);
    assert_delivery_failed(&server.prepare_sign_up(&id, "phone_code").await);
    assert_eq!(api.requests().len(), 2, "a timeout is transient");

    api.set_mode(HttpMode::Accept);
    let r = server.prepare_sign_up(&id, "phone_code").await;
    assert_eq!(r.status, 200, "{}", r.json);
    server
        .complete_sign_up(&id, "phone_code", &check_request(&api.last()))
        .await;
}

both_backends!(unreachable_twilio_is_reported);
async fn unreachable_twilio_is_reported() {
    let port = free_port().await;
    let server = server(twilio(&format!("http://127.0.0.1:{port}"))).await;
    let id = server.sign_up("phone_number", PHONE).await;
    assert_delivery_failed(&server.prepare_sign_up(&id, "phone_code").await);
}

both_backends!(missing_auth_token_stops_the_server_naming_the_variable);
async fn missing_auth_token_stops_the_server_naming_the_variable() {
    let mut delivery = twilio("http://127.0.0.1:9");
    if let Some(SmsProvider::Twilio(t)) = &mut delivery.sms {
        t.auth_token_env = "ONETIME_TEST_UNSET_TWILIO_TOKEN_4711".into();
    }
    let (config, _db) = config(instance(delivery), Secrets::default());
    let err = onetime_server::Application::build(config)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ONETIME_TEST_UNSET_TWILIO_TOKEN_4711"),
        "{err}"
    );
}

both_backends!(hung_provider_does_not_block_other_requests);
/// A hung provider must only delay its own request: mutating requests are serialised per
/// client and per recipient (not globally), so another browser is not blocked.
async fn hung_provider_does_not_block_other_requests() {
    let api = HttpCapture::start().await;
    let delivery = DeliveryConfig {
        timeout_ms: 5000,
        total_timeout_ms: 5000,
        retries: 0,
        ..twilio(&api.base)
    };
    let mut server = server(delivery).await;
    let id = server.sign_up("phone_number", PHONE).await;
    api.set_mode(HttpMode::Hang);
    let (http, base) = (server.http.clone(), server.base.clone());
    let slow = tokio::spawn(async move {
        http.post(format!(
            "{base}/v1/client/sign_ups/{id}/prepare_verification"
        ))
        .form(&[("strategy", "phone_code")])
        .send()
        .await
    });
    while api.requests().is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // Another browser signs up while the provider hangs.
    server.switch_browser();
    server.sign_up("email_address", "other@example.com").await;
    assert!(
        !slow.is_finished(),
        "the other request waited for the hung provider"
    );
    slow.abort();
}
