//! One headless Chromium session driven through ChromeDriver, with person-like helpers.
//!
//! Typing goes through WebDriver "send keys" (real key events), clicks through WebDriver "click"
//! (real mouse events at the element's centre, failing if something covers it). Waiting and
//! reading are done with small JS probes polled until they hold, so a timeout can say exactly what
//! was expected and what was last seen.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value as Json, json};

/// How long a single expectation may take before the scenario fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// A browser session (a fresh Chromium with a fresh profile) pointed at one server.
#[derive(Clone, Debug)]
pub struct Browser {
    client: Client,
    base: String,
    _profile: Arc<tempfile::TempDir>,
}

/// Chromium flags for headless runs as root on a closed network.
pub fn chromium_args(profile: &Path) -> Vec<String> {
    [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        "--window-size=1280,900",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

impl Browser {
    /// Opens a new session: a new Chromium process with a new, empty profile (no cookies, no
    /// storage, no cache).
    pub async fn open(driver_url: &str, chromium: &Path, base: &str) -> Result<Self> {
        let profile = tempfile::Builder::new()
            .prefix("onetime-e2e-profile-")
            .tempdir()?;
        let mut caps = Capabilities::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium.display().to_string(),
                "args": chromium_args(profile.path()),
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(driver_url)
            .await
            .with_context(|| format!("opening a Chromium session through {driver_url}"))?;
        let browser = Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            _profile: Arc::new(profile),
        };
        browser
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": CONSOLE_HOOK }),
            )
            .await?;
        Ok(browser)
    }

    /// The underlying WebDriver client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Ends the session (Chromium exits).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    /// Navigates to `path` on the server, as typing it in the address bar does.
    pub async fn goto(&self, path: &str) -> Result<()> {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .with_context(|| format!("navigating to {path}"))
    }

    /// Reloads the page.
    pub async fn reload(&self) -> Result<()> {
        self.client.refresh().await.context("reloading")
    }

    /// The current path and query, e.g. `/sign-in?redirect_url=%2Fuser`.
    pub async fn path(&self) -> Result<String> {
        let url = self.client.current_url().await?;
        Ok(match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        })
    }

    /// Runs a JS function body with `arguments`, returning its value.
    pub async fn js(&self, body: &str, args: Vec<Json>) -> Result<Json> {
        self.client
            .execute(body, args)
            .await
            .map_err(|e| anyhow!("running JS: {e}"))
    }

    /// Polls a JS probe until it returns something other than `null`/`false`/`undefined`.
    /// On timeout the error names `what` and the probe's last value of `window.__lastSeen`
    /// (probes may set it to describe what they saw).
    pub async fn wait_js(&self, what: &str, body: &str, args: Vec<Json>) -> Result<Json> {
        self.wait_js_for(what, body, args, WAIT).await
    }

    /// [`Browser::wait_js`] with an explicit timeout.
    pub async fn wait_js_for(
        &self,
        what: &str,
        body: &str,
        args: Vec<Json>,
        timeout: Duration,
    ) -> Result<Json> {
        let deadline = Instant::now() + timeout;
        let mut last_err = None;
        loop {
            match self.js(body, args.clone()).await {
                Ok(Json::Null) | Ok(Json::Bool(false)) => {}
                Ok(v) => return Ok(v),
                Err(e) => last_err = Some(e),
            }
            if Instant::now() > deadline {
                let seen = self
                    .js(
                        "return window.__lastSeen === undefined ? null : window.__lastSeen;",
                        vec![],
                    )
                    .await
                    .unwrap_or(Json::Null);
                let path = self.path().await.unwrap_or_default();
                let mut msg = format!("timed out after {timeout:?} waiting for {what} (at {path}");
                if !seen.is_null() {
                    msg.push_str(&format!("; last seen: {seen}"));
                }
                if let Some(e) = last_err {
                    msg.push_str(&format!("; last probe error: {e}"));
                }
                msg.push(')');
                bail!(msg);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until an element matching `css` is in the page and rendered (has a layout box).
    pub async fn wait_visible(&self, css: &str) -> Result<()> {
        self.wait_js(
            &format!("`{css}` to be visible"),
            PROBE_VISIBLE,
            vec![json!(css)],
        )
        .await
        .map(|_| ())
    }

    /// Waits until `css` is visible and its text is non-empty; returns the text.
    pub async fn wait_text(&self, css: &str) -> Result<String> {
        let v = self
            .wait_js(
                &format!("`{css}` to be visible with some text"),
                PROBE_TEXT,
                vec![json!(css), json!("")],
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until `css` is visible and its trimmed text contains `needle`; returns the text.
    pub async fn wait_text_contains(&self, css: &str, needle: &str) -> Result<String> {
        let v = self
            .wait_js(
                &format!("`{css}` to show {needle:?}"),
                PROBE_TEXT,
                vec![json!(css), json!(needle)],
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until no element matching `css` is visible.
    pub async fn wait_gone(&self, css: &str) -> Result<()> {
        self.wait_js(
            &format!("`{css}` to disappear"),
            "const e = document.querySelector(arguments[0]);
             return !e || e.getClientRects().length === 0;",
            vec![json!(css)],
        )
        .await
        .map(|_| ())
    }

    /// Waits until the current path (with query) satisfies `pred`; returns it.
    pub async fn wait_path(&self, what: &str, pred: impl Fn(&str) -> bool) -> Result<String> {
        let deadline = Instant::now() + WAIT;
        loop {
            let path = self.path().await?;
            if pred(&path) {
                return Ok(path);
            }
            if Instant::now() > deadline {
                bail!("timed out after {WAIT:?} waiting for the URL to be {what} (at {path})");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether an element matching `css` is visible right now.
    pub async fn is_visible(&self, css: &str) -> Result<bool> {
        Ok(!matches!(
            self.js(PROBE_VISIBLE, vec![json!(css)]).await?,
            Json::Null | Json::Bool(false)
        ))
    }

    /// Types `text` into the element (it gets focus first, as a click would give it).
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        self.wait_enabled(css).await?;
        let el = self.client.find(Locator::Css(css)).await?;
        el.send_keys(text)
            .await
            .with_context(|| format!("typing {text:?} into `{css}`"))
    }

    /// Clears a text input the way a person does: select all, delete.
    pub async fn clear_input(&self, css: &str) -> Result<()> {
        self.wait_enabled(css).await?;
        let el = self.client.find(Locator::Css(css)).await?;
        // Ctrl+A, Backspace as WebDriver key codes.
        el.send_keys("\u{E009}a\u{E009}\u{E003}")
            .await
            .with_context(|| format!("clearing `{css}`"))
    }

    /// Clicks the element (waits until it is visible and enabled).
    pub async fn click(&self, css: &str) -> Result<()> {
        self.wait_enabled(css).await?;
        let el = self.client.find(Locator::Css(css)).await?;
        el.click()
            .await
            .with_context(|| format!("clicking `{css}`"))
    }

    /// Waits until `css` is visible and not disabled.
    pub async fn wait_enabled(&self, css: &str) -> Result<()> {
        self.wait_js(
            &format!("`{css}` to be visible and enabled"),
            "const e = document.querySelector(arguments[0]);
             window.__lastSeen = e ? (e.getClientRects().length ? (e.disabled ? 'disabled' : 'ok') : 'hidden') : 'absent';
             return !!e && e.getClientRects().length > 0 && !e.disabled;",
            vec![json!(css)],
        )
        .await
        .map(|_| ())
    }

    /// Whether `css` is disabled now (`None` when absent).
    pub async fn is_disabled(&self, css: &str) -> Result<Option<bool>> {
        let v = self
            .js(
                "const e = document.querySelector(arguments[0]); return e ? !!e.disabled : null;",
                vec![json!(css)],
            )
            .await?;
        Ok(v.as_bool())
    }

    /// The trimmed text of `css` now (`None` when absent).
    pub async fn text_now(&self, css: &str) -> Result<Option<String>> {
        let v = self
            .js(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;",
                vec![json!(css)],
            )
            .await?;
        Ok(v.as_str().map(str::to_owned))
    }

    /// The `value` property of an input now (`None` when absent).
    pub async fn value_now(&self, css: &str) -> Result<Option<String>> {
        let v = self
            .js(
                "const e = document.querySelector(arguments[0]); return e ? e.value : null;",
                vec![json!(css)],
            )
            .await?;
        Ok(v.as_str().map(str::to_owned))
    }

    /// Runs a Chrome DevTools Protocol command through ChromeDriver's `goog/cdp/execute`.
    pub async fn cdp(&self, cmd: &str, params: Json) -> Result<Json> {
        self.client
            .issue_cmd(CdpCommand {
                cmd: cmd.to_owned(),
                params,
            })
            .await
            .map_err(|e| anyhow!("CDP {cmd}: {e}"))
    }

    /// Saves a screenshot and the page's HTML as `<dir>/<stem>.png` and `<dir>/<stem>.html`.
    pub async fn save_artifacts(&self, dir: &Path, stem: &str) -> Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        let png = dir.join(format!("{stem}.png"));
        let html = dir.join(format!("{stem}.html"));
        let shot = self
            .client
            .screenshot()
            .await
            .context("taking a screenshot")?;
        std::fs::write(&png, shot)?;
        // The live DOM (what the person saw), not the served index.html.
        let source = match self
            .js("return document.documentElement.outerHTML;", vec![])
            .await
        {
            Ok(Json::String(s)) => s,
            _ => self.client.source().await.unwrap_or_default(),
        };
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        std::fs::write(&html, format!("<!-- {url} -->\n{source}"))?;
        let console = self
            .js("return (window.__consoleLog || []).join('\\n');", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if !console.is_empty() {
            std::fs::write(dir.join(format!("{stem}.console.txt")), console)?;
        }
        Ok((png, html))
    }
}

/// Installed before any page script: keeps the page's console warnings/errors and uncaught
/// errors in `window.__consoleLog`, saved next to a failure's screenshot.
const CONSOLE_HOOK: &str = r#"(() => {
  const log = (window.__consoleLog = window.__consoleLog || []);
  const keep = (kind, args) => {
    try { log.push(kind + ': ' + Array.from(args).map(a => (a && a.stack) || String(a)).join(' ')); } catch (_) {}
  };
  for (const kind of ['error', 'warn']) {
    const orig = console[kind].bind(console);
    console[kind] = (...args) => { keep(kind, args); orig(...args); };
  }
  addEventListener('error', e => keep('uncaught', [e.error || e.message]));
  addEventListener('unhandledrejection', e => keep('unhandled rejection', [e.reason]));
})();"#;

/// Probe: the element is present and has a layout box.
const PROBE_VISIBLE: &str = "const e = document.querySelector(arguments[0]);
    window.__lastSeen = e ? (e.getClientRects().length ? 'visible' : 'present but hidden') : 'absent';
    return !!e && e.getClientRects().length > 0;";

/// Probe: the element is visible and its trimmed text contains `arguments[1]` (non-empty when
/// `arguments[1]` is empty); returns the text.
const PROBE_TEXT: &str = "const e = document.querySelector(arguments[0]);
    if (!e) { window.__lastSeen = 'absent'; return null; }
    const t = e.textContent.trim();
    window.__lastSeen = (e.getClientRects().length ? 'visible' : 'hidden') + ': ' + JSON.stringify(t);
    if (e.getClientRects().length === 0) return null;
    if (arguments[1] === '' ? t.length > 0 : t.includes(arguments[1])) return t;
    return null;";

/// ChromeDriver's vendor endpoint for raw DevTools commands.
#[derive(Debug)]
struct CdpCommand {
    cmd: String,
    params: Json,
}

impl WebDriverCompatibleCommand for CdpCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"cmd": self.cmd, "params": self.params}).to_string()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_quiet_the_network() {
        let args = chromium_args(Path::new("/tmp/p"));
        for flag in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--user-data-dir=/tmp/p",
        ] {
            assert!(args.iter().any(|a| a == flag), "missing {flag}");
        }
    }
}
