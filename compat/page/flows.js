// The custom flows of Clerk's guide "Build a custom email or phone OTP authentication flow"
// (JavaScript variant), run unchanged against onetime by the official clerk.browser.js.
// run.mjs calls these through window.compat; nothing here talks to the API directly except
// the test-only helpers at the bottom (reading our JWKS, GET /v1/client, the dev outbox).
'use strict';

(function () {
  const clerk = window.Clerk;
  // onetime's origin (the page's own, unless it was served by another origin: see index.html).
  const fapi = window.__clerk_proxy_url;

  // Clerk.load with the recipe's options: no telemetry (it would go to clerk-telemetry.com).
  const loaded = clerk.load({ telemetry: false }).then(() => {
    document.getElementById('status').textContent = clerk.user ? 'signed in' : 'signed out';
  });

  // A code is either typed by the user (a string) or, for a real address in --dev mode,
  // read from onetime's dev outbox after prepare.
  async function resolveCode(code, to) {
    return code === 'outbox' ? readCodeFromOutbox(to) : code;
  }

  // --- Sign-up: guide code ---------------------------------------------------------------

  async function signUpWithPhone(phoneNumber, code) {
    await clerk.client.signUp.create({ phoneNumber });
    await clerk.client.signUp.preparePhoneNumberVerification();
    const signUpAttempt = await clerk.client.signUp.attemptPhoneNumberVerification({
      code: await resolveCode(code, phoneNumber),
    });
    if (signUpAttempt.status !== 'complete') {
      throw new Error(`sign-up status is ${signUpAttempt.status}, expected complete`);
    }
    await clerk.setActive({ session: signUpAttempt.createdSessionId });
    return state();
  }

  async function signUpWithEmail(emailAddress, code) {
    await clerk.client.signUp.create({ emailAddress });
    await clerk.client.signUp.prepareEmailAddressVerification();
    const signUpAttempt = await clerk.client.signUp.attemptEmailAddressVerification({
      code: await resolveCode(code, emailAddress),
    });
    if (signUpAttempt.status !== 'complete') {
      throw new Error(`sign-up status is ${signUpAttempt.status}, expected complete`);
    }
    await clerk.setActive({ session: signUpAttempt.createdSessionId });
    return state();
  }

  // --- Sign-in: guide code ---------------------------------------------------------------

  async function signInWithPhone(phoneNumber, code) {
    const { supportedFirstFactors } = await clerk.client.signIn.create({ identifier: phoneNumber });
    const phoneCodeFactor = supportedFirstFactors?.find((factor) => factor.strategy === 'phone_code');
    if (!phoneCodeFactor) {
      throw new Error(`no phone_code in supportedFirstFactors: ${JSON.stringify(supportedFirstFactors)}`);
    }
    const { phoneNumberId } = phoneCodeFactor;
    await clerk.client.signIn.prepareFirstFactor({ strategy: 'phone_code', phoneNumberId });
    const signInAttempt = await clerk.client.signIn.attemptFirstFactor({
      strategy: 'phone_code',
      code: await resolveCode(code, phoneNumber),
    });
    if (signInAttempt.status !== 'complete') {
      throw new Error(`sign-in status is ${signInAttempt.status}, expected complete`);
    }
    await clerk.setActive({ session: signInAttempt.createdSessionId });
    return state();
  }

  async function signInWithEmail(emailAddress, code) {
    const { supportedFirstFactors } = await clerk.client.signIn.create({ identifier: emailAddress });
    const emailCodeFactor = supportedFirstFactors?.find((factor) => factor.strategy === 'email_code');
    if (!emailCodeFactor) {
      throw new Error(`no email_code in supportedFirstFactors: ${JSON.stringify(supportedFirstFactors)}`);
    }
    const { emailAddressId } = emailCodeFactor;
    await clerk.client.signIn.prepareFirstFactor({ strategy: 'email_code', emailAddressId });
    const signInAttempt = await clerk.client.signIn.attemptFirstFactor({
      strategy: 'email_code',
      code: await resolveCode(code, emailAddress),
    });
    if (signInAttempt.status !== 'complete') {
      throw new Error(`sign-in status is ${signInAttempt.status}, expected complete`);
    }
    await clerk.setActive({ session: signInAttempt.createdSessionId });
    return state();
  }

  async function signOut() {
    await clerk.signOut();
    return state();
  }

  async function getToken() {
    return clerk.session.getToken();
  }

  // --- Observations (read clerk-js state; never change it) -----------------------------

  function state() {
    const user = clerk.user;
    return {
      loaded: clerk.loaded,
      status: clerk.status,
      user: user
        ? {
            id: user.id,
            primaryPhoneNumber: user.primaryPhoneNumber?.phoneNumber ?? null,
            primaryEmailAddress: user.primaryEmailAddress?.emailAddress ?? null,
            phoneNumbers: user.phoneNumbers.map((p) => p.phoneNumber),
            emailAddresses: user.emailAddresses.map((e) => e.emailAddress),
          }
        : null,
      session: clerk.session ? { id: clerk.session.id, status: clerk.session.status } : null,
      client: clerk.client
        ? {
            id: clerk.client.id ?? null,
            sessions: clerk.client.sessions.map((s) => ({ id: s.id, status: s.status })),
            lastActiveSessionId: clerk.client.lastActiveSessionId ?? null,
          }
        : null,
    };
  }

  // How an error thrown by clerk-js looks, so the runner can assert on it.
  function describeError(e) {
    return {
      kind: e?.constructor?.kind ?? null,
      name: e?.name ?? null,
      message: String(e?.message ?? e),
      clerkError: e?.clerkError ?? null,
      status: e?.status ?? null,
      errors: Array.isArray(e?.errors)
        ? e.errors.map((x) => ({ code: x.code, message: x.message, longMessage: x.longMessage, meta: x.meta }))
        : null,
      stack: e?.stack ? String(e.stack).split('\n').slice(0, 6).join('\n') : null,
    };
  }

  // --- Test-only helpers: talk to onetime directly, as an app backend or a test would ----

  function b64urlToBytes(s) {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  function b64urlToJson(s) {
    return JSON.parse(new TextDecoder().decode(b64urlToBytes(s)));
  }

  // Verify an RS256 JWT against onetime's /.well-known/jwks.json with WebCrypto.
  async function verifyJwt(jwt) {
    const parts = jwt.split('.');
    if (parts.length !== 3) throw new Error(`not a JWT: ${jwt}`);
    const header = b64urlToJson(parts[0]);
    const payload = b64urlToJson(parts[1]);
    if (header.alg !== 'RS256') throw new Error(`alg is ${header.alg}, expected RS256`);
    const res = await fetch(`${fapi}/.well-known/jwks.json`, { credentials: 'omit' });
    if (!res.ok) throw new Error(`GET /.well-known/jwks.json: ${res.status}`);
    const jwks = await res.json();
    const jwk = (jwks.keys || []).find((k) => !header.kid || k.kid === header.kid);
    if (!jwk) throw new Error(`no key with kid ${header.kid} in ${JSON.stringify(jwks)}`);
    const key = await crypto.subtle.importKey(
      'jwk',
      { kty: jwk.kty, n: jwk.n, e: jwk.e, alg: 'RS256', ext: true },
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    const valid = await crypto.subtle.verify(
      'RSASSA-PKCS1-v1_5',
      key,
      b64urlToBytes(parts[2]),
      new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
    );
    return { valid, header, payload, jwk: { kid: jwk.kid, alg: jwk.alg, use: jwk.use, kty: jwk.kty } };
  }

  // GET /v1/client with this browser's cookies (what clerk-js itself does on load).
  async function fetchClient() {
    const res = await fetch(`${fapi}/v1/client`, { credentials: 'include' });
    return { status: res.status, body: await res.json() };
  }

  // Newest code sent to `to`, from onetime's dev outbox (GET /dev/outbox, JSON, newest first).
  async function readCodeFromOutbox(to) {
    const res = await fetch(`${fapi}/dev/outbox`, { credentials: 'omit' });
    if (!res.ok) throw new Error(`GET /dev/outbox: ${res.status}`);
    const body = await res.json();
    const messages = Array.isArray(body) ? body : body.messages || body.outbox || body.data || [];
    const norm = (s) => String(s ?? '').toLowerCase();
    const msg = messages.find((m) => norm(m.to ?? m.recipient ?? m.identifier) === norm(to));
    if (!msg) throw new Error(`no outbox message to ${to}: ${JSON.stringify(body).slice(0, 500)}`);
    if (msg.code) return String(msg.code);
    const text = [msg.body, msg.text, msg.subject, msg.message].filter(Boolean).join(' ');
    const m = text.match(/\b(\d{6})\b/);
    if (!m) throw new Error(`no 6-digit code in outbox message ${JSON.stringify(msg)}`);
    return m[1];
  }

  window.compat = {
    loaded,
    signUpWithPhone,
    signUpWithEmail,
    signInWithPhone,
    signInWithEmail,
    signOut,
    getToken,
    state,
    describeError,
    verifyJwt,
    fetchClient,
    readCodeFromOutbox,
  };
})();
