//! Sign-in flows.

use crate::helpers::{browser, spawn_app};

fn prepare_path(id: &str) -> String {
    format!("/v1/client/sign_ins/{id}/prepare_first_factor")
}
fn attempt_path(id: &str) -> String {
    format!("/v1/client/sign_ins/{id}/attempt_first_factor")
}

both_backends!(phone_sign_in_right_after_sign_up);
async fn phone_sign_in_right_after_sign_up() {
    let app = spawn_app().await;
    let c = browser();
    let phone = "+14155552672";
    let up = app.sign_up_phone(&c, phone).await;
    let user_id = up.body["response"]["created_user_id"].clone();
    let r = app.sign_out(&c).await;
    assert_eq!(r.status, 200);

    let r = app
        .post(
            &c,
            "/v1/client/sign_ins?__clerk_api_version=2026-05-12",
            &[("identifier", phone), ("locale", "en-US")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let si = &r.body["response"];
    assert_eq!(si["object"], "sign_in_attempt");
    assert!(si["id"].as_str().unwrap().starts_with("sia_"));
    assert_eq!(si["status"], "needs_first_factor");
    assert_eq!(si["identifier"], phone);
    assert_eq!(
        si["supported_identifiers"],
        serde_json::json!(["phone_number", "email_address"])
    );
    let f = &si["supported_first_factors"][0];
    assert_eq!(f["strategy"], "phone_code");
    assert_eq!(f["safe_identifier"], "+1******2672");
    let pid = f["phone_number_id"].as_str().unwrap().to_owned();
    assert!(pid.starts_with("idn_"));
    assert!(si["first_factor_verification"].is_null());
    let id = r.id();

    let r = app
        .post(
            &c,
            &prepare_path(&id),
            &[("strategy", "phone_code"), ("phone_number_id", &pid)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = &r.body["response"]["first_factor_verification"];
    assert_eq!(v["status"], "unverified");
    assert_eq!(v["strategy"], "phone_code");
    // The answer reuses the user loaded to pick the phone: it must be what the store holds.
    assert_eq!(
        app.get(&c, "/v1/client").await.body["response"],
        r.body["client"]
    );
    let code = app.code_for(phone).await;
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let si = &r.body["response"];
    assert_eq!(si["status"], "complete");
    assert_eq!(si["first_factor_verification"]["status"], "verified");
    let sid = si["created_session_id"].as_str().unwrap();
    assert_eq!(r.body["client"]["last_active_session_id"], sid);
    assert_eq!(r.body["client"]["sessions"][0]["user"]["id"], user_id);
    assert_eq!(r.body["client"]["sessions"].as_array().unwrap().len(), 1);
    // The answer shows the sessions the attempt itself wrote, without reading them back: they
    // must be what the store holds.
    let stored = app.get(&c, "/v1/client").await;
    assert_eq!(stored.body["response"], r.body["client"]);
}

both_backends!(email_sign_in);
async fn email_sign_in() {
    let app = spawn_app().await;
    let c = browser();
    let id = app
        .start_sign_up(&c, &[("email_address", "sam@example.com")], "email_code")
        .await;
    let code = app.code_for("sam@example.com").await;
    app.post(
        &c,
        &format!("/v1/client/sign_ups/{id}/attempt_verification"),
        &[("strategy", "email_code"), ("code", &code)],
    )
    .await;
    app.sign_out(&c).await;

    let r = app
        .post(
            &c,
            "/v1/client/sign_ins",
            &[("identifier", "SAM@example.com")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let f = &r.body["response"]["supported_first_factors"][0];
    assert_eq!(f["strategy"], "email_code");
    assert_eq!(f["safe_identifier"], "s*****@example.com");
    let eid = f["email_address_id"].as_str().unwrap().to_owned();
    let id = r.id();
    let r = app
        .post(
            &c,
            &prepare_path(&id),
            &[("strategy", "email_code"), ("email_address_id", &eid)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let code = app.code_for("sam@example.com").await;
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "email_code"), ("code", &code)],
        )
        .await;
    assert_eq!(r.body["response"]["status"], "complete", "{}", r.body);
}

both_backends!(one_request_create_and_prepare);
async fn one_request_create_and_prepare() {
    let app = spawn_app().await;
    let c = browser();
    app.sign_up_phone(&c, "+12015550120").await;
    app.sign_out(&c).await;
    let r = app
        .post(
            &c,
            "/v1/client/sign_ins",
            &[("identifier", "+12015550120"), ("strategy", "phone_code")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["response"]["first_factor_verification"]["status"],
        "unverified"
    );
    let id = r.id();
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    assert_eq!(r.body["response"]["status"], "complete", "{}", r.body);
}

both_backends!(sign_in_errors);
async fn sign_in_errors() {
    let app = spawn_app().await;
    let c = browser();
    let r = app
        .post(&c, "/v1/client/sign_ins", &[("identifier", "+12015550199")])
        .await;
    r.assert_error(422, "form_identifier_not_found");
    assert_eq!(r.param(), "identifier");
    let r = app
        .post(
            &c,
            "/v1/client/sign_ins",
            &[("identifier", "nobody@example.com")],
        )
        .await;
    r.assert_error(422, "form_identifier_not_found");
    let r = app.post(&c, "/v1/client/sign_ins", &[]).await;
    r.assert_error(422, "form_param_missing");
    assert_eq!(r.param(), "identifier");
    let r = app
        .post(&c, "/v1/client/sign_ins", &[("identifier", "+1 abc")])
        .await;
    r.assert_error(422, "form_param_format_invalid");

    app.sign_up_phone(&c, "+12015550121").await;
    // Signed in: single-session mode.
    let r = app
        .post(&c, "/v1/client/sign_ins", &[("identifier", "+12015550121")])
        .await;
    r.assert_error(400, "session_exists");
    app.sign_out(&c).await;

    let r = app
        .post(&c, "/v1/client/sign_ins", &[("identifier", "+12015550121")])
        .await;
    let id = r.id();
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    r.assert_error(400, "verification_missing");
    let r = app
        .post(&c, &prepare_path(&id), &[("strategy", "email_code")])
        .await;
    r.assert_error(400, "strategy_for_user_invalid");
    let r = app
        .post(
            &c,
            &prepare_path(&id),
            &[("strategy", "phone_code"), ("phone_number_id", "idn_other")],
        )
        .await;
    r.assert_error(400, "strategy_for_user_invalid");
    let r = app
        .post(&c, &prepare_path(&id), &[("strategy", "phone_code")])
        .await;
    assert_eq!(r.status, 200);
    let r = app
        .post(&c, &prepare_path(&id), &[("strategy", "phone_code")])
        .await;
    r.assert_error(429, "too_many_requests");
    assert!(r.retry_after.is_some());
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "111111")],
        )
        .await;
    r.assert_error(422, "form_code_incorrect");
    assert_eq!(
        r.body["meta"]["client"]["sign_in"]["first_factor_verification"]["attempts"],
        1
    );
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    assert_eq!(r.status, 200);
    // Completed: further actions are refused.
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    r.assert_error(400, "client_state_invalid");
    let r = app
        .get(&browser(), &format!("/v1/client/sign_ins/{id}"))
        .await;
    r.assert_error(404, "resource_not_found");
    let r = app.get(&c, &format!("/v1/client/sign_ins/{id}")).await;
    assert_eq!(r.body["response"]["status"], "complete");
}

both_backends!(sign_in_wrong_code_limit);
async fn sign_in_wrong_code_limit() {
    let app = spawn_app().await;
    let c = browser();
    app.sign_up_phone(&c, "+12015550122").await;
    app.sign_out(&c).await;
    let r = app
        .post(
            &c,
            "/v1/client/sign_ins",
            &[("identifier", "+12015550122"), ("strategy", "phone_code")],
        )
        .await;
    let id = r.id();
    for _ in 0..5 {
        let r = app
            .post(
                &c,
                &attempt_path(&id),
                &[("strategy", "phone_code"), ("code", "000000")],
            )
            .await;
        r.assert_error(422, "form_code_incorrect");
    }
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    r.assert_error(400, "verification_failed");
    assert_eq!(
        r.body["meta"]["client"]["sign_in"]["first_factor_verification"]["status"],
        "failed"
    );
    // A new prepare does not reset the count.
    app.clock.advance_secs(31);
    let r = app
        .post(&c, &prepare_path(&id), &[("strategy", "phone_code")])
        .await;
    r.assert_error(400, "verification_failed");
    // A fresh sign-in is a new verification.
    let r = app
        .post(
            &c,
            "/v1/client/sign_ins",
            &[("identifier", "+12015550122"), ("strategy", "phone_code")],
        )
        .await;
    let id = r.id();
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    assert_eq!(r.body["response"]["status"], "complete");
}

both_backends!(username_sign_in_sends_to_the_users_phone);
async fn username_sign_in_sends_to_the_users_phone() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.instance.identifiers.username.enabled = true;
        c.instance.identifiers.username.sign_in = true;
    })
    .await;
    let c = browser();
    let id = app
        .start_sign_up(
            &c,
            &[("phone_number", "+12015550123"), ("username", "alice")],
            "phone_code",
        )
        .await;
    app.post(
        &c,
        &format!("/v1/client/sign_ups/{id}/attempt_verification"),
        &[("strategy", "phone_code"), ("code", "424242")],
    )
    .await;
    app.sign_out(&c).await;
    let r = app
        .post(&c, "/v1/client/sign_ins", &[("identifier", "Alice")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["response"]["supported_first_factors"][0]["strategy"],
        "phone_code"
    );
}
