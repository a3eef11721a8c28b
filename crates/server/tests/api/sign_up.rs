//! Sign-up flows and the code rules.

use crate::helpers::{FailingSender, browser, spawn, spawn_app, spawn_app_with, test_config};
use std::sync::Arc;

fn attempt_path(id: &str) -> String {
    format!("/v1/client/sign_ups/{id}/attempt_verification")
}
fn prepare_path(id: &str) -> String {
    format!("/v1/client/sign_ups/{id}/prepare_verification")
}

both_backends!(phone_sign_up_with_a_real_code);
async fn phone_sign_up_with_a_real_code() {
    let app = spawn_app().await;
    let c = browser();
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups?__clerk_api_version=2026-05-12&_clerk_js_version=6.29.3",
            &[("phone_number", "+14155552671"), ("locale", "en-US")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.set_cookie.as_deref().unwrap().contains("HttpOnly"));
    assert!(r.set_cookie.as_deref().unwrap().contains("SameSite=Lax"));
    let su = &r.body["response"];
    assert_eq!(su["object"], "sign_up_attempt");
    assert!(su["id"].as_str().unwrap().starts_with("sua_"));
    assert_eq!(su["status"], "missing_requirements");
    assert_eq!(su["unverified_fields"][0], "phone_number");
    assert_eq!(
        su["verifications"]["phone_number"]["next_action"],
        "needs_prepare"
    );
    for k in ["email_address", "web3_wallet", "external_account"] {
        assert!(su["verifications"][k].is_null(), "{k} present and null");
    }
    assert_eq!(su["has_password"], false);
    assert_eq!(su["password_enabled"], false);
    assert_eq!(r.body["client"]["sign_up"]["id"], su["id"]);
    assert!(
        r.body["client"]["id"]
            .as_str()
            .unwrap()
            .starts_with("client_")
    );
    let id = r.id();

    let r = app
        .post(&c, &prepare_path(&id), &[("strategy", "phone_code")])
        .await;
    assert_eq!(r.status, 200);
    let v = &r.body["response"]["verifications"]["phone_number"];
    assert_eq!(v["status"], "unverified");
    assert_eq!(v["next_action"], "needs_attempt");
    assert_eq!(v["attempts"], 0);
    let expire_at = v["expire_at"].as_i64().unwrap();
    let now = onetime_server::clock::Clock::now_ms(&*app.clock);
    assert_eq!(expire_at - now, 600_000, "10 minutes, in ms");

    let code = app.code_for("+14155552671").await;
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let su = &r.body["response"];
    assert_eq!(su["status"], "complete");
    assert_eq!(su["verifications"]["phone_number"]["status"], "verified");
    let user_id = su["created_user_id"].as_str().unwrap();
    let sid = su["created_session_id"].as_str().unwrap();
    assert!(user_id.starts_with("user_") && sid.starts_with("sess_"));
    let client = &r.body["client"];
    assert_eq!(client["last_active_session_id"], sid);
    assert_eq!(client["sessions"][0]["id"], sid);
    assert_eq!(client["sessions"][0]["status"], "active");
    let user = &client["sessions"][0]["user"];
    assert_eq!(user["object"], "user");
    assert_eq!(user["id"], user_id);
    assert_eq!(user["phone_numbers"][0]["phone_number"], "+14155552671");
    assert_eq!(user["phone_numbers"][0]["object"], "phone_number");
    assert!(
        user["phone_numbers"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("idn_")
    );
    assert_eq!(
        user["primary_phone_number_id"],
        user["phone_numbers"][0]["id"]
    );
    assert_eq!(user["password_enabled"], false);
    // The session carries a token for clerk-js's cache.
    assert_eq!(
        client["sessions"][0]["last_active_token"]["object"],
        "token"
    );
}

both_backends!(phone_sign_up_with_clerk_test_number);
async fn phone_sign_up_with_clerk_test_number() {
    let app = spawn_app().await;
    let r = app.sign_up_phone(&browser(), "+12015550100").await;
    assert_eq!(r.body["response"]["status"], "complete");
    assert_eq!(
        app.sends_to("+12015550100").await,
        0,
        "nothing is sent for test numbers"
    );
}

both_backends!(email_sign_up);
async fn email_sign_up() {
    let app = spawn_app().await;
    let c = browser();
    let id = app
        .start_sign_up(&c, &[("email_address", "Jane@Example.com")], "email_code")
        .await;
    let code = app.code_for("jane@example.com").await;
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "email_code"), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["status"], "complete");
    assert_eq!(r.body["response"]["email_address"], "jane@example.com");
    let user = &r.body["client"]["sessions"][0]["user"];
    assert_eq!(
        user["email_addresses"][0]["email_address"],
        "jane@example.com"
    );
    // The answer shows the user and session the attempt itself wrote, without reading them
    // back: they must be what the store holds.
    let stored = app.get(&c, "/v1/client").await;
    assert_eq!(stored.body["response"], r.body["client"]);

    // +clerk_test addresses accept 424242 in dev mode.
    let c2 = browser();
    let id = app
        .start_sign_up(
            &c2,
            &[("email_address", "jane+clerk_test@example.com")],
            "email_code",
        )
        .await;
    let r = app
        .post(
            &c2,
            &attempt_path(&id),
            &[("strategy", "email_code"), ("code", "424242")],
        )
        .await;
    assert_eq!(r.body["response"]["status"], "complete", "{}", r.body);
}

both_backends!(sign_up_with_required_username);
async fn sign_up_with_required_username() {
    let app = spawn_app_with(|c| {
        c.instance.identifiers.username.enabled = true;
        c.instance.identifiers.username.required = true;
    })
    .await;
    let c = browser();
    let id = app
        .start_sign_up(&c, &[("phone_number", "+12015550101")], "phone_code")
        .await;
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    assert_eq!(r.status, 200);
    let su = &r.body["response"];
    assert_eq!(su["status"], "missing_requirements");
    assert_eq!(su["missing_fields"], serde_json::json!(["username"]));
    assert_eq!(su["required_fields"], serde_json::json!(["username"]));
    assert!(su["created_session_id"].is_null());
    assert_eq!(r.body["client"]["sessions"], serde_json::json!([]));

    // The same code again: it was used.
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    r.assert_error(400, "verification_already_verified");

    let r = app
        .post(
            &c,
            &format!("/v1/client/sign_ups/{id}?_method=PATCH"),
            &[("username", "Jane_Doe")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["status"], "complete");
    assert_eq!(r.body["response"]["username"], "jane_doe");
    assert_eq!(
        r.body["client"]["sessions"][0]["user"]["username"],
        "jane_doe"
    );

    // The username is now taken.
    app.sign_out(&c).await;
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups",
            &[("phone_number", "+12015550102"), ("username", "jane_doe")],
        )
        .await;
    r.assert_error(422, "form_identifier_exists");
    assert_eq!(r.param(), "username");
}

both_backends!(identifier_exists_and_format_errors);
async fn identifier_exists_and_format_errors() {
    let app = spawn_app().await;
    let c = browser();
    app.sign_up_phone(&c, "+12015550103").await;
    app.sign_out(&c).await;
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups",
            &[("phone_number", "+1 (201) 555-0103")],
        )
        .await;
    r.assert_error(422, "form_identifier_exists");
    assert_eq!(r.param(), "phone_number");

    for bad in ["12345", "+1201555010", "+0123456789", "+1abc5550100"] {
        let r = app
            .post(&c, "/v1/client/sign_ups", &[("phone_number", bad)])
            .await;
        r.assert_error(422, "form_param_format_invalid");
        assert_eq!(r.param(), "phone_number");
    }
    for bad in ["jane", "jane@", "@x.com", "a b@c.com", "a@b"] {
        let r = app
            .post(&c, "/v1/client/sign_ups", &[("email_address", bad)])
            .await;
        r.assert_error(422, "form_param_format_invalid");
        assert_eq!(r.param(), "email_address");
    }
}

both_backends!(prepare_and_attempt_param_errors);
async fn prepare_and_attempt_param_errors() {
    let app = spawn_app().await;
    let c = browser();
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups",
            &[("phone_number", "+12015550104")],
        )
        .await;
    let id = r.id();
    let r = app.post(&c, &prepare_path(&id), &[]).await;
    r.assert_error(422, "form_param_missing");
    assert_eq!(r.param(), "strategy");
    assert_eq!(
        r.body["meta"]["client"]["sign_up"]["id"],
        id.as_str(),
        "errors carry the client"
    );
    let r = app
        .post(&c, &prepare_path(&id), &[("strategy", "password")])
        .await;
    r.assert_error(422, "form_param_value_invalid");
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    r.assert_error(400, "verification_missing");
    app.post(&c, &prepare_path(&id), &[("strategy", "phone_code")])
        .await;
    let r = app
        .post(&c, &attempt_path(&id), &[("strategy", "phone_code")])
        .await;
    r.assert_error(422, "form_param_missing");
    assert_eq!(r.param(), "code");
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "")],
        )
        .await;
    r.assert_error(422, "form_param_missing");
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "12ab56")],
        )
        .await;
    r.assert_error(422, "form_param_format_invalid");
    // Email strategy on a phone-only sign-up.
    let r = app
        .post(&c, &prepare_path(&id), &[("strategy", "email_code")])
        .await;
    r.assert_error(400, "verification_strategy_invalid");
    // Without strategy the pending one is used.
    let r = app
        .post(&c, &attempt_path(&id), &[("code", "424242")])
        .await;
    assert_eq!(r.body["response"]["status"], "complete", "{}", r.body);
}

both_backends!(wrong_codes_then_failed_on_the_sixth_attempt);
async fn wrong_codes_then_failed_on_the_sixth_attempt() {
    let app = spawn_app().await;
    let c = browser();
    let id = app
        .start_sign_up(&c, &[("phone_number", "+14155550001")], "phone_code")
        .await;
    let code = app.code_for("+14155550001").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for n in 1..=5 {
        let r = app
            .post(
                &c,
                &attempt_path(&id),
                &[("strategy", "phone_code"), ("code", wrong)],
            )
            .await;
        r.assert_error(422, "form_code_incorrect");
        assert_eq!(r.param(), "code");
        let v = &r.body["meta"]["client"]["sign_up"]["verifications"]["phone_number"];
        assert_eq!(v["attempts"], n, "{}", r.body);
    }
    // The sixth attempt fails even with the right code.
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", &code)],
        )
        .await;
    r.assert_error(400, "verification_failed");
    let su = app.get(&c, &format!("/v1/client/sign_ups/{id}")).await;
    assert_eq!(
        su.body["response"]["verifications"]["phone_number"]["status"],
        "failed"
    );
    assert_eq!(su.body["response"]["status"], "missing_requirements");
}

both_backends!(resend_replaces_the_code_but_keeps_the_attempt_count);
async fn resend_replaces_the_code_but_keeps_the_attempt_count() {
    let app = spawn_app().await;
    let c = browser();
    let id = app
        .start_sign_up(&c, &[("phone_number", "+14155550002")], "phone_code")
        .await;
    let first = app.code_for("+14155550002").await;
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..3 {
        app.post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", wrong)],
        )
        .await;
    }
    app.clock.advance_secs(31);
    let r = app
        .post(&c, &prepare_path(&id), &[("strategy", "phone_code")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["response"]["verifications"]["phone_number"]["attempts"],
        3
    );
    let second = app.code_for("+14155550002").await;
    if first != second {
        let r = app
            .post(
                &c,
                &attempt_path(&id),
                &[("strategy", "phone_code"), ("code", &first)],
            )
            .await;
        r.assert_error(422, "form_code_incorrect");
    }
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", &second)],
        )
        .await;
    assert_eq!(r.body["response"]["status"], "complete", "{}", r.body);
}

both_backends!(expired_code);
async fn expired_code() {
    let app = spawn_app().await;
    let c = browser();
    let id = app
        .start_sign_up(&c, &[("phone_number", "+14155550003")], "phone_code")
        .await;
    let code = app.code_for("+14155550003").await;
    app.clock.advance_secs(601);
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", &code)],
        )
        .await;
    r.assert_error(400, "verification_expired");
    // A new code works.
    let r = app
        .post(&c, &prepare_path(&id), &[("strategy", "phone_code")])
        .await;
    assert_eq!(r.status, 200);
    let code = app.code_for("+14155550003").await;
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", &code)],
        )
        .await;
    assert_eq!(r.body["response"]["status"], "complete", "{}", r.body);
}

both_backends!(configured_code_lifetime_is_used);
async fn configured_code_lifetime_is_used() {
    let app = spawn_app_with(|c| c.instance.codes.lifetime_secs = 60).await;
    let c = browser();
    let id = app
        .start_sign_up(&c, &[("phone_number", "+14155550004")], "phone_code")
        .await;
    let code = app.code_for("+14155550004").await;
    app.clock.advance_secs(61);
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", &code)],
        )
        .await;
    r.assert_error(400, "verification_expired");
}

both_backends!(used_code_cannot_be_reused);
async fn used_code_cannot_be_reused() {
    let app = spawn_app().await;
    let c = browser();
    let id = app
        .start_sign_up(&c, &[("phone_number", "+14155550005")], "phone_code")
        .await;
    let code = app.code_for("+14155550005").await;
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, 200);
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", &code)],
        )
        .await;
    r.assert_error(400, "client_state_invalid");
    assert_eq!(
        r.body["meta"]["client"]["sessions"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "no second session"
    );
}

both_backends!(resend_cooldown_answers_429_with_retry_after);
async fn resend_cooldown_answers_429_with_retry_after() {
    let app = spawn_app().await;
    let c = browser();
    let id = app
        .start_sign_up(&c, &[("phone_number", "+14155550006")], "phone_code")
        .await;
    app.clock.advance_secs(10);
    let r = app
        .post(&c, &prepare_path(&id), &[("strategy", "phone_code")])
        .await;
    r.assert_error(429, "too_many_requests");
    assert_eq!(r.retry_after.as_deref(), Some("20"));
    assert_eq!(app.sends_to("+14155550006").await, 1);
    app.clock.advance_secs(20);
    let r = app
        .post(&c, &prepare_path(&id), &[("strategy", "phone_code")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.sends_to("+14155550006").await, 2);
}

both_backends!(per_identifier_send_limit);
async fn per_identifier_send_limit() {
    let app = spawn_app().await;
    let phone = "+14155550007";
    for _ in 0..5 {
        app.start_sign_up(&browser(), &[("phone_number", phone)], "phone_code")
            .await;
    }
    let c = browser();
    let r = app
        .post(&c, "/v1/client/sign_ups", &[("phone_number", phone)])
        .await;
    let r = app
        .post(&c, &prepare_path(&r.id()), &[("strategy", "phone_code")])
        .await;
    r.assert_error(429, "too_many_requests");
    let secs: u64 = r.retry_after.unwrap().parse().unwrap();
    assert!(secs > 0 && secs <= 600);
    assert_eq!(app.sends_to(phone).await, 5);
    app.clock.advance_secs(601);
    let r = app
        .post(&c, "/v1/client/sign_ups", &[("phone_number", phone)])
        .await;
    let r = app
        .post(&c, &prepare_path(&r.id()), &[("strategy", "phone_code")])
        .await;
    assert_eq!(r.status, 200);
}

both_backends!(racing_sign_ups_create_exactly_one_user);
async fn racing_sign_ups_create_exactly_one_user() {
    let app = spawn_app().await;
    let (a, b) = (browser(), browser());
    let ida = app
        .start_sign_up(&a, &[("phone_number", "+12015550150")], "phone_code")
        .await;
    let idb = app
        .start_sign_up(&b, &[("phone_number", "+12015550150")], "phone_code")
        .await;
    let form = [("strategy", "phone_code"), ("code", "424242")];
    let pa = attempt_path(&ida);
    let pb = attempt_path(&idb);
    let (ra, rb) = tokio::join!(app.post(&a, &pa, &form), app.post(&b, &pb, &form));
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(statuses, [200, 422], "{} / {}", ra.body, rb.body);
    let loser = if ra.status == 422 { ra } else { rb };
    loser.assert_error(422, "form_identifier_exists");
    assert_eq!(loser.param(), "phone_number");
}

both_backends!(delivery_failure_is_502_and_consumes_nothing);
async fn delivery_failure_is_502_and_consumes_nothing() {
    let clock = Arc::new(onetime_server::clock::ManualClock::new());
    let app = spawn(test_config(), Some(Arc::new(FailingSender)), clock).await;
    let c = browser();
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups",
            &[("phone_number", "+14155550008")],
        )
        .await;
    let id = r.id();
    for _ in 0..7 {
        // No cooldown and no budget consumed: every retry reaches the sender again.
        let r = app
            .post(&c, &prepare_path(&id), &[("strategy", "phone_code")])
            .await;
        r.assert_error(502, "delivery_failed");
        assert_eq!(
            r.body["meta"]["client"]["sign_up"]["verifications"]["phone_number"]["next_action"],
            "needs_prepare"
        );
    }
}

both_backends!(sign_up_while_signed_in_is_session_exists);
async fn sign_up_while_signed_in_is_session_exists() {
    let app = spawn_app().await;
    let c = browser();
    let done = app.sign_up_phone(&c, "+12015550105").await;
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups",
            &[("phone_number", "+12015550106")],
        )
        .await;
    r.assert_error(400, "session_exists");
    assert_eq!(
        r.body["errors"][0]["meta"]["session_id"],
        done.body["response"]["created_session_id"]
    );
}

both_backends!(other_clients_cannot_see_a_sign_up);
async fn other_clients_cannot_see_a_sign_up() {
    let app = spawn_app().await;
    let c = browser();
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups",
            &[("phone_number", "+12015550107")],
        )
        .await;
    let id = r.id();
    let r = app
        .get(&browser(), &format!("/v1/client/sign_ups/{id}"))
        .await;
    r.assert_error(404, "resource_not_found");
    let r = app
        .post(
            &browser(),
            &prepare_path(&id),
            &[("strategy", "phone_code")],
        )
        .await;
    r.assert_error(404, "resource_not_found");
    let r = app.get(&c, "/v1/client/sign_ups/sua_doesnotexist").await;
    r.assert_error(404, "resource_not_found");
    let r = app.get(&c, &format!("/v1/client/sign_ups/{id}")).await;
    assert_eq!(r.status, 200);
}

both_backends!(abandoned_after_a_day_without_activity);
async fn abandoned_after_a_day_without_activity() {
    let app = spawn_app().await;
    let c = browser();
    let id = app
        .start_sign_up(&c, &[("phone_number", "+12015550108")], "phone_code")
        .await;
    app.clock.advance_secs(24 * 3600 + 1);
    let r = app.get(&c, &format!("/v1/client/sign_ups/{id}")).await;
    assert_eq!(r.body["response"]["status"], "abandoned");
    let r = app
        .post(
            &c,
            &attempt_path(&id),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    r.assert_error(400, "client_state_invalid");
    // A new sign-up works.
    let r = app.sign_up_phone(&c, "+12015550108").await;
    assert_eq!(r.body["response"]["status"], "complete");
}
