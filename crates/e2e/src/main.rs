//! `onetime-e2e`: the end-to-end browser suite and the benchmark.
//!
//! `onetime-e2e test` starts a real `onetime-server` (fresh SQLite, dev mode, free port) serving
//! the release app with `--static`, starts ChromeDriver, and drives headless Chromium through the
//! scenarios like a person. `onetime-e2e bench` prints a markdown table of bytes shipped, cold
//! load time, requests per flow and server throughput. Both kill every child they started on
//! exit, on failure, on panic and on Ctrl-C/SIGTERM.

mod bench;
mod browser;
mod cli;
mod config;
mod fapi;
mod http;
mod instructions;
mod load;
mod peer;
mod procs;
mod scenarios;
mod stats;

/// glibc's malloc was ~4% of all CPU during `bench` (perf), cycles taken from the server it
/// measures on the same cores.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::future::Future;
use std::process::ExitCode;

use cli::Command;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("onetime-e2e: {e:#}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("onetime-e2e: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match command {
        Command::Help => {
            println!("{}", cli::USAGE);
            ExitCode::SUCCESS
        }
        Command::Test(opts) => match runtime.block_on(until_signal(scenarios::run(opts))) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("onetime-e2e test: {e:#}");
                // The one summary line, so a caller counting it still sees the suite failed.
                println!("0 passed, 1 failed");
                ExitCode::FAILURE
            }
        },
        Command::Bench(opts) => match runtime.block_on(until_signal(bench::run(opts))) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("onetime-e2e bench: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Runs `work` until it finishes or SIGINT/SIGTERM arrives; on a signal the future is dropped,
/// which drops (and so kills) the server, ChromeDriver and Chromium.
async fn until_signal<T>(work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = work => r,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted"),
        _ = term.recv() => anyhow::bail!("terminated"),
    }
}
