//! The load generator of `cargo xtask bench`: complete sign-up and sign-in flows made the way a
//! browser makes them (a new cookie jar per flow, every answer checked), against onetime or the
//! better-auth peer, closed loop (N virtual users, each starting its next flow when the last one
//! ends) or open loop (flows started at a fixed rate whatever the answers do, so a slow server
//! cannot slow the load down and hide its own latency).
//!
//! Server CPU is read from `/proc/<pid>/stat` (user + system time of the server processes only,
//! not of this generator) before and after each run.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value as Json, json};

use crate::fapi::TEST_CODE;
use crate::http::{Http, Jar, Resp};

/// Which product answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    /// onetime's FAPI.
    Onetime,
    /// The better-auth peer (`../shared/peers/better-auth`).
    BetterAuth,
}

/// Which flow each virtual user repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKind {
    /// A new user signs up with an email code (a new address every flow).
    SignUp,
    /// An existing user signs in with an SMS code.
    SignIn,
}

impl FlowKind {
    /// The label in tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::SignUp => "new-user sign-up (email code)",
            Self::SignIn => "existing-user sign-in (SMS code)",
        }
    }

    /// Requests that write (commit) in one onetime flow: sign-up creates, prepares and
    /// attempts; sign-in creates-and-prepares and attempts. The token request only reads.
    pub fn onetime_commits(self) -> u64 {
        match self {
            Self::SignUp => 3,
            Self::SignIn => 2,
        }
    }
}

/// The servers under load.
#[derive(Debug, Clone)]
pub struct Target {
    /// Which product they run.
    pub product: Product,
    /// Base URLs; flow `n` goes to `bases[n % len]` (round robin over instances).
    pub bases: Vec<String>,
    /// Their process ids (for CPU time).
    pub pids: Vec<u32>,
}

/// Closed or open loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// This many virtual users, back to back.
    Closed(usize),
    /// Flows started per second.
    Open(f64),
}

/// What one run measured.
#[derive(Debug, Default)]
pub struct Run {
    /// Flows completed with every answer as expected.
    pub flows: u64,
    /// Flows that failed (a wrong answer, an error status, a timeout).
    pub errors: u64,
    /// The first failure, verbatim.
    pub first_error: Option<String>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Round-trip times per request, by step name, in flow order.
    pub steps: Vec<(&'static str, Vec<Duration>)>,
    /// CPU seconds (user + system) the server processes spent during the run.
    pub server_cpu_secs: f64,
}

impl Run {
    /// Completed flows per second.
    pub fn flows_per_sec(&self) -> f64 {
        self.flows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Server CPU milliseconds per completed flow.
    pub fn cpu_ms_per_flow(&self) -> Option<f64> {
        (self.flows > 0).then(|| self.server_cpu_secs * 1000.0 / self.flows as f64)
    }

    /// Every request's round-trip time.
    pub fn all(&self) -> Vec<Duration> {
        self.steps
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .collect()
    }

    fn record(&mut self, outcome: Result<Vec<(&'static str, Duration)>>) {
        match outcome {
            Ok(steps) => {
                self.flows += 1;
                for (name, d) in steps {
                    match self.steps.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, v)) => v.push(d),
                        None => self.steps.push((name, vec![d])),
                    }
                }
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }
}

/// Who the flows are: fresh addresses for sign-ups, existing users for sign-ins.
#[derive(Debug)]
pub struct People {
    tag: String,
    next: AtomicU64,
    /// E.164 numbers of users that exist on the target (sign-in flows pick them round robin).
    pub existing: Vec<String>,
}

impl People {
    /// `existing` users; new addresses carry `tag` so runs never collide.
    pub fn new(tag: &str, existing: Vec<String>) -> Self {
        Self {
            tag: tag.to_owned(),
            next: AtomicU64::new(0),
            existing,
        }
    }

    /// A never-used address (a Clerk test address: onetime's dev mode accepts 424242 and sends
    /// nothing, as the peer's no-op sender does).
    pub fn fresh_email(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("bench-{}-{n}+clerk_test@example.com", self.tag)
    }
}

/// Called around each request of a flow: `(step, true)` just before it is sent, `(step,
/// false)` once its answer is read (the instruction counter switches callgrind on and off).
pub type Around<'a> = &'a (dyn Fn(&'static str, bool) + Sync);

/// One simulated browser: a cookie jar on one server.
struct Browser<'a> {
    http: &'a Http,
    base: &'a str,
    jar: Jar,
    steps: Vec<(&'static str, Duration)>,
    around: Option<Around<'a>>,
}

impl<'a> Browser<'a> {
    fn new(http: &'a Http, base: &'a str) -> Self {
        Self {
            http,
            base,
            jar: Jar::default(),
            steps: Vec::with_capacity(4),
            around: None,
        }
    }

    /// Sends, times and checks the status; returns the JSON body.
    async fn call(&mut self, step: &'static str, req: Request<'_>) -> Result<Json> {
        let url = format!("{}{}", self.base, req.path());
        let cookies = self.jar.pairs();
        if let Some(around) = self.around {
            around(step, true);
        }
        let start = Instant::now();
        let resp = match &req {
            Request::Form(_, form) => self.http.post_form(&url, &cookies, form).await,
            Request::Json(_, body) => self.http.post_json(&url, &cookies, body).await,
            Request::Get(_) => self.http.get(&url, &cookies).await,
        };
        let elapsed = start.elapsed();
        if let Some(around) = self.around {
            around(step, false);
        }
        let resp: Resp = resp?;
        self.steps.push((step, elapsed));
        self.jar.absorb(&resp);
        if !(200..300).contains(&resp.status) {
            bail!(
                "{step}: {} answered {}: {}",
                req.path(),
                resp.status,
                String::from_utf8_lossy(&resp.body[..resp.body.len().min(300)])
            );
        }
        resp.json().with_context(|| step)
    }
}

enum Request<'a> {
    Form(String, &'a [(&'a str, &'a str)]),
    Json(&'static str, Json),
    Get(String),
}

impl Request<'_> {
    fn path(&self) -> &str {
        match self {
            Self::Form(p, _) | Self::Get(p) => p,
            Self::Json(p, _) => p,
        }
    }
}

fn text<'j>(json: &'j Json, pointer: &str) -> &'j str {
    json.pointer(pointer).and_then(Json::as_str).unwrap_or("")
}

fn expect(json: &Json, pointer: &str, want: &str, step: &str) -> Result<()> {
    let got = text(json, pointer);
    if got != want {
        bail!("{step}: {pointer} is {got:?}, expected {want:?}");
    }
    Ok(())
}

fn nonempty<'j>(json: &'j Json, pointer: &str, step: &str) -> Result<&'j str> {
    match text(json, pointer) {
        "" => bail!("{step}: no {pointer} in {}", clip(json)),
        s => Ok(s),
    }
}

fn clip(json: &Json) -> String {
    json.to_string().chars().take(300).collect()
}

fn query(key: &str, value: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair(key, value)
        .finish()
}

/// onetime: create with the address, prepare, attempt with the test code, a session token.
async fn onetime_sign_up(b: &mut Browser<'_>, email: &str) -> Result<()> {
    let created = b
        .call(
            "sign_ups",
            Request::Form("/v1/client/sign_ups".into(), &[("email_address", email)]),
        )
        .await?;
    let id = nonempty(&created, "/response/id", "sign_ups")?.to_owned();
    let prepared = b
        .call(
            "prepare_verification",
            Request::Form(
                format!("/v1/client/sign_ups/{id}/prepare_verification"),
                &[("strategy", "email_code")],
            ),
        )
        .await?;
    expect(
        &prepared,
        "/response/verifications/email_address/status",
        "unverified",
        "prepare_verification",
    )?;
    let attempt = format!("/v1/client/sign_ups/{id}/attempt_verification");
    onetime_attempt(b, "attempt_verification", attempt, "email_code").await
}

/// onetime: create-and-prepare in one request (`identifier` + `strategy`), attempt, token.
async fn onetime_sign_in(b: &mut Browser<'_>, phone: &str) -> Result<()> {
    let created = b
        .call(
            "sign_ins",
            Request::Form(
                "/v1/client/sign_ins".into(),
                &[("identifier", phone), ("strategy", "phone_code")],
            ),
        )
        .await?;
    expect(
        &created,
        "/response/status",
        "needs_first_factor",
        "sign_ins",
    )?;
    let id = nonempty(&created, "/response/id", "sign_ins")?.to_owned();
    let attempt = format!("/v1/client/sign_ins/{id}/attempt_first_factor");
    onetime_attempt(b, "attempt_first_factor", attempt, "phone_code").await
}

/// onetime: the test code on `path` (the answer must be `complete` with a session), then a token
/// for that session.
async fn onetime_attempt(
    b: &mut Browser<'_>,
    step: &'static str,
    path: String,
    strategy: &str,
) -> Result<()> {
    let done = b
        .call(
            step,
            Request::Form(path, &[("strategy", strategy), ("code", TEST_CODE)]),
        )
        .await?;
    expect(&done, "/response/status", "complete", step)?;
    let sid = nonempty(&done, "/response/created_session_id", step)?.to_owned();
    onetime_token(b, &sid).await
}

async fn onetime_token(b: &mut Browser<'_>, sid: &str) -> Result<()> {
    let token = b
        .call(
            "tokens",
            Request::Form(
                format!("/v1/client/sessions/{sid}/tokens"),
                &[("organization_id", "")],
            ),
        )
        .await?;
    let jwt = nonempty(&token, "/jwt", "tokens")?;
    if jwt.split('.').count() != 3 {
        bail!("tokens: {jwt:?} is not a JWT");
    }
    Ok(())
}

/// better-auth: send the code, read it from the peer's test-only outbox, verify (signs up or
/// in, sets the session cookie), read the session.
async fn peer_flow(b: &mut Browser<'_>, kind: FlowKind, who: &str) -> Result<()> {
    let (send, key, verify, body, field) = match kind {
        FlowKind::SignUp => (
            "/api/auth/email-otp/send-verification-otp",
            "email",
            "/api/auth/sign-in/email-otp",
            json!({"email": who, "type": "sign-in"}),
            "email",
        ),
        FlowKind::SignIn => (
            "/api/auth/phone-number/send-otp",
            "phone",
            "/api/auth/phone-number/verify",
            json!({"phoneNumber": who}),
            "phoneNumber",
        ),
    };
    b.call("send-otp", Request::Json(send, body)).await?;
    let got = b
        .call(
            "__bench/otp",
            Request::Get(format!("/__bench/otp?{}", query(key, who))),
        )
        .await?;
    let code = nonempty(&got, "/code", "__bench/otp")?.to_owned();
    let body = match kind {
        FlowKind::SignUp => json!({"email": who, "otp": code}),
        FlowKind::SignIn => json!({"phoneNumber": who, "code": code}),
    };
    let verified = b.call("verify", Request::Json(verify, body)).await?;
    nonempty(&verified, "/token", "verify")?;
    let session = b
        .call("get-session", Request::Get("/api/auth/get-session".into()))
        .await?;
    expect(&session, &format!("/user/{field}"), who, "get-session")
}

/// One complete flow on `base`; the per-request times on success.
pub async fn flow(
    http: &Http,
    product: Product,
    base: &str,
    kind: FlowKind,
    who: &str,
) -> Result<Vec<(&'static str, Duration)>> {
    flow_around(http, product, base, kind, who, None).await
}

/// [`flow`], calling `around` before and after each request.
pub async fn flow_around(
    http: &Http,
    product: Product,
    base: &str,
    kind: FlowKind,
    who: &str,
    around: Option<Around<'_>>,
) -> Result<Vec<(&'static str, Duration)>> {
    let mut b = Browser::new(http, base);
    b.around = around;
    let done = match (product, kind) {
        (Product::Onetime, FlowKind::SignUp) => onetime_sign_up(&mut b, who).await,
        (Product::Onetime, FlowKind::SignIn) => onetime_sign_in(&mut b, who).await,
        (Product::BetterAuth, kind) => peer_flow(&mut b, kind, who).await,
    };
    done.map(|()| b.steps)
}

fn identity(people: &People, kind: FlowKind, n: usize) -> String {
    match kind {
        FlowKind::SignUp => people.fresh_email(),
        FlowKind::SignIn => people.existing[n % people.existing.len()].clone(),
    }
}

/// Runs `kind` flows against `target` for `duration` and measures them.
pub async fn run(
    http: &Http,
    target: &Target,
    kind: FlowKind,
    mode: Mode,
    duration: Duration,
    people: &Arc<People>,
) -> Result<Run> {
    if kind == FlowKind::SignIn && people.existing.is_empty() {
        bail!("sign-in flows need existing users");
    }
    let cpu_before = cpu_secs(&target.pids)?;
    let started = Instant::now();
    let deadline = started + duration;
    let total = Arc::new(Mutex::new(Run::default()));
    let mut tasks = tokio::task::JoinSet::new();
    match mode {
        Mode::Closed(users) => {
            for user in 0..users {
                let (http, target, people, total) = (
                    http.clone(),
                    target.clone(),
                    Arc::clone(people),
                    Arc::clone(&total),
                );
                tasks.spawn(async move {
                    let mut local = Run::default();
                    let mut n = user;
                    while Instant::now() < deadline {
                        let who = identity(&people, kind, user);
                        let base = &target.bases[n % target.bases.len()];
                        n += 1;
                        let outcome = timed_flow(&http, target.product, base, kind, &who).await;
                        if outcome.is_err() {
                            // No hot loop against a server that refuses.
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        local.record(outcome);
                    }
                    merge(&total, local);
                });
            }
        }
        Mode::Open(rate) => {
            let interval = Duration::from_secs_f64(1.0 / rate.max(0.1));
            let mut next = tokio::time::Instant::now();
            let mut n = 0usize;
            while next.into_std() < deadline {
                tokio::time::sleep_until(next).await;
                let (http, target, people, total) = (
                    http.clone(),
                    target.clone(),
                    Arc::clone(people),
                    Arc::clone(&total),
                );
                tasks.spawn(async move {
                    let who = identity(&people, kind, n);
                    let base = &target.bases[n % target.bases.len()];
                    let mut local = Run::default();
                    local.record(timed_flow(&http, target.product, base, kind, &who).await);
                    merge(&total, local);
                });
                n += 1;
                next += interval;
            }
        }
    }
    while let Some(joined) = tasks.join_next().await {
        joined.context("a load task panicked")?;
    }
    let elapsed = match mode {
        // Open loop: the rate is what was offered over the scheduling window.
        Mode::Open(_) => duration,
        Mode::Closed(_) => started.elapsed(),
    };
    let cpu_after = cpu_secs(&target.pids)?;
    let mut run = std::mem::take(&mut *total.lock().unwrap_or_else(|e| e.into_inner()));
    run.elapsed = elapsed;
    run.server_cpu_secs = cpu_after - cpu_before;
    Ok(run)
}

async fn timed_flow(
    http: &Http,
    product: Product,
    base: &str,
    kind: FlowKind,
    who: &str,
) -> Result<Vec<(&'static str, Duration)>> {
    match tokio::time::timeout(
        Duration::from_secs(30),
        flow(http, product, base, kind, who),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => bail!("flow timed out (30 s)"),
    }
}

fn merge(total: &Mutex<Run>, mut local: Run) {
    let mut all = total.lock().unwrap_or_else(|e| e.into_inner());
    all.flows += local.flows;
    all.errors += local.errors;
    if all.first_error.is_none() {
        all.first_error = local.first_error.take();
    }
    for (name, mut v) in local.steps {
        match all.steps.iter_mut().find(|(n, _)| *n == name) {
            Some((_, w)) => w.append(&mut v),
            None => all.steps.push((name, v)),
        }
    }
}

/// Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, 100 on Linux).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// User + system CPU seconds of these processes so far.
pub fn cpu_secs(pids: &[u32]) -> Result<f64> {
    let ticks = clock_ticks();
    let mut total = 0.0;
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .with_context(|| format!("reading /proc/{pid}/stat"))?;
        total += parse_cpu_ticks(&stat).with_context(|| format!("parsing /proc/{pid}/stat"))?
            as f64
            / ticks;
    }
    Ok(total)
}

/// utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` line; the command name (field 2)
/// may hold spaces and parentheses, so fields are counted after its last `)`.
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14 -> index 11.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_after_the_command_name() {
        let stat = "4242 (onetime) server) S 1 4242 4242 0 -1 4194560 1021 0 0 0 \
                    250 37 0 0 20 0 5 0 123 456 789";
        assert_eq!(parse_cpu_ticks(stat), Some(287));
        assert_eq!(parse_cpu_ticks("garbage"), None);
    }

    #[test]
    fn fresh_addresses_never_repeat() {
        let p = People::new("t", vec![]);
        let (a, b) = (p.fresh_email(), p.fresh_email());
        assert_ne!(a, b);
        assert!(a.ends_with("+clerk_test@example.com"), "{a}");
    }

    #[test]
    fn records_flows_and_errors() {
        let mut run = Run::default();
        run.record(Ok(vec![("a", Duration::from_millis(2))]));
        run.record(Ok(vec![("a", Duration::from_millis(4))]));
        run.record(Err(anyhow::anyhow!("boom")));
        assert_eq!((run.flows, run.errors), (2, 1));
        assert_eq!(run.first_error.as_deref(), Some("boom"));
        assert_eq!(run.steps[0].1.len(), 2);
    }
}
