//! The generic webhook provider (issue 8): signed JSON POSTs, checked here independently with
//! HMAC-SHA256 over `<timestamp>.<raw body>`.

use crate::delivery_support::*;
use hmac::{Hmac, Mac};
use onetime_server::delivery::Secrets;
use onetime_server::delivery::settings::{
    DeliveryConfig, EmailProvider, SmsProvider, WebhookConfig,
};
use onetime_server::delivery::webhook;
use serde_json::Value;

const SECRET_ENV: &str = "ONETIME_TEST_WEBHOOK_SECRET";
const SECRET: &str = "whsec-test-0123456789";

fn hook(url: &str) -> WebhookConfig {
    WebhookConfig {
        url: url.into(),
        secret_env: SECRET_ENV.into(),
    }
}

/// Verifies the signature headers of `req` and returns the JSON body.
fn verified(req: &Captured) -> Value {
    let ts = req.header("x-onetime-timestamp");
    let sig = req.header("x-onetime-signature");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&req.body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sig, format!("sha256={hex}"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(webhook::verify_signature(
        SECRET.as_bytes(),
        &ts,
        &sig,
        &req.body,
        now,
        300
    ));
    assert!(!webhook::verify_signature(
        b"wrong", &ts, &sig, &req.body, now, 300
    ));
    assert!(req.header("content-type").starts_with("application/json"));
    serde_json::from_slice(&req.body).unwrap()
}

both_backends!(email_webhook_is_signed_and_completes_the_sign_up);
async fn email_webhook_is_signed_and_completes_the_sign_up() {
    let gw = HttpCapture::start().await;
    let delivery = DeliveryConfig {
        email: Some(EmailProvider::Webhook(hook(&format!(
            "{}/hooks/email",
            gw.base
        )))),
        ..fast_delivery()
    };
    let server = spawn(
        instance(delivery),
        Secrets::default().with(SECRET_ENV, SECRET),
    )
    .await;

    let id = server.sign_up("email_address", "frank@example.com").await;
    let r = server.prepare_sign_up(&id, "email_code").await;
    assert_eq!(r.status, 200, "{}", r.json);
    let req = gw.last();
    assert_eq!(req.path, "/hooks/email");
    let body = verified(&req);
    assert_eq!(body["channel"], "email");
    assert_eq!(body["recipient"], "frank@example.com");
    assert_eq!(body["app_name"], "Acme");
    assert_eq!(body["lifetime_secs"], 600);
    let code = body["code"].as_str().unwrap().to_owned();
    assert_eq!(body["subject"], format!("{code} is your Acme code"));
    assert!(body["html"].as_str().unwrap().contains(&code));
    assert!(body["message"].as_str().unwrap().contains("10 minutes"));
    assert!(body["id"].as_str().unwrap().starts_with("dlv_"));

    server.complete_sign_up(&id, "email_code", &code).await;
}

both_backends!(sms_webhook_carries_locale_and_origin_line_and_retries_after_503);
async fn sms_webhook_carries_locale_and_origin_line_and_retries_after_503() {
    let gw = HttpCapture::start().await;
    let delivery = DeliveryConfig {
        sms: Some(SmsProvider::Webhook(hook(&format!(
            "{}/hooks/sms",
            gw.base
        )))),
        sms_origin_host: Some("login.acme.test".into()),
        ..fast_delivery()
    };
    let server = spawn(
        instance(delivery),
        Secrets::default().with(SECRET_ENV, SECRET),
    )
    .await;
    let id = server.sign_up("phone_number", "+14155552672").await;
    // The sign-up's locale (as clerk-js sends it) reaches the gateway.
    let r = server
        .http
        .patch(format!("{}/v1/client/sign_ups/{id}", server.base))
        .form(&[("locale", "en-GB")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    gw.set_mode(HttpMode::Status(503));
    assert_delivery_failed(&server.prepare_sign_up(&id, "phone_code").await);
    let failed = gw.requests();
    assert_eq!(failed.len(), 3);
    let ids: Vec<Value> = failed.iter().map(|r| verified(r)["id"].clone()).collect();
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "one delivery id across retries: {ids:?}"
    );

    gw.set_mode(HttpMode::Accept);
    let r = server.prepare_sign_up(&id, "phone_code").await;
    assert_eq!(r.status, 200, "{}", r.json);
    let body = verified(&gw.last());
    assert_eq!(body["channel"], "sms");
    assert_eq!(body["recipient"], "+14155552672");
    assert_eq!(body["locale"], "en-GB");
    let code = body["code"].as_str().unwrap().to_owned();
    let message = body["message"].as_str().unwrap();
    assert_eq!(
        message.lines().last(),
        Some(format!("@login.acme.test #{code}").as_str())
    );
    server.complete_sign_up(&id, "phone_code", &code).await;
}

/// A new browser whose preferred languages are `accept_language`.
fn browser_speaking(accept_language: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        accept_language.parse().unwrap(),
    );
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Adds `number` on the account page and sends it a code (`extra` joins the prepare's form).
async fn add_number_and_send_code(server: &Server, number: &str, extra: &[(&str, &str)]) {
    let r = server
        .post("/v1/me/phone_numbers", &[("phone_number", number)])
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let added = r.str("id");
    let mut form = vec![("strategy", "phone_code")];
    form.extend_from_slice(extra);
    let r = server
        .post(
            &format!("/v1/me/phone_numbers/{added}/prepare_verification"),
            &form,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
}

both_backends!(codes_come_in_the_browsers_language_unless_the_request_names_one);
async fn codes_come_in_the_browsers_language_unless_the_request_names_one() {
    let gw = HttpCapture::start().await;
    let delivery = DeliveryConfig {
        sms: Some(SmsProvider::Webhook(hook(&format!(
            "{}/hooks/sms",
            gw.base
        )))),
        sms_origin_host: Some("login.acme.test".into()),
        ..fast_delivery()
    };
    let mut server = spawn(
        instance(delivery),
        Secrets::default().with(SECRET_ENV, SECRET),
    )
    .await;
    let german = |body: &Value| {
        let code = body["code"].as_str().unwrap().to_owned();
        let message = body["message"].as_str().unwrap().to_owned();
        assert!(
            message.starts_with(&format!("{code} ist dein Acme-Code")),
            "{message}"
        );
        assert!(message.contains("10 Minuten"), "{message}");
        assert_eq!(
            message.lines().last(),
            Some(format!("@login.acme.test #{code}").as_str()),
            "the origin-bound line stays as WebOTP reads it"
        );
        code
    };

    // Sign-up: no `locale` in the form, the browser prefers Swiss German.
    server.http = browser_speaking("de-CH,de;q=0.9,en;q=0.5");
    let id = server.sign_up("phone_number", "+14155552673").await;
    let r = server.prepare_sign_up(&id, "phone_code").await;
    assert_eq!(r.status, 200, "{}", r.json);
    let body = verified(&gw.last());
    assert_eq!(body["locale"], "de-CH");
    let code = german(&body);
    server.complete_sign_up(&id, "phone_code", &code).await;

    // A number added on the account page gets its code in the same language.
    add_number_and_send_code(&server, "+14155552674", &[]).await;
    let body = verified(&gw.last());
    assert_eq!(body["recipient"], "+14155552674");
    german(&body);

    // The page's own language choice (onetime's app sends `locale` when `?lang=` picked one)
    // wins over the header there too.
    add_number_and_send_code(&server, "+14155552675", &[("locale", "es")]).await;
    let body = verified(&gw.last());
    assert_eq!(body["recipient"], "+14155552675");
    assert_eq!(body["locale"], "es");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("es tu código de Acme"),
        "{body}"
    );

    // A sign-in that names its locale (clerk-js does) wins over the browser's header.
    server.http = browser_speaking("de");
    let r = server
        .post(
            "/v1/client/sign_ins",
            &[("identifier", "+14155552673"), ("locale", "es-MX")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let r = server.prepare_sign_in(&r.str("id"), "phone_code").await;
    assert_eq!(r.status, 200, "{}", r.json);
    let body = verified(&gw.last());
    assert_eq!(body["locale"], "es-MX");
    let code = body["code"].as_str().unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "{code} es tu código de Acme. Caduca en 10 minutos."
        )),
        "{message}"
    );
}
