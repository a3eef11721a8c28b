//! Test harness: a real server on 127.0.0.1:0 with its own database (a temporary SQLite file, or
//! a fresh database on the PostgreSQL server named by `ONETIME_TEST_POSTGRES_URL`), and an HTTP
//! client with a cookie store.
//!
//! Every API test runs on both backends: `both_backends!(name);` above `async fn name()` makes
//! the tests `name::sqlite` and `name::postgres`, and the harness reads which one is running.

#![allow(dead_code)]

use onetime_server::store::Backend;

use onetime_server::clock::ManualClock;
use onetime_server::config::Config;
use onetime_server::delivery::CodeSender;
use onetime_server::{Application, Deps};
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// A running test server.
pub struct TestApp {
    pub base: String,
    pub clock: Arc<ManualClock>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

/// One HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<String>,
    pub set_cookie: Option<String>,
}

impl Resp {
    /// `errors[0].code` (empty when not an error).
    pub fn code(&self) -> &str {
        self.body["errors"][0]["code"].as_str().unwrap_or("")
    }
    /// `errors[0].meta.param_name`.
    pub fn param(&self) -> &str {
        self.body["errors"][0]["meta"]["param_name"]
            .as_str()
            .unwrap_or("")
    }
    /// `response.id`.
    pub fn id(&self) -> String {
        self.body["response"]["id"]
            .as_str()
            .expect("response.id")
            .to_owned()
    }
    /// Asserts an error in FAPI shape.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.code(), code, "body: {}", self.body);
        assert!(
            self.body["errors"][0]["message"].is_string(),
            "{}",
            self.body
        );
        assert!(
            self.body["errors"][0]["long_message"].is_string(),
            "{}",
            self.body
        );
        assert!(self.body["clerk_trace_id"].is_string(), "{}", self.body);
    }
}

fn test_key() -> String {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| onetime_server::signing::generate_rsa_pem().unwrap())
        .clone()
}

/// Where the suite finds the PostgreSQL server (`cargo xtask test` starts a throwaway one).
pub const POSTGRES_URL_VAR: &str = "ONETIME_TEST_POSTGRES_URL";

tokio::task_local! {
    static BACKEND: Backend;
}

/// Makes `name::sqlite` and `name::postgres` tests that run `async fn name()` on each backend.
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                $crate::helpers::on_backend(onetime_server::store::Backend::Sqlite, super::$name())
                    .await
            }
            #[tokio::test]
            async fn postgres() {
                $crate::helpers::on_backend(
                    onetime_server::store::Backend::Postgres,
                    super::$name(),
                )
                .await
            }
        }
    };
}

/// Runs a test body with `backend` as the backend of every server it spawns.
pub async fn on_backend(backend: Backend, test: impl std::future::Future<Output = ()>) {
    BACKEND.scope(backend, test).await
}

/// The backend of the running test (SQLite outside [`on_backend`]).
pub fn backend() -> Backend {
    BACKEND.try_with(|b| *b).unwrap_or(Backend::Sqlite)
}

fn temp_db() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("onetime-server-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}.db", onetime_server::crypto::new_id("test")))
}

/// A database URL nobody else uses, on the running test's backend. A PostgreSQL database is
/// created by [`create_database`] (called by the spawn helpers).
pub fn fresh_database_url() -> String {
    match backend() {
        Backend::Sqlite => format!("sqlite://{}", temp_db().display()),
        Backend::Postgres => {
            let server = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
                panic!(
                    "{POSTGRES_URL_VAR} is not set: run `cargo xtask test` (it starts a throwaway \
                     PostgreSQL), or set it to postgres://USER@HOST:PORT/postgres of a server \
                     where USER may CREATE DATABASE"
                )
            });
            let (base, _) = server.rsplit_once('/').expect("URL with a database path");
            let name = onetime_server::crypto::new_id("test").to_lowercase();
            format!("{base}/{name}")
        }
    }
}

/// Creates the PostgreSQL database a [`fresh_database_url`] names (nothing for SQLite).
pub async fn create_database(url: &str) {
    if !url.starts_with("postgres") {
        return;
    }
    use sqlx::Connection as _;
    let (base, name) = url.rsplit_once('/').unwrap();
    let mut admin = sqlx::PgConnection::connect(&format!("{base}/postgres"))
        .await
        .expect("connect to the test PostgreSQL server");
    // A second instance on the same database finds it there (42P04 duplicate_database).
    if let Err(e) = sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
    {
        let duplicate = e
            .as_database_error()
            .is_some_and(|d| d.code().as_deref() == Some("42P04"));
        assert!(duplicate, "CREATE DATABASE {name}: {e}");
    }
}

/// A test configuration: dev mode, port 0, fresh database, shared test key.
pub fn test_config() -> Config {
    let mut c = Config::new();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.database_url = fresh_database_url();
    c.database_max_connections = Some(4);
    c.dev = true;
    c.secret = Some("test-secret-test-secret-test-secret-0123".into());
    c.signing_key_pem = Some(test_key());
    c
}

/// Dev-mode server with the default instance configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Dev-mode server with a customised configuration.
pub async fn spawn_app_with(f: impl FnOnce(&mut Config)) -> TestApp {
    let mut c = test_config();
    f(&mut c);
    spawn(c, None, Arc::new(ManualClock::new())).await
}

/// Server with an explicit config, sender and clock.
pub async fn spawn(
    config: Config,
    sender: Option<Arc<dyn CodeSender>>,
    clock: Arc<ManualClock>,
) -> TestApp {
    create_database(&config.database_url).await;
    let app = Application::build_with(
        config,
        Deps {
            clock: clock.clone(),
            sender,
        },
    )
    .await
    .expect("build app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        app.run_until(async move {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    TestApp {
        base,
        clock,
        shutdown: Some(tx),
        handle: Some(handle),
    }
}

/// A browser-like client with a cookie store.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

impl TestApp {
    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
    }

    /// A request; `method` is GET, POST, PATCH or DELETE; `form` is sent urlencoded.
    pub async fn call(
        &self,
        c: &reqwest::Client,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> Resp {
        let url = format!("{}{}", self.base, path);
        let req = match method {
            "GET" => c.get(&url),
            "POST" => c.post(&url).form(form),
            "PATCH" => c.patch(&url).form(form),
            "DELETE" => c.delete(&url),
            other => panic!("method {other}"),
        };
        into_resp(req.send().await.expect("request")).await
    }

    /// POST with a form.
    pub async fn post(&self, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> Resp {
        self.call(c, "POST", path, form).await
    }

    /// GET.
    pub async fn get(&self, c: &reqwest::Client, path: &str) -> Resp {
        self.call(c, "GET", path, &[]).await
    }

    /// The newest code sent to `recipient` (from `GET /dev/outbox`).
    pub async fn code_for(&self, recipient: &str) -> String {
        let r = self.get(&reqwest::Client::new(), "/dev/outbox").await;
        assert_eq!(r.status, 200);
        r.body
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["recipient"] == recipient)
            .unwrap_or_else(|| panic!("no code for {recipient} in {}", r.body))["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Number of outbox entries for `recipient`.
    pub async fn sends_to(&self, recipient: &str) -> usize {
        let r = self.get(&reqwest::Client::new(), "/dev/outbox").await;
        r.body
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["recipient"] == recipient)
            .count()
    }

    /// Creates a sign-up with `form` and prepares `strategy`; returns the sign-up id.
    pub async fn start_sign_up(
        &self,
        c: &reqwest::Client,
        form: &[(&str, &str)],
        strategy: &str,
    ) -> String {
        let r = self.post(c, "/v1/client/sign_ups", form).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let id = r.id();
        let r = self
            .post(
                c,
                &format!("/v1/client/sign_ups/{id}/prepare_verification"),
                &[("strategy", strategy)],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        id
    }

    /// A complete phone sign-up for `phone` (real code from the outbox, or 424242 for test numbers).
    pub async fn sign_up_phone(&self, c: &reqwest::Client, phone: &str) -> Resp {
        let id = self
            .start_sign_up(c, &[("phone_number", phone)], "phone_code")
            .await;
        let code = if phone.contains("55501") {
            "424242".to_owned()
        } else {
            self.code_for(phone).await
        };
        let r = self
            .post(
                c,
                &format!("/v1/client/sign_ups/{id}/attempt_verification"),
                &[("strategy", "phone_code"), ("code", &code)],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["response"]["status"], "complete");
        r
    }

    /// Signs the client out (`DELETE /v1/client/sessions` as clerk-js sends it).
    pub async fn sign_out(&self, c: &reqwest::Client) -> Resp {
        self.post(c, "/v1/client/sessions?_method=DELETE", &[])
            .await
    }
}

/// Converts a reqwest response.
pub async fn into_resp(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let set_cookie = r
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = r.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text:?}"));
    Resp {
        status,
        body,
        retry_after,
        set_cookie,
    }
}

/// A sender that always fails (delivery errors).
pub struct FailingSender;

impl CodeSender for FailingSender {
    fn send<'a>(
        &'a self,
        _msg: &'a onetime_server::delivery::OutgoingCode,
    ) -> onetime_server::delivery::SendFuture<'a> {
        Box::pin(async {
            Err(onetime_server::delivery::DeliveryError(
                "provider down".into(),
            ))
        })
    }
}

/// Verifies an RS256 token as a backend does: with the key of `jwks` whose `kid` the token names.
/// Panics (failing the test) when no such key is published or the signature does not verify.
pub fn verify_with_jwks(jwt: &str, jwks: &Value) -> Value {
    let kid = jsonwebtoken::decode_header(jwt).unwrap().kid;
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"].as_str() == kid.as_deref())
        .unwrap_or_else(|| panic!("no key {kid:?} in {jwks}"));
    let dk = jsonwebtoken::DecodingKey::from_rsa_components(
        key["n"].as_str().unwrap(),
        key["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_required_spec_claims(&["exp", "sub"]);
    v.validate_aud = false;
    jsonwebtoken::decode::<Value>(jwt, &dk, &v)
        .expect("the token verifies")
        .claims
}
