//! Environment, empty client, dev outbox availability, configuration.

use crate::helpers::{browser, spawn_app, spawn_app_with};

both_backends!(environment_is_bare_and_reflects_default_config);
async fn environment_is_bare_and_reflects_default_config() {
    let app = spawn_app().await;
    let r = app
        .get(
            &browser(),
            "/v1/environment?__clerk_api_version=2026-05-12&_clerk_js_version=6.29.3",
        )
        .await;
    assert_eq!(r.status, 200);
    let env = &r.body;
    assert_eq!(env["object"], "environment");
    assert!(env.get("response").is_none(), "bare, no envelope");
    let attrs = &env["user_settings"]["attributes"];
    assert_eq!(attrs["phone_number"]["enabled"], true);
    assert_eq!(attrs["phone_number"]["used_for_first_factor"], true);
    assert_eq!(attrs["phone_number"]["first_factors"][0], "phone_code");
    assert_eq!(attrs["email_address"]["enabled"], true);
    assert_eq!(attrs["email_address"]["first_factors"][0], "email_code");
    assert_eq!(attrs["username"]["enabled"], false);
    assert_eq!(attrs["password"]["enabled"], false);
    assert_eq!(env["auth_config"]["test_mode"], true);
    assert_eq!(env["display_config"]["application_name"], "onetime");
    assert_eq!(env["display_config"]["resend_cooldown_seconds"], 30);
    assert_eq!(env["display_config"]["code_length"], 6);
    assert!(env.get("commerce_settings").is_none());
}

both_backends!(environment_accepts_post_with_method_patch);
async fn environment_accepts_post_with_method_patch() {
    let app = spawn_app().await;
    let r = app
        .post(
            &browser(),
            "/v1/environment?_method=PATCH&__clerk_api_version=2026-05-12",
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["object"], "environment");
}

both_backends!(environment_reflects_a_custom_config);
async fn environment_reflects_a_custom_config() {
    let app = spawn_app_with(|c| {
        c.instance.app_name = "Acme".into();
        c.instance.identifiers.username.enabled = true;
        c.instance.identifiers.username.required = true;
        c.instance.identifiers.email_address.enabled = false;
        c.instance.identifiers.email_address.sign_in = false;
    })
    .await;
    let env = app.get(&browser(), "/v1/environment").await.body;
    assert_eq!(env["display_config"]["application_name"], "Acme");
    assert_eq!(
        env["user_settings"]["attributes"]["username"]["required"],
        true
    );
    assert_eq!(
        env["user_settings"]["attributes"]["email_address"]["enabled"],
        false
    );
    // ...and the handlers enforce it.
    let r = app
        .post(
            &browser(),
            "/v1/client/sign_ups",
            &[("email_address", "a@example.com")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
}

both_backends!(client_without_cookie_is_200_with_nulls);
async fn client_without_cookie_is_200_with_nulls() {
    let app = spawn_app().await;
    let r = app
        .get(&browser(), "/v1/client?__clerk_api_version=2026-05-12")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        serde_json::json!({"response": null, "client": null})
    );
}

both_backends!(dev_outbox_exists_only_in_dev_mode);
async fn dev_outbox_exists_only_in_dev_mode() {
    let dev = spawn_app().await;
    let c = browser();
    dev.post(
        &c,
        "/v1/client/sign_ups",
        &[("email_address", "real@example.com")],
    )
    .await;
    let id = dev.get(&c, "/v1/client").await.body["client"]["sign_up"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = dev
        .post(
            &c,
            &format!("/v1/client/sign_ups/{id}/prepare_verification"),
            &[("strategy", "email_code")],
        )
        .await;
    assert_eq!(r.status, 200);
    let outbox = dev.get(&browser(), "/dev/outbox").await;
    let e = &outbox.body[0];
    assert_eq!(e["channel"], "email");
    assert_eq!(e["recipient"], "real@example.com");
    assert_eq!(e["code"].as_str().unwrap().len(), 6);
    assert!(e["created_at"].as_i64().unwrap() > 1_600_000_000_000);
    let code = e["code"].as_str().unwrap();
    assert!(
        e["subject"].as_str().unwrap().starts_with(code),
        "the subject a real sender would use: {e}"
    );
    assert!(e["message"].as_str().unwrap().contains(code), "{e}");

    // The outbox shows what a real sender would deliver, in the client's language.
    dev.start_sign_up(
        &c,
        &[("phone_number", "+14155552671"), ("locale", "de-DE")],
        "phone_code",
    )
    .await;
    let outbox = dev.get(&browser(), "/dev/outbox").await;
    let e = &outbox.body[0];
    assert_eq!(e["recipient"], "+14155552671");
    assert_eq!(e["locale"], "de-DE");
    assert!(e.get("subject").is_none(), "an SMS has no subject: {e}");
    let code = e["code"].as_str().unwrap();
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{code} ist dein ")),
        "German SMS text: {e}"
    );

    let prod = spawn_app_with(|c| c.dev = false).await;
    let r = prod.get(&browser(), "/dev/outbox").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        prod.get(&browser(), "/v1/environment").await.body["auth_config"]["test_mode"],
        false
    );
}

both_backends!(test_identifiers_are_ordinary_outside_dev_mode);
async fn test_identifiers_are_ordinary_outside_dev_mode() {
    let app = spawn_app_with(|c| c.dev = false).await;
    let c = browser();
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups",
            &[("phone_number", "+12015550100")],
        )
        .await;
    let id = r.id();
    // No delivery backend configured: a clear 502, not a silent 424242.
    let r = app
        .post(
            &c,
            &format!("/v1/client/sign_ups/{id}/prepare_verification"),
            &[("strategy", "phone_code")],
        )
        .await;
    r.assert_error(502, "delivery_failed");
    let r = app
        .post(
            &c,
            &format!("/v1/client/sign_ups/{id}/attempt_verification"),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    r.assert_error(400, "verification_missing");
}

both_backends!(state_and_signing_key_survive_a_restart);
async fn state_and_signing_key_survive_a_restart() {
    let mut config = crate::helpers::test_config();
    config.signing_key_pem = None; // generated on first start and stored
    let clock = std::sync::Arc::new(onetime_server::clock::ManualClock::new());
    let app = crate::helpers::spawn(config.clone(), None, clock.clone()).await;
    let c = browser();
    app.sign_up_phone(&c, "+12015550142").await;
    let kid1 = app.get(&c, "/.well-known/jwks.json").await.body["keys"][0]["kid"].clone();
    app.stop().await;

    let app = crate::helpers::spawn(config, None, clock).await;
    let r = app.get(&c, "/v1/client").await; // the same cookie jar
    assert_eq!(
        r.body["client"]["sessions"][0]["status"], "active",
        "{}",
        r.body
    );
    let kid2 = app.get(&c, "/.well-known/jwks.json").await.body["keys"][0]["kid"].clone();
    assert_eq!(kid1, kid2);
}

both_backends!(static_dir_is_served_with_spa_fallback);
async fn static_dir_is_served_with_spa_fallback() {
    let dir = std::env::temp_dir().join(onetime_server::crypto::new_id("dist"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<html>app</html>").unwrap();
    std::fs::write(dir.join("app.js"), "console.log(1)").unwrap();
    let d = dir.clone();
    let app = spawn_app_with(move |c| c.static_dir = Some(d)).await;
    let c = reqwest::Client::new();
    let r = c.get(format!("{}/app.js", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "console.log(1)");
    let r = c
        .get(format!("{}/sign-in/verify", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "<html>app</html>");
    // The API keeps its own 404s.
    let r = app.get(&browser(), "/v1/does-not-exist").await;
    r.assert_error(404, "resource_not_found");
}

both_backends!(cookie_is_secure_behind_https);
async fn cookie_is_secure_behind_https() {
    let app = spawn_app().await;
    let r = reqwest::Client::new()
        .post(format!("{}/v1/client/sign_ups", app.base))
        .header("x-forwarded-proto", "https")
        .form(&[("phone_number", "+12015550170")])
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    // Secure cookies take the __Host- prefix (no Domain, Path=/: no sibling subdomain can plant one).
    assert!(cookie.starts_with("__Host-client=client_"), "{cookie}");
    assert!(
        cookie.contains("; Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
    );
    let r = reqwest::Client::new()
        .post(format!("{}/v1/client/sign_ups", app.base))
        .form(&[("phone_number", "+12015550171")])
        .send()
        .await
        .unwrap();
    assert!(
        !r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
}

both_backends!(secret_is_required_outside_dev_mode);
async fn secret_is_required_outside_dev_mode() {
    let mut c = crate::helpers::test_config();
    c.dev = false;
    c.secret = None;
    let err = onetime_server::Application::build(c)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("ONETIME_SECRET"), "{err}");
}

both_backends!(taken_port_is_a_clear_error);
async fn taken_port_is_a_clear_error() {
    let app = spawn_app().await;
    let mut c = crate::helpers::test_config();
    c.listen = app.base.trim_start_matches("http://").parse().unwrap();
    let err = onetime_server::Application::build(c)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("is already in use"), "{err}");
}

both_backends!(display_urls_are_absolute);
async fn display_urls_are_absolute() {
    let app = spawn_app().await;
    let dc = app.get(&browser(), "/v1/environment").await.body["display_config"].clone();
    assert_eq!(dc["home_url"], "http://localhost:8080");
    assert_eq!(dc["sign_in_url"], "http://localhost:8080/sign-in");
    assert_eq!(dc["sign_up_url"], "http://localhost:8080/sign-up");
}

both_backends!(codes_have_the_configured_length_everywhere);
async fn codes_have_the_configured_length_everywhere() {
    let app = spawn_app_with(|c| c.instance.codes.length = 8).await;
    let env = app.get(&browser(), "/v1/environment").await.body;
    assert_eq!(env["display_config"]["code_length"], 8);

    // A real code from the outbox has 8 digits; 6 digits are refused as a format error.
    let c = browser();
    let email = "eight.digits@example.com";
    let id = app
        .start_sign_up(&c, &[("email_address", email)], "email_code")
        .await;
    let code = app.code_for(email).await;
    assert_eq!(code.len(), 8, "{code}");
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    let attempt = format!("/v1/client/sign_ups/{id}/attempt_verification");
    let r = app
        .post(
            &c,
            &attempt,
            &[("strategy", "email_code"), ("code", &code[..6])],
        )
        .await;
    r.assert_error(422, "form_param_format_invalid");
    assert_eq!(r.param(), "code");
    assert!(
        r.body["errors"][0]["long_message"]
            .as_str()
            .unwrap()
            .contains("8-digit"),
        "{}",
        r.body
    );
    let r = app
        .post(&c, &attempt, &[("strategy", "email_code"), ("code", &code)])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["status"], "complete");

    // Test numbers take the test code at the same length.
    let c = browser();
    let id = app
        .start_sign_up(&c, &[("phone_number", "+12015550188")], "phone_code")
        .await;
    let r = app
        .post(
            &c,
            &format!("/v1/client/sign_ups/{id}/attempt_verification"),
            &[("strategy", "phone_code"), ("code", "42424242")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["status"], "complete");
}
