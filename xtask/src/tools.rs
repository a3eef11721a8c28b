//! Installing the toolchain pieces the commands need, skipping whatever is already there at the right version.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::process;

/// The Trunk version that builds with this machine's rustc (0.22 needs a newer one).
pub const TRUNK_VERSION: &str = "0.21.14";

/// The PATH every child gets: the caller's PATH with `~/.cargo/bin` (where `cargo install` puts tools) in front.
///
/// Children get it explicitly rather than through `set_var`, which would need `unsafe` (forbidden by the
/// workspace lint policy).
static CHILD_PATH: OnceLock<OsString> = OnceLock::new();

/// Computes [`CHILD_PATH`] once; call it first thing in `main`.
pub fn put_cargo_bin_on_path() {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut entries: Vec<PathBuf> = std::env::split_paths(&path).collect();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    if let Some(bin) = cargo_home.map(|home| home.join("bin"))
        && !entries.contains(&bin)
    {
        entries.insert(0, bin);
    }
    let joined = std::env::join_paths(entries).unwrap_or(path);
    let _ = CHILD_PATH.set(joined);
}

/// The PATH children get.
pub fn child_path() -> Option<OsString> {
    CHILD_PATH.get().cloned()
}

/// A `Command` for `program`, looked up on and given the extended PATH. (The wasm size flags
/// live in `.cargo/config.toml`, where a plain `trunk build --release` finds them too.)
pub fn command(program: &str) -> Command {
    let resolved = if program.contains('/') {
        None
    } else {
        which(program)
    };
    let mut command = Command::new(resolved.as_deref().unwrap_or(program));
    if let Some(path) = child_path() {
        command.env("PATH", path);
    }
    command
}

/// Finds `program` on the (extended) PATH.
pub fn which(program: &str) -> Option<String> {
    let path = child_path().or_else(|| std::env::var_os("PATH"))?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .map(|found| found.to_string_lossy().into_owned())
}

/// The first line a tool prints for `--version`, or `None` when it is not installed.
fn version_of(program: &str) -> Option<String> {
    let found = which(program)?;
    let output = command(&found).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines().next().map(str::to_owned)
}

/// Adds the `wasm32-unknown-unknown` target through rustup when it is missing.
pub fn ensure_wasm_target() -> Result<(), String> {
    let installed = command("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| {
            format!("cannot run rustup ({e}); install the wasm32-unknown-unknown target by hand")
        })?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        println!("wasm32-unknown-unknown target: installed");
        return Ok(());
    }
    println!("wasm32-unknown-unknown target: missing, installing with rustup");
    process::run("rustup", &["target", "add", "wasm32-unknown-unknown"])
}

/// Installs trunk at [`TRUNK_VERSION`] unless it is already there.
pub fn ensure_trunk() -> Result<(), String> {
    ensure_cargo_tool("trunk", "trunk", TRUNK_VERSION, true)
}

/// Installs wasm-bindgen-cli at exactly the `wasm-bindgen` version in `Cargo.lock`.
pub fn ensure_wasm_bindgen(root: &Path) -> Result<(), String> {
    let version = locked_version(root, "wasm-bindgen")?;
    // Without --locked: the CLI's own lockfile names a crate version the registry lacks.
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", &version, false)
}

/// The version of `package` recorded in the workspace's `Cargo.lock`.
pub fn locked_version(root: &Path, package: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let needle = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == needle
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err(format!("Cargo.lock has no `{package}` entry"))
}

fn ensure_cargo_tool(binary: &str, krate: &str, version: &str, locked: bool) -> Result<(), String> {
    let current = version_of(binary);
    if current
        .as_deref()
        .is_some_and(|line| line.split_whitespace().any(|word| word == version))
    {
        println!("{binary} {version}: installed");
        return Ok(());
    }
    match current {
        Some(line) => println!(
            "{binary}: found `{line}`, need {version}; installing {krate} {version} (several minutes)"
        ),
        None => println!(
            "{binary}: missing; installing {krate} {version} from crates.io (several minutes)"
        ),
    }
    let mut args = vec!["install", krate, "--version", version, "--force"];
    if locked {
        args.push("--locked");
    }
    // These are build tools: skipping LTO and splitting codegen makes the cold install much faster
    // while the tools stay plenty fast for what they do.
    process::run_with_env(
        "cargo",
        &args,
        &[
            ("CARGO_PROFILE_RELEASE_LTO", "off"),
            ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        ],
    )
}

/// Chromium, ChromeDriver (browser tests) and wasm-opt (release builds) from Debian's packages.
pub fn ensure_system_packages() -> Result<(), String> {
    let wanted = [
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
        ("wasm-opt", "binaryen"),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(bin, _)| which(bin).is_none())
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        println!("chromium, chromedriver, wasm-opt: installed");
        return Ok(());
    }
    let is_root = command("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false);
    let list = missing.join(" ");
    if !is_root {
        return Err(format!(
            "missing Debian packages: {list}. Installing them needs root; run\n  sudo apt-get update && sudo apt-get install -y {list}\nand run this command again."
        ));
    }
    println!("missing Debian packages: {list}; installing with apt-get");
    process::run("apt-get", &["update"])?;
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    args.extend(missing.iter().copied());
    process::run_with_env("apt-get", &args, &[("DEBIAN_FRONTEND", "noninteractive")])
}

/// Runs `npm ci` in `compat/` unless its `node_modules` is newer than the lockfile.
pub fn ensure_compat_node_modules(root: &Path) -> Result<(), String> {
    let lock = root.join("compat/package-lock.json");
    let marker = root.join("compat/node_modules/.package-lock.json");
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if let (Some(lock_time), Some(marker_time)) = (modified(&lock), modified(&marker))
        && marker_time >= lock_time
    {
        println!("compat/node_modules: up to date");
        return Ok(());
    }
    if which("npm").is_none() {
        return Err(
            "npm is missing: install Node.js 20+ (Debian: apt-get install -y nodejs npm)".into(),
        );
    }
    process::run(
        "npm",
        &["ci", "--prefix", "compat", "--no-audit", "--no-fund"],
    )
}
