//! A throwaway PostgreSQL cluster for the test and bench commands: Debian's server binaries (the
//! `postgresql` package, installed when missing), `initdb` in a temporary directory, one
//! loopback port, stopped and deleted on drop. No Docker, no system service.

use std::path::PathBuf;

use crate::{process, tools};

/// Where Debian puts the server binaries, one directory per major version.
const DEBIAN_PG_ROOT: &str = "/usr/lib/postgresql";

/// A running cluster; dropping it stops the server and deletes its files.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    /// Root may not run the server: then every command runs as the `postgres` user.
    as_postgres: bool,
}

impl Cluster {
    /// Installs PostgreSQL when missing, then creates and starts a fresh cluster. `durable`
    /// keeps PostgreSQL's own commit guarantees (fsync, synchronous commit: benchmarks compare at
    /// equal durability); without it the cluster trades them for speed (tests).
    pub fn start(durable: bool) -> Result<Self, String> {
        let bin = match server_bin_dir() {
            Some(bin) => bin,
            None => {
                install()?;
                server_bin_dir().ok_or("PostgreSQL was installed but initdb is not found")?
            }
        };
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!("onetime-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut cluster = Self {
            dir,
            bin,
            port: 0,
            as_postgres,
        };
        if as_postgres {
            process::run("chown", &["postgres:postgres", &cluster.dir_str()])?;
        }
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data_dir(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        cluster.port = free_port()?;
        // For tests durability is irrelevant (the cluster is deleted after the run) and fsync off
        // makes the per-test CREATE DATABASE cheap. Room for every test's pool at once.
        let speed = if durable {
            ""
        } else {
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        };
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c max_connections=300{speed}",
            cluster.port,
            cluster.dir_str()
        );
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                &cluster.data_dir(),
                "-o",
                &options,
                "-l",
                &cluster.dir.join("server.log").to_string_lossy(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        )?;
        println!("PostgreSQL: throwaway cluster on {}", cluster.url());
        Ok(cluster)
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres` (trust auth on loopback).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Creates an empty database `name`; returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, String> {
        let port = self.port.to_string();
        let sql = format!("CREATE DATABASE {name}");
        self.run(
            "psql",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-q",
                "-c",
                &sql,
            ],
        )?;
        Ok(format!(
            "postgres://postgres@127.0.0.1:{}/{name}",
            self.port
        ))
    }

    fn dir_str(&self) -> String {
        self.dir.to_string_lossy().into_owned()
    }

    fn data_dir(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(tool);
        let program = program.to_string_lossy();
        let status = if self.as_postgres {
            let mut all = vec!["-u", "postgres", "--", program.as_ref()];
            all.extend_from_slice(args);
            tools::command("runuser").args(&all).status()
        } else {
            tools::command(&program).args(args).status()
        };
        match status {
            Ok(s) if s.success() => Ok(()),
            Ok(s) => Err(format!("{tool} failed ({s}); see {}", self.dir.display())),
            Err(e) => Err(format!("cannot run {tool}: {e}")),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data_dir();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest `/usr/lib/postgresql/<major>/bin` that has `initdb`.
fn server_bin_dir() -> Option<PathBuf> {
    let mut majors: Vec<(u32, PathBuf)> = std::fs::read_dir(DEBIAN_PG_ROOT)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let major = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((major, bin))
        })
        .collect();
    majors.sort();
    majors.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    tools::command("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

fn install() -> Result<(), String> {
    if !is_root() {
        return Err("PostgreSQL is missing. Installing it needs root; run\n  sudo apt-get update && sudo apt-get install -y postgresql\nand run this command again.".into());
    }
    println!("PostgreSQL: missing; installing Debian's postgresql with apt-get");
    process::run("apt-get", &["update"])?;
    process::run_with_env(
        "apt-get",
        &["install", "-y", "--no-install-recommends", "postgresql"],
        &[("DEBIAN_FRONTEND", "noninteractive")],
    )?;
    // The package may start its own cluster on 5432; ours never uses it.
    Ok(())
}

/// A loopback port nobody listens on right now.
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}
