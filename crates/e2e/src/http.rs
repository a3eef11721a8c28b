//! A small plain-HTTP (no TLS: loopback only) client over hyper, with a hand-held cookie jar.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, COOKIE, HeaderValue, SET_COOKIE};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// A pooled keep-alive HTTP/1.1 client.
#[derive(Clone, Debug)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

/// A fully read response.
#[derive(Debug)]
pub struct Resp {
    /// HTTP status code.
    pub status: u16,
    /// `name=value` of every `Set-Cookie` header (attributes dropped).
    pub set_cookies: Vec<(String, String)>,
    /// Every header.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Resp {
    /// The body parsed as JSON.
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "response (status {}) is not JSON: {}",
                self.status,
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }
}

impl Default for Http {
    fn default() -> Self {
        Self::new()
    }
}

impl Http {
    /// A client with a 30 s idle pool timeout and `TCP_NODELAY`.
    pub fn new() -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Self { client }
    }

    /// `GET url` with the given cookies.
    pub async fn get(&self, url: &str, cookies: &[(String, String)]) -> Result<Resp> {
        self.send("GET", url, cookies, None, &[]).await
    }

    /// `GET url` with extra request headers (e.g. `Accept-Encoding`); the body comes back as
    /// sent (never decompressed).
    pub async fn get_with_headers(&self, url: &str, headers: &[(&str, &str)]) -> Result<Resp> {
        self.send("GET", url, &[], None, headers).await
    }

    /// `POST url` with an `application/x-www-form-urlencoded` body.
    pub async fn post_form(
        &self,
        url: &str,
        cookies: &[(String, String)],
        form: &[(&str, &str)],
    ) -> Result<Resp> {
        let body = ("application/x-www-form-urlencoded", encode_form(form));
        self.send("POST", url, cookies, Some(body), &[]).await
    }

    /// `POST url` with a JSON body (the peer benchmark's better-auth takes JSON).
    pub async fn post_json(
        &self,
        url: &str,
        cookies: &[(String, String)],
        json: &serde_json::Value,
    ) -> Result<Resp> {
        let body = ("application/json", json.to_string());
        self.send("POST", url, cookies, Some(body), &[]).await
    }

    async fn send(
        &self,
        method: &str,
        url: &str,
        cookies: &[(String, String)],
        body: Option<(&str, String)>,
        headers: &[(&str, &str)],
    ) -> Result<Resp> {
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(url)
            // Same-origin requests from the app carry this Origin; some servers check it.
            .header("origin", origin_of(url));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if !cookies.is_empty() {
            let header = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.header(COOKIE, HeaderValue::from_str(&header)?);
        }
        let body = match body {
            Some((content_type, body)) => {
                req = req.header(CONTENT_TYPE, content_type);
                Full::new(Bytes::from(body))
            }
            None => Full::new(Bytes::new()),
        };
        let req = req.body(body)?;
        let resp = self
            .client
            .request(req)
            .await
            .map_err(|e| anyhow!("{method} {url}: {e}"))?;
        let status = resp.status().as_u16();
        let set_cookies = resp
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(parse_set_cookie)
            .collect();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| anyhow!("{method} {url}: reading body: {e}"))?
            .to_bytes();
        Ok(Resp {
            status,
            set_cookies,
            headers,
            body,
        })
    }
}

/// Encodes `k=v&...` as `application/x-www-form-urlencoded`.
pub fn encode_form(form: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in form {
        s.append_pair(k, v);
    }
    s.finish()
}

/// `http://host:port` of a URL (falls back to the URL itself).
fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| url.to_owned())
}

/// `name=value` of one `Set-Cookie` header value.
pub fn parse_set_cookie(header: &str) -> Option<(String, String)> {
    let pair = header.split(';').next()?.trim();
    let (name, value) = pair.split_once('=')?;
    Some((name.trim().to_owned(), value.trim().to_owned()))
}

/// A cookie jar for one simulated browser (one FAPI client).
#[derive(Debug, Default, Clone)]
pub struct Jar {
    cookies: BTreeMap<String, String>,
}

impl Jar {
    /// Stores the response's cookies; an empty value (a deletion) removes the cookie.
    pub fn absorb(&mut self, resp: &Resp) {
        for (k, v) in &resp.set_cookies {
            if v.is_empty() || v == "\"\"" {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.clone(), v.clone());
            }
        }
    }

    /// The cookies to send.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.cookies
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_plus_and_at() {
        assert_eq!(
            encode_form(&[("identifier", "+12015550101"), ("e", "a+b@x.io")]),
            "identifier=%2B12015550101&e=a%2Bb%40x.io"
        );
    }

    #[test]
    fn parses_set_cookie() {
        assert_eq!(
            parse_set_cookie("__client=abc.def; Path=/; HttpOnly; SameSite=Lax"),
            Some(("__client".into(), "abc.def".into()))
        );
        assert_eq!(parse_set_cookie("garbage"), None);
    }

    #[test]
    fn origin() {
        assert_eq!(
            origin_of("http://127.0.0.1:8080/v1/x?y=1"),
            "http://127.0.0.1:8080"
        );
    }
}
