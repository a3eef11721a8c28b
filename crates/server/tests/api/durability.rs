//! Nothing answered is lost: the real `onetime-server` binary on a SQLite file, killed with
//! SIGKILL while sign-ups are in flight, keeps every sign-up it answered `complete`, with
//! `[database] synchronous` at `normal` (the default) and at `full`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use onetime_server::store::{DatabaseOptions, Store};

use crate::helpers::browser;
use crate::processes::{ServerProcess, sign_up_email};

async fn no_answered_sign_up_is_lost(synchronous: &str) {
    let dir = std::env::temp_dir().join("onetime-server-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let name = onetime_server::crypto::new_id("kill");
    let db = format!("sqlite://{}", dir.join(format!("{name}.db")).display());
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!("[database]\nsynchronous = \"{synchronous}\"\n"),
    )
    .unwrap();
    let mut server = ServerProcess::start_with(&db, Some(&config));
    let base = server.base.clone();

    // 16 browsers sign up back to back until the kill; each remembers what was answered.
    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop_at = Instant::now() + Duration::from_millis(1500);
    let mut tasks = Vec::new();
    for w in 0..16 {
        let (base, answered, name) = (base.clone(), Arc::clone(&answered), name.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0;
            loop {
                // A new cookie jar per sign-up, as a new browser has.
                let http = browser();
                let email = format!("{name}-{w}-{n}+clerk_test@example.com").to_lowercase();
                n += 1;
                match sign_up_email(&base, &http, &email).await {
                    Some(()) => answered.lock().unwrap().push(email),
                    // The server is gone (killed mid-flow): stop.
                    None if Instant::now() > stop_at => return,
                    None => {}
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // std's kill() is SIGKILL on Unix.
    server.child.kill().expect("SIGKILL the server");
    server.child.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() >= 20,
        "too few sign-ups before the kill to prove anything: {}",
        answered.len()
    );

    // Every answered sign-up is in the database after the kill...
    let store = Store::connect(&DatabaseOptions::new(db.clone()))
        .await
        .unwrap();
    let mut lost = Vec::new();
    for email in &answered {
        if store
            .ident_by_value("email_address", email)
            .await
            .unwrap()
            .is_none()
        {
            lost.push(email.clone());
        }
    }
    assert!(
        lost.is_empty(),
        "synchronous={synchronous}: {} of {} answered sign-ups lost after kill -9: {lost:?}",
        lost.len(),
        answered.len()
    );
    drop(store);

    // ... and a restarted server signs the last one in.
    let again = ServerProcess::start_with(&db, Some(&config));
    let http = browser();
    let last = answered.last().unwrap();
    let r = http
        .post(format!("{}/v1/client/sign_ins", again.base))
        .form(&[("identifier", last.as_str()), ("strategy", "email_code")])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["response"]["status"], "needs_first_factor", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_answered_sign_up_with_synchronous_normal() {
    no_answered_sign_up_is_lost("normal").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_answered_sign_up_with_synchronous_full() {
    no_answered_sign_up_is_lost("full").await;
}
