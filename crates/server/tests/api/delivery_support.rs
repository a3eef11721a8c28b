//! Shared pieces of the delivery tests: a real (non-dev) server with a `[delivery]` section,
//! a small SMTP capture server and an HTTP capture server (Twilio / webhook stand-in), all on
//! loopback.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use base64::Engine as _;
use onetime_server::config::{Config, InstanceConfig};
use onetime_server::delivery::Secrets;
use onetime_server::delivery::settings::DeliveryConfig;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Short timeouts so failure tests stay fast: 400 ms per attempt, 3 tries, 10/20 ms pauses.
pub fn fast_delivery() -> DeliveryConfig {
    DeliveryConfig {
        timeout_ms: 400,
        total_timeout_ms: 3000,
        retries: 2,
        retry_backoff_ms: 10,
        ..DeliveryConfig::default()
    }
}

/// An instance configuration named `Acme` with the given delivery section.
pub fn instance(delivery: DeliveryConfig) -> InstanceConfig {
    InstanceConfig {
        app_name: "Acme".into(),
        secure_cookies: Some(false),
        delivery,
        ..InstanceConfig::default()
    }
}

fn signing_key() -> String {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| onetime_server::signing::generate_rsa_pem().expect("RSA key"))
        .clone()
}

/// The server under test (not in dev mode) and a cookie-keeping HTTP client.
pub struct Server {
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// Browser-like client (keeps the `__client` cookie).
    pub http: reqwest::Client,
    db: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.db.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A fresh config for a non-dev server on a random port with its own database.
pub fn config(instance: InstanceConfig, secrets: Secrets) -> (Config, PathBuf) {
    static N: AtomicUsize = AtomicUsize::new(0);
    let db = std::env::temp_dir().join(format!(
        "onetime-delivery-{}-{}.db",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let mut config = Config::new();
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.database_url = match crate::helpers::backend() {
        onetime_server::store::Backend::Sqlite => format!("sqlite://{}", db.display()),
        onetime_server::store::Backend::Postgres => crate::helpers::fresh_database_url(),
    };
    config.dev = false;
    config.secret = Some("delivery-tests-secret-0123456789abcdef".into());
    config.instance = instance;
    config.signing_key_pem = Some(signing_key());
    config.delivery_secrets = secrets;
    (config, db)
}

/// Starts a server.
pub async fn spawn(instance: InstanceConfig, secrets: Secrets) -> Server {
    let (config, db) = config(instance, secrets);
    crate::helpers::create_database(&config.database_url).await;
    let app = onetime_server::Application::build(config)
        .await
        .expect("server starts");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    Server {
        base,
        http: new_client(),
        db,
    }
}

/// A new browser (empty cookie jar).
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

/// HTTP status and JSON body of a FAPI call.
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Body.
    pub json: Value,
}

impl Reply {
    /// `response.<key>` as a string.
    pub fn str(&self, key: &str) -> String {
        self.json["response"][key]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The first error's `code`.
    pub fn error_code(&self) -> String {
        self.json["errors"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Server {
    /// Form POST to a FAPI path.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let json = resp.json().await.unwrap_or(Value::Null);
        Reply { status, json }
    }

    /// Uses a new browser from now on (no client cookie, so no session).
    pub fn switch_browser(&mut self) {
        self.http = new_client();
    }

    /// Creates a sign-up for `field=value`; returns its id.
    pub async fn sign_up(&self, field: &str, value: &str) -> String {
        let r = self.post("/v1/client/sign_ups", &[(field, value)]).await;
        assert_eq!(r.status, 200, "{}", r.json);
        r.str("id")
    }

    /// `prepare_verification`.
    pub async fn prepare_sign_up(&self, id: &str, strategy: &str) -> Reply {
        self.post(
            &format!("/v1/client/sign_ups/{id}/prepare_verification"),
            &[("strategy", strategy)],
        )
        .await
    }

    /// `attempt_verification`, asserting the sign-up completes.
    pub async fn complete_sign_up(&self, id: &str, strategy: &str, code: &str) {
        let r = self
            .post(
                &format!("/v1/client/sign_ups/{id}/attempt_verification"),
                &[("strategy", strategy), ("code", code)],
            )
            .await;
        assert_eq!(
            (r.status, r.str("status").as_str()),
            (200, "complete"),
            "{}",
            r.json
        );
    }

    /// Creates a sign-in for `identifier`; returns its id.
    pub async fn sign_in(&self, identifier: &str) -> String {
        let r = self
            .post("/v1/client/sign_ins", &[("identifier", identifier)])
            .await;
        assert_eq!(r.status, 200, "{}", r.json);
        r.str("id")
    }

    /// `prepare_first_factor`.
    pub async fn prepare_sign_in(&self, id: &str, strategy: &str) -> Reply {
        self.post(
            &format!("/v1/client/sign_ins/{id}/prepare_first_factor"),
            &[("strategy", strategy)],
        )
        .await
    }

    /// `attempt_first_factor`, asserting the sign-in completes.
    pub async fn complete_sign_in(&self, id: &str, strategy: &str, code: &str) {
        let r = self
            .post(
                &format!("/v1/client/sign_ins/{id}/attempt_first_factor"),
                &[("strategy", strategy), ("code", code)],
            )
            .await;
        assert_eq!(
            (r.status, r.str("status").as_str()),
            (200, "complete"),
            "{}",
            r.json
        );
    }
}

/// Asserts the FAPI delivery error (502 `delivery_failed`).
pub fn assert_delivery_failed(r: &Reply) {
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (502, "delivery_failed"),
        "{}",
        r.json
    );
}

/// A loopback port with nothing listening on it (bound, then released).
pub async fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------------
// SMTP capture server

/// How the SMTP capture server behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpMode {
    /// Accept every message.
    Accept,
    /// Answer `MAIL FROM` with this reply code (451 transient, 550 permanent).
    RejectMail(u16),
    /// Accept connections but never send the greeting.
    Hang,
}

/// One received message.
#[derive(Debug, Clone)]
pub struct Mail {
    /// `MAIL FROM` address.
    pub from: String,
    /// `RCPT TO` addresses.
    pub to: Vec<String>,
    /// The message (headers and body).
    pub data: String,
    /// `(user, password)` if the client authenticated.
    pub auth: Option<(String, String)>,
}

impl Mail {
    /// A header's value (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let mut lines = self
            .data
            .split("\r\n")
            .take_while(|l| !l.is_empty())
            .peekable();
        while let Some(line) = lines.next() {
            if line.to_ascii_lowercase().starts_with(&prefix) {
                let mut v = line[prefix.len()..].trim().to_owned();
                while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
                    v.push(' ');
                    v.push_str(next.trim());
                    lines.next();
                }
                return Some(v);
            }
        }
        None
    }

    /// The code: the first word of the subject.
    pub fn code(&self) -> String {
        let subject = self.header("Subject").expect("subject");
        subject.split(' ').next().unwrap().to_owned()
    }
}

#[derive(Debug)]
struct SmtpState {
    mode: Mutex<SmtpMode>,
    mails: Mutex<Vec<Mail>>,
    mail_commands: AtomicUsize,
}

/// An SMTP server on loopback speaking EHLO/HELO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, RSET,
/// NOOP and QUIT.
#[derive(Debug, Clone)]
pub struct SmtpCapture {
    /// Its port.
    pub port: u16,
    state: Arc<SmtpState>,
}

impl SmtpCapture {
    /// Starts on a random port.
    pub async fn start() -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").await.unwrap())
    }

    /// Starts on `listener`.
    pub fn start_on(listener: TcpListener) -> Self {
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(SmtpState {
            mode: Mutex::new(SmtpMode::Accept),
            mails: Mutex::new(Vec::new()),
            mail_commands: AtomicUsize::new(0),
        });
        let st = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(smtp_session(stream, st.clone()));
            }
        });
        Self { port, state }
    }

    /// Changes the behaviour for new commands and connections.
    pub fn set_mode(&self, mode: SmtpMode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    /// Messages received so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.state.mails.lock().unwrap().clone()
    }

    /// The last message received.
    pub fn last(&self) -> Mail {
        self.mails().pop().expect("a message was received")
    }

    /// How many `MAIL FROM` commands arrived (one per delivery attempt).
    pub fn attempts(&self) -> usize {
        self.state.mail_commands.load(Ordering::SeqCst)
    }
}

fn b64(s: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn angle(arg: &str) -> String {
    let start = arg.find('<').map_or(0, |i| i + 1);
    let end = arg.rfind('>').unwrap_or(arg.len());
    arg.get(start..end).unwrap_or_default().to_owned()
}

async fn reply(w: &mut tokio::net::tcp::OwnedWriteHalf, text: String) {
    let _ = w.write_all(text.replace('\n', "\r\n").as_bytes()).await;
}

async fn smtp_session(stream: tokio::net::TcpStream, st: Arc<SmtpState>) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    if *st.mode.lock().unwrap() == SmtpMode::Hang {
        // Never greet; hold the connection until the client gives up.
        let mut sink = Vec::new();
        let _ = read.read_to_end(&mut sink).await;
        return;
    }
    reply(&mut write, "220 capture.test ESMTP\n".into()).await;
    let (mut from, mut to, mut auth) = (String::new(), Vec::new(), None);
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let cmd = line.trim_end().to_owned();
        let (verb, arg) = match cmd.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.to_owned()),
            None => (cmd.to_ascii_uppercase(), String::new()),
        };
        match verb.as_str() {
            "EHLO" => {
                reply(
                    &mut write,
                    "250-capture.test\n250-AUTH PLAIN LOGIN\n250 8BITMIME\n".into(),
                )
                .await
            }
            "HELO" | "RSET" | "NOOP" => reply(&mut write, "250 OK\n".into()).await,
            "AUTH" => {
                let mut parts = arg.splitn(2, ' ');
                let mech = parts.next().unwrap_or_default().to_ascii_uppercase();
                let initial = parts.next().map(str::to_owned);
                let creds = if mech == "PLAIN" {
                    let token = match initial {
                        Some(t) => t,
                        None => {
                            reply(&mut write, "334 \n".into()).await;
                            let mut t = String::new();
                            let _ = read.read_line(&mut t).await;
                            t
                        }
                    };
                    let decoded = b64(&token);
                    let mut f = decoded.split('\0').skip(1);
                    (
                        f.next().unwrap_or_default().to_owned(),
                        f.next().unwrap_or_default().to_owned(),
                    )
                } else {
                    let user = match initial {
                        Some(u) => b64(&u),
                        None => {
                            reply(&mut write, "334 VXNlcm5hbWU6\n".into()).await;
                            let mut t = String::new();
                            let _ = read.read_line(&mut t).await;
                            b64(&t)
                        }
                    };
                    reply(&mut write, "334 UGFzc3dvcmQ6\n".into()).await;
                    let mut t = String::new();
                    let _ = read.read_line(&mut t).await;
                    (user, b64(&t))
                };
                auth = Some(creds);
                reply(&mut write, "235 2.7.0 Authentication successful\n".into()).await;
            }
            "MAIL" => {
                st.mail_commands.fetch_add(1, Ordering::SeqCst);
                let mode = *st.mode.lock().unwrap();
                match mode {
                    SmtpMode::RejectMail(code) => {
                        reply(&mut write, format!("{code} mailbox unavailable\n")).await
                    }
                    SmtpMode::Hang => {
                        let mut sink = Vec::new();
                        let _ = read.read_to_end(&mut sink).await;
                        return;
                    }
                    SmtpMode::Accept => {
                        from = angle(&arg);
                        to.clear();
                        reply(&mut write, "250 OK\n".into()).await;
                    }
                }
            }
            "RCPT" => {
                to.push(angle(&arg));
                reply(&mut write, "250 OK\n".into()).await;
            }
            "DATA" => {
                reply(&mut write, "354 End data with <CR><LF>.<CR><LF>\n".into()).await;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if read.read_line(&mut l).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if l == ".\r\n" || l == ".\n" {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                st.mails.lock().unwrap().push(Mail {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                    auth: auth.clone(),
                });
                reply(&mut write, "250 OK queued\n".into()).await;
            }
            "QUIT" => {
                reply(&mut write, "221 Bye\n".into()).await;
                return;
            }
            _ => reply(&mut write, "502 Command not implemented\n".into()).await,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP capture server

/// How the HTTP capture server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMode {
    /// 201 with a Twilio-like JSON body.
    Accept,
    /// This status with a Twilio-like error body.
    Status(u16),
    /// Never answer.
    Hang,
}

/// One received request.
#[derive(Debug, Clone)]
pub struct Captured {
    /// Path (and query).
    pub path: String,
    /// Headers.
    pub headers: HeaderMap,
    /// Raw body.
    pub body: Bytes,
}

impl Captured {
    /// The body as form fields.
    pub fn form(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_bytes(&self.body).unwrap()
    }

    /// One form field.
    pub fn field(&self, name: &str) -> String {
        self.form()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no form field {name}"))
    }

    /// A header as a string.
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Debug)]
struct HttpState {
    mode: Mutex<HttpMode>,
    requests: Mutex<Vec<Captured>>,
}

/// An axum server on loopback recording every POST.
#[derive(Debug, Clone)]
pub struct HttpCapture {
    /// `http://127.0.0.1:port`.
    pub base: String,
    state: Arc<HttpState>,
}

impl HttpCapture {
    /// Starts on a random port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(HttpState {
            mode: Mutex::new(HttpMode::Accept),
            requests: Mutex::new(Vec::new()),
        });
        let st = state.clone();
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let st = st.clone();
            async move {
                st.requests.lock().unwrap().push(Captured {
                    path: uri
                        .path_and_query()
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                    headers,
                    body,
                });
                let mode = *st.mode.lock().unwrap();
                match mode {
                    HttpMode::Accept => (
                        StatusCode::CREATED,
                        r#"{"sid":"SM00000000000000000000000000000000","status":"queued"}"#
                            .to_owned(),
                    ),
                    HttpMode::Status(code) => (
                        StatusCode::from_u16(code).unwrap(),
                        format!(
                            r#"{{"code":20000,"message":"capture says {code}","status":{code}}}"#
                        ),
                    ),
                    HttpMode::Hang => std::future::pending().await,
                }
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, state }
    }

    /// Changes the answer for new requests.
    pub fn set_mode(&self, mode: HttpMode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    /// Requests so far.
    pub fn requests(&self) -> Vec<Captured> {
        self.state.requests.lock().unwrap().clone()
    }

    /// The last request.
    pub fn last(&self) -> Captured {
        self.requests().pop().expect("a request was received")
    }
}
