//! The end-to-end scenarios: a person signing up, in and out in a real browser.
//!
//! Each scenario gets a brand new Chromium session (fresh profile: no cookies, no storage) and
//! its own identifiers (`+1 201 555 01NN`, NN = scenario number), so they are independent.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::json;

use crate::browser::Browser;
use crate::cli::TestOpts;
use crate::fapi::{self, TEST_CODE};
use crate::http::Http;
use crate::procs::{ChromeDriver, Server, ServerSpec};

/// The resend cooldown of the test server, short so scenario 7 can wait it out.
pub const RESEND_COOLDOWN_SECS: u64 = 3;

/// How long one scenario may take in all.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(90);

/// Everything a scenario needs besides its browser.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Plain HTTP client for the dev outbox.
    pub http: Http,
    /// The server's base URL.
    pub base: String,
    /// axe-core's source, or why it could not be read (the accessibility scenarios fail then).
    pub axe: std::result::Result<std::sync::Arc<String>, String>,
    /// The ChromeDriver, for scenarios that need a second browser.
    pub driver_url: String,
    /// The Chromium binary.
    pub chromium: std::path::PathBuf,
}

/// A scenario's number and name, in run order.
pub const SCENARIOS: [(u8, &str); 15] = [
    (1, "phone sign-up with a test number"),
    (2, "email sign-up with the code from the dev outbox"),
    (3, "sign-out, phone sign-in, reload keeps the session"),
    (
        4,
        "wrong code: inline error, input cleared, then the right code",
    ),
    (5, "sign-in with an unknown number offers sign-up"),
    (6, "sign-up with a taken number offers sign-in"),
    (7, "resend disabled during the countdown, works after"),
    (8, "protected page while signed out, back after sign-in"),
    (9, "pasting the code completes the flow"),
    (
        10,
        "the sign-in page as sent: brotli, cached by name, <= 180,000 B",
    ),
    (
        11,
        "axe-core: no WCAG 2.2 AA violation on any page, light scheme",
    ),
    (
        12,
        "axe-core: no WCAG 2.2 AA violation on any page, dark scheme",
    ),
    (
        13,
        "account page: add an email to a phone account, sign in with it, verify another later and make it primary, remove the phone",
    ),
    (
        14,
        "account page: sign out another browser; it lands on sign-in",
    ),
    (
        15,
        "account page: delete the account; the number signs up again",
    ),
];

/// What `--static` may send a browser for the sign-in page, all assets, `Accept-Encoding: br,
/// gzip` (issue 13): asserted, because it is deterministic.
pub const SENT_BUDGET_BYTES: usize = 180_000;

async fn run_scenario(n: u8, b: &Browser, ctx: &Ctx) -> Result<()> {
    match n {
        1 => phone_sign_up(b).await,
        2 => email_sign_up(b, ctx).await,
        3 => sign_out_and_in(b).await,
        4 => wrong_code(b).await,
        5 => unknown_number_sign_in(b).await,
        6 => taken_number_sign_up(b).await,
        7 => resend_countdown(b, ctx).await,
        8 => protected_page(b).await,
        9 => paste_code(b).await,
        10 => static_delivery(ctx).await,
        11 => accessibility(b, ctx, "light", 11).await,
        12 => accessibility(b, ctx, "dark", 12).await,
        13 => account_identifiers(b, ctx).await,
        14 => revoke_other_browser(b, ctx).await,
        15 => delete_account(b).await,
        _ => bail!("no scenario {n}"),
    }
}

/// Runs the suite; returns whether every selected scenario passed.
pub async fn run(opts: TestOpts) -> Result<bool> {
    let http = Http::new();
    std::fs::create_dir_all(&opts.artifacts)
        .with_context(|| format!("creating {}", opts.artifacts.display()))?;
    let artifacts = std::fs::canonicalize(&opts.artifacts)?;
    let spec = ServerSpec {
        bin: opts.common.server_bin.clone(),
        dist: opts.common.dist.clone(),
        resend_cooldown_secs: RESEND_COOLDOWN_SECS,
        sends_per_identifier: 20,
        log: artifacts.join("server.log"),
        database: None,
        synchronous: None,
        token_algorithm: None,
    };
    let server = Server::start(&spec, &http).await?;
    let driver = ChromeDriver::start(
        &opts.common.chromedriver,
        &artifacts.join("chromedriver.log"),
        &http,
    )
    .await?;
    let axe = std::fs::read_to_string(&opts.axe)
        .map(std::sync::Arc::new)
        .map_err(|e| {
            format!(
                "cannot read axe-core at {} ({e}); `npm ci --prefix compat` installs it",
                opts.axe.display()
            )
        });
    let ctx = Ctx {
        http: http.clone(),
        base: server.base().to_owned(),
        axe,
        driver_url: driver.url().to_owned(),
        chromium: opts.common.chromium.clone(),
    };
    println!(
        "e2e: server {} (log {}), chromedriver {}",
        server.base(),
        server.log().display(),
        driver.url()
    );
    let (mut passed, mut failed) = (0, 0);
    for (n, name) in SCENARIOS {
        if !opts.only.is_empty() && !opts.only.contains(&n) {
            continue;
        }
        let started = Instant::now();
        let outcome = run_isolated(n, &opts, &driver, &ctx, &artifacts).await;
        let secs = started.elapsed().as_secs_f64();
        match outcome {
            Ok(()) => {
                passed += 1;
                println!("ok   {n} {name} ({secs:.1} s)");
            }
            Err(failure) => {
                failed += 1;
                println!("FAIL {n} {name} ({secs:.1} s): {failure:#}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(failed == 0)
}

/// One scenario in its own browser session, with a time limit, panics caught, and artifacts
/// saved on failure.
async fn run_isolated(
    n: u8,
    opts: &TestOpts,
    driver: &ChromeDriver,
    ctx: &Ctx,
    artifacts: &std::path::Path,
) -> Result<()> {
    let browser = Browser::open(driver.url(), &opts.common.chromium, &ctx.base).await?;
    let task = {
        let (b, ctx) = (browser.clone(), ctx.clone());
        tokio::spawn(async move {
            tokio::time::timeout(SCENARIO_TIMEOUT, run_scenario(n, &b, &ctx))
                .await
                .unwrap_or_else(|_| bail!("scenario took longer than {SCENARIO_TIMEOUT:?}"))
        })
    };
    let result = match task.await {
        Ok(r) => r,
        Err(join) if join.is_panic() => Err(anyhow::anyhow!("panicked: {join}")),
        Err(join) => Err(anyhow::anyhow!("aborted: {join}")),
    };
    if let Err(e) = result {
        let stem = format!("scenario-{n}");
        let saved = match browser.save_artifacts(artifacts, &stem).await {
            Ok((png, html)) => format!(
                "\n     screenshot: {}\n     html:       {}",
                png.display(),
                html.display()
            ),
            Err(save) => format!("\n     (could not save artifacts: {save:#})"),
        };
        browser.close().await;
        return Err(anyhow::anyhow!("{e:#}{saved}"));
    }
    browser.close().await;
    Ok(())
}

/// Scenario 10: the bytes a first visit to `/sign-in` costs, as the server sends them to a browser
/// that accepts brotli: every asset the page names, compressed, with cache headers by name.
async fn static_delivery(ctx: &Ctx) -> Result<()> {
    const ACCEPT: [(&str, &str); 1] = [("accept-encoding", "br, gzip")];
    let page = ctx
        .http
        .get_with_headers(&format!("{}/sign-in", ctx.base), &ACCEPT)
        .await?;
    let header = |r: &crate::http::Resp, name: &str| {
        r.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    ensure!(page.status == 200, "/sign-in answered {}", page.status);
    ensure!(
        header(&page, "content-encoding") == "br",
        "/sign-in sent as {:?}, not br",
        header(&page, "content-encoding")
    );
    ensure!(
        header(&page, "cache-control") == "no-cache",
        "/sign-in is cached: {:?}",
        header(&page, "cache-control")
    );
    // The plain page, to read the assets it names.
    let html = ctx.http.get(&format!("{}/sign-in", ctx.base), &[]).await?;
    let html = String::from_utf8_lossy(&html.body).into_owned();
    let mut assets: Vec<&str> = html
        .split(['"', '\'', ' ', '=', '>', '(', ')', ',', '\n'])
        .filter(|s| s.starts_with('/') && [".js", ".wasm", ".css"].iter().any(|e| s.ends_with(e)))
        .collect();
    assets.sort_unstable();
    assets.dedup();
    ensure!(
        assets.iter().any(|a| a.ends_with(".wasm")) && assets.iter().any(|a| a.ends_with(".js")),
        "the page names no wasm/js: {assets:?}"
    );
    let mut total = page.body.len();
    let mut rows = vec![format!("/sign-in (index.html): {} B br", page.body.len())];
    for asset in &assets {
        let r = ctx
            .http
            .get_with_headers(&format!("{}{asset}", ctx.base), &ACCEPT)
            .await?;
        ensure!(r.status == 200, "{asset} answered {}", r.status);
        ensure!(
            header(&r, "content-encoding") == "br",
            "{asset} sent as {:?}, not br",
            header(&r, "content-encoding")
        );
        ensure!(
            header(&r, "cache-control") == "public, max-age=31536000, immutable",
            "{asset} has cache-control {:?}",
            header(&r, "cache-control")
        );
        total += r.body.len();
        rows.push(format!("{asset}: {} B br", r.body.len()));
    }
    println!(
        "     sent for /sign-in: {total} B (budget {SENT_BUDGET_BYTES} B)\n       {}",
        rows.join("\n       ")
    );
    ensure!(
        total <= SENT_BUDGET_BYTES,
        "the sign-in page costs {total} B > {SENT_BUDGET_BYTES} B"
    );
    Ok(())
}

/// The WCAG rules axe-core checks: WCAG 2.0, 2.1 and 2.2, levels A and AA.
const WCAG_AA_TAGS: [&str; 6] = [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa",
];

/// Runs axe-core on the current page; fails naming every violation (rule, impact, elements).
async fn audit(b: &Browser, ctx: &Ctx, what: &str) -> Result<()> {
    let source = ctx.axe.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
    let loaded = b
        .js("return typeof window.axe === 'object';", vec![])
        .await?;
    if loaded != json!(true) {
        b.js(&format!("{source}\n;window.axe = axe;"), vec![])
            .await?;
    }
    let violations = b
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: arguments[0] }, resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => `${v.id} (${v.impact}): ` +
                  v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' ' + (n.any[0] ? n.any[0].message : '')).join(' | '))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![json!(WCAG_AA_TAGS)],
        )
        .await
        .map_err(|e| anyhow::anyhow!("running axe-core: {e}"))?;
    let violations: Vec<String> = serde_json::from_value(violations)?;
    ensure!(
        violations.is_empty(),
        "{what}: {} violation(s):\n       {}",
        violations.len(),
        violations.join("\n       ")
    );
    Ok(())
}

/// Scenarios 11 and 12: axe-core's WCAG 2.2 AA rules (contrast included) on the identifier
/// steps of `/sign-in` and `/sign-up`, the email variant, the code step, a code error, the
/// signed-in home with its menu and the profile, in the light or the dark scheme (`prefers-color-scheme`, emulated through the DevTools protocol).
async fn accessibility(b: &Browser, ctx: &Ctx, scheme: &str, nn: u8) -> Result<()> {
    b.cdp(
        "Emulation.setEmulatedMedia",
        json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
    )
    .await?;
    let matches = b
        .js(
            "return matchMedia('(prefers-color-scheme: ' + arguments[0] + ')').matches;",
            vec![json!(scheme)],
        )
        .await?;
    ensure!(
        matches == json!(true),
        "the {scheme} scheme is not in effect"
    );
    b.goto("/sign-in").await?;
    b.wait_visible("input#phone-number").await?;
    audit(b, ctx, &format!("/sign-in, phone, {scheme}")).await?;
    b.click("button#use-email").await?;
    b.wait_visible("input#email-address").await?;
    audit(b, ctx, &format!("/sign-in, email, {scheme}")).await?;
    b.goto("/sign-up").await?;
    b.wait_visible("input#phone-number").await?;
    audit(b, ctx, &format!("/sign-up, phone, {scheme}")).await?;
    let (national, _) = test_phone(nn);
    submit_phone(b, &national).await?;
    b.wait_visible("form#code-form").await?;
    audit(b, ctx, &format!("/sign-up, code step, {scheme}")).await?;
    type_code(b, "000000").await?;
    b.wait_text("#code-error").await?;
    audit(b, ctx, &format!("/sign-up, code error, {scheme}")).await?;
    type_code(b, TEST_CODE).await?;
    b.wait_visible("#signed-in-identifier").await?;
    audit(b, ctx, &format!("home, signed in, {scheme}")).await?;
    b.click("#user-button").await?;
    b.wait_visible("a#manage-account").await?;
    audit(b, ctx, &format!("home, user menu open, {scheme}")).await?;
    b.goto("/user").await?;
    b.wait_visible("#user-profile").await?;
    audit(b, ctx, &format!("/user, {scheme}")).await
}

/// A test phone number `+1 201 555 01NN` as the national digits a person types and as E.164.
pub fn test_phone(nn: u8) -> (String, String) {
    let national = format!("201555{:04}", 100 + u32::from(nn));
    let e164 = format!("+1{national}");
    (national, e164)
}

// ---------------------------------------------------------------------------------------------
// Person-level steps.

/// On the identifier form (phone mode by default, US +1): types the national number and clicks
/// "Continue".
async fn submit_phone(b: &Browser, national: &str) -> Result<()> {
    b.wait_visible("form#identifier-form").await?;
    if !b.is_visible("input#phone-number").await? && b.is_visible("button#use-phone").await? {
        b.click("button#use-phone").await?;
    }
    let country = b
        .js(
            "const s = document.querySelector('select#country');
             return s ? s.options[s.selectedIndex].textContent : null;",
            vec![],
        )
        .await?;
    ensure!(
        country.as_str().is_some_and(|t| t.contains("+1")),
        "select#country should default to US +1, shows {country}"
    );
    b.clear_input("input#phone-number").await?;
    b.type_into("input#phone-number", national).await?;
    b.click("button#identifier-submit").await
}

/// On the identifier form: switches to email, types the address and clicks "Continue".
async fn submit_email(b: &Browser, address: &str) -> Result<()> {
    b.wait_visible("form#identifier-form").await?;
    if !b.is_visible("input#email-address").await? {
        b.click("button#use-email").await?;
    }
    b.type_into("input#email-address", address).await?;
    b.click("button#identifier-submit").await
}

/// Waits for the code form, then types the code digit by digit (the input auto-submits at 6).
async fn type_code(b: &Browser, code: &str) -> Result<()> {
    b.wait_visible("form#code-form").await?;
    b.type_into("input#code", code).await
}

/// Asserts the signed-in home page shows `identifier`.
async fn expect_signed_in(b: &Browser, identifier: &str) -> Result<()> {
    b.wait_text_contains("#signed-in-identifier", identifier)
        .await?;
    let text = b
        .text_now("#signed-in-identifier")
        .await?
        .unwrap_or_default();
    ensure!(
        text == identifier,
        "#signed-in-identifier should read {identifier:?}, reads {text:?}"
    );
    Ok(())
}

/// The full phone sign-up a person does on `/sign-up`, ending signed in on the home page.
async fn sign_up_by_phone(b: &Browser, nn: u8) -> Result<()> {
    let (national, e164) = test_phone(nn);
    b.goto("/sign-up").await?;
    submit_phone(b, &national).await?;
    type_code(b, TEST_CODE).await?;
    expect_signed_in(b, &e164).await?;
    b.wait_path("/", |p| p == "/").await?;
    Ok(())
}

/// Signs out through the user menu and checks the signed-out home page.
async fn sign_out(b: &Browser) -> Result<()> {
    b.click("#user-button").await?;
    b.click("button#sign-out").await?;
    b.wait_visible("a#go-sign-in").await?;
    b.wait_gone("#signed-in-identifier").await
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

/// Scenario 1: Phone sign-up with a test number and 424242: the signed-in home shows the number.
async fn phone_sign_up(b: &Browser) -> Result<()> {
    sign_up_by_phone(b, 1).await
}

/// Scenario 2: Email sign-up with a real (non-test) address; the code comes from the dev outbox.
async fn email_sign_up(b: &Browser, ctx: &Ctx) -> Result<()> {
    let address = "scenario2.person@example.com";
    b.goto("/sign-up").await?;
    submit_email(b, address).await?;
    b.wait_visible("form#code-form").await?;
    let msgs = fapi::wait_outbox(&ctx.http, &ctx.base, address, 1).await?;
    let newest = &msgs[0];
    ensure!(
        newest.channel.eq_ignore_ascii_case("email"),
        "outbox channel for {address} is {:?}, expected email",
        newest.channel
    );
    ensure!(
        newest.code.len() == 6 && newest.code.chars().all(|c| c.is_ascii_digit()),
        "outbox code {:?} is not 6 digits",
        newest.code
    );
    type_code(b, &newest.code).await?;
    expect_signed_in(b, address).await
}

/// Scenario 3: Sign up, sign out through the menu, sign in by phone from the signed-out home; a reload
/// keeps the session.
async fn sign_out_and_in(b: &Browser) -> Result<()> {
    let (national, e164) = test_phone(3);
    sign_up_by_phone(b, 3).await?;
    sign_out(b).await?;
    b.click("a#go-sign-in").await?;
    b.wait_path("/sign-in", |p| p.starts_with("/sign-in"))
        .await?;
    submit_phone(b, &national).await?;
    type_code(b, TEST_CODE).await?;
    expect_signed_in(b, &e164).await?;
    b.reload().await?;
    expect_signed_in(b, &e164).await?;
    ensure!(
        !b.is_visible("a#go-sign-in").await?,
        "after a reload the signed-out link a#go-sign-in is visible"
    );
    Ok(())
}

/// Scenario 4: A wrong code shows an inline error and clears the input; the right code then succeeds.
async fn wrong_code(b: &Browser) -> Result<()> {
    let (national, e164) = test_phone(4);
    b.goto("/sign-up").await?;
    submit_phone(b, &national).await?;
    type_code(b, "000000").await?;
    let error = b.wait_text("#code-error").await?;
    b.wait_js(
        "input#code to be cleared",
        "const e = document.querySelector('input#code');
         window.__lastSeen = e ? JSON.stringify(e.value) : 'absent';
         return !!e && e.value === '';",
        vec![],
    )
    .await?;
    ensure!(
        b.is_visible("form#code-form").await?,
        "the code form went away after a wrong code (error was {error:?})"
    );
    ensure!(
        !b.is_visible("#signed-in-identifier").await?,
        "signed in with a wrong code"
    );
    b.type_into("input#code", TEST_CODE).await?;
    expect_signed_in(b, &e164).await
}

/// Scenario 5: Signing in with a number that has no account: a clear message and a way to sign up.
async fn unknown_number_sign_in(b: &Browser) -> Result<()> {
    let (national, _) = test_phone(5);
    b.goto("/sign-in").await?;
    submit_phone(b, &national).await?;
    let message = error_with_link(b, "a#sign-up-instead").await?;
    ensure!(
        !b.is_visible("form#code-form").await?,
        "a code form is shown for an unknown number (message {message:?})"
    );
    b.click("a#sign-up-instead").await?;
    b.wait_path("/sign-up", |p| p.starts_with("/sign-up"))
        .await?;
    b.wait_visible("form#identifier-form").await
}

/// Scenario 6: Signing up with a number that already has an account: a clear message and a way to sign
/// in, which then works.
async fn taken_number_sign_up(b: &Browser) -> Result<()> {
    let (national, e164) = test_phone(6);
    sign_up_by_phone(b, 6).await?;
    sign_out(b).await?;
    b.goto("/sign-up").await?;
    submit_phone(b, &national).await?;
    let message = error_with_link(b, "a#sign-in-instead").await?;
    ensure!(
        !b.is_visible("form#code-form").await?,
        "a code form is shown for a taken number (message {message:?})"
    );
    b.click("a#sign-in-instead").await?;
    b.wait_path("/sign-in", |p| p.starts_with("/sign-in"))
        .await?;
    // Carrying the number over is a nicety; type it if the field is empty.
    b.wait_visible("form#identifier-form").await?;
    if b.value_now("input#phone-number")
        .await?
        .unwrap_or_default()
        .is_empty()
    {
        submit_phone(b, &national).await?;
    } else {
        b.click("button#identifier-submit").await?;
    }
    type_code(b, TEST_CODE).await?;
    expect_signed_in(b, &e164).await
}

/// Waits for an error message (field or form level) that contains the link `link_css`; returns
/// the message text.
async fn error_with_link(b: &Browser, link_css: &str) -> Result<String> {
    let v = b
        .wait_js(
            &format!("an error message (#identifier-error or #form-error) containing {link_css}"),
            "const errs = ['#identifier-error', '#form-error']
                 .map(s => document.querySelector(s))
                 .filter(e => e && e.getClientRects().length > 0 && e.textContent.trim());
             window.__lastSeen = errs.map(e => '#' + e.id + ': ' + e.textContent.trim()).join(' | ') || 'no visible error';
             const withLink = errs.find(e => e.querySelector(arguments[0]));
             return withLink ? withLink.textContent.trim() : null;",
            vec![json!(link_css)],
        )
        .await?;
    let text = v.as_str().unwrap_or_default().to_owned();
    ensure!(
        text.len() >= 10,
        "the error message {text:?} is too terse to be clear"
    );
    Ok(text)
}

/// Scenario 7: Resend is disabled while the countdown runs (its text shows the seconds left), enabled
/// after it, and a resend really sends a new code (seen in the dev outbox) that signs in.
async fn resend_countdown(b: &Browser, ctx: &Ctx) -> Result<()> {
    // A real (non-test) address, so every send lands in the dev outbox and can be counted.
    let address = "scenario7.person@example.com";
    b.goto("/sign-up").await?;
    submit_email(b, address).await?;
    b.wait_visible("button#resend-code").await?;
    let sent_at = Instant::now();
    let text = b.text_now("button#resend-code").await?.unwrap_or_default();
    ensure!(
        b.is_disabled("button#resend-code").await? == Some(true),
        "button#resend-code is enabled right after the code was sent (text {text:?})"
    );
    ensure!(
        text.chars().any(|c| c.is_ascii_digit()),
        "button#resend-code should show the seconds left, reads {text:?}"
    );
    let first = fapi::wait_outbox(&ctx.http, &ctx.base, address, 1).await?;
    // Clicking a disabled button must not send anything.
    let _ = b
        .client()
        .find(fantoccini::Locator::Css("button#resend-code"))
        .await?
        .click()
        .await;
    b.wait_js_for(
        "button#resend-code to become enabled after the cooldown",
        "const e = document.querySelector('button#resend-code');
         window.__lastSeen = e ? (e.disabled ? 'disabled: ' : 'enabled: ') + e.textContent.trim() : 'absent';
         return !!e && !e.disabled;",
        vec![],
        Duration::from_secs(RESEND_COOLDOWN_SECS + 10),
    )
    .await?;
    let waited = sent_at.elapsed();
    ensure!(
        waited >= Duration::from_millis(RESEND_COOLDOWN_SECS * 1000 - 1200),
        "resend became enabled after {waited:?}, before the {RESEND_COOLDOWN_SECS} s cooldown"
    );
    let before = fapi::outbox_for(&ctx.http, &ctx.base, address).await?;
    ensure!(
        before.len() == first.len(),
        "clicking the disabled resend button sent a code ({} -> {} messages)",
        first.len(),
        before.len()
    );
    b.click("button#resend-code").await?;
    let after = fapi::wait_outbox(&ctx.http, &ctx.base, address, before.len() + 1).await?;
    b.wait_js(
        "button#resend-code to be disabled again with a new countdown",
        "const e = document.querySelector('button#resend-code');
         window.__lastSeen = e ? (e.disabled ? 'disabled: ' : 'enabled: ') + e.textContent.trim() : 'absent';
         return !!e && e.disabled && /\\d/.test(e.textContent);",
        vec![],
    )
    .await?;
    type_code(b, &after[0].code).await?;
    expect_signed_in(b, address).await
}

/// Scenario 8: `/user` while signed out goes to `/sign-in?redirect_url=...`; signing in comes back to
/// the profile page.
async fn protected_page(b: &Browser) -> Result<()> {
    let (national, _) = test_phone(8);
    sign_up_by_phone(b, 8).await?;
    sign_out(b).await?;
    b.goto("/user").await?;
    let at = b
        .wait_path("/sign-in?redirect_url=...", |p| {
            p.starts_with("/sign-in") && p.contains("redirect_url=")
        })
        .await?;
    ensure!(
        !b.is_visible("#user-profile").await?,
        "the profile page is visible while signed out (at {at})"
    );
    submit_phone(b, &national).await?;
    type_code(b, TEST_CODE).await?;
    b.wait_visible("#user-profile").await?;
    b.wait_path("/user", |p| p == "/user" || p.starts_with("/user?"))
        .await?;
    Ok(())
}

/// Scenario 9: Pasting all 6 digits into the code input completes the flow with no click.
///
/// How the paste is made: a JS-dispatched `ClipboardEvent('paste')` carrying a `DataTransfer`
/// with `text/plain` = the code, fired at the focused `input#code` (a real OS clipboard is
/// unreliable headless). That exercises the app's own paste handler. A synthetic event has no
/// default action, so if the app did not handle the event (did not `preventDefault()`), the
/// probe then does what the browser's default action would: inserts the text into the input and
/// fires `input` with `inputType = 'insertFromPaste'`. Either way nothing is clicked or typed.
async fn paste_code(b: &Browser) -> Result<()> {
    let (national, e164) = test_phone(9);
    b.goto("/sign-up").await?;
    submit_phone(b, &national).await?;
    b.wait_visible("form#code-form").await?;
    b.wait_enabled("input#code").await?;
    let how = b
        .js(
            "const input = document.querySelector('input#code');
             input.focus();
             const dt = new DataTransfer();
             dt.setData('text/plain', arguments[0]);
             const ev = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
             const notPrevented = input.dispatchEvent(ev);
             if (notPrevented) {
               const start = input.selectionStart ?? input.value.length;
               const end = input.selectionEnd ?? input.value.length;
               input.setRangeText(arguments[0], start, end, 'end');
               input.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste', data: arguments[0] }));
               return 'default action emulated';
             }
             return 'handled by the app';",
            vec![json!(TEST_CODE)],
        )
        .await?;
    if std::env::var_os("ONETIME_E2E_VERBOSE").is_some() {
        eprintln!("scenario 9: paste {how}");
    }
    expect_signed_in(b, &e164).await
}

/// The account page's row for `identifier` in the list `list_css` (`#phone-numbers` or
/// `#email-addresses`).
fn row(list_css: &str, identifier: &str) -> String {
    format!("{list_css} li[data-identifier=\"{identifier}\"]")
}

/// On `/user`: the newest code sent to `address` goes into the add form's code step.
async fn code_from_outbox(ctx: &Ctx, address: &str, count: usize) -> Result<String> {
    let msgs = fapi::wait_outbox(&ctx.http, &ctx.base, address, count).await?;
    Ok(msgs[0].code.clone())
}

/// On `/user`: adds `address` through the add form, with the newest code the outbox holds for
/// it (`count` messages so far), and waits for its row to read "Verified".
async fn add_email(b: &Browser, ctx: &Ctx, address: &str, count: usize) -> Result<String> {
    b.click("button#add-email_addresses-open").await?;
    submit_email(b, address).await?;
    b.wait_visible("form#code-form").await?;
    let code = code_from_outbox(ctx, address, count).await?;
    type_code(b, &code).await?;
    let email_row = row("#email-addresses", address);
    b.wait_text_contains(&email_row, "Verified").await?;
    b.wait_gone("form#code-form").await?;
    ensure!(
        b.is_visible("button#add-email_addresses-open").await?,
        "the add form stayed open after {address} was verified"
    );
    Ok(email_row)
}

/// On `/user`: removes the row `row_css` through its confirmation and waits until it is gone.
async fn remove_row(b: &Browser, row_css: &str) -> Result<()> {
    b.click(&format!("{row_css} button.remove-identifier"))
        .await?;
    let question = b.wait_text(&format!("{row_css} .confirm-question")).await?;
    ensure!(
        question.contains("Remove"),
        "the removal is not confirmed first (reads {question:?})"
    );
    b.click(&format!("{row_css} button.confirm-remove")).await?;
    b.wait_gone(row_css).await
}

/// Scenario 13: a phone account adds an email address on `/user` (verified with the code from the
/// outbox; the only email address is the primary one) and signs in with it; adds a second one
/// and makes it primary; removes the phone and the first address; the last one left cannot be
/// removed.
async fn account_identifiers(b: &Browser, ctx: &Ctx) -> Result<()> {
    let first = "scenario13.person@example.com";
    let second = "scenario13.second@example.com";
    let (_, e164) = test_phone(13);
    sign_up_by_phone(b, 13).await?;
    b.goto("/user").await?;
    b.wait_visible("#user-profile").await?;
    b.wait_text_contains("#email-addresses", "No email address")
        .await?;
    let first_row = add_email(b, ctx, first, 1).await?;
    b.wait_text_contains(&first_row, "Primary").await?;

    // The new address signs in.
    b.click("button#profile-sign-out").await?;
    b.wait_visible("a#go-sign-in").await?;
    b.goto("/sign-in").await?;
    submit_email(b, first).await?;
    b.wait_visible("form#code-form").await?;
    let code = code_from_outbox(ctx, first, 2).await?;
    type_code(b, &code).await?;
    expect_signed_in(b, &e164).await?;

    // A second address, left at the code step, is verified later from its row, then becomes the
    // primary one.
    b.goto("/user").await?;
    b.click("button#add-email_addresses-open").await?;
    submit_email(b, second).await?;
    b.wait_visible("form#code-form").await?;
    b.click("button#add-identifier-cancel").await?;
    let second_row = row("#email-addresses", second);
    b.wait_text_contains(&second_row, "Unverified").await?;
    b.click(&format!("{second_row} button.verify-identifier"))
        .await?;
    b.wait_visible("form#code-form").await?;
    // A new code, or (within the resend cooldown) the one sent before: the newest is good.
    let code = code_from_outbox(ctx, second, 1).await?;
    type_code(b, &code).await?;
    b.wait_text_contains(&second_row, "Verified").await?;
    b.wait_gone("form#code-form").await?;
    let second_text = b.text_now(&second_row).await?.unwrap_or_default();
    ensure!(
        !second_text.contains("Primary"),
        "a second address is primary before it was chosen ({second_text:?})"
    );
    b.click(&format!("{second_row} button.set-primary")).await?;
    b.wait_text_contains(&second_row, "Primary").await?;
    b.wait_visible(&format!("{first_row} button.set-primary"))
        .await?;

    // The phone and the first address go; the last one cannot.
    remove_row(b, &row("#phone-numbers", &e164)).await?;
    b.wait_text_contains("#phone-numbers", "No phone number")
        .await?;
    remove_row(b, &first_row).await?;
    b.click(&format!("{second_row} button.remove-identifier"))
        .await?;
    b.click(&format!("{second_row} button.confirm-remove"))
        .await?;
    let refusal = b
        .wait_text("section[aria-labelledby=\"profile-email_addresses\"] #form-error")
        .await?;
    ensure!(
        refusal.contains("only way to sign in"),
        "removing the last identifier should be refused clearly, reads {refusal:?}"
    );
    b.wait_gone(&format!("{second_row} .confirm-question"))
        .await?;
    ensure!(
        b.is_visible(&second_row).await?,
        "the last email address disappeared"
    );
    b.goto("/").await?;
    expect_signed_in(b, second).await
}

/// Scenario 14: the same number signed in on two browsers; the first signs the second out from
/// the devices list, and the second, reloaded, is signed out and sent to sign-in from `/user`.
async fn revoke_other_browser(b: &Browser, ctx: &Ctx) -> Result<()> {
    let (national, e164) = test_phone(14);
    sign_up_by_phone(b, 14).await?;
    let other = Browser::open(&ctx.driver_url, &ctx.chromium, &ctx.base).await?;
    let result = async {
        other.goto("/sign-in").await?;
        submit_phone(&other, &national).await?;
        type_code(&other, TEST_CODE).await?;
        expect_signed_in(&other, &e164).await?;

        b.goto("/user").await?;
        b.wait_js(
            "two devices, one of them this one",
            "const rows = document.querySelectorAll('#devices li.device-row');
             window.__lastSeen = rows.length + ' rows';
             return rows.length === 2 && document.querySelectorAll('#devices .this-device').length === 1;",
            vec![],
        )
        .await?;
        b.click("#devices button.revoke-device").await?;
        b.wait_js(
            "one device left",
            "const rows = document.querySelectorAll('#devices li.device-row');
             window.__lastSeen = rows.length + ' rows';
             return rows.length === 1 && !!rows[0].querySelector('.this-device');",
            vec![],
        )
        .await?;
        b.wait_gone("button#revoke-other-devices").await?;

        other.goto("/user").await?;
        other
            .wait_path("/sign-in?redirect_url=...", |p| {
                p.starts_with("/sign-in") && p.contains("redirect_url=")
            })
            .await?;
        // The browser that did it is still signed in.
        b.reload().await?;
        b.wait_visible("#user-profile").await
    }
    .await;
    other.close().await;
    result
}

/// Scenario 15: deleting the account needs the typed phrase; afterwards the browser is signed out
/// and the same number signs up as a new account.
async fn delete_account(b: &Browser) -> Result<()> {
    sign_up_by_phone(b, 15).await?;
    b.goto("/user").await?;
    b.click("button#delete-account-open").await?;
    b.type_into("input#delete-confirm", "delete").await?;
    ensure!(
        b.is_disabled("button#delete-account-confirm").await? == Some(true),
        "the delete button is enabled before the phrase is typed"
    );
    b.clear_input("input#delete-confirm").await?;
    b.type_into("input#delete-confirm", "Delete account")
        .await?;
    b.click("button#delete-account-confirm").await?;
    b.wait_visible("a#go-sign-in").await?;
    b.wait_path("/", |p| p == "/").await?;
    sign_up_by_phone(b, 15).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_phones_are_in_the_test_range() {
        assert_eq!(
            test_phone(1),
            ("2015550101".to_owned(), "+12015550101".to_owned())
        );
        assert_eq!(test_phone(9).1, "+12015550109");
        for (n, _) in SCENARIOS {
            let (national, _) = test_phone(n);
            let line: u32 = national[6..].parse().unwrap();
            assert!((100..=199).contains(&line));
        }
    }
}
