//! `[protection]`: each defence against abuse, proven against the real router and database.

use crate::helpers::{Resp, TestApp, browser, into_resp, spawn_app, spawn_app_with};
use onetime_server::store::{DatabaseOptions, Store};

/// A NANP number outside Clerk's test range (`555-01NN`), so codes really go out and count.
fn real_phone(i: usize) -> String {
    format!("+1415555{:04}", 2000 + i)
}

/// Creates a sign-up for `phone` and prepares it, sending `X-Forwarded-For: xff` if given.
async fn sign_up_and_send(app: &TestApp, phone: &str, xff: Option<&str>) -> Resp {
    let c = browser();
    let r = app
        .post(&c, "/v1/client/sign_ups", &[("phone_number", phone)])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.id();
    let mut req = c
        .post(format!(
            "{}/v1/client/sign_ups/{id}/prepare_verification",
            app.base
        ))
        .form(&[("strategy", "phone_code")]);
    if let Some(xff) = xff {
        req = req.header("x-forwarded-for", xff);
    }
    into_resp(req.send().await.unwrap()).await
}

fn count_ok(answers: &[Resp]) -> usize {
    for r in answers.iter().filter(|r| r.status != 200) {
        r.assert_error(429, "too_many_requests");
        assert!(r.retry_after.is_some(), "{}", r.body);
    }
    answers.iter().filter(|r| r.status == 200).count()
}

both_backends!(sends_from_one_ip_share_one_budget_whatever_x_forwarded_for_says);
async fn sends_from_one_ip_share_one_budget_whatever_x_forwarded_for_says() {
    let app = spawn_app().await;
    let mut answers = Vec::new();
    for i in 0..45 {
        let spoofed = format!("203.0.113.{i}");
        answers.push(sign_up_and_send(&app, &real_phone(i), Some(&spoofed)).await);
    }
    assert_eq!(count_ok(&answers), 20, "sends_per_ip is 20 per hour");
    assert!(
        answers[20]
            .retry_after
            .as_deref()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 3000
    );
}

both_backends!(a_trusted_proxy_gives_each_client_its_own_budget);
async fn a_trusted_proxy_gives_each_client_its_own_budget() {
    let app = spawn_app_with(|c| c.instance.protection.trusted_proxies = 1).await;
    for (n, client) in ["198.51.100.7", "198.51.100.8"].iter().enumerate() {
        let mut answers = Vec::new();
        for i in 0..25 {
            // What the client wrote, then what the proxy saw: only the proxy's entry counts.
            let xff = format!("10.9.9.{i}, {client}");
            let phone = real_phone(100 * (n + 1) + i);
            answers.push(sign_up_and_send(&app, &phone, Some(&xff)).await);
        }
        assert_eq!(count_ok(&answers), 20, "client {client}");
    }
}

both_backends!(the_instance_wide_sms_budget_holds);
async fn the_instance_wide_sms_budget_holds() {
    let app = spawn_app_with(|c| c.instance.protection.sms_per_hour = 3).await;
    let mut answers = Vec::new();
    for i in 0..5 {
        answers.push(sign_up_and_send(&app, &real_phone(300 + i), None).await);
    }
    assert_eq!(count_ok(&answers), 3);
}

both_backends!(sms_goes_only_to_allowed_countries);
async fn sms_goes_only_to_allowed_countries() {
    let app = spawn_app_with(|c| c.instance.protection.sms_countries = vec!["US".into()]).await;
    let c = browser();
    // A UK mobile and a Canadian (NANP, area code 416) number: refused, nothing sent.
    for (phone, country) in [("+442071838750", "GB"), ("+14165550123", "CA")] {
        let r = app
            .post(&c, "/v1/client/sign_ups", &[("phone_number", phone)])
            .await;
        r.assert_error(422, "form_param_format_invalid");
        assert_eq!(r.param(), "phone_number");
        let long = r.body["errors"][0]["long_message"].as_str().unwrap();
        assert!(long.contains(country), "{long}");
        let r = app
            .post(&c, "/v1/client/sign_ins", &[("identifier", phone)])
            .await;
        r.assert_error(422, "form_param_format_invalid");
        assert_eq!(r.param(), "identifier");
        assert_eq!(app.sends_to(phone).await, 0);
    }
    let r = sign_up_and_send(&app, &real_phone(400), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

both_backends!(email_subaddresses_share_the_mailbox_budget);
async fn email_subaddresses_share_the_mailbox_budget() {
    let app = spawn_app().await;
    let mut answers = Vec::new();
    for i in 0..6 {
        let c = browser();
        let email = format!("victim+{i}@Example.COM");
        let r = app
            .post(&c, "/v1/client/sign_ups", &[("email_address", &email)])
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let id = r.id();
        let r = app
            .post(
                &c,
                &format!("/v1/client/sign_ups/{id}/prepare_verification"),
                &[("strategy", "email_code")],
            )
            .await;
        if i < 2 {
            // The accounts stay distinct: the first two addresses become two users.
            let code = app.code_for(&email.to_lowercase()).await;
            let done = app
                .post(
                    &c,
                    &format!("/v1/client/sign_ups/{id}/attempt_verification"),
                    &[("strategy", "email_code"), ("code", &code)],
                )
                .await;
            assert_eq!(done.body["response"]["status"], "complete", "{}", done.body);
        }
        answers.push(r);
    }
    assert_eq!(
        count_ok(&answers),
        5,
        "sends_per_identifier is 5 per mailbox"
    );
}

/// Sends `n` wrong codes to `path`; returns the error codes answered.
async fn wrong_codes(app: &TestApp, c: &reqwest::Client, path: &str, n: usize) -> Vec<String> {
    let mut codes = Vec::new();
    for _ in 0..n {
        let r = app
            .post(c, path, &[("strategy", "phone_code"), ("code", "111111")])
            .await;
        codes.push(r.code().to_owned());
    }
    codes
}

both_backends!(wrong_codes_over_many_sign_ins_lock_the_identifier);
async fn wrong_codes_over_many_sign_ins_lock_the_identifier() {
    let app = spawn_app().await;
    let phone = "+12015550180";
    app.sign_up_phone(&browser(), phone).await;
    // A sign-in opened before the attack, with the right code ready.
    let victim = browser();
    let r = app
        .post(
            &victim,
            "/v1/client/sign_ins",
            &[("identifier", phone), ("strategy", "phone_code")],
        )
        .await;
    let victim_path = format!("/v1/client/sign_ins/{}/attempt_first_factor", r.id());
    let mut answers = Vec::new();
    for _ in 0..21 {
        let c = browser();
        let r = app
            .post(
                &c,
                "/v1/client/sign_ins",
                &[("identifier", phone), ("strategy", "phone_code")],
            )
            .await;
        if r.status != 200 {
            answers.push(r.code().to_owned());
            continue;
        }
        let path = format!("/v1/client/sign_ins/{}/attempt_first_factor", r.id());
        answers.extend(wrong_codes(&app, &c, &path, 5).await);
    }
    let judged = answers
        .iter()
        .filter(|c| *c == "form_code_incorrect")
        .count();
    assert_eq!(judged, 100, "max_failures is 100: {answers:?}");
    assert_eq!(answers.last().map(String::as_str), Some("user_locked"));
    // Creating a sign-in and even the right code are refused while locked.
    let r = app
        .post(&browser(), "/v1/client/sign_ins", &[("identifier", phone)])
        .await;
    r.assert_error(403, "user_locked");
    let left = r.body["errors"][0]["meta"]["lockout_expires_in_seconds"]
        .as_u64()
        .unwrap();
    assert!((3500..=3600).contains(&left), "{left}");
    let r = app
        .post(
            &victim,
            &victim_path,
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    r.assert_error(403, "user_locked");
    // An hour later the identifier signs in again.
    app.clock.advance_secs(3601);
    let c = browser();
    let r = app
        .post(
            &c,
            "/v1/client/sign_ins",
            &[("identifier", phone), ("strategy", "phone_code")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            &c,
            &format!("/v1/client/sign_ins/{}/attempt_first_factor", r.id()),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    assert_eq!(r.body["response"]["status"], "complete", "{}", r.body);
}

both_backends!(wrong_codes_over_many_sign_ups_lock_the_identifier);
async fn wrong_codes_over_many_sign_ups_lock_the_identifier() {
    let app = spawn_app().await;
    let phone = "+12015550181";
    let mut answers = Vec::new();
    for _ in 0..21 {
        let c = browser();
        let id = app
            .start_sign_up(&c, &[("phone_number", phone)], "phone_code")
            .await;
        let path = format!("/v1/client/sign_ups/{id}/attempt_verification");
        answers.extend(wrong_codes(&app, &c, &path, 5).await);
    }
    let judged = answers
        .iter()
        .filter(|c| *c == "form_code_incorrect")
        .count();
    assert_eq!(judged, 100, "{answers:?}");
    assert_eq!(answers.last().map(String::as_str), Some("user_locked"));
    let c = browser();
    let id = app
        .start_sign_up(&c, &[("phone_number", phone)], "phone_code")
        .await;
    let r = app
        .post(
            &c,
            &format!("/v1/client/sign_ups/{id}/attempt_verification"),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    r.assert_error(403, "user_locked");
}

both_backends!(dev_mode_refuses_a_public_listen_address);
async fn dev_mode_refuses_a_public_listen_address() {
    let mut c = crate::helpers::test_config();
    c.listen = "0.0.0.0:0".parse().unwrap();
    let err = onetime_server::Application::build(c.clone())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("--dev-allow-public"), "{err}");
    c.dev_allow_public = true;
    crate::helpers::create_database(&c.database_url).await;
    assert!(onetime_server::Application::build(c).await.is_ok());
}

both_backends!(housekeeping_deletes_abandoned_rows_and_keeps_live_ones);
async fn housekeeping_deletes_abandoned_rows_and_keeps_live_ones() {
    let config = crate::helpers::test_config();
    let url = config.database_url.clone();
    let clock = std::sync::Arc::new(onetime_server::clock::ManualClock::new());
    let mut config = config;
    config.instance.protection.housekeeping_interval_secs = 1;
    let app = crate::helpers::spawn(config, None, clock).await;
    // A flood of cookie-less requests: each makes a client, a sign-up and a send record.
    for i in 0..10 {
        let r = sign_up_and_send(&app, &real_phone(500 + i), None).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let signed_in = browser();
    app.sign_up_phone(&signed_in, "+12015550182").await;
    let store = Store::connect(&DatabaseOptions::new(url)).await.unwrap();
    assert_eq!(store.count_rows("clients").await.unwrap(), 11);
    assert!(store.count_rows("code_sends").await.unwrap() >= 10);
    app.clock.advance_secs(3 * 24 * 3600);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(store.count_rows("sign_ups").await.unwrap(), 0);
    assert_eq!(store.count_rows("code_sends").await.unwrap(), 0);
    // Only the client with an active session is left, still signed in.
    assert_eq!(store.count_rows("clients").await.unwrap(), 1);
    let r = app.get(&signed_in, "/v1/client").await;
    assert_eq!(r.body["client"]["sessions"][0]["status"], "active");
}

both_backends!(mutations_from_foreign_origins_are_refused_before_any_state_changes);
async fn mutations_from_foreign_origins_are_refused_before_any_state_changes() {
    let config = crate::helpers::test_config();
    let url = config.database_url.clone();
    let mut config = config;
    config.instance.allowed_origins = vec!["https://app.example.com".into()];
    let clock = std::sync::Arc::new(onetime_server::clock::ManualClock::new());
    let app = crate::helpers::spawn(config, None, clock).await;
    let store = Store::connect(&DatabaseOptions::new(url)).await.unwrap();
    let own = app.base.clone();
    let send = |origin: Option<&str>, content_type: &str, body: &'static str| {
        let mut req = reqwest::Client::new()
            .post(format!("{}/v1/client/sign_ups", app.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        async move { req.send().await.unwrap() }
    };
    for origin in [
        "https://evil.example",
        "null",
        "https://app.example.com.evil.example",
    ] {
        let r = send(
            Some(origin),
            "application/x-www-form-urlencoded",
            "phone_number=%2B12015550190",
        )
        .await;
        assert!(
            r.headers().get("set-cookie").is_none(),
            "{origin}: no cookie"
        );
        into_resp(r).await.assert_error(403, "origin_invalid");
    }
    // A form posted as text/plain (a cross-site "simple request") is refused too.
    let r = send(None, "text/plain", "phone_number=+12015550190").await;
    assert_eq!(r.status(), 415);
    assert_eq!(
        store.count_rows("clients").await.unwrap(),
        0,
        "nothing written"
    );
    assert_eq!(store.count_rows("sign_ups").await.unwrap(), 0);
    // Same origin, an allowed origin, no Origin at all (curl, native apps), JSON: all fine.
    let form = "application/x-www-form-urlencoded";
    for origin in [Some(own.as_str()), Some("https://app.example.com"), None] {
        let r = send(origin, form, "phone_number=%2B12015550191").await;
        assert_eq!(r.status(), 200, "{origin:?}");
    }
    let r = send(
        None,
        "application/json",
        r#"{"phone_number":"+12015550192"}"#,
    )
    .await;
    assert_eq!(r.status(), 200);
    // A token for a foreign origin is never minted (no token, so no foreign `azp`).
    let c = browser();
    let up = app.sign_up_phone(&c, "+12015550193").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = c
        .post(format!("{}/v1/client/sessions/{sid}/tokens", app.base))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    into_resp(r).await.assert_error(403, "origin_invalid");
}

both_backends!(wildcard_and_null_origins_are_refused_at_start_up);
async fn wildcard_and_null_origins_are_refused_at_start_up() {
    for bad in ["*", "null"] {
        let mut c = crate::helpers::test_config();
        c.instance.allowed_origins = vec![bad.into()];
        let err = onetime_server::Application::build(c)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("allowed_origins") && err.contains(bad),
            "{err}"
        );
    }
}

/// The `__client` cookie value a response set.
fn client_cookie(r: &Resp) -> String {
    let set = r.set_cookie.as_deref().expect("a client cookie is set");
    let pair = set.split(';').next().unwrap();
    pair.split_once('=').unwrap().1.to_owned()
}

both_backends!(a_planted_cookie_never_sees_the_session_it_preceded);
async fn a_planted_cookie_never_sees_the_session_it_preceded() {
    let app = spawn_app().await;
    // The attacker makes a client and plants its cookie in the victim's browser.
    let attacker = browser();
    let r = app
        .post(
            &attacker,
            "/v1/client/sign_ups",
            &[("phone_number", "+12015550194")],
        )
        .await;
    let planted = client_cookie(&r);
    let sign_up = r.id();
    let plant = |c: &str| format!("__client={c}");
    // The victim completes the sign-up in that client: the answer carries a new cookie.
    let victim = reqwest::Client::new();
    let post = |path: String, form: Vec<(&'static str, &'static str)>, cookie: String| {
        let req = victim
            .post(format!("{}{path}", app.base))
            .header("cookie", cookie)
            .form(&form);
        async move { into_resp(req.send().await.unwrap()).await }
    };
    let r = post(
        format!("/v1/client/sign_ups/{sign_up}/prepare_verification"),
        vec![("strategy", "phone_code")],
        plant(&planted),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(
        format!("/v1/client/sign_ups/{sign_up}/attempt_verification"),
        vec![("strategy", "phone_code"), ("code", "424242")],
        plant(&planted),
    )
    .await;
    assert_eq!(r.body["response"]["status"], "complete", "{}", r.body);
    let fresh = client_cookie(&r);
    assert_ne!(fresh, planted, "a session gets a new client cookie");
    // The attacker's copy of the old cookie sees no client, let alone the session.
    let with = |cookie: String| {
        let req = reqwest::Client::new()
            .get(format!("{}/v1/client", app.base))
            .header("cookie", cookie);
        async move { into_resp(req.send().await.unwrap()).await }
    };
    let r = with(plant(&planted)).await;
    assert!(r.body["client"].is_null(), "{}", r.body);
    let r = with(plant(&fresh)).await;
    assert_eq!(r.body["client"]["sessions"][0]["status"], "active");
    // The same holds for sign-in.
    let r = post(
        "/v1/client/sessions?_method=DELETE".into(),
        vec![],
        plant(&fresh),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = client_cookie(&r);
    let r = post(
        "/v1/client/sign_ins".into(),
        vec![("identifier", "+12015550194"), ("strategy", "phone_code")],
        plant(&before),
    )
    .await;
    let path = format!("/v1/client/sign_ins/{}/attempt_first_factor", r.id());
    let r = post(
        path,
        vec![("strategy", "phone_code"), ("code", "424242")],
        plant(&before),
    )
    .await;
    assert_eq!(r.body["response"]["status"], "complete", "{}", r.body);
    assert_ne!(client_cookie(&r), before);
    assert!(with(plant(&before)).await.body["client"].is_null());
}

both_backends!(a_request_with_two_client_cookies_is_refused_and_both_are_cleared);
async fn a_request_with_two_client_cookies_is_refused_and_both_are_cleared() {
    let app = spawn_app().await;
    let c = browser();
    let r = app
        .post(
            &c,
            "/v1/client/sign_ups",
            &[("phone_number", "+12015550195")],
        )
        .await;
    let value = client_cookie(&r);
    let r = reqwest::Client::new()
        .get(format!("{}/v1/client", app.base))
        .header("cookie", format!("__client={value}; __Host-client={value}"))
        .send()
        .await
        .unwrap();
    let cleared: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("__client=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    into_resp(r)
        .await
        .assert_error(400, "client_cookie_invalid");
}

both_backends!(after_rotate_key_tokens_of_both_keys_verify);
async fn after_rotate_key_tokens_of_both_keys_verify() {
    let mut config = crate::helpers::test_config();
    config.signing_key_pem = None; // keys from the database, as in production
    let clock = std::sync::Arc::new(onetime_server::clock::ManualClock::new());
    let token = |app: &TestApp, c: reqwest::Client, sid: String| {
        let url = format!("{}/v1/client/sessions/{sid}/tokens", app.base);
        async move {
            let r = into_resp(c.post(url).send().await.unwrap()).await;
            r.body["jwt"].as_str().unwrap().to_owned()
        }
    };
    let app = crate::helpers::spawn(config.clone(), None, clock.clone()).await;
    let c = browser();
    let up = app.sign_up_phone(&c, "+12015550196").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let old = token(&app, c.clone(), sid.clone()).await;
    // The operator rotates with the real binary, then restarts the instance.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_onetime-server"))
        .args(["rotate-key", "--database", &config.database_url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Even before the restart, the running instance publishes the new key.
    let jwks = app.get(&browser(), "/.well-known/jwks.json").await.body;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2, "{jwks}");
    app.stop().await;
    let app = crate::helpers::spawn(config, None, clock).await;
    let new = token(&app, c.clone(), sid).await;
    let kid = |jwt: &str| jsonwebtoken::decode_header(jwt).unwrap().kid.unwrap();
    assert_ne!(
        kid(&old),
        kid(&new),
        "the restarted instance signs with the new key"
    );
    let jwks = app.get(&browser(), "/.well-known/jwks.json").await.body;
    for jwt in [&old, &new] {
        crate::helpers::verify_with_jwks(jwt, &jwks);
    }
}

both_backends!(the_served_app_gets_security_headers_and_a_hash_pinned_csp);
async fn the_served_app_gets_security_headers_and_a_hash_pinned_csp() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let dir = std::env::temp_dir().join(onetime_server::crypto::new_id("dist"));
    std::fs::create_dir_all(&dir).unwrap();
    let script = "console.log('boot')";
    std::fs::write(
        dir.join("index.html"),
        format!("<html><script>{script}</script><script src=/app.js></script></html>"),
    )
    .unwrap();
    for https in [false, true] {
        let d = dir.clone();
        let app = spawn_app_with(move |c| {
            c.static_dir = Some(d);
            if https {
                c.instance.public_url = Some("https://id.example.com".into());
            }
        })
        .await;
        let r = reqwest::get(format!("{}/sign-in", app.base)).await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        let hash = base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(script.as_bytes()));
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(script_src.contains(&format!("'sha256-{hash}'")), "{csp}");
        assert!(!script_src.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
        assert_eq!(h.contains_key("strict-transport-security"), https);
    }
}

/// The shape of a JSON value: object keys and leaf types, not the values.
fn skeleton(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), skeleton(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(skeleton).collect()),
        Value::String(_) => "string".into(),
        Value::Number(_) => "number".into(),
        Value::Bool(_) => "bool".into(),
        Value::Null => Value::Null,
    }
}

both_backends!(with_enumeration_protection_unknown_and_known_sign_ins_look_the_same);
async fn with_enumeration_protection_unknown_and_known_sign_ins_look_the_same() {
    let app = spawn_app_with(|c| c.instance.protection.enumeration_protection = true).await;
    let known = "+14155553001";
    let unknown = "+14155553002";
    // A real account with a name.
    let c = browser();
    let id = app
        .start_sign_up(
            &c,
            &[("phone_number", known), ("first_name", "Jane")],
            "phone_code",
        )
        .await;
    let code = app.code_for(known).await;
    let r = app
        .post(
            &c,
            &format!("/v1/client/sign_ups/{id}/attempt_verification"),
            &[("strategy", "phone_code"), ("code", &code)],
        )
        .await;
    assert_eq!(r.body["response"]["status"], "complete", "{}", r.body);
    let sends_before = app.sends_to(known).await;

    let mut seen = Vec::new();
    for phone in [known, unknown] {
        let c = browser();
        let created = app
            .post(
                &c,
                "/v1/client/sign_ins",
                &[("identifier", phone), ("strategy", "phone_code")],
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
        let si = &created.body["response"];
        assert!(
            si["user_data"]["first_name"].is_null(),
            "no names before the code: {si}"
        );
        let path = format!("/v1/client/sign_ins/{}/attempt_first_factor", created.id());
        let wrong = app
            .post(&c, &path, &[("strategy", "phone_code"), ("code", "111111")])
            .await;
        let again = app
            .post(&c, "/v1/client/sign_ins", &[("identifier", phone)])
            .await;
        seen.push((created, wrong, again));
    }
    let (k, u) = (&seen[0], &seen[1]);
    assert_eq!(
        skeleton(&k.0.body),
        skeleton(&u.0.body),
        "create: {} vs {}",
        k.0.body,
        u.0.body
    );
    assert_eq!(
        k.0.body["response"]["status"],
        u.0.body["response"]["status"]
    );
    let factor = |r: &Resp| r.body["response"]["supported_first_factors"][0].clone();
    assert_eq!(factor(&k.0)["strategy"], factor(&u.0)["strategy"]);
    assert_eq!(factor(&u.0)["safe_identifier"], "+1******3002");
    assert_eq!((k.1.status, k.1.code()), (u.1.status, u.1.code()));
    assert_eq!(u.1.code(), "form_code_incorrect");
    assert_eq!(skeleton(&k.1.body), skeleton(&u.1.body));
    // The decoy's identification id is stable across sign-ins, as a real one is.
    assert_eq!(
        factor(&u.0)["phone_number_id"],
        factor(&u.2)["phone_number_id"]
    );
    // Nothing goes to the unknown number; the known one gets its code (sent off the request path).
    assert_eq!(app.sends_to(unknown).await, 0);
    for _ in 0..50 {
        if app.sends_to(known).await > sends_before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(app.sends_to(known).await, sends_before + 1);
}
