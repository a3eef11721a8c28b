//! The bytes a release build ships: wasm, js, css and html, raw and gzip.

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;

/// The kinds of file a browser downloads for the app, in table order.
const KINDS: [&str; 4] = ["wasm", "js", "css", "html"];

/// Raw and gzip bytes per kind of shipped file.
#[derive(Debug, Default)]
pub struct SizeReport {
    /// `(kind, raw bytes, gzip -9 bytes)` in [`KINDS`] order.
    rows: Vec<(&'static str, u64, u64)>,
}

impl SizeReport {
    /// Total gzip bytes over every kind.
    pub fn total_gzip(&self) -> u64 {
        self.rows.iter().map(|(_, _, gzip)| gzip).sum()
    }

    /// A markdown table of the report with a total row.
    pub fn table(&self) -> String {
        let mut out = String::from("| shipped | raw bytes | gzip bytes |\n|---|---:|---:|\n");
        for (kind, raw, gzip) in &self.rows {
            out.push_str(&format!("| {kind} | {raw} | {gzip} |\n"));
        }
        let raw: u64 = self.rows.iter().map(|(_, raw, _)| raw).sum();
        out.push_str(&format!("| **total** | {raw} | {} |", self.total_gzip()));
        out
    }
}

/// Measures every wasm/js/css/html file under `dist` (precompressed siblings are not counted twice).
pub fn measure(dist: &Path) -> Result<SizeReport, String> {
    let entries =
        std::fs::read_dir(dist).map_err(|e| format!("cannot read {}: {e}", dist.display()))?;
    let mut totals = [(0u64, 0u64); KINDS.len()];
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() {
            files.push(path);
        }
    }
    for path in files {
        let Some(extension) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        let Some(index) = KINDS.iter().position(|kind| *kind == extension) else {
            continue;
        };
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        totals[index].0 += bytes.len() as u64;
        totals[index].1 += gzip_len(&bytes);
    }
    if totals[0].0 == 0 {
        return Err(format!("no .wasm file in {}", dist.display()));
    }
    Ok(SizeReport {
        rows: KINDS
            .iter()
            .zip(totals)
            .map(|(kind, (raw, gzip))| (*kind, raw, gzip))
            .collect(),
    })
}

/// The length of `bytes` compressed with gzip at the best level (what `gzip -9` ships).
pub fn gzip_len(bytes: &[u8]) -> u64 {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(bytes)
        .expect("writing to a Vec cannot fail");
    encoder
        .finish()
        .expect("finishing a Vec-backed encoder cannot fail")
        .len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_shrinks_repetitive_input() {
        let input = vec![b'a'; 10_000];
        let compressed = gzip_len(&input);
        assert!(compressed > 0 && compressed < 100, "got {compressed}");
    }

    #[test]
    fn measures_kinds_and_ignores_others() {
        let dir = std::env::temp_dir().join(format!("xtask-sizes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("app_bg.wasm"), vec![0u8; 1000]).unwrap();
        std::fs::write(dir.join("app.js"), "let x = 1;").unwrap();
        std::fs::write(dir.join("index.html"), "<html></html>").unwrap();
        std::fs::write(dir.join("app_bg.wasm.gz"), vec![1u8; 50]).unwrap();
        let report = measure(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let table = report.table();
        assert!(table.contains("| wasm | 1000 |"), "{table}");
        assert!(table.contains("| js | 10 |"), "{table}");
        assert!(table.contains("| css | 0 | 0 |"), "{table}");
        assert!(table.contains("| **total** | 1023 |"), "{table}");
    }
}
