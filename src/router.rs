//! The app's router: four flat routes on the History API.
//!
//! Why not `leptos_router`: the app has four fixed paths and no nested routes, params, data
//! loading or transitions, yet the crate cost ~41 KB of the wasm before `wasm-opt` (issue 15's
//! byte budget). This is what the app used of it: a location (path and query as signals), a
//! `navigate` that pushes or replaces a history entry, back/forward, and same-origin links that
//! navigate in place instead of reloading the page.

use leptos::prelude::*;

/// Where the app is (tracked).
#[derive(Clone, Copy)]
pub struct Location {
    /// The path (`/sign-in`).
    pub pathname: RwSignal<String>,
    /// The query without its `?` (`redirect_url=%2Fuser`).
    pub search: RwSignal<String>,
}

/// How [`use_navigate`]'s function moves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NavigateOptions {
    /// Replace the current history entry instead of adding one (redirects).
    pub replace: bool,
}

/// A URL query as pairs, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryMap(Vec<(String, String)>);

impl QueryMap {
    /// Parses `a=1&b=%2Fx` (without the `?`).
    pub fn parse(search: &str) -> Self {
        Self(
            search
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
}

/// Percent-decoding of a query component (`+` is a space); invalid escapes stay as they are.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits `to` into path and query (a `#fragment` is dropped).
fn split(to: &str) -> (String, String) {
    let to = to.split('#').next().unwrap_or(to);
    match to.split_once('?') {
        Some((path, query)) => (path.to_owned(), query.to_owned()),
        None => (to.to_owned(), String::new()),
    }
}

/// The browser's path and query now.
fn current() -> (String, String) {
    #[cfg(target_arch = "wasm32")]
    {
        let location = window().location();
        let path = location.pathname().unwrap_or_else(|_| "/".into());
        let search = location.search().unwrap_or_default();
        (path, search.trim_start_matches('?').to_owned())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        ("/".to_owned(), String::new())
    }
}

/// Provides the [`Location`] to its children and keeps it in step with the browser.
#[component]
pub fn Router(children: Children) -> impl IntoView {
    let (path, search) = current();
    let location = Location {
        pathname: RwSignal::new(path),
        search: RwSignal::new(search),
    };
    provide_context(location);
    #[cfg(target_arch = "wasm32")]
    {
        // Back and forward.
        let pop = window_event_listener(leptos::ev::popstate, move |_| {
            let (path, search) = current();
            location.pathname.set(path);
            location.search.set(search);
        });
        // Same-origin links navigate in place (a plain left click, no target, no download).
        let click = window_event_listener(leptos::ev::click, move |ev| {
            if let Some(to) = in_app_link(&ev) {
                ev.prevent_default();
                go(location, &to, NavigateOptions::default());
            }
        });
        on_cleanup(move || {
            pop.remove();
            click.remove();
        });
    }
    children()
}

/// The path a click on an in-app link goes to, if the app should handle it.
#[cfg(target_arch = "wasm32")]
fn in_app_link(ev: &web_sys::MouseEvent) -> Option<String> {
    use wasm_bindgen::JsCast;
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.alt_key()
        || ev.ctrl_key()
        || ev.shift_key()
    {
        return None;
    }
    let target: web_sys::Element = ev.target()?.dyn_into().ok()?;
    let link = target.closest("a[href]").ok()??;
    if link.has_attribute("download") || link.get_attribute("target").is_some_and(|t| !t.is_empty())
    {
        return None;
    }
    let href = link.get_attribute("href")?;
    // Our links are absolute paths; anything else (another origin, `//host`) is the browser's.
    (href.starts_with('/') && !href.starts_with("//")).then_some(href)
}

/// Moves to `to` (a path with an optional query): a new history entry, or the current one
/// replaced, then the location signals.
fn go(location: Location, to: &str, options: NavigateOptions) {
    #[cfg(target_arch = "wasm32")]
    if let Ok(history) = window().history() {
        let state = wasm_bindgen::JsValue::NULL;
        let _ = if options.replace {
            history.replace_state_with_url(&state, "", Some(to))
        } else {
            history.push_state_with_url(&state, "", Some(to))
        };
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = options;
    let (path, search) = split(to);
    location.pathname.set(path);
    location.search.set(search);
}

/// The location (panics outside [`Router`]).
pub fn use_location() -> Location {
    expect_context::<Location>()
}

/// A function that navigates: `navigate("/user", NavigateOptions::default())`.
pub fn use_navigate() -> impl Fn(&str, NavigateOptions) + Clone + 'static {
    let location = use_location();
    move |to, options| go(location, to, options)
}

/// The query of the current URL, decoded (tracked).
pub fn use_query_map() -> Memo<QueryMap> {
    let location = use_location();
    Memo::new(move |_| location.search.with(|s| QueryMap::parse(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_like_urlsearchparams() {
        let q = QueryMap::parse(
            "redirect_url=%2Fuser%3Fa%3D1&identifier=%2B12015550100&x=a+b&y&bad=%zz&end=%4",
        );
        assert_eq!(q.get("redirect_url").as_deref(), Some("/user?a=1"));
        assert_eq!(q.get("identifier").as_deref(), Some("+12015550100"));
        assert_eq!(q.get("x").as_deref(), Some("a b"));
        assert_eq!(q.get("y").as_deref(), Some(""));
        assert_eq!(q.get("bad").as_deref(), Some("%zz"));
        assert_eq!(q.get("end").as_deref(), Some("%4"));
        assert_eq!(q.get("missing"), None);
        assert_eq!(
            QueryMap::parse("name=J%C3%BCrgen").get("name").as_deref(),
            Some("Jürgen")
        );
        assert_eq!(QueryMap::parse(""), QueryMap::default());
    }

    #[test]
    fn targets_split_into_path_and_query() {
        assert_eq!(
            split("/sign-in?redirect_url=%2F"),
            ("/sign-in".into(), "redirect_url=%2F".into())
        );
        assert_eq!(split("/user"), ("/user".into(), String::new()));
        assert_eq!(split("/user#top"), ("/user".into(), String::new()));
    }
}
