//! Nothing answered is lost: the real `onetime-server` binary on a SQLite file, killed with
//! SIGKILL while sign-ups are in flight, keeps every sign-up it answered `complete`, with
//! `[database] synchronous` at `normal` (the default) and at `full`.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use onetime_server::store::{DatabaseOptions, Store};

/// The server binary, started in dev mode on a free port; its address read from its first line.
fn start(db: &str, config: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onetime-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--dev",
            "--database",
            db,
            "--config",
        ])
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start onetime-server");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    // Keep reading, so the server never writes to a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let base = line
        .trim()
        .strip_prefix("onetime-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, base)
}

/// One complete email sign-up with the test code; `Some(email)` once answered `complete`.
async fn sign_up(http: &reqwest::Client, base: &str, email: &str) -> Option<String> {
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let req = http.post(format!("{base}{path}")).form(&form);
        async move {
            let r = req.send().await.ok()?;
            if !r.status().is_success() {
                return None;
            }
            r.json::<serde_json::Value>().await.ok()
        }
    };
    let created = post(
        "/v1/client/sign_ups".into(),
        vec![("email_address", email.to_owned())],
    )
    .await?;
    let id = created["response"]["id"].as_str()?.to_owned();
    post(
        format!("/v1/client/sign_ups/{id}/prepare_verification"),
        vec![("strategy", "email_code".into())],
    )
    .await?;
    let done = post(
        format!("/v1/client/sign_ups/{id}/attempt_verification"),
        vec![("strategy", "email_code".into()), ("code", "424242".into())],
    )
    .await?;
    (done["response"]["status"] == "complete").then(|| email.to_owned())
}

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
    let (mut server, base) = start(&db, &config);

    // 16 browsers sign up back to back until the kill; each remembers what was answered.
    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop_at = Instant::now() + Duration::from_millis(1500);
    let mut tasks = Vec::new();
    for browser in 0..16 {
        let (base, answered, name) = (base.clone(), Arc::clone(&answered), name.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0;
            loop {
                // A new cookie jar per sign-up, as a new browser has.
                let http = reqwest::Client::builder()
                    .cookie_store(true)
                    .build()
                    .unwrap();
                let email = format!("{name}-{browser}-{n}+clerk_test@example.com").to_lowercase();
                n += 1;
                match sign_up(&http, &base, &email).await {
                    Some(email) => answered.lock().unwrap().push(email),
                    // The server is gone (killed mid-flow): stop.
                    None if Instant::now() > stop_at => return,
                    None => {}
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().expect("SIGKILL the server"); // std's kill() is SIGKILL on Unix
    server.wait().unwrap();
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
    let (mut again, base) = start(&db, &config);
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let last = answered.last().unwrap();
    let r = http
        .post(format!("{base}/v1/client/sign_ins"))
        .form(&[("identifier", last.as_str()), ("strategy", "email_code")])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["response"]["status"], "needs_first_factor", "{body}");
    again.kill().unwrap();
    again.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_answered_sign_up_with_synchronous_normal() {
    no_answered_sign_up_is_lost("normal").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_answered_sign_up_with_synchronous_full() {
    no_answered_sign_up_is_lost("full").await;
}
