//! The signed-in user's own account (`/v1/me`): devices, revoking one, deleting the account.

use crate::helpers::{TestApp, spawn_app};

const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const FIREFOX_MAC: &str =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0";

fn device(user_agent: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .user_agent(user_agent)
        .build()
        .unwrap()
}

/// Signs an existing test number in on `c` (code 424242); the new session's id.
async fn sign_in(app: &TestApp, c: &reqwest::Client, phone: &str) -> String {
    let r = app
        .post(
            c,
            "/v1/client/sign_ins",
            &[("identifier", phone), ("strategy", "phone_code")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            c,
            &format!("/v1/client/sign_ins/{}/attempt_first_factor", r.id()),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn token_status(app: &TestApp, c: &reqwest::Client, sid: &str) -> u16 {
    app.post(c, &format!("/v1/client/sessions/{sid}/tokens"), &[])
        .await
        .status
}

both_backends!(active_sessions_list_every_device_of_the_user_newest_first);
async fn active_sessions_list_every_device_of_the_user_newest_first() {
    let app = spawn_app().await;
    let (phone, desk) = (device(CHROME_ANDROID), device(FIREFOX_MAC));
    let up = app.sign_up_phone(&phone, "+12015550140").await;
    let phone_sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.clock.advance_secs(1);
    let desk_sid = sign_in(&app, &desk, "+12015550140").await;
    // Someone else's session is never listed.
    app.sign_up_phone(&device(FIREFOX_MAC), "+12015550141")
        .await;

    let r = app
        .get(
            &phone,
            &format!("/v1/me/sessions/active?_clerk_session_id={phone_sid}"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.body.as_array().expect("a bare array, as Clerk answers");
    let ids: Vec<&str> = list.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [desk_sid.as_str(), phone_sid.as_str()]);
    let desk_row = &list[0];
    assert_eq!(desk_row["object"], "session");
    assert_eq!(desk_row["status"], "active");
    let activity = &desk_row["latest_activity"];
    assert_eq!(activity["object"], "session_activity");
    assert_eq!(activity["browser_name"], "Firefox");
    assert_eq!(activity["browser_version"], "133");
    assert_eq!(activity["device_type"], "Macintosh");
    assert_eq!(activity["is_mobile"], false);
    assert_eq!(activity["ip_address"], "127.0.0.1");
    assert_eq!(list[1]["latest_activity"]["browser_name"], "Chrome");
    assert_eq!(list[1]["latest_activity"]["is_mobile"], true);

    // Without a session: 401, in the FAPI error shape.
    let r = app
        .get(&device(CHROME_ANDROID), "/v1/me/sessions/active")
        .await;
    r.assert_error(401, "authentication_invalid");
}

both_backends!(revoking_another_device_signs_that_device_out);
async fn revoking_another_device_signs_that_device_out() {
    let app = spawn_app().await;
    let (phone, desk) = (device(CHROME_ANDROID), device(FIREFOX_MAC));
    let up = app.sign_up_phone(&phone, "+12015550142").await;
    let phone_sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let desk_sid = sign_in(&app, &desk, "+12015550142").await;
    assert_eq!(token_status(&app, &desk, &desk_sid).await, 200);

    let r = app
        .post(
            &phone,
            &format!("/v1/me/sessions/{desk_sid}/revoke?_clerk_session_id={phone_sid}"),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["id"], desk_sid.as_str());
    assert_eq!(r.body["response"]["status"], "revoked");
    // This device stays signed in.
    assert_eq!(
        r.body["client"]["last_active_session_id"],
        phone_sid.as_str()
    );
    assert_eq!(token_status(&app, &phone, &phone_sid).await, 200);

    // The other device: no token, no session in its client.
    assert_eq!(token_status(&app, &desk, &desk_sid).await, 401);
    let client = app.get(&desk, "/v1/client").await;
    assert_eq!(client.status, 200);
    assert_eq!(client.body["response"]["sessions"], serde_json::json!([]));
    let r = app
        .get(
            &phone,
            &format!("/v1/me/sessions/active?_clerk_session_id={phone_sid}"),
        )
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 1, "{}", r.body);

    // Another user's session cannot be revoked (not found, and it stays active).
    let other = device(FIREFOX_MAC);
    let up = app.sign_up_phone(&other, "+12015550143").await;
    let other_sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &phone,
            &format!("/v1/me/sessions/{other_sid}/revoke?_clerk_session_id={phone_sid}"),
            &[],
        )
        .await;
    r.assert_error(404, "resource_not_found");
    assert_eq!(token_status(&app, &other, &other_sid).await, 200);
}

both_backends!(deleting_the_account_signs_out_everywhere_and_frees_the_number);
async fn deleting_the_account_signs_out_everywhere_and_frees_the_number() {
    let app = spawn_app().await;
    let (phone, desk) = (device(CHROME_ANDROID), device(FIREFOX_MAC));
    let up = app.sign_up_phone(&phone, "+12015550144").await;
    let user_id = up.body["response"]["created_user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let phone_sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let desk_sid = sign_in(&app, &desk, "+12015550144").await;
    // An unfinished sign-in of the same user on a third device.
    let third = device(FIREFOX_MAC);
    let pending = app
        .post(
            &third,
            "/v1/client/sign_ins",
            &[("identifier", "+12015550144"), ("strategy", "phone_code")],
        )
        .await;
    assert_eq!(pending.status, 200, "{}", pending.body);

    // Signed out, deleting is refused.
    app.call(&device(FIREFOX_MAC), "DELETE", "/v1/me", &[])
        .await
        .assert_error(401, "authentication_invalid");

    let r = app
        .call(
            &phone,
            "DELETE",
            &format!("/v1/me?_clerk_session_id={phone_sid}"),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["object"], "user");
    assert_eq!(r.body["response"]["id"], user_id.as_str());
    assert_eq!(r.body["response"]["deleted"], true);
    assert_eq!(r.body["client"]["sessions"], serde_json::json!([]));
    assert!(r.body["client"]["last_active_session_id"].is_null());

    // The sessions are gone with the user: asking for a token is asking about nothing.
    assert_eq!(token_status(&app, &phone, &phone_sid).await, 404);
    assert_eq!(token_status(&app, &desk, &desk_sid).await, 404);
    let client = app.get(&desk, "/v1/client").await;
    assert_eq!(client.status, 200, "{}", client.body);
    assert_eq!(client.body["response"]["sessions"], serde_json::json!([]));
    app.get(&phone, "/v1/me")
        .await
        .assert_error(401, "authentication_invalid");
    // The unfinished sign-in is gone with the user: its code cannot sign anyone in.
    let r = app
        .post(
            &third,
            &format!("/v1/client/sign_ins/{}/attempt_first_factor", pending.id()),
            &[("strategy", "phone_code"), ("code", "424242")],
        )
        .await;
    r.assert_error(404, "resource_not_found");
    let client = app.get(&third, "/v1/client").await;
    assert_eq!(client.status, 200, "{}", client.body);

    // The number is free: a new sign-up makes a new user.
    let again = app
        .sign_up_phone(&device(CHROME_ANDROID), "+12015550144")
        .await;
    assert_ne!(again.body["response"]["created_user_id"], user_id.as_str());
}

both_backends!(update_changes_names_and_the_primary_identifier);
async fn update_changes_names_and_the_primary_identifier() {
    let app = spawn_app().await;
    let c = device(CHROME_ANDROID);
    let up = app.sign_up_phone(&c, "+12015550145").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = format!("/v1/me?_clerk_session_id={sid}");
    let phone_id = up.body["client"]["sessions"][0]["user"]["phone_numbers"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // clerk-js tunnels PATCH through POST ?_method=PATCH.
    let r = app
        .post(
            &c,
            &format!("{me}&_method=PATCH"),
            &[
                ("first_name", "  Ada "),
                ("last_name", "Lovelace"),
                ("primary_phone_number_id", &phone_id),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["object"], "user");
    assert_eq!(r.body["response"]["first_name"], "Ada");
    assert_eq!(r.body["response"]["last_name"], "Lovelace");
    assert_eq!(
        r.body["response"]["primary_phone_number_id"],
        phone_id.as_str()
    );
    assert_eq!(r.body["response"]["delete_self_enabled"], true);
    assert_eq!(
        r.body["client"]["sessions"][0]["user"]["first_name"], "Ada",
        "the piggybacked client shows the change"
    );
    // Stored: a fresh read agrees; an empty name clears it, an absent one stays.
    let r = app.call(&c, "PATCH", &me, &[("last_name", "")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.get(&c, &me).await;
    assert_eq!(r.body["response"]["first_name"], "Ada");
    assert!(r.body["response"]["last_name"].is_null(), "{}", r.body);

    // Someone else's identifier, or an unknown one, cannot become primary.
    let other = app
        .sign_up_phone(&device(FIREFOX_MAC), "+12015550146")
        .await;
    let other_phone = other.body["client"]["sessions"][0]["user"]["phone_numbers"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for bad in [other_phone.as_str(), "idn_nope"] {
        let r = app
            .call(&c, "PATCH", &me, &[("primary_phone_number_id", bad)])
            .await;
        r.assert_error(422, "form_param_value_invalid");
        assert_eq!(r.param(), "primary_phone_number_id");
    }
    // Bad names are refused with the field named, and nothing changes.
    let long = "x".repeat(300);
    let r = app.call(&c, "PATCH", &me, &[("first_name", &long)]).await;
    r.assert_error(422, "form_param_format_invalid");
    assert_eq!(r.param(), "first_name");
    assert_eq!(app.get(&c, &me).await.body["response"]["first_name"], "Ada");
    // Signed out: 401.
    app.call(
        &device(FIREFOX_MAC),
        "PATCH",
        "/v1/me",
        &[("first_name", "Eve")],
    )
    .await
    .assert_error(401, "authentication_invalid");
}

/// The id of the `kind` identifier with `value` in a `{response: User}` or user JSON.
fn ident_id(user: &serde_json::Value, kind: &str, value: &str) -> Option<String> {
    let key = if kind == "phone" {
        "phone_numbers"
    } else {
        "email_addresses"
    };
    let field = if kind == "phone" {
        "phone_number"
    } else {
        "email_address"
    };
    user[key]
        .as_array()?
        .iter()
        .find(|x| x[field] == value)
        .map(|x| x["id"].as_str().unwrap().to_owned())
}

both_backends!(an_added_email_is_verified_with_a_code_and_then_signs_in);
async fn an_added_email_is_verified_with_a_code_and_then_signs_in() {
    let app = spawn_app().await;
    let c = device(CHROME_ANDROID);
    let up = app.sign_up_phone(&c, "+12015550147").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = format!("_clerk_session_id={sid}");

    // clerk-js creates with a trailing slash.
    let r = app
        .post(
            &c,
            &format!("/v1/me/email_addresses/?{q}"),
            &[("email_address", "Ada@Example.com")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["object"], "email_address");
    assert_eq!(r.body["response"]["email_address"], "ada@example.com");
    assert_eq!(r.body["response"]["verification"]["status"], "unverified");
    let eid = r.id();
    // Not verified yet: it cannot sign in, and it is not primary.
    let user = &r.body["client"]["sessions"][0]["user"];
    assert!(user["primary_email_address_id"].is_null(), "{user}");
    assert_eq!(
        ident_id(user, "email", "ada@example.com").as_deref(),
        Some(eid.as_str())
    );
    let r = app
        .post(
            &device(FIREFOX_MAC),
            "/v1/client/sign_ins",
            &[("identifier", "ada@example.com")],
        )
        .await;
    r.assert_error(422, "form_identifier_not_found");
    // Adding it again answers the same one.
    let again = app
        .post(
            &c,
            &format!("/v1/me/email_addresses?{q}"),
            &[("email_address", "ada@example.com")],
        )
        .await;
    assert_eq!(again.id(), eid);

    let r = app
        .post(
            &c,
            &format!("/v1/me/email_addresses/{eid}/prepare_verification?{q}"),
            &[("strategy", "email_code")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["verification"]["strategy"], "email_code");
    assert_eq!(r.body["response"]["verification"]["status"], "unverified");
    let code = app.code_for("ada@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let attempt = format!("/v1/me/email_addresses/{eid}/attempt_verification?{q}");
    app.post(&c, &attempt, &[("code", wrong)])
        .await
        .assert_error(422, "form_code_incorrect");
    let r = app.post(&c, &attempt, &[("code", &code)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["id"], eid.as_str());
    assert_eq!(r.body["response"]["verification"]["status"], "verified");
    assert_eq!(
        r.body["client"]["sessions"][0]["user"]["primary_email_address_id"],
        eid.as_str(),
        "the only verified email is primary"
    );
    // Single use: the same code again is refused.
    app.post(&c, &attempt, &[("code", &code)])
        .await
        .assert_error(400, "verification_already_verified");

    // The new address signs in, into the same user.
    let other = device(FIREFOX_MAC);
    let r = app
        .post(
            &other,
            "/v1/client/sign_ins",
            &[
                ("identifier", "ada@example.com"),
                ("strategy", "email_code"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let code = app.code_for("ada@example.com").await;
    let r = app
        .post(
            &other,
            &format!("/v1/client/sign_ins/{}/attempt_first_factor", r.id()),
            &[("strategy", "email_code"), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["client"]["sessions"][0]["user"]["id"],
        up.body["response"]["created_user_id"]
    );
}

both_backends!(identifiers_taken_unverified_and_removed);
async fn identifiers_taken_unverified_and_removed() {
    let app = spawn_app().await;
    let (a, b) = (device(CHROME_ANDROID), device(FIREFOX_MAC));
    let up = app.sign_up_phone(&a, "+12015550148").await;
    let sid = up.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = format!("_clerk_session_id={sid}");
    let phone_id = ident_id(
        &up.body["client"]["sessions"][0]["user"],
        "phone",
        "+12015550148",
    )
    .unwrap();
    app.sign_up_phone(&b, "+12015550149").await;

    // Another user's number is taken; a malformed one is refused with the field named.
    app.post(
        &a,
        &format!("/v1/me/phone_numbers?{q}"),
        &[("phone_number", "+12015550149")],
    )
    .await
    .assert_error(422, "form_identifier_exists");
    let r = app
        .post(
            &a,
            &format!("/v1/me/phone_numbers?{q}"),
            &[("phone_number", "12")],
        )
        .await;
    r.assert_error(422, "form_param_format_invalid");
    assert_eq!(r.param(), "phone_number");
    // Signed out: 401.
    app.post(
        &device(FIREFOX_MAC),
        "/v1/me/phone_numbers",
        &[("phone_number", "+12015550150")],
    )
    .await
    .assert_error(401, "authentication_invalid");

    // An address A adds but never verifies does not stop anyone else from signing up with it.
    let r = app
        .post(
            &a,
            &format!("/v1/me/email_addresses?{q}"),
            &[("email_address", "grace+clerk_test@example.com")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let pending_id = r.id();
    let c = device(FIREFOX_MAC);
    let su = app
        .start_sign_up(
            &c,
            &[("email_address", "grace+clerk_test@example.com")],
            "email_code",
        )
        .await;
    let r = app
        .post(
            &c,
            &format!("/v1/client/sign_ups/{su}/attempt_verification"),
            &[("strategy", "email_code"), ("code", "424242")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["status"], "complete");
    // ... and then A's code for it cannot take it over.
    app.post(
        &a,
        &format!("/v1/me/email_addresses/{pending_id}/prepare_verification?{q}"),
        &[("strategy", "email_code")],
    )
    .await;
    app.post(
        &a,
        &format!("/v1/me/email_addresses/{pending_id}/attempt_verification?{q}"),
        &[("code", "424242")],
    )
    .await
    .assert_error(422, "form_identifier_exists");

    // The only way to sign in cannot be removed.
    let r = app
        .call(
            &a,
            "DELETE",
            &format!("/v1/me/phone_numbers/{phone_id}?{q}"),
            &[],
        )
        .await;
    r.assert_error(422, "form_identifier_last");
    // With a second verified number it can (clerk-js tunnels DELETE through POST).
    let r = app
        .post(
            &a,
            &format!("/v1/me/phone_numbers/?{q}"),
            &[("phone_number", "+12015550151")],
        )
        .await;
    let second = r.id();
    app.post(
        &a,
        &format!("/v1/me/phone_numbers/{second}/prepare_verification?{q}"),
        &[("strategy", "phone_code")],
    )
    .await;
    let r = app
        .post(
            &a,
            &format!("/v1/me/phone_numbers/{second}/attempt_verification?{q}"),
            &[("code", "424242")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            &a,
            &format!("/v1/me/phone_numbers/{phone_id}?{q}&_method=DELETE"),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["response"]["object"], "phone_number");
    assert_eq!(r.body["response"]["deleted"], true);
    let user = &r.body["client"]["sessions"][0]["user"];
    assert_eq!(user["primary_phone_number_id"], second.as_str());
    assert_eq!(user["phone_numbers"].as_array().unwrap().len(), 1, "{user}");
    // The removed number no longer signs in.
    app.post(
        &device(FIREFOX_MAC),
        "/v1/client/sign_ins",
        &[("identifier", "+12015550148")],
    )
    .await
    .assert_error(422, "form_identifier_not_found");
}
