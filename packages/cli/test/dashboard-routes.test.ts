/**
 * The collector's side of the dashboard with app.inject(): the static files and app shell
 * (http/dashboard-routes.ts) with their security headers, and the API additions the pages use:
 * the checkpoint timeline, an event's mappings, running a rule's tests.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildApp, loadConfig, openCollector } from '@seclog/collector';
import { DASHBOARD_PAGES } from '@seclog/web';
import { deviceChain, startTestCollector, type TestCollector } from '../../collector/test/ingest-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-dash-routes-'));
const assets = join(root, 'app');
const SHELL = '<!doctype html><html><body><div id="root"></div><script type="module" src="/assets/index-abc.js"></script></body></html>';

let t: TestCollector;
/** The brute-force correlation's id in the built-in pack (rules/authentication/brute-force.yml). */
const BRUTE_FORCE = '00f6c8e7-e5e5-48ce-9bee-b4f5633ee2ee';

before(async () => {
  mkdirSync(join(assets, 'assets'), { recursive: true });
  writeFileSync(join(assets, 'index.html'), SHELL);
  writeFileSync(join(assets, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(assets, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  t = await startTestCollector();
});

after(async () => {
  await t?.cleanup();
  rmSync(root, { recursive: true, force: true });
});

async function withDashboard<T>(fn: (app: Awaited<ReturnType<typeof openCollector>>['app']) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(root, 'c-'));
  const config = loadConfig({ env: {}, cwd: dir, flags: { dataDir: join(dir, 'data') } });
  const c = await openCollector(config, { dashboard: { assetsDir: assets, pagePaths: DASHBOARD_PAGES.map((p) => p.path) } });
  try {
    return await fn(c.app);
  } finally {
    await c.close();
  }
}

test('page paths and deep links answer the app shell with a strict CSP; assets are immutable; the rest stays JSON 404', async () => {
  await withDashboard(async (app) => {
    for (const url of ['/', '/events', '/alerts/alr-00', '/reviews/rev-1/findings', '/login']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, SHELL);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      const csp = String(res.headers['content-security-policy']);
      for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) {
        assert.ok(csp.includes(d), `${url}: ${d} in ${csp}`);
      }
      assert.ok(!csp.includes('unsafe'), csp);
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.equal(res.headers['cache-control'], 'no-cache');
    }
    const js = await app.inject({ url: '/assets/index-abc.js' });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.match(String(js.headers['cache-control']), /immutable/);
    const again = await app.inject({ url: '/assets/index-abc.js', headers: { 'if-none-match': String(js.headers.etag) } });
    assert.equal(again.statusCode, 304);
    assert.equal((await app.inject({ url: '/favicon.svg' })).headers['content-type'], 'image/svg+xml');
    for (const url of ['/api/v1/nothing', '/eventsx', '/assets/missing.js', '/index.html/x']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 404, url);
      assert.equal((res.json() as { error: { code: string } }).error.code, 'HTTP_NOT_FOUND', url);
    }
    // The API keeps its own answers (no shell on API paths).
    assert.equal((await app.inject({ url: '/api/v1/auth/session' })).statusCode, 401);
  });
});

test('without built assets the dashboard plugin refuses to load and says how to build it', async () => {
  const c = t.c;
  await assert.rejects(
    buildApp({
      store: c.data.store,
      ingest: c.ingest,
      integrator: c.integrator,
      verifierKey: c.data.key.verifierKey,
      bodyLimitBytes: 1024 * 1024,
      dashboard: { assetsDir: join(root, 'none'), pagePaths: ['/'] },
    }),
    (err: Error & { code?: string }) => err.code === 'CONFIG_INVALID' && /npm run build/.test(err.message),
  );
});

const auth = () => ({ authorization: `Bearer ${t.admin}` });

async function ingest(device: string, n: number) {
  const dev = t.enrol(device);
  const records = deviceChain(device, n);
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { authorization: `Bearer ${dev.token}` },
    payload: { device, stream: records[0]?.stream, records },
  });
  assert.equal(res.statusCode, 200, res.body);
  return records;
}

async function waitForCheckpoints(min: number): Promise<{ treeSize: number; root: string; note: string; created: string }[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await t.c.app.inject({ url: '/api/v1/log/checkpoints?limit=500', headers: auth() });
    assert.equal(res.statusCode, 200, res.body);
    const list = (res.json() as { checkpoints: { treeSize: number; root: string; note: string; created: string }[] }).checkpoints;
    if (list.length >= min || Date.now() > deadline) return list;
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('GET /api/v1/log/checkpoints lists signed notes newest first, a page at a time', async () => {
  await ingest('dash-cp-1', 3);
  await waitForCheckpoints(1);
  await ingest('dash-cp-2', 2);
  const all = await waitForCheckpoints(2);
  assert.ok(all.length >= 2, `two checkpoints, got ${all.length}`);
  const sizes = all.map((c) => c.treeSize);
  assert.deepEqual(
    sizes,
    [...sizes].sort((a, b) => b - a),
  );
  for (const c of all) {
    assert.ok(c.note.includes(`\n${c.treeSize}\n${c.root}\n`), 'the note signs the size and root it is listed with');
    assert.match(c.created, /Z$/);
  }
  const first = await t.c.app.inject({ url: '/api/v1/log/checkpoints?limit=1', headers: auth() });
  const page = first.json() as { checkpoints: { treeSize: number }[]; next: string | null };
  assert.equal(page.checkpoints.length, 1);
  assert.equal(page.next, String(page.checkpoints[0]?.treeSize));
  const second = await t.c.app.inject({ url: `/api/v1/log/checkpoints?limit=1&before=${page.next}`, headers: auth() });
  assert.equal((second.json() as { checkpoints: { treeSize: number }[] }).checkpoints[0]?.treeSize, sizes[1]);
  for (const bad of ['limit=0', 'limit=501', 'before=-1', 'limit=x']) {
    assert.equal((await t.c.app.inject({ url: `/api/v1/log/checkpoints?${bad}`, headers: auth() })).statusCode, 400, bad);
  }
});

test('GET /api/v1/events/:id/mappings gives OCSF, ECS and CEF, and records the read', async () => {
  const [rec] = await ingest('dash-map-1', 1);
  assert.ok(rec);
  const res = await t.c.app.inject({ url: `/api/v1/events/${rec.id}/mappings`, headers: auth() });
  assert.equal(res.statusCode, 200, res.body);
  const m = res.json() as { ocsf: Record<string, unknown>; ecs: { event: { id: string } }; cef: string };
  assert.equal(typeof m.ocsf.class_uid, 'number');
  assert.equal(m.ecs.event.id, rec.id);
  assert.match(m.cef, /^CEF:0\|/);
  const access = await t.c.app.inject({ url: '/api/v1/events?name=log_access&limit=5', headers: auth() });
  const views = (access.json() as { events: { record: { attrs: { filter: string } } }[] }).events.map((e) => e.record.attrs.filter);
  assert.ok(
    views.some((f) => f.includes(rec.id) && f.includes('mappings')),
    'the mappings read is a log_access',
  );
  assert.equal((await t.c.app.inject({ url: '/api/v1/events/not-a-uuid/mappings', headers: auth() })).statusCode, 400);
  const missing = await t.c.app.inject({ url: '/api/v1/events/01930000-0000-7000-8000-000000000000/mappings', headers: auth() });
  assert.equal(missing.statusCode, 404);
});

test('POST /api/v1/rules/:id/test runs a built-in rule’s tests; unknown rules are 404', async () => {
  const run = await t.c.app.inject({ method: 'POST', url: `/api/v1/rules/${BRUTE_FORCE}/test`, headers: auth() });
  assert.equal(run.statusCode, 200, run.body);
  const r = run.json() as { pass: boolean; passed: number; failed: number; files: { source: string; cases: { pass: boolean }[] }[] };
  assert.equal(r.pass, true);
  assert.ok(r.passed > 0);
  assert.equal(r.failed, 0);
  assert.equal(r.files[0]?.source, 'authentication/brute-force.test.yml');
  assert.ok(r.files[0]?.cases.every((c) => c.pass));
  const unknown = await t.c.app.inject({ method: 'POST', url: '/api/v1/rules/no_such_rule/test', headers: auth() });
  assert.equal(unknown.statusCode, 404);
  assert.match((unknown.json() as { error: { message: string } }).error.message, /no loaded rule has id no_such_rule/);
});
