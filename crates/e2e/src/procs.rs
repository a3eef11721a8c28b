//! Child processes the suite owns: the OTP server and ChromeDriver.
//!
//! Every child runs in its own process group and is killed (the whole group, so Chromium goes
//! with ChromeDriver) when its handle drops: on success, on error, on panic and on Ctrl-C.

use std::fs::File;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::config;
use crate::http::Http;

/// Picks a free loopback port: binds `127.0.0.1:0`, reads the port and drops the listener.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A child process that is killed with its whole process group on drop.
#[derive(Debug)]
pub struct Managed {
    name: String,
    child: Child,
}

impl Managed {
    /// Spawns `cmd` as the leader of a new process group.
    pub fn spawn(name: &str, cmd: &mut Command) -> Result<Self> {
        cmd.process_group(0).stdin(Stdio::null());
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {name} ({:?})", cmd.get_program()))?;
        Ok(Self {
            name: name.to_owned(),
            child,
        })
    }

    /// The process id (also the process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `Some(status)` when the process has already exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits until `GET url` answers 200; fails (with the end of `log`) when the process exits
    /// first or `timeout` passes.
    pub async fn wait_until_ok(
        &mut self,
        http: &Http,
        url: &str,
        timeout: Duration,
        log: &Path,
    ) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                bail!(
                    "{} exited with {status} before it was ready; log {}:\n{}",
                    self.name,
                    log.display(),
                    tail(log, 30)
                );
            }
            if let Ok(resp) = http.get(url, &[]).await
                && resp.status == 200
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not answer 200 on {url} within {} s; log {}:\n{}",
                    self.name,
                    timeout.as_secs(),
                    log.display(),
                    tail(log, 30)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Managed {
    fn drop(&mut self) {
        if self.exited().is_none() {
            // The whole group: ChromeDriver's Chromium children live in it too.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        if std::env::var_os("ONETIME_E2E_VERBOSE").is_some() {
            eprintln!("stopped {}", self.name);
        }
    }
}

/// How to start a server for the suite or the bench.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    /// The `onetime-server` binary.
    pub bin: PathBuf,
    /// The app's `dist/` directory, served with `--static`.
    pub dist: PathBuf,
    /// Seconds a person waits before a code can be resent.
    pub resend_cooldown_secs: u64,
    /// Codes one identifier may be sent per window.
    pub sends_per_identifier: u32,
    /// Where the server's stdout and stderr go.
    pub log: PathBuf,
    /// Database URL; `None` for a fresh SQLite file in the server's temp dir.
    pub database: Option<String>,
    /// SQLite `[database] synchronous` (`normal` or `full`); `None` keeps the server's default.
    pub synchronous: Option<String>,
    /// `[tokens] algorithm` (`RS256`, `ES256`, `EdDSA`); `None` keeps the server's default.
    pub token_algorithm: Option<String>,
}

/// A running `onetime-server` with a fresh SQLite database in its own temp dir (or the
/// database its spec names).
#[derive(Debug)]
pub struct Server {
    proc: Managed,
    base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts the server in dev mode on a free port and waits until `GET /v1/environment` is 200.
    pub async fn start(spec: &ServerSpec, http: &Http) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("onetime-e2e-")
            .tempdir()
            .context("creating the server's temp dir")?;
        let port = free_port()?;
        let listen = format!("127.0.0.1:{port}");
        let database = spec
            .database
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("e2e.db").display()));
        let config_path = dir.path().join("onetime.toml");
        let mut config_text =
            config::test_config(spec.resend_cooldown_secs, spec.sends_per_identifier);
        if let Some(sync) = &spec.synchronous {
            config_text.push_str(&format!("\n[database]\nsynchronous = \"{sync}\"\n"));
        }
        if let Some(algorithm) = &spec.token_algorithm {
            config_text.push_str(&format!("\n[tokens]\nalgorithm = \"{algorithm}\"\n"));
        }
        std::fs::write(&config_path, config_text).context("writing the test config")?;
        if let Some(parent) = spec.log.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let log =
            File::create(&spec.log).with_context(|| format!("creating {}", spec.log.display()))?;
        let mut cmd = Command::new(&spec.bin);
        cmd.arg("--listen")
            .arg(&listen)
            .arg("--database")
            .arg(&database)
            .arg("--config")
            .arg(&config_path)
            .arg("--dev")
            .arg("--static")
            .arg(&spec.dist)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdout(log.try_clone()?)
            .stderr(log);
        let mut proc = Managed::spawn("onetime-server", &mut cmd)?;
        let base = format!("http://{listen}");
        let url = format!("{base}/v1/environment");
        proc.wait_until_ok(http, &url, Duration::from_secs(30), &spec.log)
            .await?;
        Ok(Self {
            proc,
            base,
            log: spec.log.clone(),
            _dir: dir,
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// Where the server logs.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Peak resident set size in KiB (`VmHWM` in `/proc/<pid>/status`).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        parse_vm_hwm(&status)
    }
}

/// Reads `VmHWM:   12345 kB` out of a `/proc/<pid>/status` text.
pub fn parse_vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// The last `n` lines of a log file (for error messages).
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A running ChromeDriver on a free loopback port.
#[derive(Debug)]
pub struct ChromeDriver {
    _proc: Managed,
    url: String,
}

impl ChromeDriver {
    /// Starts `chromedriver` and waits until its `/status` says ready.
    pub async fn start(bin: &Path, log: &Path, http: &Http) -> Result<Self> {
        if !bin.exists() {
            bail!(
                "ChromeDriver not found at {} (apt-get install chromium-driver, or pass --chromedriver)",
                bin.display()
            );
        }
        let port = free_port()?;
        if let Some(parent) = log.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let log_file = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut cmd = Command::new(bin);
        cmd.arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        let mut proc = Managed::spawn("chromedriver", &mut cmd)?;
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = proc.exited() {
                bail!(
                    "chromedriver exited with {status}; log {}:\n{}",
                    log.display(),
                    tail(log, 20)
                );
            }
            if let Ok(resp) = http.get(&format!("{url}/status"), &[]).await
                && resp.status == 200
                && resp.json().ok().and_then(|j| j["value"]["ready"].as_bool()) == Some(true)
            {
                break;
            }
            if Instant::now() > deadline {
                bail!("chromedriver not ready within 20 s; log {}", log.display());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Self { _proc: proc, url })
    }

    /// The WebDriver URL, e.g. `http://127.0.0.1:9515`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_port_is_nonzero() {
        assert_ne!(free_port().unwrap(), 0);
    }

    #[test]
    fn parses_vm_hwm() {
        let status =
            "Name:\tonetime-server\nVmPeak:\t  99999 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(12345));
        assert_eq!(parse_vm_hwm("Name: x\n"), None);
    }
}
