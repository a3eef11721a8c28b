//! Instructions the server executes per request type, counted by callgrind: unlike wall-clock
//! figures on this noisy 2-core machine they repeat to within a fraction of a percent, so a
//! change's effect on server CPU can be compared before and after.
//!
//! The server runs under `valgrind --tool=callgrind --instr-atstart=no`; for each request type
//! the same flows run one after the other with counting switched on (`callgrind_control -i on`)
//! only around that request, then the counters are dumped and read. Callgrind counts user-space
//! instructions of every server thread; time in the kernel (context switches, syscalls) is not
//! in these figures, only in the CPU-per-flow column of the load tables.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::bench::bench_phone;
use crate::cli::BenchOpts;
use crate::config;
use crate::http::Http;
use crate::load::{self, FlowKind, People, Product};
use crate::procs::{Managed, Server, ServerSpec, free_port};
use crate::stats::thousands;

/// Flows counted per request type (the figure is their mean).
const FLOWS: usize = 20;

fn callgrind_control(args: &[&str]) -> Result<()> {
    let status = Command::new("callgrind_control")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("running callgrind_control (apt-get install valgrind)")?;
    if !status.success() {
        bail!("callgrind_control {args:?} failed ({status})");
    }
    Ok(())
}

/// The `totals:` (or `summary:`) instruction count of the newest dump in `dir`.
fn newest_total(dir: &Path) -> Result<u64> {
    let newest = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("callgrind.out"))
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
        .context("no callgrind dump written")?;
    let text = std::fs::read_to_string(newest.path())?;
    parse_total(&text).with_context(|| format!("no totals in {}", newest.path().display()))
}

/// The instruction count of a callgrind dump (`totals: N` or `summary: N`).
pub fn parse_total(dump: &str) -> Option<u64> {
    // `summary:` comes first and can read 0 in a dump taken on request; `totals:` is the sum.
    let field = |prefix: &str| {
        dump.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    field("totals:").or_else(|| field("summary:"))
}

/// Runs the counting and returns the markdown table.
pub async fn table(opts: &BenchOpts, artifacts: &Path, http: &Http) -> Result<String> {
    let work = tempfile::Builder::new()
        .prefix("onetime-callgrind-")
        .tempdir()?;
    let database = format!("sqlite://{}", work.path().join("cg.db").display());
    // Natively first: migrations, the signing key and the users to sign in are made at full
    // speed (RSA key generation under valgrind takes minutes).
    let spec = ServerSpec {
        bin: opts.common.server_bin.clone(),
        dist: opts.common.dist.clone(),
        resend_cooldown_secs: 30,
        sends_per_identifier: 1_000_000_000,
        log: artifacts.join("callgrind-setup.log"),
        database: Some(database.clone()),
        synchronous: None,
        token_algorithm: None,
    };
    let native = Server::start(&spec, http).await?;
    let existing: Vec<String> = (0..FLOWS).map(bench_phone).collect();
    for phone in &existing {
        crate::fapi::FapiClient::new(http.clone(), native.base())
            .sign_up_phone(phone)
            .await?;
    }
    drop(native);

    let config_path = work.path().join("onetime.toml");
    std::fs::write(&config_path, config::test_config(30, 1_000_000_000))?;
    let port = free_port()?;
    let log = artifacts.join("callgrind-server.log");
    let log_file = std::fs::File::create(&log)?;
    let mut cmd = Command::new("valgrind");
    cmd.arg("--tool=callgrind")
        .arg("--instr-atstart=no")
        .arg(format!(
            "--callgrind-out-file={}",
            work.path().join("callgrind.out").display()
        ))
        .arg(&opts.common.server_bin)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--dev"])
        .args(["--database", &database])
        .arg("--config")
        .arg(&config_path)
        .env("RUST_LOG", "warn")
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    let mut proc = Managed::spawn("valgrind onetime-server", &mut cmd)?;
    let pid = proc.pid().to_string();
    let base = format!("http://127.0.0.1:{port}");
    // Slow under valgrind: every function is translated on first use.
    proc.wait_until_ok(
        http,
        &format!("{base}/v1/environment"),
        Duration::from_secs(180),
        &log,
    )
    .await?;

    let people = Arc::new(People::new(&format!("cg{}", std::process::id()), existing));
    let who = |kind: FlowKind, i: usize| match kind {
        FlowKind::SignUp => people.fresh_email(),
        FlowKind::SignIn => people.existing[i % people.existing.len()].clone(),
    };
    let mut out = format!(
        "### Server instructions per request (callgrind, mean of {FLOWS} flows each)\n\n\
         `{}` under `valgrind --tool=callgrind` on SQLite (synchronous=normal); instructions \
         of all server threads while that request was in flight, counted one flow after another \
         on a warm server. Kernel time is not included.\n\n\
         | flow | request | instructions |\n|---|---|---:|\n",
        opts.common.server_bin.display()
    );
    for kind in [FlowKind::SignUp, FlowKind::SignIn] {
        // Warm up (statement caches, pools), uncounted; and learn the request names.
        let mut steps = Vec::new();
        for i in 0..3 {
            steps = load::flow(http, Product::Onetime, &base, kind, &who(kind, i)).await?;
        }
        let mut flow_total = 0;
        for (step, _) in &steps {
            callgrind_control(&["--zero", &pid])?;
            for i in 0..FLOWS {
                let around = |s: &'static str, on: bool| {
                    if s == *step {
                        let _ = callgrind_control(&["-i", if on { "on" } else { "off" }, &pid]);
                    }
                };
                load::flow_around(
                    http,
                    Product::Onetime,
                    &base,
                    kind,
                    &who(kind, i),
                    Some(&around),
                )
                .await?;
            }
            callgrind_control(&["--dump", &pid])?;
            let per_request = newest_total(work.path())? / FLOWS as u64;
            flow_total += per_request;
            out.push_str(&format!(
                "| {} | `{step}` | {} |\n",
                kind.label(),
                thousands(per_request)
            ));
        }
        out.push_str(&format!(
            "| {} | **whole flow** | **{}** |\n",
            kind.label(),
            thousands(flow_total)
        ));
    }
    out.push('\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_total_of_a_dump() {
        let dump = "events: Ir\nsummary: 0\nfn=main\n0 12\ntotals: 123456\n";
        assert_eq!(parse_total(dump), Some(123456));
        assert_eq!(parse_total("summary: 42\n"), Some(42));
        assert_eq!(parse_total("events: Ir\n"), None);
    }
}
