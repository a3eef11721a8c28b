//! Developer commands for onetime, run as `cargo xtask <command>`.
//!
//! - `dev`: installs what is missing, starts `onetime-server` in dev mode and `trunk serve` in front of it.
//! - `test`: installs what is missing, runs every test layer and ends with `N passed, N failed`.
//! - `bench`: builds release artefacts and prints the benchmark table.
//! - `precompress`: writes `.br`/`.gz` siblings of a release build's assets (a Trunk hook).

mod postgres;
mod precompress;
mod process;
mod sizes;
mod tools;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use process::{Counts, run_layer};

/// Where `onetime-server` listens during `cargo xtask dev`; `Trunk.toml` proxies to it.
const DEV_SERVER_ADDR: &str = "127.0.0.1:8787";
/// Where `trunk serve` listens during `cargo xtask dev` (the `[serve]` section of `Trunk.toml`).
const DEV_APP_ADDR: &str = "127.0.0.1:8080";
/// Where `cargo xtask test` and `bench` put the release build, away from the `dist/` that a running
/// `trunk serve` rewrites.
const RELEASE_DIST: &str = "target/release-dist";
/// The budget for what the release build ships (wasm + js + css + html, gzip -9): issue 5's
/// 200,000 bytes, raised by issue 13 to 220,000 for decoding answers with serde. Asserted, so
/// the app cannot outgrow it unnoticed. (What a browser is actually sent, brotli, has its own
/// budget in the end-to-end suite.)
const GZIP_BUDGET_BYTES: u64 = 220_000;
/// The variable through which the server's API suite finds the PostgreSQL cluster to create
/// its per-test databases in (see crates/server/tests/api/helpers.rs).
const POSTGRES_URL_VAR: &str = "ONETIME_TEST_POSTGRES_URL";

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  dev     install what is missing, then run onetime-server (dev mode, SQLite under .data/)
          and `trunk serve` proxying to it; Ctrl-C stops both
  test    install what is missing, then run every test layer; ends with `N passed, N failed`
  bench   build release artefacts and print the benchmark table
  precompress [DIR]
          write .br and .gz next to each asset of DIR (Trunk runs it after release builds)";

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    let root = workspace_root();
    if let Err(error) = std::env::set_current_dir(&root) {
        eprintln!("xtask: cannot enter {}: {error}", root.display());
        return ExitCode::FAILURE;
    }
    tools::put_cargo_bin_on_path();
    let result = match command.as_str() {
        "dev" => dev(&root),
        "test" => test(&root),
        "bench" => bench(&root),
        "precompress" => precompress::run(std::env::args().nth(2).as_deref()),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's manifest directory.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Prints a numbered step header so a newcomer sees where a long command is.
fn step(number: usize, total: usize, what: &str) {
    println!("\n==> [{number}/{total}] {what}");
}

/// `cargo xtask dev`: the whole thing running locally.
fn dev(root: &Path) -> Result<(), String> {
    const STEPS: usize = 4;
    step(
        1,
        STEPS,
        "Checking the toolchain (wasm32 target, trunk, wasm-bindgen-cli)",
    );
    tools::ensure_wasm_target()?;
    tools::ensure_trunk()?;
    tools::ensure_wasm_bindgen(root)?;

    for (addr, who) in [
        (DEV_SERVER_ADDR, "onetime-server"),
        (DEV_APP_ADDR, "trunk serve"),
    ] {
        if let Err(error) = TcpListener::bind(addr) {
            return Err(format!(
                "{addr} is already in use ({error}), so {who} cannot listen there.\n\
                 Stop whatever holds it (often an earlier `cargo xtask dev`: `lsof -i :{port}` or \
                 `fuser -k {port}/tcp`) and run the command again.",
                port = addr.rsplit(':').next().unwrap_or_default()
            ));
        }
    }

    step(2, STEPS, "Building onetime-server");
    process::run("cargo", &["build", "-p", "onetime-server"])?;

    step(3, STEPS, "Starting onetime-server in dev mode");
    std::fs::create_dir_all(root.join(".data"))
        .map_err(|e| format!("cannot create .data/: {e}"))?;
    let mut server_args = vec![
        "--dev".to_string(),
        "--listen".into(),
        DEV_SERVER_ADDR.into(),
        "--database".into(),
        "sqlite://.data/onetime.db".into(),
    ];
    if root.join("config/onetime.toml").exists() {
        server_args.extend(["--config".into(), "config/onetime.toml".into()]);
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .map_err(|e| format!("cannot install the Ctrl-C handler: {e}"))?;
    }
    let mut server = Command::new(root.join("target/debug/onetime-server"))
        .args(&server_args)
        .spawn()
        .map_err(|e| format!("cannot start onetime-server: {e}"))?;
    let mut children = process::Children::default();
    if let Err(message) =
        wait_for_port(DEV_SERVER_ADDR, Duration::from_secs(30), &mut server, &stop)
    {
        process::terminate(&mut server);
        return Err(message);
    }
    children.push("onetime-server", server);

    step(
        4,
        STEPS,
        "Starting trunk serve (the first build of the app takes a few minutes)",
    );
    let trunk = tools::command("trunk")
        .arg("serve")
        .env("TRUNK_OFFLINE", "true")
        .spawn()
        .map_err(|e| format!("cannot start trunk: {e}"))?;
    children.push("trunk serve", trunk);

    let mut announced = false;
    loop {
        if stop.load(Ordering::SeqCst) {
            println!("\nStopping onetime-server and trunk serve ...");
            children.terminate_all();
            return Ok(());
        }
        if let Some((name, status)) = children.first_exited() {
            children.terminate_all();
            return Err(format!("{name} stopped ({status}); stopped the rest too"));
        }
        if !announced && std::net::TcpStream::connect(DEV_APP_ADDR).is_ok() {
            announced = true;
            println!(
                "\n  onetime is running.\n\
                 \n  Open      http://{DEV_APP_ADDR}/sign-up   (or /sign-in)\
                 \n  Test      phone +1 201 555 0100 (any +1 XXX 555 01NN) or jane+clerk_test@example.com, code 424242\
                 \n  Codes     every other code is printed in the onetime-server log above\
                 \n            and listed at http://{DEV_APP_ADDR}/dev/outbox (newest first)\
                 \n  Server    http://{DEV_SERVER_ADDR} (SQLite in .data/onetime.db)\
                 \n\n  Press Ctrl-C to stop both.\n"
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits until `addr` accepts connections, failing early if `child` exits or Ctrl-C is pressed.
fn wait_for_port(
    addr: &str,
    timeout: Duration,
    child: &mut std::process::Child,
    stop: &AtomicBool,
) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if std::net::TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "onetime-server exited before listening ({status}); see its log above"
            ));
        }
        if stop.load(Ordering::SeqCst) {
            return Err("interrupted".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "onetime-server did not listen on {addr} within {timeout:?}"
    ))
}

/// `cargo xtask test`: every test layer, one summary line.
fn test(root: &Path) -> Result<(), String> {
    const STEPS: usize = 8;
    step(
        1,
        STEPS,
        "Checking the toolchain (wasm32 target, trunk, wasm-bindgen-cli, Chromium, ChromeDriver, wasm-opt)",
    );
    tools::ensure_wasm_target()?;
    tools::ensure_system_packages()?;
    tools::ensure_trunk()?;
    tools::ensure_wasm_bindgen(root)?;

    let mut total = Counts::default();
    let mut layers: Vec<(&str, Counts)> = Vec::new();
    let mut record = |name: &'static str, counts: Counts, total: &mut Counts| {
        *total += counts;
        layers.push((name, counts));
    };

    step(
        2,
        STEPS,
        "Formatting and lints (cargo fmt --check; cargo clippy -D warnings, native and wasm)",
    );
    record(
        "format",
        run_layer("cargo", &["fmt", "--all", "--", "--check"], &[]),
        &mut total,
    );
    let clippy_native = run_layer(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    );
    // The app's browser-only code (`cfg(target_arch = "wasm32")`) is linted for its target too.
    let clippy_wasm = run_layer(
        "cargo",
        &[
            "clippy",
            "-p",
            "onetime",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    );
    let mut lints = clippy_native;
    lints += clippy_wasm;
    record("clippy -D warnings", lints, &mut total);

    step(
        3,
        STEPS,
        "Native tests (cargo test --workspace; the server API suite on SQLite and on a throwaway PostgreSQL)",
    );
    let native = match postgres::Cluster::start(false) {
        Ok(cluster) => {
            let url = cluster.url();
            run_layer(
                "cargo",
                &["test", "--workspace"],
                &[(POSTGRES_URL_VAR, url.as_str())],
            )
        }
        Err(error) => {
            println!("cannot start PostgreSQL: {error}");
            Counts::failed(1)
        }
    };
    record("native", native, &mut total);

    step(
        4,
        STEPS,
        "Browser component tests in headless Chromium (wasm-bindgen-test)",
    );
    let chromedriver =
        tools::which("chromedriver").unwrap_or_else(|| "/usr/bin/chromedriver".into());
    record(
        "wasm (headless Chromium)",
        run_layer(
            "cargo",
            &[
                "test",
                "-p",
                "onetime",
                "--target",
                "wasm32-unknown-unknown",
            ],
            &[
                ("CHROMEDRIVER", chromedriver.as_str()),
                ("WASM_BINDGEN_TEST_TIMEOUT", "300"),
                ("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "60"),
            ],
        ),
        &mut total,
    );

    step(
        5,
        STEPS,
        "Release build of the app (trunk build --release) and the bytes it ships",
    );
    let built = process::run_with_env(
        "trunk",
        &["build", "--release", "--dist", RELEASE_DIST],
        &[("TRUNK_OFFLINE", "true")],
    );
    let size_counts = match built {
        Ok(()) => match sizes::measure(&root.join(RELEASE_DIST)) {
            Ok(report) => {
                println!("{}", report.table());
                let gzip = report.total_gzip();
                if gzip <= GZIP_BUDGET_BYTES {
                    let left = GZIP_BUDGET_BYTES - gzip;
                    println!(
                        "size budget: {gzip} B gzip <= {GZIP_BUDGET_BYTES} B: ok ({left} B to spare)"
                    );
                    Counts::passed(1)
                } else {
                    println!("size budget: {gzip} B gzip > {GZIP_BUDGET_BYTES} B: FAILED");
                    Counts::failed(1)
                }
            }
            Err(error) => {
                println!("cannot measure {RELEASE_DIST}: {error}");
                Counts::failed(1)
            }
        },
        Err(error) => {
            println!("{error}");
            Counts::failed(1)
        }
    };
    record("release build + size budget", size_counts, &mut total);

    step(6, STEPS, "Building onetime-server for the browser suites");
    let server_built = process::run("cargo", &["build", "-p", "onetime-server"]);
    let server_bin = "target/debug/onetime-server";

    // npm's packages: clerk-js for the compatibility suite, axe-core for the end-to-end suite's
    // accessibility scenarios.
    let node_modules = if root.join("compat/package.json").exists() {
        tools::ensure_compat_node_modules(root)
    } else {
        Err("no compat/package.json in this checkout".to_string())
    };
    if let Err(error) = &node_modules {
        println!("{error}");
    }

    step(
        7,
        STEPS,
        "End-to-end suite in headless Chromium (crates/e2e)",
    );
    if root.join("crates/e2e/Cargo.toml").exists() {
        let counts = if server_built.is_ok() && root.join(RELEASE_DIST).join("index.html").exists()
        {
            run_layer(
                "cargo",
                &[
                    "run",
                    "-p",
                    "onetime-e2e",
                    "--",
                    "test",
                    "--server-bin",
                    server_bin,
                    "--dist",
                    RELEASE_DIST,
                ],
                &[],
            )
        } else {
            println!("skipped: the server or the app did not build (counted as a failure)");
            Counts::failed(1)
        };
        record("end-to-end", counts, &mut total);
    } else {
        println!("no end-to-end suite in this checkout yet");
    }

    step(8, STEPS, "clerk-js compatibility suite (compat/)");
    if root.join("compat/package.json").exists() {
        let counts = match (server_built.as_ref(), node_modules.as_ref()) {
            (Ok(()), Ok(())) => {
                run_layer("node", &["compat/run.mjs", "--server-bin", server_bin], &[])
            }
            (_, Err(error)) => {
                println!("{error}");
                Counts::failed(1)
            }
            (Err(error), _) => {
                println!("{error}");
                Counts::failed(1)
            }
        };
        record("clerk-js compat", counts, &mut total);
    } else {
        println!("no compatibility suite in this checkout yet");
    }

    println!("\n==> Summary");
    for (name, counts) in &layers {
        println!(
            "  {name:<30} {:>4} passed {:>4} failed",
            counts.passed, counts.failed
        );
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 || total.passed == 0 {
        return Err("some tests failed".into());
    }
    Ok(())
}

/// `cargo xtask bench`: release builds, then the benchmark table from `onetime-e2e bench`.
fn bench(root: &Path) -> Result<(), String> {
    const STEPS: usize = 4;
    step(1, STEPS, "Checking the toolchain");
    tools::ensure_wasm_target()?;
    tools::ensure_system_packages()?;
    tools::ensure_trunk()?;
    tools::ensure_wasm_bindgen(root)?;
    step(2, STEPS, "Release build of the app");
    process::run_with_env(
        "trunk",
        &["build", "--release", "--dist", RELEASE_DIST],
        &[("TRUNK_OFFLINE", "true")],
    )?;
    step(
        3,
        STEPS,
        "Release build of onetime-server and the benchmark driver",
    );
    process::run(
        "cargo",
        &[
            "build",
            "--release",
            "-p",
            "onetime-server",
            "-p",
            "onetime-e2e",
        ],
    )?;
    step(
        4,
        STEPS,
        "Benchmark (the server on SQLite, then on a throwaway PostgreSQL with one and two instances)",
    );
    let cluster = postgres::Cluster::start(true)?;
    let databases = format!(
        "{},{}",
        cluster.create_database("bench_one_instance")?,
        cluster.create_database("bench_two_instances")?
    );
    let mut args = vec![
        "bench",
        "--server-bin",
        "target/release/onetime-server",
        "--dist",
        RELEASE_DIST,
        "--postgres",
        &databases,
    ];
    // The better-auth peer (a ready Node server kept next to the repository): when present, the
    // same flows run against it and the table gets the ratio lines.
    let peer = root.join("../shared/peers/better-auth");
    let peer = peer.to_string_lossy();
    if Path::new(peer.as_ref()).join("server.mjs").is_file() {
        args.extend(["--peer", peer.as_ref()]);
    } else {
        println!("(no better-auth peer at {peer}: the table shows onetime alone)");
    }
    process::run("target/release/onetime-e2e", &args)
}
