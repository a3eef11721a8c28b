//! The better-auth peer for side-by-side benchmarks: a copy of `../shared/peers/better-auth` (a
//! ready Node server, see its README) installed under `target/peers/` and started on a free
//! loopback port with its own SQLite file.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::http::Http;
use crate::procs::{Managed, free_port, parse_vm_hwm};

/// A running better-auth server.
#[derive(Debug)]
pub struct Peer {
    proc: Managed,
    base: String,
    _dir: tempfile::TempDir,
}

/// Copies the peer's sources from `source` into `work` (writable) and runs `npm ci` there once
/// (better-sqlite3 builds from source, about a minute); later runs reuse the install while
/// `package-lock.json` is unchanged.
pub fn install(source: &Path, work: &Path) -> Result<PathBuf> {
    for name in ["package.json", "package-lock.json", "server.mjs"] {
        if !source.join(name).is_file() {
            bail!(
                "{} has no {name}: not the better-auth peer",
                source.display()
            );
        }
    }
    std::fs::create_dir_all(work)?;
    let lock = std::fs::read(source.join("package-lock.json"))?;
    let installed = std::fs::read(work.join(".installed-lock")).ok();
    for name in ["package.json", "package-lock.json", "server.mjs"] {
        std::fs::copy(source.join(name), work.join(name))
            .with_context(|| format!("copying {name} to {}", work.display()))?;
    }
    if installed.as_deref() != Some(lock.as_slice()) || !work.join("node_modules").is_dir() {
        eprintln!(
            "installing the better-auth peer in {} (npm ci)...",
            work.display()
        );
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(work)
            .status()
            .context("running npm ci (is Node.js installed?)")?;
        if !status.success() {
            bail!("npm ci for the better-auth peer failed ({status})");
        }
        std::fs::write(work.join(".installed-lock"), lock)?;
    }
    Ok(work.to_owned())
}

impl Peer {
    /// Starts `node server.mjs` in `dir` with `SQLITE_SYNC=sync` on a fresh database and waits
    /// until `GET /api/auth/ok` answers 200.
    pub async fn start(dir: &Path, sync: &str, log: &Path, http: &Http) -> Result<Self> {
        let db_dir = tempfile::Builder::new().prefix("onetime-peer-").tempdir()?;
        let port = free_port()?;
        let log_file = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut cmd = Command::new("node");
        cmd.arg("server.mjs")
            .current_dir(dir)
            .env("PORT", port.to_string())
            .env("DB_PATH", db_dir.path().join("peer.sqlite"))
            .env("SQLITE_SYNC", sync)
            .env("NODE_ENV", "production")
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        let mut proc = Managed::spawn("better-auth", &mut cmd)?;
        let base = format!("http://127.0.0.1:{port}");
        proc.wait_until_ok(
            http,
            &format!("{base}/api/auth/ok"),
            Duration::from_secs(60),
            log,
        )
        .await?;
        Ok(Self {
            proc,
            base,
            _dir: db_dir,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The Node process id.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// Peak resident set size in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        parse_vm_hwm(&status)
    }
}
