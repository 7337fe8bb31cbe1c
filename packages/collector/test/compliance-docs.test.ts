// The generated logging section of the technical file (issue G item 7, compliance/generate-docs.ts)
// over a real collector: GET /api/v1/compliance/docs states the live values (checkpoint, devices,
// rules, check results), is for the three roles only, records itself as log_access, makes the
// check's documentation item pass until the configuration changes, escapes hostile values in HTML,
// and prints a PDF when Chromium is installed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SecurityEvent } from '@seclog/core';
import type { CheckItem, CheckReport } from '../src/compliance/check.js';
import { rulesInForce } from '../src/compliance/docs-model.js';
import { findChromium } from '../src/compliance/docs-pdf.js';
import { DOCS_META_KEY, documentationDigest } from '../src/compliance/docs-record.js';
import { loadConfig } from '../src/config/load.js';
import { createApiToken } from '../src/enrol/enrol.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import { deviceChain, startTestCollector, type TestCollector } from './ingest-fixtures.js';

let t: TestCollector;
const tokens: Record<string, string> = {};
let deviceToken = '';

before(async () => {
  t = await startTestCollector();
  for (const role of ['auditor', 'analyst'] as const) tokens[role] = createApiToken(t.c.data.enrol, role, `docs-${role}`).token;
  tokens.admin = t.admin;
  deviceToken = t.enrol('cam-1').token;
  t.enrol('cam-2');
  const records = deviceChain('cam-1', 4);
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { authorization: `Bearer ${deviceToken}` },
    payload: { device: 'cam-1', stream: records[0]?.stream, records },
  });
  assert.equal(res.statusCode, 200, res.body);
});
after(() => t.cleanup());

/** GET as the admin, as `token`, or anonymously (null). */
const get = (url: string, token: string | null = t.admin) =>
  t.c.app.inject({ method: 'GET', url, headers: token === null ? {} : { authorization: `Bearer ${token}` } });

async function checkpointed(): Promise<number> {
  const s = t.c.data.store;
  for (let i = 0; i < 200; i++) {
    const size = s.latestCheckpoint()?.treeSize ?? -1;
    if (size === s.eventCount()) return size;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no checkpoint over the stored records');
}

function lastOwn(name: string): SecurityEvent | undefined {
  const s = t.c.data.store;
  return s
    .readEvents(0, s.eventCount())
    .filter((e) => e.device === COLLECTOR_DEVICE_ID)
    .map((e) => JSON.parse(e.canonical) as SecurityEvent)
    .filter((e) => e.name === name)
    .at(-1);
}

const docsItem = async (): Promise<CheckItem> => {
  const res = await get('/api/v1/compliance/check');
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as CheckReport).items.find((i) => i.id === 'documentation') as CheckItem;
};

test('before any generation the check fails the documentation item and says why', async () => {
  const item = await docsItem();
  assert.equal(item.pass, false);
  assert.match(item.why ?? '', /not generated yet: run `seclog docs/);
  assert.equal(t.c.data.store.getMeta(DOCS_META_KEY), undefined);
});

test('md states the live values: checkpoint, devices, rules, check results, and records the generation', async () => {
  const size = await checkpointed();
  const cp = t.c.data.store.latestCheckpoint();
  const res = await get('/api/v1/compliance/docs');
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/markdown; charset=utf-8/);
  assert.match(String(res.headers['content-disposition']), /^attachment; filename="seclog-logging-section-\d{4}-\d{2}-\d{2}\.md"$/);
  const md = res.body;
  assert.match(md, /^# Security logging and monitoring: technical file section\n/);
  assert.ok(md.includes(`**Current checkpoint**: tree size ${size}, root ${Buffer.from(cp?.root ?? []).toString('hex')} (hex)`), md);
  assert.match(md, /Enrolled devices: 2 active \(2 low profile\), 0 revoked/);
  assert.match(md, /Active devices: cam-1, cam-2/);
  const keyId = t.c.data.key.verifierKey.split('+')[1] as string;
  assert.ok(md.includes(`checkpoint signing key ID: ${keyId}`));
  // A rule of the library detection runs, with its title and level.
  const rule = t.c.detection?.rules.list().find((r) => r.enabled && r.alerting);
  assert.ok(rule !== undefined);
  assert.ok(md.includes(`| ${rule.id} | ${rule.title} | ${rule.level} |`), `rule ${rule.id} listed`);
  // The check as it stood: cam-2 is silent, so critical events fail with its name; the document is its own documentation.
  assert.match(md, /\| Critical events logged \| FAIL \| 1 enrolled device\(s\) sent nothing in the last 7 days: cam-2 \|/);
  assert.match(md, /\| Documentation \| PASS \| - \| this document, generated /);
  // Storage: the capacity monitor's measure and each active device's horizon (cam-1 reports no ring capacity).
  assert.match(md, /Capacity \(the storage monitor's measure\): level (ok|warn|critical|full) at [\d.]+% used \(warning at 80%/);
  assert.match(md, /\| cam-1 \| not reported \| not measured \| - \|\n\| cam-2 \| not reported \| not measured \| - \|/);
  // The device records counted per catalogue event (deviceChain logs authn_login_fail).
  assert.match(
    md,
    /\| authn\\_login\\_fail \| Login failed \| authentication \| device, collector \| yes \| access control \| [^|]+ \| 4 \| 0 \|/,
  );
  for (const ref of [
    'CRA Annex I Part I §1(2)(l)',
    'BSI TR-03183-1 REQ\\_ER 13',
    'CR 2.12 (non-repudiation)',
    'CR 3.9',
    'CR 6.2',
    'EN 303 645 provision 5.10',
  ]) {
    assert.ok(md.includes(ref), `mapping row ${ref}`);
  }

  const rec = lastOwn('log_access');
  assert.equal(rec?.attrs.action, 'export');
  assert.equal(rec?.attrs.format, 'md');
  assert.equal(rec?.attrs.role, 'admin');
  assert.deepEqual(JSON.parse(rec?.attrs.filter as string), { compliance: 'docs', days: 7 });
  const meta = JSON.parse(t.c.data.store.getMeta(DOCS_META_KEY) as string) as { sha256: string; format: string; configDigest: string };
  assert.equal(meta.format, 'md');
  assert.equal(rec?.attrs.sha256, meta.sha256);
  assert.equal(rec?.attrs.config_digest, meta.configDigest);
  // The CLI (`seclog check` on the data directory) loads the rules afresh: it must reach the server's digest.
  const config = loadConfig({ env: {}, cwd: t.dir, flags: { dataDir: join(t.dir, 'data') } });
  assert.equal(documentationDigest(config, rulesInForce(t.c.data.store, config.detect)), meta.configDigest);
});

test('after generation the documentation item passes; a rule change makes it stale', async () => {
  const ok = await docsItem();
  assert.equal(ok.pass, true, ok.why);
  assert.match(ok.evidence.join('\n'), /last generated .* by API token first-run admin \(admin\) \(md; markdown SHA-256/);
  const rule = t.c.detection?.rules.list().find((r) => r.enabled && r.alerting);
  const off = await t.c.app.inject({
    method: 'PUT',
    url: `/api/v1/rules/${rule?.id}`,
    headers: { authorization: `Bearer ${t.admin}` },
    payload: { enabled: false },
  });
  assert.equal(off.statusCode, 200, off.body);
  const stale = await docsItem();
  assert.equal(stale.pass, false);
  assert.match(stale.why ?? '', /changed since the documentation was generated .*: generate it again/);
  await t.c.app.inject({
    method: 'PUT',
    url: `/api/v1/rules/${rule?.id}`,
    headers: { authorization: `Bearer ${t.admin}` },
    payload: { enabled: true },
  });
  assert.equal((await docsItem()).pass, true, 'the documented rule set is in force again');
});

test('the latest signed review and retention run are taken from their records in the log', async () => {
  await t.c.ingest.own.append(
    {
      name: 'review_signed',
      input: {
        actor: { user: 'user/rita' },
        attrs: {
          review_id: 'rev-2026-w47',
          period_start: '2026-11-16T00:00:00Z',
          period_end: '2026-11-23T00:00:00Z',
          findings: 3,
          checkpoint_size: 12,
          checkpoint_root: 'ab'.repeat(32),
        },
      },
    },
    {
      name: 'log_retention_run',
      input: { attrs: { run_id: 'ret-1', trigger: 'schedule', deleted: 42, bytes: 4096, policy: 'default 365d; cap none' } },
    },
  );
  // An open review past its due date, from the review store.
  const nowUs = Date.now() * 1000;
  t.c.data.store.reviews().createReview({
    id: 'rev-open-1',
    schedule: 'weekly',
    periodStartUs: Date.parse('2026-11-02T00:00:00Z') * 1000,
    periodEndUs: Date.parse('2026-11-09T00:00:00Z') * 1000,
    dueUs: nowUs - 86_400_000_000,
    createdUs: nowUs,
    createdBy: 'user/rita',
    evidence: '{}',
    evidenceUs: nowUs,
  });
  const md = (await get('/api/v1/compliance/docs')).body;
  assert.match(md, /Open reviews: rev-open-1 \(2026-11-02T00:00:00\.000000Z to 2026-11-09T00:00:00\.000000Z, due [^,]+, OVERDUE\)\./);
  assert.match(md, /\| [^|]+ \| user\/rita \| rev-2026-w47 \| 2026-11-16T00:00:00Z to 2026-11-23T00:00:00Z \| 3 \|/);
  assert.match(md, /Signed reviews in the window: 1\./);
  assert.match(
    md,
    /Last retention run: [^ ]+ \(schedule\), 42 event payload\(s\) removed \(4\.0 KiB\), oldest payload kept none; policy: default 365d; cap none\./,
  );
});

test('roles: admin, analyst and auditor download it; a device token and anonymous callers are refused', async () => {
  for (const role of ['auditor', 'analyst']) {
    const res = await get('/api/v1/compliance/docs?format=md&days=30', tokens[role] as string);
    assert.equal(res.statusCode, 200, `${role}: ${res.body}`);
    assert.equal(lastOwn('log_access')?.attrs.role, role);
  }
  assert.equal((await get('/api/v1/compliance/docs', deviceToken)).statusCode, 401);
  assert.equal((await get('/api/v1/compliance/docs', null)).statusCode, 401);
});

test('invalid input is refused with 400 and changes nothing', async () => {
  const s = t.c.data.store;
  const meta = s.getMeta(DOCS_META_KEY);
  const before = s.eventCount();
  for (const q of ['format=docx', 'days=0', 'days=400', 'format=<script>']) {
    const res = await get(`/api/v1/compliance/docs?${q}`);
    assert.equal(res.statusCode, 400, `${q}: ${res.body}`);
  }
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(s.getMeta(DOCS_META_KEY), meta);
  assert.equal(
    s.readEvents(before, s.eventCount()).filter((e) => JSON.parse(e.canonical).name === 'log_access').length,
    0,
    'no generation was recorded',
  );
});

test('html is self-contained and escapes a hostile rule title', async () => {
  const hostile = '<script>alert(1)</script> & "x" | y';
  const yaml = `title: '${hostile}'\nid: t-hostile\nlevel: high\ndetection:\n  sel:\n    name: authn_login_lock\n  condition: sel\n`;
  const put = await t.c.app.inject({
    method: 'PUT',
    url: '/api/v1/rules',
    headers: { authorization: `Bearer ${t.admin}` },
    payload: { yaml },
  });
  assert.equal(put.statusCode, 200, put.body);
  const res = await get('/api/v1/compliance/docs?format=html', tokens.auditor as string);
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.match(String(res.headers['content-disposition']), /\.html"$/);
  const html = res.body;
  assert.ok(!html.includes('<script'), 'no script element');
  assert.ok(
    html.includes('<td>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; | y</td>'),
    'the title is shown as text in its cell',
  );
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/);
  assert.doesNotMatch(html, /(src|href)=|https?:\/\/[a-z]/i, 'no external reference');
  // The markdown keeps the value inert too: escaped for any CommonMark renderer.
  const md = (await get('/api/v1/compliance/docs')).body;
  assert.ok(md.includes('\\<script\\>alert(1)\\</script\\> \\& "x" \\| y'));
});

test('pdf: printed by headless Chromium, titled', async (ctx) => {
  if (findChromium() === undefined) {
    if (process.env.SECLOG_TEST_REQUIRE_ALL === '1')
      assert.fail('Chromium is required (SECLOG_TEST_REQUIRE_ALL=1): apt-get install chromium');
    ctx.skip('Chromium not installed: apt-get install chromium');
    return;
  }
  const res = await get('/api/v1/compliance/docs?format=pdf', tokens.analyst as string);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'application/pdf');
  const pdf = res.rawPayload;
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(pdf.toString('latin1').includes('/Title (Security logging and monitoring: technical file section)'), 'the document title');
  assert.equal(lastOwn('log_access')?.attrs.format, 'pdf');
});

test('pdf without Chromium: a specific error naming the package, nothing recorded', async () => {
  const saved = process.env.SECLOG_CHROMIUM;
  process.env.SECLOG_CHROMIUM = '/nonexistent/chromium';
  try {
    const meta = t.c.data.store.getMeta(DOCS_META_KEY);
    const res = await get('/api/v1/compliance/docs?format=pdf');
    assert.equal(res.statusCode, 503, res.body);
    const err = (res.json() as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'COMPLIANCE_PDF_UNAVAILABLE');
    assert.match(err.message, /apt-get install chromium/);
    assert.equal(t.c.data.store.getMeta(DOCS_META_KEY), meta);
  } finally {
    if (saved === undefined) delete process.env.SECLOG_CHROMIUM;
    else process.env.SECLOG_CHROMIUM = saved;
  }
});
