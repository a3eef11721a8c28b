//! Talking to the server directly: the dev outbox, and sign-ups over HTTP.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value as Json;

use crate::http::{Http, Jar, Resp};

/// The test code accepted for test identifiers in dev mode.
pub const TEST_CODE: &str = "424242";

/// One message in the dev outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// `sms` or `email`.
    pub channel: String,
    /// The E.164 number or the email address.
    pub recipient: String,
    /// The one-time code.
    pub code: String,
}

/// Parses `GET /dev/outbox`: a JSON list, newest first (a `{"data"|"messages": [...]}` wrapper is
/// accepted too).
pub fn parse_outbox(json: &Json) -> Vec<OutboxMessage> {
    let list = match json {
        Json::Array(a) => a.as_slice(),
        Json::Object(o) => o
            .get("data")
            .or_else(|| o.get("messages"))
            .and_then(Json::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]),
        _ => &[],
    };
    list.iter()
        .map(|m| {
            let s = |k: &str| {
                m.get(k)
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            OutboxMessage {
                channel: s("channel"),
                recipient: s("recipient"),
                code: s("code"),
            }
        })
        .collect()
}

/// The dev outbox's messages for one recipient, newest first.
pub async fn outbox_for(http: &Http, base: &str, recipient: &str) -> Result<Vec<OutboxMessage>> {
    let resp = http.get(&format!("{base}/dev/outbox"), &[]).await?;
    if resp.status != 200 {
        bail!("GET /dev/outbox answered {}", resp.status);
    }
    Ok(parse_outbox(&resp.json()?)
        .into_iter()
        .filter(|m| m.recipient.eq_ignore_ascii_case(recipient))
        .collect())
}

/// Waits until the outbox holds at least `count` messages for `recipient`; returns them, newest
/// first.
pub async fn wait_outbox(
    http: &Http,
    base: &str,
    recipient: &str,
    count: usize,
) -> Result<Vec<OutboxMessage>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let msgs = outbox_for(http, base, recipient).await?;
        if msgs.len() >= count {
            return Ok(msgs);
        }
        if Instant::now() > deadline {
            bail!(
                "the dev outbox has {} message(s) for {recipient} after 10 s, expected {count}",
                msgs.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One simulated browser talking FAPI: a cookie jar plus the server's base URL.
#[derive(Debug, Clone)]
pub struct FapiClient {
    http: Http,
    base: String,
    jar: Jar,
}

impl FapiClient {
    /// A client with an empty jar (a brand new browser).
    pub fn new(http: Http, base: &str) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            jar: Jar::default(),
        }
    }

    /// `POST {base}/v1{path}` with a form; keeps cookies; fails on a non-2xx status.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Result<Resp> {
        let url = format!("{}/v1{path}", self.base);
        let resp = self.http.post_form(&url, &self.jar.pairs(), form).await?;
        self.jar.absorb(&resp);
        if !(200..300).contains(&resp.status) {
            bail!(
                "POST /v1{path} answered {}: {}",
                resp.status,
                String::from_utf8_lossy(&resp.body[..resp.body.len().min(400)])
            );
        }
        Ok(resp)
    }

    /// Signs up a phone number with the test code (create, prepare, attempt).
    pub async fn sign_up_phone(&mut self, e164: &str) -> Result<()> {
        let created = self
            .post("/client/sign_ups", &[("phone_number", e164)])
            .await?;
        let id = response_id(&created)?;
        self.post(
            &format!("/client/sign_ups/{id}/prepare_verification"),
            &[("strategy", "phone_code")],
        )
        .await?;
        let done = self
            .post(
                &format!("/client/sign_ups/{id}/attempt_verification"),
                &[("strategy", "phone_code"), ("code", TEST_CODE)],
            )
            .await?;
        let status = done.json()?["response"]["status"].clone();
        if status != "complete" {
            bail!("sign-up of {e164} ended with status {status}");
        }
        Ok(())
    }
}

/// `response.id` of a `{response, client}` envelope.
fn response_id(resp: &Resp) -> Result<String> {
    let json = resp.json()?;
    json["response"]["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no response.id in {json}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_outbox_list_and_wrapper() {
        let list = json!([
            {"channel": "email", "recipient": "a@example.com", "code": "123456", "created_at": 2},
            {"channel": "sms", "recipient": "+12015550101", "code": "654321"}
        ]);
        let msgs = parse_outbox(&list);
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].code, "123456");
        assert_eq!(msgs[1].channel, "sms");
        assert_eq!(parse_outbox(&json!({"data": list})).len(), 2);
        assert!(parse_outbox(&json!("nope")).is_empty());
    }
}
