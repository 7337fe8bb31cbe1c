/**
 * Browser tests drive Debian's chromium through playwright-core (no bundled browser download).
 * `launchBrowser()` answers null with a skip message when chromium is missing, except under
 * SECLOG_TEST_REQUIRE_ALL=1 where a missing browser is a failure, like the other optional binaries.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser; SECLOG_CHROMIUM overrides it. */
export const CHROMIUM_PATH = process.env.SECLOG_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_MISSING = `chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install chromium\` (or set SECLOG_CHROMIUM)`;

const REQUIRE_ALL = process.env.SECLOG_TEST_REQUIRE_ALL === '1';

/** The repository root (three levels above this file's directory). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Where screenshots go: git-ignored, kept by CI as artifacts. */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-artifacts', 'screenshots');

/** True when the browser exists (for `test(..., { skip })`). */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * Headless chromium, or null (after printing why) when it is not installed.
 * Throws when it is missing and SECLOG_TEST_REQUIRE_ALL=1.
 */
export async function launchBrowser(): Promise<Browser | null> {
  if (!chromiumAvailable()) {
    if (REQUIRE_ALL) throw new Error(`${CHROMIUM_MISSING} (SECLOG_TEST_REQUIRE_ALL=1)`);
    console.log(`# skipped: ${CHROMIUM_MISSING}`);
    return null;
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // --no-sandbox: CI containers run as root, where chromium's sandbox refuses to start.
    // --disable-background-networking: the browser must not phone home during a test that checks
    // no request leaves the host.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Save a full-page PNG under test-artifacts/screenshots/<name>.png and answer its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-');
  const path = join(SCREENSHOT_DIR, `${safe}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Collect console errors (other than failed resource loads, see watchFailedResponses), uncaught page errors and CSP violations of a page, so a test can assert
 * there were none. CSP violations reach the console as errors in chromium; the securitypolicyviolation
 * listener catches those the console might word differently.
 */
export async function watchPageErrors(page: Page): Promise<string[]> {
  const errors: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    // Chromium logs every 4xx/5xx answer as "Failed to load resource"; those are API answers the
    // app handles (a 401 before sign-in), checked by watchFailedResponses with their URL instead.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource:')) errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err: Error) => errors.push(`pageerror: ${err.message}`));
  await page.exposeFunction('__seclogCspViolation', (text: string) => errors.push(`csp: ${text}`));
  // A string, not a function: the test project type-checks without the DOM library.
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    window.__seclogCspViolation(e.violatedDirective + ' blocked ' + e.blockedURI);
  });`);
  return errors;
}

/** One answer with status ≥ 400 the page received. */
export interface FailedResponse {
  status: number;
  method: string;
  /** Path and query. */
  path: string;
  /** The API's error code and message when the body is the API's error JSON. */
  code?: string;
  message?: string;
}

/** Collect every answer with status ≥ 400, with the API's error code, so a test can allow the expected ones by name. */
export function watchFailedResponses(page: Page): FailedResponse[] {
  const failed: FailedResponse[] = [];
  page.on('response', (res) => {
    if (res.status() < 400) return;
    const u = new URL(res.url());
    const entry: FailedResponse = { status: res.status(), method: res.request().method(), path: u.pathname + u.search };
    failed.push(entry);
    res.json().then(
      (body: { error?: { code?: string; message?: string } }) => {
        if (typeof body.error?.code === 'string') entry.code = body.error.code;
        if (typeof body.error?.message === 'string') entry.message = body.error.message;
      },
      () => undefined,
    );
  });
  return failed;
}
