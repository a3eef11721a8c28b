//! Sessions, tokens, JWKS, sign-out.

use crate::helpers::{browser, spawn_app};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};

#[derive(Debug, serde::Deserialize)]
struct Claims {
    sub: String,
    sid: String,
    iat: i64,
    exp: i64,
    iss: String,
}

both_backends!(token_verifies_against_jwks);
async fn token_verifies_against_jwks() {
    let app = spawn_app().await;
    let c = browser();
    let up = app.sign_up_phone(&c, "+12015550130").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let uid = up.body["response"]["created_user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &c,
            &format!("/v1/client/sessions/{sid}/tokens?__clerk_api_version=2026-05-12"),
            &[("organization_id", "")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["object"], "token", "bare token");
    let jwt = r.body["jwt"].as_str().unwrap();

    let jwks = reqwest::get(format!("{}/.well-known/jwks.json", app.base))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["kty"], "RSA");
    let header = decode_header(jwt).unwrap();
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let dk =
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_required_spec_claims(&["exp", "sub"]);
    let data = decode::<Claims>(jwt, &dk, &v).unwrap();
    assert_eq!(data.claims.sub, uid);
    assert_eq!(data.claims.sid, sid);
    assert_eq!(data.claims.exp - data.claims.iat, 60);
    assert!(data.claims.iss.starts_with("http://127.0.0.1:"));

    // A tampered token fails verification.
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].chars().rev().collect();
    assert!(decode::<Claims>(&parts.join("."), &dk, &v).is_err());
}

both_backends!(a_token_minted_a_moment_ago_is_handed_out_again);
async fn a_token_minted_a_moment_ago_is_handed_out_again() {
    let app = spawn_app().await;
    let c = browser();
    let up = app.sign_up_phone(&c, "+12015550131").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let in_answer = up.body["client"]["sessions"][0]["last_active_token"]["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/client/sessions/{sid}/tokens");
    let again = app.post(&c, &path, &[]).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(
        again.body["jwt"], in_answer,
        "the token of the sign-up answer is reused within 5 s, not signed again"
    );
    // Past the reuse window a new token is signed (a new jti, a later iat).
    app.clock.advance_secs(6);
    let later = app.post(&c, &path, &[]).await;
    assert_eq!(later.status, 200, "{}", later.body);
    assert_ne!(later.body["jwt"], in_answer);
    let claims = |jwt: &str| -> serde_json::Value {
        use base64::Engine as _;
        let payload = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    };
    let (first, second) = (
        claims(&in_answer),
        claims(later.body["jwt"].as_str().unwrap()),
    );
    assert_eq!(
        second["iat"].as_i64().unwrap() - first["iat"].as_i64().unwrap(),
        6
    );
    assert_ne!(first["jti"], second["jti"]);
    // After sign-out no token is handed out, reused or not.
    app.sign_out(&c).await;
    let refused = app.post(&c, &path, &[]).await;
    assert_ne!(refused.status, 200, "{}", refused.body);
}

both_backends!(sign_out_ends_sessions_for_real);
async fn sign_out_ends_sessions_for_real() {
    let app = spawn_app().await;
    let c = browser();
    let up = app.sign_up_phone(&c, "+12015550131").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &c,
            "/v1/client/sessions?_method=DELETE&__clerk_api_version=2026-05-12",
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["object"], "client");
    assert_eq!(r.body["client"]["sessions"], serde_json::json!([]));
    assert!(r.body["client"]["last_active_session_id"].is_null());
    let r = app
        .post(&c, &format!("/v1/client/sessions/{sid}/tokens"), &[])
        .await;
    r.assert_error(401, "signed_out");
    let r = app.get(&c, "/v1/client").await;
    assert_eq!(r.body["client"]["sessions"], serde_json::json!([]));
    assert!(r.body["client"]["id"].is_string(), "client kept");
}

both_backends!(touch_get_end_remove);
async fn touch_get_end_remove() {
    let app = spawn_app().await;
    let c = browser();
    let up = app.sign_up_phone(&c, "+12015550132").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.get(&c, &format!("/v1/client/sessions/{sid}")).await;
    assert_eq!(r.body["response"]["object"], "session");
    assert_eq!(r.body["response"]["status"], "active");
    assert_eq!(
        r.body["response"]["public_user_data"]["identifier"],
        "+12015550132"
    );
    app.clock.advance_secs(5);
    let r = app
        .post(
            &c,
            &format!("/v1/client/sessions/{sid}/touch"),
            &[("active_organization_id", ""), ("intent", "select_session")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["client"]["last_active_session_id"], sid.as_str());
    assert!(
        r.body["response"]["last_active_at"].as_i64()
            > up.body["client"]["sessions"][0]["last_active_at"].as_i64()
    );
    // Another client cannot touch it.
    let r = app
        .post(&browser(), &format!("/v1/client/sessions/{sid}/touch"), &[])
        .await;
    r.assert_error(404, "resource_not_found");
    let r = app
        .post(&c, &format!("/v1/client/sessions/{sid}/end"), &[])
        .await;
    assert_eq!(r.body["response"]["status"], "ended", "{}", r.body);
    assert_eq!(r.body["client"]["sessions"], serde_json::json!([]));
    let r = app
        .post(&c, &format!("/v1/client/sessions/{sid}/tokens"), &[])
        .await;
    r.assert_error(401, "signed_out");

    // remove
    let r = app
        .post(
            &c,
            "/v1/client/sign_ins",
            &[("identifier", "+12015550132"), ("strategy", "phone_code")],
        )
        .await;
    let id = r.id();
    let r = app
        .post(
            &c,
            &format!("/v1/client/sign_ins/{id}/attempt_first_factor"),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    let sid2 = r.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(&c, &format!("/v1/client/sessions/{sid2}/remove"), &[])
        .await;
    assert_eq!(r.body["response"]["status"], "removed");
}

both_backends!(session_expires_after_its_lifetime);
async fn session_expires_after_its_lifetime() {
    let app = crate::helpers::spawn_app_with(|c| c.instance.session_lifetime_secs = 3600).await;
    let c = browser();
    let up = app.sign_up_phone(&c, "+12015550133").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.clock.advance_secs(3601);
    let r = app
        .post(&c, &format!("/v1/client/sessions/{sid}/tokens"), &[])
        .await;
    r.assert_error(401, "signed_out");
    assert_eq!(
        app.get(&c, "/v1/client").await.body["client"]["sessions"],
        serde_json::json!([])
    );
}

both_backends!(delete_client_destroys_it);
async fn delete_client_destroys_it() {
    let app = spawn_app().await;
    let c = browser();
    let up = app.sign_up_phone(&c, "+12015550134").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.post(&c, "/v1/client?_method=DELETE", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.set_cookie.unwrap().contains("Max-Age=0"));
    let r = app.get(&c, "/v1/client").await;
    assert_eq!(
        r.body,
        serde_json::json!({"response": null, "client": null})
    );
    let r = app
        .post(&c, &format!("/v1/client/sessions/{sid}/tokens"), &[])
        .await;
    r.assert_error(404, "resource_not_found");
}

both_backends!(forged_cookie_is_ignored);
async fn forged_cookie_is_ignored() {
    let app = spawn_app().await;
    let c = browser();
    let up = app.sign_up_phone(&c, "+12015550135").await;
    let client_id = up.body["client"]["id"].as_str().unwrap();
    let r = reqwest::Client::new()
        .get(format!("{}/v1/client", app.base))
        .header("cookie", format!("__client={client_id}.forged"))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["client"].is_null());
}

both_backends!(me_returns_the_signed_in_user);
/// clerk-js `User.reload()` (`clerk.user.reload()`): `GET /v1/me?_clerk_session_id=…`.
async fn me_returns_the_signed_in_user() {
    let app = spawn_app().await;
    let c = browser();
    let up = app.sign_up_phone(&c, "+12015550139").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let uid = up.body["response"]["created_user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = "__clerk_api_version=2026-05-12&_clerk_js_version=6.29.3";
    for path in [
        format!("/v1/me?{q}&_clerk_session_id={sid}"),
        format!("/v1/me?{q}"),
    ] {
        let r = app.get(&c, &path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert_eq!(r.body["response"]["object"], "user", "{}", r.body);
        assert_eq!(r.body["response"]["id"], uid.as_str(), "{}", r.body);
        assert_eq!(
            r.body["response"]["phone_numbers"][0]["phone_number"],
            "+12015550139"
        );
        assert_eq!(r.body["client"]["last_active_session_id"], sid.as_str());
    }
    // Another browser, and this one after sign-out: no active session.
    app.get(&browser(), &format!("/v1/me?{q}&_clerk_session_id={sid}"))
        .await
        .assert_error(401, "authentication_invalid");
    app.sign_out(&c).await;
    app.get(&c, &format!("/v1/me?{q}&_clerk_session_id={sid}"))
        .await
        .assert_error(401, "authentication_invalid");
}

both_backends!(es256_and_eddsa_tokens_verify_against_the_jwks);
async fn es256_and_eddsa_tokens_verify_against_the_jwks() {
    use onetime_server::signing::TokenAlgorithm;
    for (algorithm, kty) in [
        (TokenAlgorithm::ES256, "EC"),
        (TokenAlgorithm::EdDSA, "OKP"),
    ] {
        let app = crate::helpers::spawn_app_with(|c| {
            c.signing_key_pem = None; // made on first start, as in production
            c.instance.tokens.algorithm = algorithm;
        })
        .await;
        let c = browser();
        let up = app.sign_up_phone(&c, "+12015550132").await;
        let sid = up.body["response"]["created_session_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = app
            .post(&c, &format!("/v1/client/sessions/{sid}/tokens"), &[])
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let jwt = r.body["jwt"].as_str().unwrap();
        let jwks = reqwest::get(format!("{}/.well-known/jwks.json", app.base))
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap();
        let key = &jwks["keys"][0];
        assert_eq!(key["alg"], algorithm.as_str(), "{jwks}");
        assert_eq!(key["kty"], kty, "{jwks}");
        assert!(
            key.get("n").is_none(),
            "no RSA members on a {kty} key: {jwks}"
        );
        let header = decode_header(jwt).unwrap();
        assert_eq!(header.kid.as_deref(), key["kid"].as_str());
        let x = key["x"].as_str().unwrap();
        let (dk, alg) = match algorithm {
            TokenAlgorithm::ES256 => (
                DecodingKey::from_ec_components(x, key["y"].as_str().unwrap()).unwrap(),
                Algorithm::ES256,
            ),
            _ => (
                DecodingKey::from_ed_components(x).unwrap(),
                Algorithm::EdDSA,
            ),
        };
        assert_eq!(header.alg, alg);
        let data = decode::<Claims>(jwt, &dk, &Validation::new(alg)).unwrap();
        assert_eq!(data.claims.sid, sid);
        app.stop().await;
    }
}
