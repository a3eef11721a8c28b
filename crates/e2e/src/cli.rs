//! Command-line parsing (hand-rolled: two subcommands, a handful of flags).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

/// Usage text.
pub const USAGE: &str = "\
usage:
  onetime-e2e test  --server-bin PATH --dist DIR [COMMON] [--only N,N,...] [--axe FILE]
  onetime-e2e bench --server-bin PATH --dist DIR [COMMON] [--loads N] [--clients N]
                    [--duration SECS] [--no-browser] [--postgres URL1,URL2]
                    [--peer DIR] [--rate FLOWS_PER_SEC] [--setups normal,full,eddsa,peer,postgres]
                    [--callgrind]   (instructions per request type, under valgrind)
COMMON:
  --chromedriver PATH   default /usr/bin/chromedriver
  --chromium PATH       default /usr/bin/chromium
  --artifacts DIR       default target/e2e (screenshots, page HTML, server and driver logs)";

/// Options shared by both subcommands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    /// The `onetime-server` binary.
    pub server_bin: PathBuf,
    /// The app's built `dist/` directory.
    pub dist: PathBuf,
    /// ChromeDriver binary.
    pub chromedriver: PathBuf,
    /// Chromium binary.
    pub chromium: PathBuf,
}

/// `onetime-e2e test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOpts {
    /// Binaries and paths.
    pub common: Common,
    /// Where failure screenshots, HTML and logs go.
    pub artifacts: PathBuf,
    /// Run only these scenario numbers (empty: all).
    pub only: Vec<u8>,
    /// axe-core's `axe.min.js` for the accessibility scenarios (default: the copy npm installs
    /// for the compatibility suite, `compat/node_modules/axe-core/axe.min.js`).
    pub axe: PathBuf,
}

/// `onetime-e2e bench`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchOpts {
    /// Binaries and paths.
    pub common: Common,
    /// Where logs go.
    pub artifacts: PathBuf,
    /// Cold loads measured.
    pub loads: usize,
    /// Concurrent HTTP clients in the server bench.
    pub clients: usize,
    /// Seconds the server bench runs.
    pub duration_secs: u64,
    /// Skip the parts that need Chromium (load times, request counts).
    pub no_browser: bool,
    /// Two empty PostgreSQL databases (`--postgres URL1,URL2`): the server bench then also runs
    /// one instance on the first and two instances (round-robin) on the second.
    pub postgres: Option<(String, String)>,
    /// The better-auth peer's sources (`../shared/peers/better-auth`): when given, the same
    /// flows run against it and the table gets the ratio lines.
    pub peer: Option<PathBuf>,
    /// Open-loop rate in flows/s (default: half the closed-loop sign-in rate).
    pub rate: Option<u32>,
    /// Which server setups run (default all that can: `normal`, `full`, `eddsa`, `peer`,
    /// `postgres`).
    pub setups: Vec<String>,
    /// Also count the server's instructions per request type under callgrind.
    pub callgrind: bool,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the end-to-end scenarios.
    Test(TestOpts),
    /// Run the benchmark and print a markdown table.
    Bench(BenchOpts),
    /// Print the usage.
    Help,
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command> {
    let Some((sub, rest)) = args.split_first() else {
        bail!("missing subcommand");
    };
    if matches!(sub.as_str(), "-h" | "--help" | "help") {
        return Ok(Command::Help);
    }
    let mut server_bin = None;
    let mut dist = None;
    let mut chromedriver = PathBuf::from("/usr/bin/chromedriver");
    let mut chromium = PathBuf::from("/usr/bin/chromium");
    let mut artifacts = PathBuf::from("target/e2e");
    let mut only = Vec::new();
    let mut axe = PathBuf::from("compat/node_modules/axe-core/axe.min.js");
    let mut loads = 20;
    let mut clients = 32;
    let mut peer = None;
    let mut rate = None;
    let mut setups: Vec<String> = ["normal", "full", "eddsa", "peer", "postgres"]
        .map(str::to_owned)
        .to_vec();
    let mut duration_secs = 10;
    let mut no_browser = false;
    let mut callgrind = false;
    let mut postgres = None;
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (flag.as_str(), None),
        };
        if matches!(flag, "-h" | "--help") {
            return Ok(Command::Help);
        }
        if flag == "--no-browser" {
            no_browser = true;
            continue;
        }
        if flag == "--callgrind" && sub == "bench" {
            callgrind = true;
            continue;
        }
        let mut value = || -> Result<String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it
                    .next()
                    .cloned()
                    .with_context(|| format!("{flag} needs a value")),
            }
        };
        match flag {
            "--server-bin" => server_bin = Some(PathBuf::from(value()?)),
            "--dist" => dist = Some(PathBuf::from(value()?)),
            "--chromedriver" => chromedriver = PathBuf::from(value()?),
            "--chromium" => chromium = PathBuf::from(value()?),
            "--artifacts" => artifacts = PathBuf::from(value()?),
            "--axe" if sub == "test" => axe = PathBuf::from(value()?),
            "--only" if sub == "test" => {
                only = value()?
                    .split(',')
                    .map(|n| {
                        n.trim()
                            .parse::<u8>()
                            .context("--only takes scenario numbers")
                    })
                    .collect::<Result<_>>()?
            }
            "--loads" if sub == "bench" => loads = value()?.parse().context("--loads")?,
            "--clients" if sub == "bench" => clients = value()?.parse().context("--clients")?,
            "--duration" if sub == "bench" => {
                duration_secs = value()?.parse().context("--duration")?
            }
            "--peer" if sub == "bench" => peer = Some(PathBuf::from(value()?)),
            "--setups" if sub == "bench" => {
                setups = value()?.split(',').map(|s| s.trim().to_owned()).collect()
            }
            "--rate" if sub == "bench" => rate = Some(value()?.parse().context("--rate")?),
            "--postgres" if sub == "bench" => {
                let v = value()?;
                let (one, two) = v
                    .split_once(',')
                    .context("--postgres takes two database URLs: URL1,URL2")?;
                postgres = Some((one.to_owned(), two.to_owned()));
            }
            other => bail!("unknown option {other} for {sub}"),
        }
    }
    let common = Common {
        server_bin: server_bin.context("--server-bin is required")?,
        dist: dist.context("--dist is required")?,
        chromedriver,
        chromium,
    };
    match sub.as_str() {
        "test" => Ok(Command::Test(TestOpts {
            common,
            artifacts,
            only,
            axe,
        })),
        "bench" => Ok(Command::Bench(BenchOpts {
            common,
            artifacts,
            loads: loads.max(1),
            clients: clients.max(1),
            duration_secs: duration_secs.max(1),
            no_browser,
            postgres,
            peer,
            rate,
            setups,
            callgrind,
        })),
        other => bail!("unknown subcommand {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_the_xtask_test_line() {
        let cmd = parse(&args(
            "test --server-bin target/debug/onetime-server --dist dist",
        ))
        .unwrap();
        let Command::Test(t) = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!(
            t.common.server_bin,
            PathBuf::from("target/debug/onetime-server")
        );
        assert_eq!(
            t.common.chromedriver,
            PathBuf::from("/usr/bin/chromedriver")
        );
        assert_eq!(t.artifacts, PathBuf::from("target/e2e"));
        assert!(t.only.is_empty());
    }

    #[test]
    fn parses_bench_options() {
        let cmd = parse(&args(
            "bench --server-bin s --dist=d --clients 4 --duration 3 --no-browser --chromium /c",
        ))
        .unwrap();
        let Command::Bench(b) = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!((b.clients, b.duration_secs, b.loads), (4, 3, 20));
        assert!(b.no_browser);
        assert_eq!(b.postgres, None);
        assert_eq!(b.common.dist, PathBuf::from("d"));
        assert_eq!(b.common.chromium, PathBuf::from("/c"));
    }

    #[test]
    fn parses_two_postgres_databases() {
        let cmd = parse(&args(
            "bench --server-bin s --dist d --postgres postgres://h/a,postgres://h/b",
        ))
        .unwrap();
        let Command::Bench(b) = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!(
            b.postgres,
            Some(("postgres://h/a".into(), "postgres://h/b".into()))
        );
        assert!(
            parse(&args(
                "bench --server-bin s --dist d --postgres postgres://h/a"
            ))
            .is_err()
        );
    }

    #[test]
    fn rejects_missing_and_unknown() {
        assert!(parse(&args("test --dist d")).is_err());
        assert!(parse(&args("test --server-bin s --dist d --loads 3")).is_err());
        assert!(parse(&args("frob --server-bin s --dist d")).is_err());
        assert!(parse(&[]).is_err());
        let Command::Test(t) = parse(&args("test --server-bin s --dist d --only 1,9")).unwrap()
        else {
            panic!()
        };
        assert_eq!(t.only, vec![1, 9]);
    }
}
