//! `--static DIR`: the built app, as a browser likes it.
//!
//! - Compressed as the browser asks (`Accept-Encoding`): the release build writes `NAME.br` and
//!   `NAME.gz` next to each asset (a Trunk post-build hook, `cargo xtask precompress`), and
//!   `ServeDir` picks the best sibling the browser accepts, with `Vary: Accept-Encoding`.
//! - Cached by name: Trunk puts a content hash in every asset name, so those are cached for a
//!   year and never revalidated (`immutable`); `index.html` (and every app route that falls
//!   back to it) is `no-cache`, so a new release is picked up on the next visit.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

/// For content-hashed assets.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For `index.html`: always revalidate (it names the current hashed assets).
const NO_CACHE: &str = "no-cache";

/// The fallback service serving `dir` (a router of its own, so the cache headers wrap only it).
pub fn service(dir: &Path) -> axum::Router {
    let index = ServeFile::new(dir.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    axum::Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_control))
}

async fn cache_control(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status().as_u16() == 304 {
        let value = if hashed { IMMUTABLE } else { NO_CACHE };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// Whether `path` names an asset whose name carries Trunk's content hash: `stem-<16 hex>.ext`,
/// the wasm as `stem-<16 hex>_bg.wasm`. Such a name changes whenever its content does.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _extension)) = name.rsplit_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((_, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    // Trunk writes 16 hex digits, without leading zeros (so sometimes 15).
    (15..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn hashed_names_are_recognised() {
        assert!(is_hashed_asset("/onetime-7122f5bd4cb2e369_bg.wasm"));
        assert!(is_hashed_asset("/onetime-6fa2dcf1122e7f7.js"));
        assert!(is_hashed_asset("/main-c023ce4058378432.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/sign-in"));
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/my-notes.txt"));
        assert!(!is_hashed_asset("/favicon.ico"));
    }
}
