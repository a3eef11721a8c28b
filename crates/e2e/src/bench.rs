//! The benchmark: bytes shipped, cold load time, requests per flow, server throughput.
//!
//! Prints markdown; asserts nothing about time. Sized to finish in a few minutes on 2 cores.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value as Json, json};

use crate::browser::Browser;
use crate::cli::BenchOpts;
use crate::fapi::{FapiClient, TEST_CODE};
use crate::http::Http;
use crate::load::{self, FlowKind, Mode, People, Product, Run, Target};
use crate::peer::{self, Peer};
use crate::procs::{ChromeDriver, Server, ServerSpec};
use crate::stats::{median, millis, ms, percentile, thousands};

/// Runs every part of the benchmark and prints the tables.
pub async fn run(opts: BenchOpts) -> Result<()> {
    let http = Http::new();
    std::fs::create_dir_all(&opts.artifacts)?;
    let artifacts = std::fs::canonicalize(&opts.artifacts)?;
    let mut out = String::new();
    out.push_str("## onetime benchmark\n\n");
    out.push_str(&format!("Machine: {}.  \n", machine()));
    out.push_str(&format!(
        "Server: `{}`; app: `{}`.\n\n",
        opts.common.server_bin.display(),
        opts.common.dist.display()
    ));

    let mut failures = Vec::new();
    section(
        &mut out,
        &mut failures,
        "bytes",
        bytes_table(&opts.common.dist),
    );

    if !opts.no_browser {
        let spec = ServerSpec {
            bin: opts.common.server_bin.clone(),
            dist: opts.common.dist.clone(),
            resend_cooldown_secs: 30,
            sends_per_identifier: 1_000_000_000,
            log: artifacts.join("bench-browser-server.log"),
            database: None,
            synchronous: None,
            token_algorithm: None,
        };
        let server = Server::start(&spec, &http).await?;
        let driver = ChromeDriver::start(
            &opts.common.chromedriver,
            &artifacts.join("bench-chromedriver.log"),
            &http,
        )
        .await?;
        let load = load_table(&opts, &driver, server.base()).await;
        section(&mut out, &mut failures, "cold load", load);
        let requests = requests_table(&opts, &driver, server.base()).await;
        section(&mut out, &mut failures, "requests per flow", requests);
    }

    let servers = server_section(&opts, &artifacts, &http).await;
    section(&mut out, &mut failures, "server", servers);
    if opts.callgrind {
        let counted = crate::instructions::table(&opts, &artifacts, &http).await;
        section(&mut out, &mut failures, "instructions", counted);
    }
    if !failures.is_empty() {
        bail!("benchmark sections failed: {}", failures.join(", "));
    }
    Ok(())
}

/// Prints a finished section (or why it failed) right away, so a long bench shows progress.
fn section(
    out: &mut String,
    failures: &mut Vec<&'static str>,
    name: &'static str,
    r: Result<String>,
) {
    match r {
        Ok(s) => out.push_str(&s),
        Err(e) => {
            out.push_str(&format!("### {name}: FAILED\n\n{e:#}\n\n"));
            failures.push(name);
        }
    }
    flush(out);
}

fn flush(out: &mut String) {
    print!("{out}");
    let _ = std::io::stdout().flush();
    out.clear();
}

/// Cores and CPU model of this machine.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|r| r.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores ({model})")
}

// ---------------------------------------------------------------------------------------------
// Bytes.

/// Sizes of one kind of asset.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Number of files.
    pub files: u64,
    /// Raw bytes.
    pub raw: u64,
    /// `gzip -9` bytes.
    pub gzip: u64,
    /// Brotli quality 11 bytes.
    pub brotli: u64,
}

/// The asset kind of a file in `dist/` by extension (`None` for kinds the page does not load).
pub fn kind_of(name: &str) -> Option<&'static str> {
    let ext = name.rsplit('.').next()?;
    match ext {
        "wasm" => Some("wasm"),
        "js" | "mjs" => Some("js"),
        "css" => Some("css"),
        "html" => Some("html"),
        _ => None,
    }
}

/// gzip (level 9) and brotli (quality 11, window 22) sizes of `data`.
pub fn compressed_sizes(data: &[u8]) -> Result<(u64, u64)> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(data)?;
    let gzip = gz.finish()?.len() as u64;
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
        w.write_all(data)?;
    }
    Ok((gzip, br.len() as u64))
}

/// Every wasm/js/css/html file under `dist/` (the app is one page: `/sign-in` is `index.html`
/// plus what it references, and Trunk's `dist/` holds just that).
fn bytes_table(dist: &Path) -> Result<String> {
    let kinds = ["wasm", "js", "css", "html"];
    let mut sizes = [Sizes::default(); 4];
    let mut stack = vec![dist.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(kind) = kind_of(&name) else { continue };
            let data = std::fs::read(&path)?;
            let (gzip, brotli) = compressed_sizes(&data)?;
            let i = kinds.iter().position(|k| *k == kind).unwrap_or(0);
            sizes[i].files += 1;
            sizes[i].raw += data.len() as u64;
            sizes[i].gzip += gzip;
            sizes[i].brotli += brotli;
        }
    }
    let mut s = String::from(
        "### Bytes shipped for /sign-in\n\n\
         All wasm/js/css/html files in the app's `dist/`; gzip -9 (flate2) and brotli q11 (brotli crate).\n\n\
         | asset | files | raw | gzip | brotli |\n|---|---:|---:|---:|---:|\n",
    );
    let mut total = Sizes::default();
    for (kind, sz) in kinds.iter().zip(sizes) {
        s.push_str(&format!(
            "| {kind} | {} | {} | {} | {} |\n",
            sz.files,
            thousands(sz.raw),
            thousands(sz.gzip),
            thousands(sz.brotli)
        ));
        total.files += sz.files;
        total.raw += sz.raw;
        total.gzip += sz.gzip;
        total.brotli += sz.brotli;
    }
    s.push_str(&format!(
        "| **total** | {} | **{}** | **{}** | **{}** |\n\n",
        total.files,
        thousands(total.raw),
        thousands(total.gzip),
        thousands(total.brotli)
    ));
    Ok(s)
}

// ---------------------------------------------------------------------------------------------
// Load time.

/// Injected before any page script (CDP `Page.addScriptToEvaluateOnNewDocument`): records
/// `performance.now()` (ms since navigation start) when the identifier input first exists
/// enabled and visible, and when it is also focused. Checked on every DOM mutation, on every
/// `focusin`, and on a 2 ms timer as a fallback, so the resolution is that of the event loop.
const READY_PROBE: &str = r#"(() => {
  if (window.__readyProbe) return;
  window.__readyProbe = true;
  const check = () => {
    if (window.__identifierReady !== undefined) return true;
    const e = document.querySelector('input#phone-number, input#email-address');
    if (!e || e.disabled || e.getClientRects().length === 0) return false;
    if (window.__identifierEnabled === undefined) window.__identifierEnabled = performance.now();
    if (document.activeElement === e) { window.__identifierReady = performance.now(); return true; }
    return false;
  };
  const mo = new MutationObserver(() => { if (check()) mo.disconnect(); });
  mo.observe(document, { childList: true, subtree: true, attributes: true });
  document.addEventListener('focusin', check, true);
  const tick = () => { if (!check()) setTimeout(tick, 2); };
  tick();
})();"#;

async fn load_table(opts: &BenchOpts, driver: &ChromeDriver, base: &str) -> Result<String> {
    let mut ready = Vec::new();
    let mut enabled = Vec::new();
    let mut never_focused = 0;
    for i in 0..opts.loads {
        let b = Browser::open(driver.url(), &opts.common.chromium, base).await?;
        let result = async {
            b.cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": READY_PROBE }),
            )
            .await?;
            b.goto("/sign-in").await?;
            let got = b
                .wait_js_for(
                    "the identifier input to be enabled and focused",
                    "return window.__identifierReady !== undefined
                        ? [window.__identifierEnabled, window.__identifierReady] : null;",
                    vec![],
                    Duration::from_secs(15),
                )
                .await;
            match got {
                Ok(Json::Array(v)) => Ok((v[0].as_f64(), v[1].as_f64())),
                Ok(_) => Ok((None, None)),
                Err(e) => {
                    // Enabled but never focused: keep the enabled time, count the miss.
                    let en = b
                        .js("return window.__identifierEnabled ?? null;", vec![])
                        .await?;
                    match en.as_f64() {
                        Some(t) => Ok((Some(t), None)),
                        None => Err(e),
                    }
                }
            }
        }
        .await;
        b.close().await;
        let (en, re) = result.with_context(|| format!("cold load {}", i + 1))?;
        if let Some(en) = en {
            enabled.push(en);
        }
        match re {
            Some(re) => ready.push(re),
            None => never_focused += 1,
        }
    }
    let mut s = format!(
        "### Cold load of /sign-in ({} loads, a fresh Chromium and empty profile each, loopback)\n\n\
         Times are `performance.now()` (from navigation start) seen by a probe injected before any page script.\n\n\
         | milestone | median | p90 | min | max |\n|---|---:|---:|---:|---:|\n",
        opts.loads
    );
    for (label, v) in [
        ("identifier input enabled and focused", &ready),
        ("identifier input enabled (focus aside)", &enabled),
    ] {
        s.push_str(&format!(
            "| {label} | {} | {} | {} | {} |\n",
            ms(median(v)),
            ms(percentile(v, 90.0)),
            ms(percentile(v, 0.0)),
            ms(percentile(v, 100.0))
        ));
    }
    if never_focused > 0 {
        s.push_str(&format!(
            "\n{never_focused} of {} loads never focused the identifier input within 15 s.\n",
            opts.loads
        ));
    }
    s.push('\n');
    Ok(s)
}

// ---------------------------------------------------------------------------------------------
// Requests per flow.

/// Replaces id-like path segments (`sua_2Hx...`, `sess_...`) with `{id}`.
pub fn normalize_path(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            let idlike = seg.contains('_')
                && seg.len() > 8
                && seg
                    .chars()
                    .any(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
            if idlike { "{id}" } else { seg }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `/v1/...` requests in the page's Resource Timing buffer, as normalized paths.
async fn v1_requests(b: &Browser) -> Result<Vec<String>> {
    let v = b
        .js(
            "return performance.getEntriesByType('resource')
                .map(e => new URL(e.name).pathname)
                .filter(p => p.startsWith('/v1/'));",
            vec![],
        )
        .await?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(normalize_path)
                .collect()
        })
        .unwrap_or_default())
}

/// Types the number, clears the Resource Timing buffer, clicks "Continue", types the code and
/// waits until signed in; returns the `/v1` requests made in between.
async fn counted_flow(b: &Browser, national: &str, e164: &str) -> Result<Vec<String>> {
    b.wait_visible("form#identifier-form").await?;
    b.type_into("input#phone-number", national).await?;
    b.js(
        "performance.clearResourceTimings(); performance.setResourceTimingBufferSize(1000);",
        vec![],
    )
    .await?;
    b.click("button#identifier-submit").await?;
    b.wait_visible("form#code-form").await?;
    b.type_into("input#code", TEST_CODE).await?;
    b.wait_text_contains("#signed-in-identifier", e164).await?;
    v1_requests(b).await
}

async fn requests_table(opts: &BenchOpts, driver: &ChromeDriver, base: &str) -> Result<String> {
    let (national, e164) = ("2015550190", "+12015550190");
    let b = Browser::open(driver.url(), &opts.common.chromium, base).await?;
    let result = async {
        b.goto("/sign-up").await?;
        let up = counted_flow(&b, national, e164)
            .await
            .context("phone sign-up")?;
        b.click("#user-button").await?;
        b.click("button#sign-out").await?;
        b.wait_visible("a#go-sign-in").await?;
        b.goto("/sign-in").await?;
        let inn = counted_flow(&b, national, e164)
            .await
            .context("phone sign-in")?;
        Ok::<_, anyhow::Error>((up, inn))
    }
    .await;
    if result.is_err() {
        let _ = b.save_artifacts(&opts.artifacts, "bench-requests").await;
    }
    b.close().await;
    let (up, inn) = result?;
    let mut s = String::from(
        "### HTTP requests from \"Continue\" to signed in\n\n\
         Counted in the browser: `/v1/*` entries of `performance.getEntriesByType('resource')`, \
         buffer cleared just before the click, read when the signed-in home shows the number.\n\n\
         | flow | requests | paths |\n|---|---:|---|\n",
    );
    for (label, paths) in [("phone sign-up", &up), ("phone sign-in", &inn)] {
        s.push_str(&format!(
            "| {label} | {} | {} |\n",
            paths.len(),
            paths
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    s.push('\n');
    Ok(s)
}

// ---------------------------------------------------------------------------------------------
// Server throughput, side by side with the better-auth peer.

/// The E.164 test number of bench user `i` (`+1 202 555 01NN`, then 203 ..., all in the test range).
pub fn bench_phone(i: usize) -> String {
    format!("+1{}555{:04}", 202 + i / 100, 100 + i % 100)
}

/// Users created before the sign-in runs (the open loop picks them round robin, so no two
/// flows of one user overlap: the peer keeps one code per phone number).
const EXISTING_USERS: usize = 256;

/// The processes of a setup (killed when dropped, at the end of the setup).
enum Procs {
    Onetime(Vec<Server>),
    Peer(Peer),
}

impl Procs {
    /// The highest peak RSS of the processes, KiB.
    fn peak_rss_kib(&self) -> Option<u64> {
        match self {
            Self::Onetime(servers) => servers.iter().filter_map(Server::peak_rss_kib).max(),
            Self::Peer(peer) => peer.peak_rss_kib(),
        }
    }
}

/// One server arrangement under test.
struct Setup {
    label: String,
    target: Target,
    procs: Procs,
    /// SQLite `synchronous=FULL`: each commit waits for an fsync.
    full_sync: bool,
}

/// One line of the side-by-side table.
struct Row {
    setup: String,
    product: Product,
    kind: FlowKind,
    full_sync: bool,
    run: Run,
    rss_kib: Option<u64>,
}

async fn onetime_setup(
    opts: &BenchOpts,
    artifacts: &Path,
    http: &Http,
    label: &str,
    synchronous: Option<&str>,
    token_algorithm: Option<&str>,
    databases: &[Option<String>],
) -> Result<Setup> {
    let mut servers = Vec::new();
    for (i, database) in databases.iter().enumerate() {
        let spec = ServerSpec {
            bin: opts.common.server_bin.clone(),
            dist: opts.common.dist.clone(),
            resend_cooldown_secs: 30,
            sends_per_identifier: 1_000_000_000,
            log: artifacts.join(format!(
                "bench-server-{}-{i}.log",
                label.replace([' ', ',', '='], "-")
            )),
            database: database.clone(),
            synchronous: synchronous.map(str::to_owned),
            token_algorithm: token_algorithm.map(str::to_owned),
        };
        // One after the other: the first migrates and makes the signing key.
        servers.push(Server::start(&spec, http).await?);
    }
    let target = Target {
        product: Product::Onetime,
        bases: servers.iter().map(|s| s.base().to_owned()).collect(),
        pids: servers.iter().map(Server::pid).collect(),
    };
    Ok(Setup {
        label: label.to_owned(),
        target,
        procs: Procs::Onetime(servers),
        full_sync: synchronous == Some("full"),
    })
}

async fn peer_setup(dir: &Path, artifacts: &Path, http: &Http, sync: &str) -> Result<Setup> {
    let peer = Peer::start(
        dir,
        sync,
        &artifacts.join(format!("bench-better-auth-{sync}.log")),
        http,
    )
    .await?;
    let target = Target {
        product: Product::BetterAuth,
        bases: vec![peer.base().to_owned()],
        pids: vec![peer.pid()],
    };
    Ok(Setup {
        label: format!("better-auth 1.7.25, SQLite synchronous={sync}"),
        target,
        procs: Procs::Peer(peer),
        full_sync: sync == "FULL",
    })
}

/// Creates the users the sign-in runs sign in, 32 at a time.
async fn create_users(http: &Http, target: &Target) -> Result<Vec<String>> {
    let phones: Vec<String> = (0..EXISTING_USERS).map(bench_phone).collect();
    for chunk in phones.chunks(32) {
        let mut tasks = tokio::task::JoinSet::new();
        for phone in chunk {
            let (http, target, phone) = (http.clone(), target.clone(), phone.clone());
            tasks.spawn(async move {
                match target.product {
                    Product::Onetime => FapiClient::new(http, &target.bases[0])
                        .sign_up_phone(&phone)
                        .await
                        .with_context(|| format!("signing up {phone}")),
                    // The peer's phone verify signs a new number up.
                    Product::BetterAuth => load::flow(
                        &http,
                        target.product,
                        &target.bases[0],
                        FlowKind::SignIn,
                        &phone,
                    )
                    .await
                    .map(drop)
                    .with_context(|| format!("signing up {phone}")),
                }
            });
        }
        while let Some(r) = tasks.join_next().await {
            r??;
        }
    }
    Ok(phones)
}

/// Runs both flows closed loop on every setup (and open loop on the first at half its
/// sign-in rate), then prints the per-setup tables, the side-by-side table and the ratios.
async fn server_section(opts: &BenchOpts, artifacts: &Path, http: &Http) -> Result<String> {
    let duration = Duration::from_secs(opts.duration_secs);
    let mut out = String::new();
    let mut rows: Vec<Row> = Vec::new();
    let tag = format!(
        "{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    );
    let peer_dir = match &opts.peer {
        Some(src) => Some(peer::install(
            src,
            &Path::new("target").join("peers/better-auth"),
        )?),
        None => None,
    };
    let pg = opts.postgres.as_ref().map(|(one, two)| {
        [
            vec![Some(one.clone())],
            vec![Some(two.clone()), Some(two.clone())],
        ]
    });
    type Make<'a> = std::pin::Pin<Box<dyn Future<Output = Result<Setup>> + 'a>>;
    let wants = |name: &str| opts.setups.iter().any(|s| s == name);
    let mut makers: Vec<Make<'_>> = Vec::new();
    for (name, label, sync, algorithm) in [
        (
            "normal",
            "onetime, SQLite synchronous=normal",
            "normal",
            None,
        ),
        ("full", "onetime, SQLite synchronous=full", "full", None),
        (
            "eddsa",
            "onetime, SQLite synchronous=normal, EdDSA tokens",
            "normal",
            Some("EdDSA"),
        ),
    ] {
        if wants(name) {
            makers.push(Box::pin(onetime_setup(
                opts,
                artifacts,
                http,
                label,
                Some(sync),
                algorithm,
                &[None],
            )));
        }
    }
    if let Some(dir) = peer_dir.as_ref().filter(|_| wants("peer")) {
        makers.push(Box::pin(peer_setup(dir, artifacts, http, "NORMAL")));
        makers.push(Box::pin(peer_setup(dir, artifacts, http, "FULL")));
    }
    if let Some(pg) = pg.as_ref().filter(|_| wants("postgres")) {
        makers.push(Box::pin(onetime_setup(
            opts,
            artifacts,
            http,
            "onetime, PostgreSQL, 1 instance",
            None,
            None,
            &pg[0],
        )));
        makers.push(Box::pin(onetime_setup(
            opts,
            artifacts,
            http,
            "onetime, PostgreSQL, 2 instances",
            None,
            None,
            &pg[1],
        )));
    }
    let mut open_rate = None;
    for make in makers {
        let setup = make.await?;
        let existing = create_users(http, &setup.target)
            .await
            .with_context(|| format!("{}: creating users", setup.label))?;
        let people = Arc::new(People::new(&tag, existing));
        // A short warm-up of each flow: connections, caches, the JIT of the peer.
        for kind in [FlowKind::SignUp, FlowKind::SignIn] {
            load::run(
                http,
                &setup.target,
                kind,
                Mode::Closed(opts.clients),
                Duration::from_secs(1),
                &people,
            )
            .await?;
        }
        for kind in [FlowKind::SignUp, FlowKind::SignIn] {
            let run = load::run(
                http,
                &setup.target,
                kind,
                Mode::Closed(opts.clients),
                duration,
                &people,
            )
            .await?;
            out.push_str(&run_table(
                &format!(
                    "{}: {}, closed loop, {} virtual users, {} s",
                    setup.label,
                    kind.label(),
                    opts.clients,
                    opts.duration_secs
                ),
                &run,
            ));
            flush(&mut out);
            rows.push(Row {
                setup: setup.label.clone(),
                product: setup.target.product,
                kind,
                full_sync: setup.full_sync,
                run,
                rss_kib: None,
            });
        }
        if open_rate.is_none() {
            // Open loop on the first setup (the default one) at the given rate or half of what
            // it just did closed loop, for the latency a server shows with room to spare.
            let max = rows
                .iter()
                .rev()
                .find(|r| r.kind == FlowKind::SignIn)
                .map_or(10.0, |r| r.run.flows_per_sec());
            let rate = opts.rate.map_or((max / 2.0).max(1.0), f64::from);
            open_rate = Some(rate);
            for kind in [FlowKind::SignUp, FlowKind::SignIn] {
                let run = load::run(
                    http,
                    &setup.target,
                    kind,
                    Mode::Open(rate),
                    duration,
                    &people,
                )
                .await?;
                out.push_str(&run_table(
                    &format!(
                        "{}: {}, open loop, {rate:.0} flows/s offered, {} s",
                        setup.label,
                        kind.label(),
                        opts.duration_secs
                    ),
                    &run,
                ));
                flush(&mut out);
            }
        }
        let rss = setup.procs.peak_rss_kib();
        for r in rows.iter_mut().filter(|r| r.setup == setup.label) {
            r.rss_kib = rss;
        }
    }
    out.push_str(&side_by_side(&rows, opts.clients));
    out.push_str(&fsync_limit(&rows, artifacts)?);
    Ok(out)
}

fn run_table(title: &str, run: &Run) -> String {
    let mut s = format!(
        "### {title}\n\n| metric | value |\n|---|---:|\n| flows/s | {:.1} |\n| flows completed | {} |\n\
         | errors | {} |\n| server CPU per flow | {} |\n",
        run.flows_per_sec(),
        thousands(run.flows),
        run.errors,
        ms(run.cpu_ms_per_flow()),
    );
    for (name, v) in &run.steps {
        let v = millis(v);
        s.push_str(&format!(
            "| `{name}` p50 / p99 | {} / {} |\n",
            ms(percentile(&v, 50.0)),
            ms(percentile(&v, 99.0))
        ));
    }
    let all = millis(&run.all());
    s.push_str(&format!(
        "| all requests p50 / p99 | {} / {} |\n",
        ms(percentile(&all, 50.0)),
        ms(percentile(&all, 99.0))
    ));
    if let Some(e) = &run.first_error {
        s.push_str(&format!("\nFirst error: {e}\n"));
    }
    s.push('\n');
    s
}

fn side_by_side(rows: &[Row], clients: usize) -> String {
    let mut s = format!(
        "### Side by side: {clients} virtual users, closed loop, one load generator, same run\n\n\
         | setup | flow | flows/s | server CPU per flow | all requests p50 / p99 | errors | peak RSS per process |\n\
         |---|---|---:|---:|---:|---:|---:|\n"
    );
    for r in rows {
        let all = millis(&r.run.all());
        s.push_str(&format!(
            "| {} | {} | {:.1} | {} | {} / {} | {} | {} |\n",
            r.setup,
            r.kind.label(),
            r.run.flows_per_sec(),
            ms(r.run.cpu_ms_per_flow()),
            ms(percentile(&all, 50.0)),
            ms(percentile(&all, 99.0)),
            r.run.errors,
            r.rss_kib
                .map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
        ));
    }
    s.push('\n');
    for full_sync in [false, true] {
        for kind in [FlowKind::SignUp, FlowKind::SignIn] {
            let find = |product| {
                rows.iter().find(|r| {
                    r.product == product
                        && r.kind == kind
                        && r.full_sync == full_sync
                        && !r.setup.contains("PostgreSQL")
                })
            };
            if let (Some(us), Some(peer)) = (find(Product::Onetime), find(Product::BetterAuth)) {
                let cpu = match (peer.run.cpu_ms_per_flow(), us.run.cpu_ms_per_flow()) {
                    (Some(p), Some(u)) if u > 0.0 => format!("{:.1}x", p / u),
                    _ => "n/a".into(),
                };
                s.push_str(&format!(
                    "**Ratio, synchronous={}, {}: onetime / better-auth = {:.1}x flows/s; better-auth / onetime = {cpu} server CPU per flow.**  \n",
                    if full_sync { "full" } else { "normal" },
                    kind.label(),
                    us.run.flows_per_sec() / peer.run.flows_per_sec().max(1e-9),
                ));
            }
        }
    }
    s.push('\n');
    s
}

/// fsyncs per second this disk does (write 4 KiB + `fdatasync`, for 2 s), and what that allows a
/// `synchronous=full` server: one WAL fsync per commit.
fn fsync_limit(rows: &[Row], artifacts: &Path) -> Result<String> {
    use std::io::Write as _;
    let path = artifacts.join("bench-fsync.tmp");
    let mut f = std::fs::File::create(&path)?;
    let block = [7u8; 4096];
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < Duration::from_secs(2) {
        f.write_all(&block)?;
        f.sync_data()?;
        n += 1;
    }
    let per_sec = n as f64 / started.elapsed().as_secs_f64();
    drop(f);
    let _ = std::fs::remove_file(&path);
    let mut s = format!(
        "### The fsync limit\n\nThis disk: {per_sec:.0} fsyncs/s (4 KiB write + fdatasync, 2 s, in `{}`).\n\n\
         | flow | commits per flow | limit at one fsync per commit | onetime synchronous=full | share of the limit |\n\
         |---|---:|---:|---:|---:|\n",
        artifacts.display()
    );
    for r in rows
        .iter()
        .filter(|r| r.product == Product::Onetime && r.full_sync)
    {
        let commits = r.kind.onetime_commits();
        let limit = per_sec / commits as f64;
        s.push_str(&format!(
            "| {} | {commits} | {limit:.0} flows/s | {:.1} flows/s | {:.0}% |\n",
            r.kind.label(),
            r.run.flows_per_sec(),
            100.0 * r.run.flows_per_sec() / limit.max(1e-9)
        ));
    }
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(kind_of("onetime-abc_bg.wasm"), Some("wasm"));
        assert_eq!(kind_of("onetime-abc.js"), Some("js"));
        assert_eq!(kind_of("main-123.css"), Some("css"));
        assert_eq!(kind_of("index.html"), Some("html"));
        assert_eq!(kind_of("favicon.ico"), None);
    }

    #[test]
    fn compresses() {
        let data = "onetime ".repeat(1000);
        let (gz, br) = compressed_sizes(data.as_bytes()).unwrap();
        assert!(gz < 200 && br < 200, "{gz} {br}");
    }

    #[test]
    fn normalizes_ids() {
        assert_eq!(
            normalize_path("/v1/client/sign_ups/sua_2HseX9/prepare_verification"),
            "/v1/client/sign_ups/{id}/prepare_verification"
        );
        assert_eq!(normalize_path("/v1/dev_browser"), "/v1/dev_browser");
        assert_eq!(
            normalize_path("/v1/client/sessions/sess_abc123/touch"),
            "/v1/client/sessions/{id}/touch"
        );
    }

    #[test]
    fn bench_phones_are_test_numbers() {
        assert_eq!(bench_phone(0), "+12025550100");
        assert_eq!(bench_phone(15), "+12025550115");
        assert_eq!(bench_phone(120), "+12035550120");
    }
}
