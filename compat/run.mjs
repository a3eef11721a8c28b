#!/usr/bin/env node
// Compatibility suite (issue 7): the official @clerk/clerk-js drives onetime-server.
//
//   npm ci --prefix compat
//   node compat/run.mjs --server-bin target/debug/onetime-server [--keep] [--only SUBSTRING]
//
// Starts onetime-server --dev on a free 127.0.0.1 port, serving (with --static) a small page that
// loads clerk.browser.js from node_modules with a pk_live_ key and proxyUrl = the server's origin,
// then runs the guides' custom flows in headless Chromium (Debian's, through playwright-core).
// Prints one line per check, then exactly one summary line "N passed, N failed"; exits 1 on any
// failure. The server is killed on exit, including on failure or Ctrl-C.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TEST_TIMEOUT_MS = 45_000;
const READY_TIMEOUT_MS = 60_000;
// The dev-mode test code: phones +1XXX55501NN, emails name+clerk_test@…
const TEST_CODE = '424242';
const WRONG_CODE = '000000';

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const args = { serverBin: null, keep: false, only: null, chromium: process.env.CHROMIUM_PATH || null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--server-bin') args.serverBin = argv[++i];
    else if (a === '--keep') args.keep = true;
    else if (a === '--only') args.only = argv[++i];
    else if (a === '--chromium') args.chromium = argv[++i];
    else if (a === '-h' || a === '--help') {
      console.log('usage: node compat/run.mjs --server-bin PATH [--keep] [--only SUBSTRING] [--chromium PATH]');
      process.exit(0);
    } else {
      console.error(`unknown argument: ${a}`);
      process.exit(2);
    }
  }
  if (!args.serverBin) {
    console.error('missing --server-bin PATH (e.g. target/debug/onetime-server)');
    process.exit(2);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------------------------------------
// Cleanup: whatever happens, the server we started is killed and the temp dir removed.

let server = null;
let browser = null;
let tmpDir = null;
let serverLog = null;
const cleanups = [];

function killServer() {
  if (server && server.exitCode === null && server.signalCode === null) {
    try {
      server.kill('SIGKILL');
    } catch {}
  }
}

process.on('exit', () => {
  killServer();
  if (tmpDir && !args.keep) {
    try {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    } catch {}
  }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`\ninterrupted (${sig})`);
    process.exit(130);
  });
}

function fatal(msg) {
  console.error(`compat: ${msg}`);
  printServerLog();
  console.log('0 passed, 1 failed');
  process.exit(1);
}

function printServerLog(lines = 60) {
  if (!serverLog || !fs.existsSync(serverLog)) return;
  const text = fs.readFileSync(serverLog, 'utf8').trimEnd().split('\n');
  console.error(`---- onetime-server log (last ${Math.min(lines, text.length)} of ${text.length} lines) ----`);
  console.error(text.slice(-lines).join('\n'));
  console.error('---- end of server log ----');
}

// ---------------------------------------------------------------------------------------------
// Setup

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function findChromium() {
  const candidates = [args.chromium, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  fatal('no Chromium found (tried /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome; set CHROMIUM_PATH)');
}

async function importPlaywright() {
  try {
    return await import('playwright-core');
  } catch (e) {
    fatal(`cannot load playwright-core (${e.message}); run: npm ci --prefix compat`);
  }
}

// The page, plus clerk.browser.js and the chunks it loads lazily (relative to its own URL).
function prepareStaticDir(dir) {
  const dist = path.join(HERE, 'node_modules', '@clerk', 'clerk-js', 'dist');
  if (!fs.existsSync(path.join(dist, 'clerk.browser.js'))) {
    fatal(`${dist}/clerk.browser.js not found; run: npm ci --prefix compat`);
  }
  fs.mkdirSync(path.join(dir, 'clerk-js'), { recursive: true });
  for (const f of fs.readdirSync(dist)) {
    if (/clerk\.browser/.test(f) && !/legacy/.test(f) && f.endsWith('.js')) {
      fs.copyFileSync(path.join(dist, f), path.join(dir, 'clerk-js', f));
    }
  }
  for (const f of fs.readdirSync(path.join(HERE, 'page'))) {
    fs.copyFileSync(path.join(HERE, 'page', f), path.join(dir, f));
  }
}

function clerkJsVersion() {
  const pkg = JSON.parse(fs.readFileSync(path.join(HERE, 'node_modules', '@clerk', 'clerk-js', 'package.json'), 'utf8'));
  return pkg.version;
}

async function startServer(bin, port) {
  if (!fs.existsSync(bin)) fatal(`server binary ${bin} not found (build it: cargo build -p onetime-server)`);
  const www = path.join(tmpDir, 'www');
  prepareStaticDir(www);
  const configPath = path.join(tmpDir, 'compat.toml');
  // The cross-origin check serves the page from a second port of the same site.
  fs.writeFileSync(
    configPath,
    `allowed_origins = ["${APP_ORIGIN}"]\n` + fs.readFileSync(path.join(HERE, 'compat.toml'), 'utf8'),
  );
  serverLog = path.join(tmpDir, 'server.log');
  const logFd = fs.openSync(serverLog, 'a');
  const serverArgs = [
    '--dev',
    '--listen', `127.0.0.1:${port}`,
    '--database', `sqlite://${path.join(tmpDir, 'compat.db')}`,
    '--config', configPath,
    '--static', www,
  ];
  server = spawn(bin, serverArgs, {
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'info', RUST_BACKTRACE: '1' },
  });
  fs.closeSync(logFd);
  server.on('error', (e) => fatal(`cannot start ${bin}: ${e.message}`));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      fatal(`onetime-server exited early (code ${server.exitCode}, signal ${server.signalCode}); args: ${serverArgs.join(' ')}`);
    }
    try {
      const res = await fetch(`${origin}/v1/environment`);
      if (res.status < 500) return origin;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  fatal(`onetime-server did not answer GET /v1/environment within ${READY_TIMEOUT_MS / 1000}s`);
}

// A plain static server for the same page on another port: an app served by its own dev server,
// with onetime on another origin of the same site (cookies are SameSite=Lax; CORS with credentials).
async function startAppServer(port) {
  const http = await import('node:http');
  const www = path.join(tmpDir, 'www');
  const types = { '.html': 'text/html', '.js': 'text/javascript' };
  const srv = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    const file = path.join(www, p === '/' ? 'index.html' : path.normalize(p).replace(/^([/\\])+/, ''));
    if (!file.startsWith(www) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => srv.listen(port, '127.0.0.1', resolve));
  srv.unref();
  return srv;
}

// ---------------------------------------------------------------------------------------------
// Browser helpers

// A fresh browser context (own cookies, own localStorage) with the page loaded and clerk-js
// loaded against onetime. Records console output and every request for diagnostics.
async function openPage(t, query = '', origin = ORIGIN) {
  const context = await browser.newContext();
  t.cleanup.push(() => context.close());
  const page = await context.newPage();
  page.on('console', (m) => t.log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => t.log.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => t.log.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    const req = r.request();
    t.requests.push({ method: req.method(), url: r.url(), status: r.status() });
    t.log.push(`${req.method()} ${r.url().replace(ORIGIN, '')} -> ${r.status()}`);
  });
  await page.goto(`${origin}/${query}`);
  await call(page, '__loaded');
  return page;
}

// Call window.compat[fn](...args) in the page; clerk-js errors come back described, as a throw.
async function call(page, fn, ...fnArgs) {
  const r = await page.evaluate(
    async ([fn, fnArgs]) => {
      try {
        if (fn === '__loaded') {
          await window.compat.loaded;
          return { ok: true, value: window.compat.state() };
        }
        return { ok: true, value: await window.compat[fn](...fnArgs) };
      } catch (e) {
        return { ok: false, error: window.compat ? window.compat.describeError(e) : { message: String(e) } };
      }
    },
    [fn, fnArgs],
  );
  if (!r.ok) {
    const err = new Error(`${fn}(${fnArgs.map((a) => JSON.stringify(a)).join(', ')}) threw ${fmtError(r.error)}`);
    err.described = r.error;
    throw err;
  }
  return r.value;
}

// Like call, but the call must reject; returns the described error.
async function callRejects(page, fn, ...fnArgs) {
  try {
    const v = await call(page, fn, ...fnArgs);
    throw new Error(`${fn} resolved (${JSON.stringify(v).slice(0, 300)}) but should have rejected`);
  } catch (e) {
    if (!e.described) throw e;
    return e.described;
  }
}

function fmtError(e) {
  const codes = e.errors ? ` errors=${JSON.stringify(e.errors.map((x) => x.code))}` : '';
  return `${e.kind || e.name || 'Error'}(status=${e.status}${codes}): ${e.message}${e.stack ? `\n${e.stack}` : ''}`;
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function eq(actual, expected, what) {
  assert(
    JSON.stringify(actual) === JSON.stringify(expected),
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
  );
}

function assertSignedIn(s, what) {
  assert(s.user && s.user.id, `${what}: clerk.user is not set (state ${JSON.stringify(s)})`);
  assert(s.session && s.session.status === 'active', `${what}: clerk.session is not active (${JSON.stringify(s.session)})`);
}

// ---------------------------------------------------------------------------------------------
// Checks. Each runs in its own browser context; identifiers are unique per check so that the
// checks do not depend on one another (the database is fresh for every run).

const phone = (n) => `+1201555${String(100 + n).padStart(4, '0')}`; // +12015550100 … +12015550199
const testEmail = (name) => `${name}+clerk_test@example.com`;

const checks = [];
const check = (name, fn) => checks.push({ name, fn });

check('load: clerk-js loads against onetime, signed out, talking only to onetime', async (t) => {
  const page = await openPage(t);
  const s = await call(page, 'state');
  eq(s.loaded, true, 'clerk.loaded');
  eq(s.status, 'ready', 'clerk.status');
  eq(s.user, null, 'clerk.user');
  eq(s.session, null, 'clerk.session');
  const foreign = t.requests.filter((r) => /^(https?|wss?):/.test(r.url) && !r.url.startsWith(ORIGIN));
  eq(foreign.map((r) => r.url), [], 'requests to other origins');
  const fapi = t.requests.filter((r) => new URL(r.url).pathname.startsWith('/v1/'));
  assert(fapi.some((r) => new URL(r.url).pathname === '/v1/environment'), 'clerk-js did not request /v1/environment');
  assert(fapi.some((r) => new URL(r.url).pathname === '/v1/client'), 'clerk-js did not request /v1/client');
  const bad = fapi.filter((r) => r.status >= 400);
  eq(bad.map((r) => `${r.method} ${r.url} -> ${r.status}`), [], 'failed FAPI requests during load');
});

check('sign-up with phone: create, preparePhoneNumberVerification, attemptPhoneNumberVerification, setActive', async (t) => {
  const page = await openPage(t);
  const s = await call(page, 'signUpWithPhone', phone(1), TEST_CODE);
  assertSignedIn(s, 'after setActive');
  eq(s.user.primaryPhoneNumber, phone(1), 'clerk.user.primaryPhoneNumber.phoneNumber');
});

check('sign-up with email: create, prepareEmailAddressVerification, attemptEmailAddressVerification, setActive', async (t) => {
  const page = await openPage(t);
  const s = await call(page, 'signUpWithEmail', testEmail('ada'), TEST_CODE);
  assertSignedIn(s, 'after setActive');
  eq(s.user.primaryEmailAddress, testEmail('ada'), 'clerk.user.primaryEmailAddress.emailAddress');
});

check('sign-in with phone: create, phone_code factor, prepareFirstFactor, attemptFirstFactor, setActive', async (t) => {
  const signUp = await call(await openPage(t), 'signUpWithPhone', phone(2), TEST_CODE);
  const page = await openPage(t); // a different browser: no cookies
  const s = await call(page, 'signInWithPhone', phone(2), TEST_CODE);
  assertSignedIn(s, 'after setActive');
  eq(s.user.id, signUp.user.id, 'signed-in user id (vs the signed-up one)');
  eq(s.user.primaryPhoneNumber, phone(2), 'clerk.user.primaryPhoneNumber.phoneNumber');
});

check('sign-in with email: create, email_code factor, prepareFirstFactor, attemptFirstFactor, setActive', async (t) => {
  const signUp = await call(await openPage(t), 'signUpWithEmail', testEmail('grace'), TEST_CODE);
  const page = await openPage(t);
  const s = await call(page, 'signInWithEmail', testEmail('grace'), TEST_CODE);
  assertSignedIn(s, 'after setActive');
  eq(s.user.id, signUp.user.id, 'signed-in user id (vs the signed-up one)');
  eq(s.user.primaryEmailAddress, testEmail('grace'), 'clerk.user.primaryEmailAddress.emailAddress');
});

check('email code from the dev outbox (non-test address): sign-up, then sign-in', async (t) => {
  const email = 'outbox.reader@example.com';
  const signUp = await call(await openPage(t), 'signUpWithEmail', email, 'outbox');
  assertSignedIn(signUp, 'after sign-up');
  const s = await call(await openPage(t), 'signInWithEmail', email, 'outbox');
  assertSignedIn(s, 'after sign-in');
  eq(s.user.id, signUp.user.id, 'signed-in user id (vs the signed-up one)');
});

check('wrong code at sign-up rejects with ClerkAPIResponseError form_code_incorrect', async (t) => {
  t.allowStatus = [422];
  const page = await openPage(t);
  const e = await callRejects(page, 'signUpWithPhone', phone(3), WRONG_CODE);
  eq(e.kind, 'ClerkAPIResponseError', 'error class (static kind)');
  eq(e.errors?.[0]?.code, 'form_code_incorrect', 'errors[0].code');
  const s = await call(page, 'state');
  eq(s.user, null, 'clerk.user after the wrong code');
});

check('wrong code at sign-in rejects with ClerkAPIResponseError form_code_incorrect', async (t) => {
  t.allowStatus = [422];
  await call(await openPage(t), 'signUpWithEmail', testEmail('wrong'), TEST_CODE);
  const page = await openPage(t);
  const e = await callRejects(page, 'signInWithEmail', testEmail('wrong'), WRONG_CODE);
  eq(e.kind, 'ClerkAPIResponseError', 'error class (static kind)');
  eq(e.errors?.[0]?.code, 'form_code_incorrect', 'errors[0].code');
  // The same sign-in then still completes with the right code.
  const s = await page.evaluate(async (code) => {
    const attempt = await window.Clerk.client.signIn.attemptFirstFactor({ strategy: 'email_code', code });
    await window.Clerk.setActive({ session: attempt.createdSessionId });
    return window.compat.state();
  }, TEST_CODE);
  assertSignedIn(s, 'after retrying with the right code');
});

check('sign-in with an unknown identifier rejects with ClerkAPIResponseError form_identifier_not_found', async (t) => {
  t.allowStatus = [422];
  const page = await openPage(t);
  const e = await callRejects(page, 'signInWithPhone', phone(6), TEST_CODE);
  eq(e.kind, 'ClerkAPIResponseError', 'error class (static kind)');
  eq(e.errors?.[0]?.code, 'form_identifier_not_found', 'errors[0].code');
});

check('sign-up with a taken identifier rejects with ClerkAPIResponseError form_identifier_exists', async (t) => {
  t.allowStatus = [422];
  await call(await openPage(t), 'signUpWithEmail', testEmail('taken'), TEST_CODE);
  const page = await openPage(t);
  const e = await callRejects(page, 'signUpWithEmail', testEmail('taken'), TEST_CODE);
  eq(e.kind, 'ClerkAPIResponseError', 'error class (static kind)');
  eq(e.errors?.[0]?.code, 'form_identifier_exists', 'errors[0].code');
});

check('development key (pk_test_): load touches the environment, sign-up and sign-in work', async (t) => {
  const page = await openPage(t, '?instance=development');
  const s0 = await call(page, 'state');
  eq(s0.status, 'ready', 'clerk.status');
  const signUp = await call(page, 'signUpWithPhone', phone(7), TEST_CODE);
  assertSignedIn(signUp, 'after sign-up');
  const s = await call(await openPage(t, '?instance=development'), 'signInWithPhone', phone(7), TEST_CODE);
  assertSignedIn(s, 'after sign-in');
  eq(s.user.id, signUp.user.id, 'signed-in user id (vs the signed-up one)');
  const foreign = t.requests.filter((r) => /^(https?|wss?):/.test(r.url) && !r.url.startsWith(ORIGIN));
  eq(foreign.map((r) => r.url), [], 'requests to other origins');
});

check('app on another origin of the same site (proxyUrl = onetime origin, CORS): sign-up, reload, token, sign-in', async (t) => {
  const query = `?fapi=${encodeURIComponent(ORIGIN)}`;
  const page = await openPage(t, query, APP_ORIGIN);
  const signUp = await call(page, 'signUpWithEmail', testEmail('crossorigin'), TEST_CODE);
  assertSignedIn(signUp, 'after sign-up');
  await page.reload();
  const reloaded = await call(page, '__loaded');
  eq(reloaded.user?.id, signUp.user.id, 'clerk.user.id after reload (client cookie sent cross-origin)');
  const v = await call(page, 'verifyJwt', await call(page, 'getToken'));
  eq(v.valid, true, 'session token signature');
  const s = await call(await openPage(t, query, APP_ORIGIN), 'signInWithEmail', testEmail('crossorigin'), TEST_CODE);
  eq(s.user?.id, signUp.user.id, 'signed-in user id (vs the signed-up one)');
  const fapiCalls = t.requests.filter((r) => r.url.startsWith(`${ORIGIN}/v1/`));
  assert(fapiCalls.length > 0, 'clerk-js made no calls to onetime');
  const elsewhere = t.requests.filter((r) => /^(https?|wss?):/.test(r.url) && !r.url.startsWith(ORIGIN) && !r.url.startsWith(APP_ORIGIN));
  eq(elsewhere.map((r) => r.url), [], 'requests to other origins');
});

check('session.getToken() returns an RS256 JWT that verifies against /.well-known/jwks.json', async (t) => {
  const page = await openPage(t);
  const s = await call(page, 'signUpWithPhone', phone(4), TEST_CODE);
  const jwt = await call(page, 'getToken');
  assert(typeof jwt === 'string' && jwt.split('.').length === 3, `getToken() returned ${JSON.stringify(jwt)}`);
  const v = await call(page, 'verifyJwt', jwt);
  eq(v.valid, true, 'WebCrypto RS256 signature check');
  eq(v.payload.sub, s.user.id, 'claim sub');
  eq(v.payload.sid, s.session.id, 'claim sid');
  const now = Math.floor(Date.now() / 1000);
  assert(typeof v.payload.exp === 'number' && v.payload.exp > now, `claim exp ${v.payload.exp} is not in the future (now ${now})`);
  assert(typeof v.payload.iat === 'number' && v.payload.iat <= now + 5, `claim iat ${v.payload.iat} is in the future (now ${now})`);
  // A forced refresh goes through POST /v1/client/sessions/{id}/tokens and verifies too.
  const fresh = await page.evaluate(() => window.Clerk.session.getToken({ skipCache: true }));
  eq((await call(page, 'verifyJwt', fresh)).valid, true, 'signature of getToken({ skipCache: true })');
});

check('clerk.user.reload() refreshes the signed-in user (GET /v1/me)', async (t) => {
  const page = await openPage(t);
  const s = await call(page, 'signUpWithEmail', testEmail('reloaduser'), TEST_CODE);
  const r = await page.evaluate(async () => {
    const user = await window.Clerk.user.reload();
    return { id: user.id, email: user.primaryEmailAddress?.emailAddress ?? null };
  });
  eq(r, { id: s.user.id, email: testEmail('reloaduser') }, 'user after reload()');
});

check('user.update(), user.getSessions() and revoking another device through clerk-js (/v1/me)', async (t) => {
  const phonePage = await openPage(t);
  const deskPage = await openPage(t);
  const mine = await call(phonePage, 'signUpWithPhone', phone(20), TEST_CODE);
  const desk = await call(deskPage, 'signInWithPhone', phone(20), TEST_CODE);
  eq(desk.user.id, mine.user.id, 'the same user on both devices');

  const updated = await phonePage.evaluate(async () => {
    const user = await window.Clerk.user.update({ firstName: 'Ada', lastName: 'Lovelace' });
    return { first: user.firstName, last: user.lastName, full: window.Clerk.user.fullName };
  });
  eq(updated, { first: 'Ada', last: 'Lovelace', full: 'Ada Lovelace' }, 'user after update()');

  const listed = await phonePage.evaluate(async () => {
    const sessions = await window.Clerk.user.getSessions();
    return sessions.map((s) => ({ id: s.id, status: s.status, browser: s.latestActivity.browserName }));
  });
  eq(listed.map((s) => s.id).sort(), [mine.session.id, desk.session.id].sort(), 'getSessions() ids');
  for (const s of listed) eq([s.status, s.browser], ['active', 'Chrome'], `session ${s.id}`);

  const revoked = await phonePage.evaluate(async (deskSid) => {
    const sessions = await window.Clerk.user.getSessions();
    const other = sessions.find((s) => s.id === deskSid);
    const r = await other.revoke();
    return { status: r.status, stillMine: window.Clerk.session?.id ?? null };
  }, desk.session.id);
  eq(revoked, { status: 'revoked', stillMine: mine.session.id }, 'revoke() of the other device');

  // The other device's cookie is still valid, but its client holds no session any more.
  const c = await call(deskPage, 'fetchClient');
  eq(c.status, 200, 'GET /v1/client on the revoked device');
  eq((c.body?.response?.sessions ?? []).map((x) => x.id), [], 'sessions of the revoked device');
});

check('user.createEmailAddress(), prepareVerification(), attemptVerification() through clerk-js; the added address signs in', async (t) => {
  const page = await openPage(t);
  const s = await call(page, 'signUpWithPhone', phone(21), TEST_CODE);
  const added = await page.evaluate(async ([email, code]) => {
    const ea = await window.Clerk.user.createEmailAddress({ email });
    const before = ea.verification.status;
    await ea.prepareVerification({ strategy: 'email_code' });
    const verified = await ea.attemptVerification({ code });
    await window.Clerk.user.reload();
    return {
      before,
      after: verified.verification.status,
      emails: window.Clerk.user.emailAddresses.map((e) => [e.emailAddress, e.verification.status]),
      primary: window.Clerk.user.primaryEmailAddress?.emailAddress ?? null,
    };
  }, [testEmail('added'), TEST_CODE]);
  eq(
    added,
    { before: 'unverified', after: 'verified', emails: [[testEmail('added'), 'verified']], primary: testEmail('added') },
    'the added address',
  );
  const other = await openPage(t);
  const s2 = await call(other, 'signInWithEmail', testEmail('added'), TEST_CODE);
  eq(s2.user.id, s.user.id, 'the added address signs in to the same user');
});

check('user.delete() through clerk-js: signed out, and the address can sign up again', async (t) => {
  const page = await openPage(t);
  const before = await call(page, 'signUpWithEmail', testEmail('deleteme'), TEST_CODE);
  try {
    await page.evaluate(() => window.Clerk.user.delete());
  } catch (e) {
    // clerk-js may navigate to afterSignOutUrl once the user is gone.
    if (!/context was destroyed|navigat/i.test(e.message)) throw e;
  }
  await page.waitForLoadState('load');
  const c = await call(page, 'fetchClient');
  eq(c.status, 200, 'GET /v1/client after delete()');
  eq((c.body?.response?.sessions ?? []).map((x) => x.id), [], 'sessions after delete()');
  const again = await openPage(t);
  const s = await call(again, 'signUpWithEmail', testEmail('deleteme'), TEST_CODE);
  assertSignedIn(s, 'a new sign-up with the deleted address');
  assert(s.user.id !== before.user.id, `the new user has the deleted user's id ${s.user.id}`);
});

check('session survives a page reload (client cookie)', async (t) => {
  const page = await openPage(t);
  const before = await call(page, 'signUpWithEmail', testEmail('reload'), TEST_CODE);
  await page.reload();
  const after = await call(page, '__loaded');
  assertSignedIn(after, 'after reload');
  eq(after.user.id, before.user.id, 'clerk.user.id after reload');
  eq(after.session.id, before.session.id, 'clerk.session.id after reload');
});

check('signOut() leaves clerk.user null and GET /v1/client without sessions', async (t) => {
  const page = await openPage(t);
  const before = await call(page, 'signUpWithPhone', phone(5), TEST_CODE);
  assertSignedIn(before, 'after sign-up');
  // clerk.signOut() without a callback ends with a window navigation to afterSignOutUrl ('/'),
  // which reloads the page; clerk-js then loads again from GET /v1/client.
  const navigated = page.waitForEvent('framenavigated', { timeout: 15_000 });
  let s = null;
  try {
    s = await call(page, 'signOut');
  } catch (e) {
    if (e.described || !/context was destroyed|navigat/i.test(e.message)) throw e;
  }
  if (s) eq(s.user, null, 'clerk.user right after signOut()');
  await navigated;
  await page.waitForLoadState('load');
  const after = await call(page, '__loaded');
  eq(after.user, null, 'clerk.user after signOut (page reloaded by clerk-js)');
  eq(after.session, null, 'clerk.session after signOut');
  const c = await call(page, 'fetchClient');
  eq(c.status, 200, 'GET /v1/client status');
  const sessions = c.body?.response?.sessions ?? [];
  const live = sessions.filter((x) => x.status === 'active' || x.status === 'pending');
  eq(live.map((x) => x.id), [], 'active/pending sessions in GET /v1/client');
});

// ---------------------------------------------------------------------------------------------
// Run

let ORIGIN;
let APP_ORIGIN;

async function main() {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onetime-compat-'));
  const port = await freePort();
  const appPort = await freePort();
  APP_ORIGIN = `http://127.0.0.1:${appPort}`;
  const version = clerkJsVersion();
  ORIGIN = await startServer(path.resolve(args.serverBin), port);
  await startAppServer(appPort);
  const { chromium } = await importPlaywright();
  browser = await chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  console.log(`compat: @clerk/clerk-js ${version} against onetime-server at ${ORIGIN} (Chromium ${browser.version()})`);

  let passed = 0;
  let failed = 0;
  const selected = checks.filter((c) => !args.only || c.name.includes(args.only));
  for (const c of selected) {
    const t = { log: [], requests: [], cleanup: [] };
    const started = Date.now();
    let error = null;
    try {
      await Promise.race([
        c.fn(t),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS / 1000}s`)), TEST_TIMEOUT_MS).unref()),
      ]);
    } catch (e) {
      error = e;
    }
    for (const f of t.cleanup.reverse()) await f().catch(() => {});
    // Whatever a check asserts, clerk-js must not have hit a failing onetime endpoint along the
    // way (unless the check expects it, e.g. the 422 of a wrong code).
    if (!error) {
      const bad = t.requests.filter(
        (r) => (r.url.startsWith(ORIGIN) || r.url.startsWith(APP_ORIGIN)) && r.status >= 400 && !(t.allowStatus || []).includes(r.status),
      );
      if (bad.length) error = new Error(`unexpected failing requests: ${bad.map((r) => `${r.method} ${r.url.replace(ORIGIN, '')} -> ${r.status}`).join(', ')}`);
    }
    if (process.env.COMPAT_VERBOSE) for (const l of t.log) console.log(`       ${l}`);
    const ms = Date.now() - started;
    if (!error) {
      passed++;
      console.log(`ok   ${c.name} (${ms} ms)`);
    } else {
      failed++;
      console.log(`FAIL ${c.name} (${ms} ms)`);
      console.log(`     ${String(error.message).split('\n').join('\n     ')}`);
      if (t.log.length) {
        console.log('     browser log (last 40):');
        for (const l of t.log.slice(-40)) console.log(`       ${l}`);
      }
    }
  }
  await browser.close().catch(() => {});
  if (failed) printServerLog();
  if (args.keep) console.error(`compat: kept ${tmpDir}`);
  console.log(`${passed} passed, ${failed} failed`);
  killServer();
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  fatal(`harness error: ${e.message}`);
});
