/**
 * The dashboard in Debian's chromium against a real `seclog serve`: sign in, every page at desktop
 * (1280×800) and tablet (768×1024) width with a screenshot each, no console error or CSP violation,
 * no request to another origin; an event's inclusion proof verified in the browser and a tampered
 * proof refused; an alert acknowledged and closed; two checkpoints checked for consistency.
 *
 * The assets are built here (Vite, ~2 s) when dist/app is missing or older than the app's sources,
 * so the test never runs a stale build; `npm run build` (run by `npm ci`'s prepare) builds them too.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DASHBOARD_CSP } from '@seclog/collector';
import type { ChainedEvent } from '@seclog/core';
import { recordChainHashHex, uuidv7, ZERO_HASH_HEX } from '@seclog/core';
import { DASHBOARD_PAGES, dashboardAssetsDir } from '@seclog/web';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type FailedResponse, launchBrowser, REPO_ROOT, screenshot, watchFailedResponses, watchPageErrors } from './support/browser.js';
import { CLI, runCli, type ServeChild, startServe } from './support/run-cli.js';

const WEB = join(REPO_ROOT, 'packages', 'web');
const PASSWORD = 'dashboard-test-password-1';

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtimeMs(p) : s.mtimeMs);
  }
  return newest;
}

/** Builds the app when its build is missing or older than any source file. */
function ensureBuilt(): void {
  const index = join(dashboardAssetsDir(), 'index.html');
  let builtMs = 0;
  try {
    builtMs = statSync(index).mtimeMs;
  } catch {
    // not built
  }
  const sourcesMs = Math.max(newestMtimeMs(join(WEB, 'app')), statSync(join(WEB, 'src', 'pages.ts')).mtimeMs);
  if (builtMs >= sourcesMs) return;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error'], {
    cwd: WEB,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `vite build failed:\n${r.stdout}\n${r.stderr}`);
}

const root = mkdtempSync(join(tmpdir(), 'seclog-dash-'));
const data = join(root, 'data');
let serve: ServeChild | undefined;
let browser: Browser | null = null;
let url = '';
const seeded: ChainedEvent[] = [];

/** Enrols a device and sends `n` failed logins from one address: enough for the brute-force alert. */
async function seed(deviceId: string, n: number): Promise<void> {
  const add = runCli(['device', 'add', deviceId, '--data', data]);
  assert.equal(add.code, 0, add.stderr);
  const { token } = JSON.parse(add.stdout) as { token: string };
  const stream = uuidv7();
  const boot = uuidv7();
  let prev = ZERO_HASH_HEX;
  const records: ChainedEvent[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const rec: ChainedEvent = {
      v: 1,
      id: uuidv7(),
      name: 'authn_login_fail',
      time: new Date(Date.now() - (n - seq) * 1000).toISOString().replace('Z', '000Z'),
      severity: 'medium',
      outcome: 'failure',
      device: { id: deviceId, fw: '1.4.2' },
      actor: { user: 'admin', ip: '203.0.113.66' },
      attrs: { method: 'password', reason: 'bad_password' },
      message: `attempt ${seq}`,
      stream,
      seq,
      boot,
      mono_ms: seq * 1000,
      prev,
      tq: { synced: true, source: 'ntp' },
    };
    prev = recordChainHashHex(rec);
    records.push(rec);
  }
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ device: deviceId, stream, records }),
  });
  assert.equal(res.status, 200, await res.text());
  seeded.push(...records);
}

before(async () => {
  browser = await launchBrowser();
  if (browser === null) return;
  ensureBuilt();
  const user = spawnSync(process.execPath, [...CLI, 'user', 'add', 'alice', '--role', 'admin', '--password-stdin', '--data', data], {
    input: `${PASSWORD}\n`,
    encoding: 'utf8',
  });
  assert.equal(user.status, 0, user.stderr);
  const analyst = spawnSync(process.execPath, [...CLI, 'user', 'add', 'bob', '--role', 'analyst', '--password-stdin', '--data', data], {
    input: `${PASSWORD}\n`,
    encoding: 'utf8',
  });
  assert.equal(analyst.status, 0, analyst.stderr);
  serve = await startServe(['--data', data, '--port', '0']);
  url = serve.url;
  await seed('cam-dash-1', 14);
});

after(async () => {
  await browser?.close();
  serve?.kill();
  rmSync(root, { recursive: true, force: true });
});

interface Session {
  context: BrowserContext;
  page: Page;
  errors: string[];
  foreign: string[];
  failed: FailedResponse[];
}

/**
 * The error answers a page may get: only the session probe before sign-in (401). Every API the pages
 * read exists on this collector, so a 403 or 404 is a defect (a page asking what its role may not read,
 * or a wrong path); on an older collector the pages would say "not available" instead.
 */
function unexpected(failed: readonly FailedResponse[]): FailedResponse[] {
  return failed.filter((f) => !(f.status === 401 && f.path === '/api/v1/auth/session'));
}

async function signedIn(viewport: { width: number; height: number }, userName = 'alice'): Promise<Session> {
  assert.ok(browser);
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors = await watchPageErrors(page);
  const failed = watchFailedResponses(page);
  const origin = new URL(url).origin;
  const foreign: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin !== origin && u.protocol !== 'data:' && u.protocol !== 'blob:') foreign.push(r.url());
  });
  await page.goto(`${url}/`);
  await page.getByLabel('User name').fill(userName);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return { context, page, errors, foreign, failed };
}

/** Waits until the page shows no loading or checking status (faster than networkidle, which the live streams would hold open). */
async function settled(page: Page): Promise<void> {
  // A locator, not waitForFunction: the CSP (no 'unsafe-eval') refuses evaluated strings.
  await page
    .getByRole('status')
    .filter({ hasText: /^(Loading|Checking)/ })
    .first()
    .waitFor({ state: 'detached', timeout: 15_000 });
}

const skip = (t: { skip: (m: string) => void }): boolean => {
  if (browser === null) t.skip('chromium is not installed (apt-get install chromium)');
  return browser === null;
};

test('the dashboard is served with a strict CSP; deep links get the app, unknown API paths JSON 404', async (t) => {
  if (skip(t)) return;
  for (const path of ['/', '/events', '/alerts/alr-0123', '/login']) {
    const res = await fetch(`${url}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-security-policy'), DASHBOARD_CSP);
    assert.match(DASHBOARD_CSP, /script-src 'self'; style-src 'self'/);
    assert.match(DASHBOARD_CSP, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await res.text(), /<div id="root">/);
  }
  const api = await fetch(`${url}/api/v1/no-such-thing`);
  assert.equal(api.status, 404);
  assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'HTTP_NOT_FOUND');
  const page = await fetch(`${url}/eventsx`);
  assert.equal(page.status, 404, 'only page paths and the paths below them are the app');
});

for (const viewport of [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'tablet', width: 768, height: 1024 },
]) {
  test(`every page renders at ${viewport.width}×${viewport.height} without console errors or foreign requests`, async (t) => {
    if (skip(t)) return;
    const s = await signedIn(viewport);
    try {
      for (const p of DASHBOARD_PAGES.filter((x) => x.path !== '/login')) {
        await s.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: p.title, exact: true }).click();
        await s.page.getByRole('heading', { level: 1, name: p.title }).waitFor();
        await settled(s.page);
        if (p.path === '/') await s.page.locator('canvas').first().waitFor();
        await screenshot(s.page, `${viewport.name}-${p.title.toLowerCase()}`);
      }
      assert.deepEqual(s.errors, []);
      assert.deepEqual(s.foreign, []);
      assert.deepEqual(unexpected(s.failed), []);
    } finally {
      await s.context.close();
    }
  });
}

test('an event’s inclusion proof is verified in the browser; a flipped proof byte is refused', async (t) => {
  if (skip(t)) return;
  const s = await signedIn({ width: 1280, height: 800 });
  try {
    const ev = seeded[3] as ChainedEvent;
    await s.page.goto(`${url}/events/${ev.id}`);
    await s.page.getByText('Proof verified').waitFor({ timeout: 15_000 });
    await screenshot(s.page, 'desktop-event-proof');
    // The raw record is the stored one.
    await s.page.getByRole('tab', { name: 'Raw' }).click();
    await s.page.getByText(ev.id).first().waitFor();
    // The format tabs follow the arrow keys (WAI-ARIA tabs).
    await s.page.keyboard.press('ArrowRight');
    assert.equal(await s.page.getByRole('tab', { name: 'OCSF' }).getAttribute('aria-selected'), 'true');
    await s.page.getByText('class_uid').waitFor();
    assert.deepEqual(s.errors, []);

    // A proof element with one bit flipped must not verify.
    await s.page.route('**/api/v1/log/proof/inclusion?**', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { proof: string[] };
      assert.ok(body.proof.length > 0, 'the tree is big enough to need a proof');
      const bytes = Buffer.from(body.proof[0] as string, 'base64');
      bytes[0] = (bytes[0] as number) ^ 0x01;
      body.proof[0] = bytes.toString('base64');
      await route.fulfill({ response: res, json: body });
    });
    await s.page.reload();
    await s.page.getByText('Proof check failed').waitFor({ timeout: 15_000 });
    await screenshot(s.page, 'desktop-event-proof-tampered');
    assert.equal(await s.page.getByText('Proof verified').count(), 0);

    // A record altered on its way to the browser no longer hashes to the leaf the log holds.
    await s.page.unrouteAll();
    await s.page.route(`**/api/v1/events/${ev.id}`, async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { record: { message: string } };
      body.record.message = 'attempt 4 (edited)';
      await route.fulfill({ response: res, json: body });
    });
    await s.page.reload();
    await s.page.getByText('the record on screen does not hash to the leaf').waitFor({ timeout: 15_000 });

    // The watchers see what they guard against: the browser enforces the CSP, and a violation is an error.
    assert.deepEqual(s.errors, []);
    await s.page.evaluate(`(() => {
      const img = document.createElement('img');
      img.src = 'https://example.invalid/pixel.png';
      document.body.append(img);
      document.body.setAttribute('style', 'color: red');
    })()`);
    await s.page.waitForTimeout(300);
    // Read again through a function: the deepEqual above narrowed s.errors to an empty array type.
    const errors = ((session: Session): readonly string[] => session.errors)(s);
    assert.ok(
      errors.some((e) => e.startsWith('csp: img-src')),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => e.startsWith('csp: style-src')),
      errors.join('\n'),
    );
    assert.notEqual(await s.page.evaluate('getComputedStyle(document.body).color'), 'rgb(255, 0, 0)');
  } finally {
    await s.context.close();
  }
});

test('an alert is acknowledged, then closed with a resolution; the transitions show it', async (t) => {
  if (skip(t)) return;
  const s = await signedIn({ width: 1280, height: 800 });
  try {
    await s.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts', exact: true }).click();
    const row = s.page.getByRole('row').filter({ hasText: 'Brute force' }).first();
    await row.waitFor({ timeout: 20_000 });
    // Navigating moves the focus to the new page's heading (screen readers announce it) ...
    assert.equal(await s.page.evaluate('document.activeElement.tagName + " " + document.activeElement.textContent'), 'H1 Alerts');
    // ... and on a fresh load the keyboard reaches the skip link first, then the navigation, with a visible focus ring.
    await s.page.reload();
    await row.waitFor();
    await s.page.keyboard.press('Tab');
    assert.equal(await s.page.evaluate('document.activeElement.textContent'), 'Skip to content');
    await s.page.keyboard.press('Tab');
    assert.equal(await s.page.evaluate('document.activeElement.textContent'), 'Overview');
    assert.equal(await s.page.evaluate('getComputedStyle(document.activeElement).outlineStyle'), 'solid');
    await row.getByRole('link').click();
    await s.page.getByRole('button', { name: 'Acknowledge' }).click();
    await s.page.getByRole('cell', { name: 'acknowledged' }).first().waitFor();
    await s.page.getByLabel('Resolution').selectOption('true_positive');
    await s.page.getByLabel('Comment').fill('blocked 203.0.113.66 at the firewall');
    await s.page.getByRole('button', { name: 'Close', exact: true }).click();
    await s.page.getByRole('button', { name: 'Reopen' }).waitFor();
    await s.page.getByRole('cell', { name: 'true_positive' }).waitFor();
    await screenshot(s.page, 'desktop-alert-closed');
    assert.deepEqual(s.errors, []);
  } finally {
    await s.context.close();
  }
});

test('the live tail shows new events; the consistency of two checkpoints is verified in the browser', async (t) => {
  if (skip(t)) return;
  const s = await signedIn({ width: 1280, height: 800 });
  try {
    await s.page.goto(`${url}/events?device=cam-dash-2`);
    await s.page.getByRole('button', { name: 'Live tail' }).click();
    await s.page.getByText('Live: following new events').waitFor();
    await seed('cam-dash-2', 3);
    // Server-sent events, not a reload: the rows arrive while the page stays.
    await s.page.getByRole('row').filter({ hasText: 'cam-dash-2' }).nth(2).waitFor({ timeout: 10_000 });
    await screenshot(s.page, 'desktop-events-live');
    // A checkpoint is signed at most every second: wait for one covering the new events.
    const deadline = Date.now() + 10_000;
    let sizes: number[] = [];
    while (Date.now() < deadline) {
      await s.page.goto(`${url}/integrity`);
      await s.page.getByRole('heading', { name: 'Checkpoint timeline' }).waitFor();
      await settled(s.page);
      sizes = (await s.page.getByLabel('Older').locator('option').allTextContents()).map(Number);
      if (sizes.length >= 2) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(sizes.length >= 2, `two checkpoints (got ${sizes.join(', ')})`);
    await s.page.getByRole('button', { name: 'Verify consistency' }).click();
    await s.page.getByText('Consistency verified').waitFor({ timeout: 10_000 });
    await screenshot(s.page, 'desktop-integrity-consistency');
    assert.deepEqual(s.errors, []);
  } finally {
    await s.context.close();
  }
});

test('a review is started, given a finding and signed; a rule’s tests run and the rule is disabled and enabled', async (t) => {
  if (skip(t)) return;
  const s = await signedIn({ width: 1280, height: 800 });
  try {
    const nav = s.page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Reviews', exact: true }).click();
    await s.page.getByRole('button', { name: 'Start review' }).click();
    await s.page.getByRole('heading', { level: 1, name: /^Review rev-/ }).waitFor();
    await s.page.getByLabel('Finding', { exact: true }).fill('brute force from 203.0.113.66 handled, see the closed alert');
    await s.page.getByLabel('Finding severity').selectOption('medium');
    await s.page.getByRole('button', { name: 'Add finding' }).click();
    await s.page.getByText('brute force from 203.0.113.66 handled').first().waitFor();
    await s.page.getByRole('button', { name: 'Sign', exact: true }).click();
    await s.page
      .getByText(/^by user\/alice/)
      .first()
      .waitFor();
    await screenshot(s.page, 'desktop-review-signed');

    await nav.getByRole('link', { name: 'Compliance', exact: true }).click();
    const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.getByRole('link', { name: 'Download' }).click()]);
    assert.match(download.suggestedFilename(), /\.md$/);
    assert.equal(await download.failure(), null);

    await nav.getByRole('link', { name: 'Rules', exact: true }).click();
    await s.page.getByRole('button', { name: 'Run tests of Brute force from one address' }).click();
    await s.page
      .getByText(/\d+ tests passed/)
      .first()
      .waitFor();
    await s.page.getByRole('button', { name: 'Disable Brute force from one address' }).click();
    await s.page.getByRole('button', { name: 'Enable Brute force from one address' }).click();
    await s.page.getByRole('button', { name: 'Disable Brute force from one address' }).waitFor();
    assert.deepEqual(s.errors, []);
    assert.deepEqual(unexpected(s.failed), []);
  } finally {
    await s.context.close();
  }
});

test('an analyst sees every page without errors; what the role may not read is said, not requested', async (t) => {
  if (skip(t)) return;
  const s = await signedIn({ width: 1280, height: 800 }, 'bob');
  try {
    for (const p of DASHBOARD_PAGES.filter((x) => x.path !== '/login')) {
      await s.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: p.title, exact: true }).click();
      await s.page.getByRole('heading', { level: 1, name: p.title }).waitFor();
      await settled(s.page);
    }
    await s.page.goto(`${url}/events/${(seeded[0] as ChainedEvent).id}`);
    await s.page.getByText('Proofs are read by the admin and auditor roles').waitFor();
    await s.page.goto(`${url}/integrity`);
    await s.page.getByText('Checkpoints and proofs are read by the admin and auditor roles').waitFor();
    await s.page.goto(`${url}/rules`);
    await s.page.getByText('Enabling and disabling rules is for the admin role').waitFor();
    assert.equal(await s.page.getByRole('button', { name: /^Disable / }).count(), 0);
    assert.deepEqual(s.errors, []);
    // No 403: the pages do not ask for what the role may not read.
    assert.deepEqual(unexpected(s.failed), []);

    // On a collector without an API a page reads, the page says so instead of showing anything.
    await s.page.route('**/api/v1/devices', (route) =>
      route.fulfill({ status: 404, json: { error: { code: 'HTTP_NOT_FOUND', message: 'no route GET /api/v1/devices', details: {} } } }),
    );
    await s.page.goto(`${url}/devices`);
    await s.page.getByText('Not available on this collector').waitFor();
    assert.equal(await s.page.getByRole('table').count(), 0);
  } finally {
    await s.context.close();
  }
});
