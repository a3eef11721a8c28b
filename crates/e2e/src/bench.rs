//! The benchmark: bytes shipped, cold load time, requests per flow, server throughput.
//!
//! Prints markdown; asserts nothing about time. Sized to finish in a few minutes on 2 cores.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value as Json, json};

use crate::browser::Browser;
use crate::cli::BenchOpts;
use crate::fapi::{FapiClient, TEST_CODE};
use crate::http::Http;
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

    let spec = |log: &str, database: Option<&String>| ServerSpec {
        bin: opts.common.server_bin.clone(),
        dist: opts.common.dist.clone(),
        resend_cooldown_secs: 30,
        sends_per_identifier: 1_000_000_000,
        log: artifacts.join(log),
        database: database.cloned(),
    };
    let mut setups: Vec<(&str, Vec<ServerSpec>)> =
        vec![("SQLite, 1 instance", vec![spec("bench-server.log", None)])];
    if let Some((one, two)) = &opts.postgres {
        setups.push((
            "PostgreSQL, 1 instance",
            vec![spec("bench-server-pg.log", Some(one))],
        ));
        setups.push((
            "PostgreSQL, 2 instances",
            vec![
                spec("bench-server-pg-a.log", Some(two)),
                spec("bench-server-pg-b.log", Some(two)),
            ],
        ));
    }
    let mut rows = Vec::new();
    for (label, specs) in setups {
        let mut servers = Vec::new();
        for spec in &specs {
            // One after the other: the first migrates and makes the signing key.
            servers.push(Server::start(spec, &http).await?);
        }
        let table = server_table(&opts, label, &servers, &http).await;
        let table = table.map(|(text, row)| {
            rows.push(row);
            text
        });
        section(&mut out, &mut failures, label, table);
    }
    if rows.len() > 1 {
        let mut cmp = String::from(
            "### Server side by side (same flows, same load generator)\n\n\
             | setup | flows/s | all requests p50 / p99 | errors | peak RSS per instance |\n\
             |---|---:|---:|---:|---:|\n",
        );
        for r in &rows {
            cmp.push_str(&format!(
                "| {} | {:.1} | {} / {} | {} | {} |\n",
                r.label,
                r.flows_per_sec,
                ms(r.p50),
                ms(r.p99),
                r.errors,
                r.peak_rss_kib
                    .map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
            ));
        }
        cmp.push('\n');
        section(&mut out, &mut failures, "side by side", Ok(cmp));
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
// Server throughput.

#[derive(Default)]
struct Samples {
    steps: [Vec<Duration>; 3],
    flows: u64,
    errors: u64,
    first_error: Option<String>,
}

/// The E.164 test number of bench client `i` (`+1 202 555 01NN`, then 203 ..., all in the test range).
pub fn bench_phone(i: usize) -> String {
    format!("+1{}555{:04}", 202 + i / 100, 100 + i % 100)
}

/// One line of the side-by-side table.
struct Throughput {
    label: String,
    flows_per_sec: f64,
    p50: Option<f64>,
    p99: Option<f64>,
    errors: u64,
    peak_rss_kib: Option<u64>,
}

/// Runs the sign-in flows against `servers` (flow `n` of client `i` goes to server
/// `(i + n) % servers.len()`, so with two instances every client alternates between them).
async fn server_table(
    opts: &BenchOpts,
    label: &str,
    servers: &[Server],
    http: &Http,
) -> Result<(String, Throughput)> {
    let clients = opts.clients;
    let bases: Arc<Vec<String>> = Arc::new(servers.iter().map(|s| s.base().to_owned()).collect());
    let server = &servers[0];
    // Pre-create one user per client by signing up.
    for i in 0..clients {
        let mut c = FapiClient::new(http.clone(), server.base());
        c.sign_up_phone(&bench_phone(i))
            .await
            .with_context(|| format!("pre-creating {}", bench_phone(i)))?;
    }
    // One warm-up flow to fail fast with a clear message if the wire does not fit.
    FapiClient::new(http.clone(), server.base())
        .sign_in_phone(&bench_phone(0))
        .await
        .context("warm-up sign-in")?;

    let samples = Arc::new(Mutex::new(Samples::default()));
    let duration = Duration::from_secs(opts.duration_secs);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for i in 0..clients {
        let samples = Arc::clone(&samples);
        let bases = Arc::clone(&bases);
        let http = http.clone();
        let phone = bench_phone(i);
        tasks.push(tokio::spawn(async move {
            let mut local = Samples::default();
            let mut n = i;
            while Instant::now() < deadline {
                // Each flow is a new browser: no cookies, a new FAPI client.
                let mut c = FapiClient::new(http.clone(), &bases[n % bases.len()]);
                n += 1;
                match tokio::time::timeout(Duration::from_secs(30), c.sign_in_phone(&phone)).await {
                    Ok(Ok(times)) => {
                        local.flows += 1;
                        for (k, t) in times.into_iter().enumerate() {
                            local.steps[k].push(t);
                        }
                    }
                    Ok(Err(e)) => {
                        local.errors += 1;
                        local.first_error.get_or_insert_with(|| format!("{e:#}"));
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    Err(_) => {
                        local.errors += 1;
                        local
                            .first_error
                            .get_or_insert_with(|| "flow timed out (30 s)".into());
                    }
                }
            }
            let mut all = samples.lock().unwrap();
            all.flows += local.flows;
            all.errors += local.errors;
            if all.first_error.is_none() {
                all.first_error = local.first_error;
            }
            for k in 0..3 {
                all.steps[k].append(&mut local.steps[k]);
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let rss = servers.iter().filter_map(Server::peak_rss_kib).max();
    let samples = std::mem::take(&mut *samples.lock().unwrap());
    if samples.flows == 0 {
        bail!(
            "no sign-in flow completed; first error: {}",
            samples.first_error.unwrap_or_default()
        );
    }
    let all: Vec<Duration> = samples.steps.iter().flatten().copied().collect();
    let mut s = format!(
        "### Server ({label}): {clients} concurrent clients, complete phone sign-in flows for {} s\n\n\
         Each flow: `POST /v1/client/sign_ins` (identifier + strategy=phone_code: create and prepare), \
         `attempt_first_factor` with 424242, `POST /v1/client/sessions/{{id}}/tokens`; a new cookie jar \
         (new FAPI client) per flow, keep-alive connections, load generator in the same machine ({}).\n\n\
         | metric | value |\n|---|---:|\n",
        opts.duration_secs,
        machine()
    );
    s.push_str(&format!(
        "| flows/s | {:.1} |\n| requests/s | {:.1} |\n| flows completed | {} |\n| errors | {} |\n",
        samples.flows as f64 / elapsed,
        all.len() as f64 / elapsed,
        thousands(samples.flows),
        samples.errors
    ));
    for (label, v) in [
        ("sign_ins (create+prepare)", &samples.steps[0]),
        ("attempt_first_factor", &samples.steps[1]),
        ("tokens", &samples.steps[2]),
        ("all requests", &all),
    ] {
        let v = millis(v);
        s.push_str(&format!(
            "| {label} p50 / p99 | {} / {} |\n",
            ms(percentile(&v, 50.0)),
            ms(percentile(&v, 99.0))
        ));
    }
    s.push_str(&format!(
        "| server peak RSS (VmHWM) | {} |\n",
        rss.map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    ));
    if let Some(e) = &samples.first_error {
        s.push_str(&format!("\nFirst error: {e}\n"));
    }
    s.push('\n');
    let all = millis(&all);
    let row = Throughput {
        label: label.to_owned(),
        flows_per_sec: samples.flows as f64 / elapsed,
        p50: percentile(&all, 50.0),
        p99: percentile(&all, 99.0),
        errors: samples.errors,
        peak_rss_kib: rss,
    };
    Ok((s, row))
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
