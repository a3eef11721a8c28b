//! Bad input never panics and never yields 500: FAPI-shaped 4xx.

use crate::helpers::{browser, into_resp, spawn_app};

both_backends!(garbage_and_huge_bodies_are_4xx_in_the_error_shape);
async fn garbage_and_huge_bodies_are_4xx_in_the_error_shape() {
    let app = spawn_app().await;
    let c = browser();
    let url = format!("{}/v1/client/sign_ups", app.base);
    // Duplicate keys / invalid UTF-8 percent-escapes.
    for body in [
        &b"phone_number=1&phone_number=2"[..],
        b"phone_number=%FF%FE",
        b"\xff\xfe\x00=\x01",
        b"phone_number=%%%",
        b"a=%G1",
    ] {
        let r = into_resp(
            c.post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.to_vec())
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!((400..500).contains(&r.status), "{} {}", r.status, r.body);
        assert!(r.body["errors"][0]["code"].is_string());
    }
    // Huge body.
    let big = format!("phone_number={}", "9".repeat(200_000));
    let r = into_resp(
        c.post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_error(413, "form_param_format_invalid");
    // Huge value within the body limit.
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups",
            &[("phone_number", &"+1".repeat(5_000))],
        )
        .await;
    r.assert_error(422, "form_param_format_invalid");
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups",
            &[(
                "email_address",
                &format!("{}@example.com", "a".repeat(30_000)),
            )],
        )
        .await;
    r.assert_error(422, "form_param_format_invalid");
    let r = app
        .post(
            &c,
            "/v1/client/sign_ins",
            &[("identifier", &"x".repeat(30_000))],
        )
        .await;
    r.assert_error(422, "form_param_format_invalid");
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups",
            &[
                ("first_name", &"x".repeat(30_000)),
                ("phone_number", "+12015550160"),
            ],
        )
        .await;
    r.assert_error(422, "form_param_format_invalid");
    // Malformed JSON with a JSON content type.
    let r = into_resp(
        c.post(&url)
            .header("content-type", "application/json")
            .body("{nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_error(422, "form_param_format_invalid");
}

both_backends!(unknown_params_and_empty_strings);
async fn unknown_params_and_empty_strings() {
    let app = spawn_app().await;
    let c = browser();
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups?__clerk_api_version=2026-05-12&_clerk_js_version=6.29.3&_clerk_session_id=sess_x&whatever=1",
            &[("phone_number", "+12015550161"), ("email_address", ""), ("locale", "en-US"), ("legal_accepted", "false"), ("unsafe_metadata", "{\"a\":1}")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body["response"]["email_address"].is_null(),
        "empty string means null"
    );
    // Empty strategy is "missing".
    let id = r.id();
    let r = app
        .post(
            &c,
            &format!("/v1/client/sign_ups/{id}/prepare_verification"),
            &[("strategy", "")],
        )
        .await;
    r.assert_error(422, "form_param_missing");
}

both_backends!(unknown_routes_and_methods);
async fn unknown_routes_and_methods() {
    let app = spawn_app().await;
    let c = browser();
    let r = app.get(&c, "/v1/nope").await;
    r.assert_error(404, "resource_not_found");
    let r = app.get(&c, "/v1/client/sign_ins").await;
    assert_eq!(r.status, 405);
    assert!(r.body["errors"][0]["code"].is_string());
    let r = app
        .post(&c, "/v1/client/sessions/sess_nope/tokens", &[])
        .await;
    r.assert_error(404, "resource_not_found");
    let r = app
        .post(&c, "/v1/client/sessions?_method=DELETE", &[])
        .await;
    r.assert_error(400, "client_not_found");
}

both_backends!(real_patch_and_json_bodies_work_too);
async fn real_patch_and_json_bodies_work_too() {
    let app = spawn_app().await;
    let c = browser();
    let r = into_resp(
        c.post(format!("{}/v1/client/sign_ups", app.base))
            .json(&serde_json::json!({"phone_number": "+12015550162"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.id();
    let r = app
        .call(
            &c,
            "PATCH",
            &format!("/v1/client/sign_ups/{id}"),
            &[("first_name", "Ann")],
        )
        .await;
    assert_eq!(r.body["response"]["first_name"], "Ann", "{}", r.body);
}

both_backends!(cors_allows_configured_origins_only);
async fn cors_allows_configured_origins_only() {
    let app = spawn_app().await;
    let c = reqwest::Client::new();
    let r = c
        .get(format!("{}/v1/client", app.base))
        .header("origin", "http://localhost:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
    assert_eq!(r.headers()["access-control-allow-credentials"], "true");
    assert!(
        r.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("retry-after")
    );
    let r = c
        .get(format!("{}/v1/client", app.base))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}
