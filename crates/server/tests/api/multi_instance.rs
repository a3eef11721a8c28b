//! Several instances on one database: every guarantee holds across processes because it lives in
//! the database (row versions, atomic send reservations, unique constraints), not in an
//! in-process lock. Each test runs on SQLite (two instances on one file) and on PostgreSQL.

use crate::helpers::{Resp, TestApp, browser, spawn, test_config};
use crate::processes::{ServerProcess, sign_up_email};
use futures::future::join_all;
use onetime_server::clock::ManualClock;
use onetime_server::config::Config;
use onetime_server::store::{DatabaseOptions, Store};
use std::sync::Arc;

/// Two instances sharing `config`'s database (and the same clock, secret and key).
async fn two_instances(config: Config) -> (TestApp, TestApp) {
    let clock = Arc::new(ManualClock::new());
    let a = spawn(config.clone(), None, clock.clone()).await;
    let b = spawn(config, None, clock).await;
    (a, b)
}

async fn store_of(config: &Config) -> Store {
    Store::connect(&DatabaseOptions::new(config.database_url.clone()))
        .await
        .unwrap()
}

/// `inst[i % 2]`: spreads requests over both instances.
fn pick<'a>(a: &'a TestApp, b: &'a TestApp, i: usize) -> &'a TestApp {
    if i.is_multiple_of(2) { a } else { b }
}

/// A user with `phone` (a test number: code 424242), signed up on `app` in a browser of its own.
async fn existing_user(app: &TestApp, phone: &str) {
    let c = browser();
    app.sign_up_phone(&c, phone).await;
}

/// Starts a sign-in for `phone` (code sent at once) on `app`; returns the sign-in id.
async fn start_sign_in(app: &TestApp, c: &reqwest::Client, phone: &str) -> String {
    let r = app
        .post(
            c,
            "/v1/client/sign_ins",
            &[("identifier", phone), ("strategy", "phone_code")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.id()
}

both_backends!(a_flow_started_on_one_instance_finishes_on_the_other);
async fn a_flow_started_on_one_instance_finishes_on_the_other() {
    let (a, b) = two_instances(test_config()).await;
    let c = browser();
    let id = a
        .start_sign_up(&c, &[("phone_number", "+12015550160")], "phone_code")
        .await;
    let r = b
        .post(
            &c,
            &format!("/v1/client/sign_ups/{id}/attempt_verification"),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["status"], "complete");
    // The session made on B is the client's on A too.
    let r = a.get(&c, "/v1/client").await;
    assert_eq!(r.body["client"]["sessions"][0]["status"], "active");
}

both_backends!(racing_sign_ups_across_instances_make_exactly_one_user);
async fn racing_sign_ups_across_instances_make_exactly_one_user() {
    let config = test_config();
    let (a, b) = two_instances(config.clone()).await;
    let phone = "+12015550161";
    let mut flows = Vec::new();
    for i in 0..24 {
        let c = browser();
        let id = pick(&a, &b, i)
            .start_sign_up(&c, &[("phone_number", phone)], "phone_code")
            .await;
        flows.push((c, id));
    }
    let answers: Vec<Resp> = join_all(flows.iter().enumerate().map(|(i, (c, id))| {
        let path = format!("/v1/client/sign_ups/{id}/attempt_verification");
        let app = pick(&a, &b, i + 1);
        async move {
            app.post(c, &path, &[("strategy", "phone_code"), ("code", "424242")])
                .await
        }
    }))
    .await;
    let complete = answers.iter().filter(|r| r.status == 200).count();
    for r in answers.iter().filter(|r| r.status != 200) {
        r.assert_error(422, "form_identifier_exists");
    }
    assert_eq!(complete, 1, "exactly one sign-up wins");
    assert_eq!(store_of(&config).await.count_users().await.unwrap(), 1);
}

both_backends!(the_right_code_sent_to_both_instances_at_once_signs_in_once);
async fn the_right_code_sent_to_both_instances_at_once_signs_in_once() {
    let (a, b) = two_instances(test_config()).await;
    let phone = "+12015550162";
    existing_user(&a, phone).await;
    for round in 0..5 {
        let c = browser();
        let id = start_sign_in(pick(&a, &b, round), &c, phone).await;
        let path = format!("/v1/client/sign_ins/{id}/attempt_first_factor");
        let form = [("strategy", "phone_code"), ("code", "424242")];
        let (ra, rb) = tokio::join!(a.post(&c, &path, &form), b.post(&c, &path, &form));
        let wins = [&ra, &rb].iter().filter(|r| r.status == 200).count();
        assert_eq!(wins, 1, "round {round}: {} / {}", ra.body, rb.body);
        let loser = if ra.status == 200 { &rb } else { &ra };
        assert!(loser.status >= 400, "{}", loser.body);
        let r = a.get(&c, "/v1/client").await;
        let sessions = r.body["client"]["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 1, "one session per sign-in: {}", r.body);
    }
}

both_backends!(concurrent_wrong_codes_across_instances_judge_at_most_max_attempts);
async fn concurrent_wrong_codes_across_instances_judge_at_most_max_attempts() {
    let (a, b) = two_instances(test_config()).await;
    let phone = "+12015550163";
    existing_user(&a, phone).await;
    let c = browser();
    let id = start_sign_in(&a, &c, phone).await;
    let path = format!("/v1/client/sign_ins/{id}/attempt_first_factor");
    let form = [("strategy", "phone_code"), ("code", "111111")];
    let answers: Vec<Resp> =
        join_all((0..12).map(|i| pick(&a, &b, i).post(&c, &path, &form))).await;
    let judged = answers
        .iter()
        .filter(|r| r.code() == "form_code_incorrect")
        .count();
    for r in &answers {
        assert!(
            r.code() == "form_code_incorrect" || r.code() == "verification_failed",
            "{}",
            r.body
        );
    }
    assert!(
        judged <= 5,
        "{judged} wrong codes judged, max_attempts is 5"
    );
    // The verification is spent: even the right code is refused now.
    let r = b
        .post(&c, &path, &[("strategy", "phone_code"), ("code", "424242")])
        .await;
    r.assert_error(400, "verification_failed");
}

both_backends!(the_send_budget_of_a_number_holds_across_instances);
async fn the_send_budget_of_a_number_holds_across_instances() {
    let config = test_config();
    let (a, b) = two_instances(config.clone()).await;
    // Not a test number: codes really go out (to each instance's dev outbox) and count.
    let phone = "+14155552671";
    let mut flows = Vec::new();
    for i in 0..12 {
        let c = browser();
        let r = pick(&a, &b, i)
            .post(&c, "/v1/client/sign_ups", &[("phone_number", phone)])
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        flows.push((c, r.id()));
    }
    let answers: Vec<Resp> = join_all(flows.iter().enumerate().map(|(i, (c, id))| {
        let path = format!("/v1/client/sign_ups/{id}/prepare_verification");
        let app = pick(&a, &b, i);
        async move { app.post(c, &path, &[("strategy", "phone_code")]).await }
    }))
    .await;
    let sent = answers.iter().filter(|r| r.status == 200).count();
    for r in answers.iter().filter(|r| r.status != 200) {
        r.assert_error(429, "too_many_requests");
        assert!(r.retry_after.is_some());
    }
    assert_eq!(sent, 5, "sends_per_identifier is 5");
    assert_eq!(a.sends_to(phone).await + b.sends_to(phone).await, 5);
    assert_eq!(store_of(&config).await.count_sends(phone).await.unwrap(), 5);
}

both_backends!(instances_started_at_once_share_one_signing_key);
async fn instances_started_at_once_share_one_signing_key() {
    let mut config = test_config();
    config.signing_key_pem = None; // generated by whichever instance starts first, then shared
    let clock = Arc::new(ManualClock::new());
    crate::helpers::create_database(&config.database_url).await;
    let (a, b) = tokio::join!(
        spawn(config.clone(), None, clock.clone()),
        spawn(config.clone(), None, clock.clone())
    );
    let c = browser();
    let up = a.sign_up_phone(&c, "+12015550164").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = a
        .post(&c, &format!("/v1/client/sessions/{sid}/tokens"), &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let jwt = r.body["jwt"].as_str().unwrap().to_owned();
    let jwks = b.get(&browser(), "/.well-known/jwks.json").await.body;
    crate::helpers::verify_with_jwks(&jwt, &jwks); // B verifies A's token
    // And B accepts A's client cookie: the session is B's to serve too.
    let r = b
        .post(&c, &format!("/v1/client/sessions/{sid}/tokens"), &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

both_backends!(sign_ups_answered_complete_survive_sigkill_of_their_instance);
/// Sign-ups run on two server processes sharing one database; one process is killed with
/// SIGKILL mid-load. Every sign-up that was answered `complete` (by either) is served by the
/// survivor: an answered write is committed before the answer leaves.
async fn sign_ups_answered_complete_survive_sigkill_of_their_instance() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let url = crate::helpers::fresh_database_url();
    crate::helpers::create_database(&url).await;
    let mut a = ServerProcess::start(&url);
    let b = ServerProcess::start(&url);
    let stop = AtomicBool::new(false);
    let acked_on_a = AtomicUsize::new(0);
    let acked = std::sync::Mutex::new(Vec::new());
    let worker = |w: usize| {
        let (stop, acked_on_a, acked) = (&stop, &acked_on_a, &acked);
        let base = if w.is_multiple_of(2) {
            a.base.clone()
        } else {
            b.base.clone()
        };
        async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) && n < 400 {
                n += 1;
                let c = browser();
                let email = format!("crash-w{w}-n{n}+clerk_test@example.com");
                if sign_up_email(&base, &c, &email).await.is_some() {
                    if w.is_multiple_of(2) {
                        acked_on_a.fetch_add(1, Ordering::SeqCst);
                    }
                    acked.lock().unwrap().push((c, email));
                }
            }
        }
    };
    let killer = async {
        while acked_on_a.load(Ordering::SeqCst) < 10 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        a.child.kill().expect("SIGKILL instance A");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        stop.store(true, Ordering::SeqCst);
    };
    tokio::join!(join_all((0..8).map(worker)), killer);
    let acked = acked.into_inner().unwrap();
    let on_a = acked_on_a.load(Ordering::SeqCst);
    eprintln!(
        "{} sign-ups answered complete, {on_a} of them by the killed instance",
        acked.len()
    );
    assert!(on_a >= 10);
    let mut lost = Vec::new();
    for (c, email) in &acked {
        let r = c.get(format!("{}/v1/client", b.base)).send().await.unwrap();
        let body: serde_json::Value = r.json().await.unwrap();
        let session = &body["client"]["sessions"][0];
        if session["status"] != "active"
            || session["user"]["email_addresses"][0]["email_address"] != email.as_str()
        {
            lost.push(email.clone());
        }
    }
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged sign-ups lost: {lost:?}",
        lost.len(),
        acked.len()
    );
}
