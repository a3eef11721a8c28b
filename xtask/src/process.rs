//! Running child processes: plain runs, test layers whose counts are parsed, and long-running children.

use std::io::{BufRead, BufReader};
use std::ops::AddAssign;
use std::process::{Child, ExitStatus, Stdio};

/// Passed and failed test counts of one layer or of the whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed (a layer that could not run at all counts as one failure).
    pub failed: u64,
}

impl Counts {
    /// `n` passed tests.
    pub fn passed(n: u64) -> Self {
        Self {
            passed: n,
            failed: 0,
        }
    }

    /// `n` failed tests.
    pub fn failed(n: u64) -> Self {
        Self {
            passed: 0,
            failed: n,
        }
    }
}

impl AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// Runs `program args`, inheriting the terminal, and fails with a message on a non-zero exit.
pub fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_with_env(program, args, &[])
}

/// Like [`run`], with extra environment variables.
pub fn run_with_env(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let status = crate::tools::command(program)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("cannot run `{program}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// Runs one test layer, echoing its output, and returns the counts its test runner printed.
///
/// A layer that exits non-zero without reporting a failed test (a compile error, a crash) counts as
/// one failure, so a broken layer can never look green.
pub fn run_layer(program: &str, args: &[&str], env: &[(&str, &str)]) -> Counts {
    let child = crate::tools::command(program)
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => {
            println!("cannot run `{program}`: {error}");
            return Counts::failed(1);
        }
    };
    let mut counts = Counts::default();
    let mut saw_counts = false;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(found) = parse_counts(&line) {
                counts += found;
                saw_counts = true;
            }
        }
    }
    let success = child.wait().map(|s| s.success()).unwrap_or(false);
    if !success && counts.failed == 0 {
        println!(
            "`{program} {}` failed without a test failure: counted as one failure",
            args.join(" ")
        );
        counts.failed += 1;
    }
    // A check without test counts (fmt, clippy) is one passed check when it succeeds.
    if success
        && !saw_counts
        && program == "cargo"
        && matches!(args.first(), Some(&"fmt" | &"clippy"))
    {
        counts.passed += 1;
    }
    counts
}

/// Reads a count line: cargo's `test result: ok. 3 passed; 0 failed; ...` or the plain `3 passed, 0 failed`.
pub fn parse_counts(line: &str) -> Option<Counts> {
    let line = line.trim();
    let body = if let Some(rest) = line.strip_prefix("test result:") {
        rest.split_once('.').map(|(_, counts)| counts)?
    } else {
        let mut words = line.split_whitespace();
        let first = words.next()?;
        first.parse::<u64>().ok()?;
        line
    };
    let mut passed = None;
    let mut failed = None;
    for part in body.split([';', ',']) {
        let mut words = part.split_whitespace();
        let (Some(number), Some(label)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(number) = number.parse::<u64>() else {
            continue;
        };
        match label {
            "passed" => passed = Some(number),
            "failed" => failed = Some(number),
            _ => {}
        }
    }
    Some(Counts {
        passed: passed?,
        failed: failed?,
    })
}

/// Asks a child to stop (SIGTERM, so servers shut down gracefully), then kills it if it lingers.
pub fn terminate(child: &mut Child) {
    let _ = crate::tools::command("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    for _ in 0..50 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Long-running children started together and stopped together.
#[derive(Default)]
pub struct Children {
    children: Vec<(&'static str, Child)>,
}

impl Children {
    /// Adds a named child.
    pub fn push(&mut self, name: &'static str, child: Child) {
        self.children.push((name, child));
    }

    /// The first child that has exited, with its status.
    pub fn first_exited(&mut self) -> Option<(&'static str, ExitStatus)> {
        self.children.iter_mut().find_map(|(name, child)| {
            child
                .try_wait()
                .ok()
                .flatten()
                .map(|status| (*name, status))
        })
    }

    /// Stops every child, newest first.
    pub fn terminate_all(&mut self) {
        for (_, child) in self.children.iter_mut().rev() {
            terminate(child);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cargo_result_lines() {
        let line = "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!(
            parse_counts(line),
            Some(Counts {
                passed: 12,
                failed: 0
            })
        );
        let line = "test result: FAILED. 3 passed; 2 failed; 0 ignored";
        assert_eq!(
            parse_counts(line),
            Some(Counts {
                passed: 3,
                failed: 2
            })
        );
    }

    #[test]
    fn parses_plain_summary_lines() {
        assert_eq!(
            parse_counts("9 passed, 0 failed"),
            Some(Counts {
                passed: 9,
                failed: 0
            })
        );
        assert_eq!(
            parse_counts("  4 passed, 1 failed, 2 skipped"),
            Some(Counts {
                passed: 4,
                failed: 1
            })
        );
    }

    #[test]
    fn ignores_other_lines() {
        assert_eq!(parse_counts("running 3 tests"), None);
        assert_eq!(parse_counts("test api::flows ... ok"), None);
        assert_eq!(parse_counts("2 passed"), None);
        assert_eq!(parse_counts(""), None);
    }
}
