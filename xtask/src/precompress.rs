//! `cargo xtask precompress [DIR]`: writes `NAME.br` (brotli, quality 11) and `NAME.gz` (gzip -9)
//! next to every text or wasm asset of a Trunk build, so `onetime-server --static` (and any
//! server that serves precompressed siblings, e.g. nginx's `gzip_static`/`brotli_static`) sends
//! what the browser's `Accept-Encoding` asks for without compressing on every request.
//!
//! `Trunk.toml` runs it as a post-build hook, so a plain `trunk build --release` produces them;
//! Trunk passes the staging directory (`TRUNK_STAGING_DIR`) and the profile (`TRUNK_PROFILE`):
//! debug builds (`trunk serve`) are left alone, since the dev server does not read them.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

/// The extensions worth compressing (images other than SVG are compressed already).
const COMPRESSIBLE: [&str; 6] = ["wasm", "js", "css", "html", "svg", "json"];

/// Runs the command: `dir` or Trunk's staging directory.
pub fn run(dir: Option<&str>) -> Result<(), String> {
    if std::env::var("TRUNK_PROFILE").is_ok_and(|p| p != "release") {
        return Ok(());
    }
    let dir = match dir {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("TRUNK_STAGING_DIR")
            .map(PathBuf::from)
            .ok_or("usage: cargo xtask precompress DIR (or run it as a Trunk hook)")?,
    };
    let written = precompress_dir(&dir)?;
    println!(
        "precompress: {written} files in {} now have .br and .gz siblings",
        dir.display()
    );
    Ok(())
}

/// Writes the `.br` and `.gz` of every compressible file directly in `dir`; returns how many
/// files were compressed.
pub fn precompress_dir(dir: &Path) -> Result<usize, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut count = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !path.is_file() || !compressible {
            continue;
        }
        let data =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        write_sibling(&path, "br", &brotli(&data)?)?;
        write_sibling(&path, "gz", &gzip(&data)?)?;
        count += 1;
    }
    Ok(count)
}

fn write_sibling(path: &Path, extension: &str, bytes: &[u8]) -> Result<(), String> {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    std::fs::write(&name, bytes)
        .map_err(|e| format!("cannot write {}: {e}", Path::new(&name).display()))
}

/// Brotli at its best quality (11) and largest standard window (22): built once per release,
/// read by every first visit.
pub fn brotli(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(data).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// gzip -9.
pub fn gzip(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).map_err(|e| e.to_string())?;
    encoder.finish().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_siblings_that_decompress_to_the_original() {
        let dir = std::env::temp_dir().join(format!("precompress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = "body { color: red; } ".repeat(200);
        std::fs::write(dir.join("app.css"), &text).unwrap();
        std::fs::write(dir.join("photo.png"), b"\x89PNG").unwrap();
        assert_eq!(precompress_dir(&dir).unwrap(), 1);
        let br = std::fs::read(dir.join("app.css.br")).unwrap();
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut br.as_slice(), &mut plain).unwrap();
        assert_eq!(plain, text.as_bytes());
        assert!(br.len() < text.len() / 10);
        let gz = std::fs::read(dir.join("app.css.gz")).unwrap();
        let mut plain = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gz.as_slice()), &mut plain)
            .unwrap();
        assert_eq!(plain, text);
        assert!(!dir.join("photo.png.br").exists(), "images are left alone");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
