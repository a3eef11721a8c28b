//! Browser hardening of the app served with `--static`: a Content-Security-Policy without
//! `'unsafe-inline'` for scripts, no framing, no MIME sniffing, a strict referrer policy, and
//! HSTS when `public_url` is https.
//!
//! `index.html` carries inline scripts that Trunk writes at build time (its wasm loader, and the
//! wasm-opt workaround in our `index.html`). Rather than allowing inline scripts, the policy
//! names each one by its SHA-256, computed from the served file at start-up, so the policy
//! always matches the build being served and no other inline script can run.

use axum::http::{HeaderName, HeaderValue, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};
use std::path::Path;

/// The headers every response gets when the app is served.
#[derive(Debug, Clone)]
pub struct SecurityHeaders(Vec<(HeaderName, HeaderValue)>);

impl SecurityHeaders {
    /// For the app in `dir` (reads `dir/index.html`); `https` adds HSTS.
    pub fn for_app(dir: &Path, https: bool) -> anyhow::Result<Self> {
        let index = std::fs::read_to_string(dir.join("index.html"))
            .map_err(|e| anyhow::anyhow!("cannot read {}/index.html: {e}", dir.display()))?;
        let hashes: String = inline_scripts(&index)
            .iter()
            .map(|s| {
                format!(
                    " 'sha256-{}'",
                    STANDARD.encode(Sha256::digest(s.as_bytes()))
                )
            })
            .collect();
        let csp = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        let mut headers = vec![
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&csp)?,
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            ),
        ];
        if https {
            headers.push((
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=63072000; includeSubDomains"),
            ));
        }
        Ok(Self(headers))
    }

    /// Adds the headers a response does not set itself.
    pub fn apply(&self, headers: &mut axum::http::HeaderMap) {
        for (name, value) in &self.0 {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
    }
}

/// The text of every `<script>` without a `src` attribute, exactly as the browser hashes it.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let attrs = &after[..open_end];
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !attrs.contains("src=") {
            out.push(&body[..close]);
        }
        rest = &body[close..];
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_inline_scripts_only() {
        let html =
            "<script>a()</script><script src=/x.js></script><script type=module>b\n</script>";
        assert_eq!(super::inline_scripts(html), vec!["a()", "b\n"]);
    }
}
