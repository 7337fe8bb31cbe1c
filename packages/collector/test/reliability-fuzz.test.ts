// Fuzzed and oversize ingest bodies (issue C item 10, DESIGN.md §7): each
// class of bad input gets its specific 4xx with the code docs/ingest.md
// documents, never a 5xx, and the collector keeps working afterwards.
// A few thousand cases through app.inject; the same bodies against a child
// process over real HTTP are in reliability-memory.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { ErrorCode } from '@seclog/core';
import { ERROR_CODES } from '@seclog/core';
import fc from 'fast-check';
import { deviceChain, startTestCollector, type TestCollector } from './ingest-fixtures.js';

const BODY_LIMIT = 1024 * 1024;
let t: TestCollector;
let token = '';
const recs = deviceChain('fz-1', 3);
const valid = { device: 'fz-1', stream: recs[0]!.stream, records: recs };
const validJson = JSON.stringify(valid);

before(async () => {
  t = await startTestCollector({
    ingest: { maxBatchRecords: 50, maxBatchBytes: 256 * 1024, perDeviceRatePerSec: 1_000_000 },
    http: { bodyLimitBytes: BODY_LIMIT },
  });
  token = t.enrol('fz-1').token;
});
after(() => t.cleanup());

/** Status and code of every error row of docs/ingest.md's table. */
const documented = new Map<string, number>();
for (const m of readFileSync(new URL('../../../docs/ingest.md', import.meta.url), 'utf8').matchAll(/^\| (\d{3}) +\| (.+?) +\|/gm)) {
  for (const c of m[2]!.matchAll(/`([A-Z_]+)`/g)) documented.set(c[1]!, Number(m[1]));
}

interface Sent {
  body: string | Buffer;
  headers?: Record<string, string>;
}

let cases = 0;
/** Sends one body and checks the answer is `code` (documented, with its status); returns the details. */
async function expectRefused(sent: Sent, code: ErrorCode): Promise<Record<string, unknown>> {
  cases++;
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...sent.headers },
    payload: sent.body,
  });
  assert.ok(res.statusCode >= 400 && res.statusCode < 500, `status ${res.statusCode}: ${res.body.slice(0, 300)}`);
  const err = (res.json() as { error: { code: string; details: Record<string, unknown> } }).error;
  assert.equal(err.code, code, res.body.slice(0, 300));
  assert.equal(res.statusCode, ERROR_CODES[code].status);
  assert.equal(documented.get(code), res.statusCode, `${code} is in docs/ingest.md's table with status ${res.statusCode}`);
  return err.details;
}

const runs = (n: number) => ({ numRuns: n });

test('random bytes → 400 HTTP_BODY_INVALID', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
      await expectRefused({ body: Buffer.from(bytes) }, 'HTTP_BODY_INVALID');
    }),
    runs(500),
  );
});

test('truncated JSON → 400 HTTP_BODY_INVALID', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: validJson.length - 1 }), async (cut) => {
      await expectRefused({ body: validJson.slice(0, cut) }, 'HTTP_BODY_INVALID');
    }),
    runs(500),
  );
});

// Every path of the batch, from the body itself down to the fields of each record.
type Path = (string | number)[];
function paths(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) out.push(...paths(x, [...at, i]));
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  }
  return out;
}
const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
function replaceAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}
function getAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], root);
}
const allPaths = paths(valid);
/** A `__proto__` key or a `constructor` object with `prototype`: the body parser refuses these whole (prototype poisoning). */
function poisoning(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  return Object.entries(v).some(
    ([k, x]) =>
      k === '__proto__' || (k === 'constructor' && typeof x === 'object' && x !== null && Object.hasOwn(x, 'prototype')) || poisoning(x),
  );
}

test('a value of the wrong type at every level → HTTP_BODY_INVALID (batch) or INGEST_RECORD_INVALID naming the record', async () => {
  // Every path at least once, then random ones.
  const seen = new Set<string>();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...allPaths),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown),
      async (path, replacement) => {
        fc.pre(jsonType(replacement) !== jsonType(getAt(valid, path)));
        seen.add(path.join('.'));
        const body = JSON.stringify(replaceAt(valid, path, replacement));
        if (poisoning(replacement)) {
          const details = await expectRefused({ body }, 'HTTP_BODY_INVALID');
          assert.equal(details.reason, 'prototype_key');
        } else if (path[0] !== 'records' || path.length === 1) {
          await expectRefused({ body }, 'HTTP_BODY_INVALID');
        } else {
          const details = await expectRefused({ body }, 'INGEST_RECORD_INVALID');
          assert.equal(details.index, path[1]);
          const field = path.slice(2).join('.');
          assert.ok(String(details.field).startsWith(field) || field.startsWith(String(details.field)), `${details.field} vs ${field}`);
        }
      },
    ),
    runs(1200),
  );
  assert.ok(seen.size > allPaths.length * 0.9, `${seen.size} of ${allPaths.length} paths tried`);
});

test('prototype-poisoning keys anywhere → 400 HTTP_BODY_INVALID that says so (seed 1399455792 found {"__proto__": ""})', async () => {
  for (const bad of ['{"__proto__":""}', '{"a":[{"__proto__":{}}]}', '{"constructor":{"prototype":{"x":1}}}']) {
    const body = validJson.replace('"mono_ms":', `"mono_ms":${bad},"x_mono_ms":`);
    const details = await expectRefused({ body }, 'HTTP_BODY_INVALID');
    assert.equal(details.reason, 'prototype_key');
  }
  // A key merely named constructor is data, not an attack.
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    payload: validJson.replace('"mono_ms":', '"mono_ms":{"constructor":1},"x_mono_ms":'),
  });
  assert.equal((res.json() as { error: { code: string } }).error.code, 'INGEST_RECORD_INVALID');
});

test('huge strings → INGEST_RECORD_INVALID, HTTP_BODY_INVALID (batch fields) or 413 over the body limit', async () => {
  const stringPaths = allPaths.filter((p) => typeof getAt(valid, p) === 'string');
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...stringPaths), fc.integer({ min: 1025, max: 900_000 }), async (path, n) => {
      const body = JSON.stringify(replaceAt(valid, path, 'é'.repeat(n)));
      const code =
        body.length > BODY_LIMIT / 2 ? 'HTTP_BODY_TOO_LARGE' : path[0] === 'records' ? 'INGEST_RECORD_INVALID' : 'HTTP_BODY_INVALID';
      // 'é' is 2 UTF-8 bytes: over half the limit in characters is over the limit in bytes.
      if (code === 'HTTP_BODY_TOO_LARGE' && Buffer.byteLength(body) <= BODY_LIMIT) return;
      await expectRefused({ body }, code);
    }),
    runs(60),
  );
});

/**
 * Fields whose validation message quotes the offending value with
 * JSON.stringify (core/src/event/validate.ts: checkEnum and the `v` check):
 * a value nested a few thousand deep overflows the stack there (500
 * HTTP_INTERNAL), and a huge one is echoed whole into the error. Kept out of
 * the property below and pinned by the todo test after it until core bounds
 * what it quotes.
 */
const ECHOING = new Set(['v', 'severity', 'outcome', 'tq.source']);
const isEchoing = (p: Path) => p[0] === 'records' && ECHOING.has(p.slice(2).join('.'));
const deepValue = (depth: number, arrays: boolean) =>
  arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

test('deep nesting → HTTP_BODY_INVALID or INGEST_RECORD_INVALID, never a stack overflow', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...allPaths.filter((p) => !isEchoing(p))),
      fc.integer({ min: 100, max: 50_000 }),
      fc.boolean(),
      async (path, depth, arrays) => {
        const deep = deepValue(depth, arrays);
        const marker = '"__deep__"';
        const body = JSON.stringify(replaceAt(valid, path, '__deep__')).replace(marker, deep);
        // `records` replaced by nested arrays is still an array: its first record is the bad one.
        const inRecord = path[0] === 'records' && (path.length > 1 || arrays);
        await expectRefused({ body }, inRecord ? 'INGEST_RECORD_INVALID' : 'HTTP_BODY_INVALID');
      },
    ),
    runs(60),
  );
});

test('regression: a deep or huge value in v, severity, outcome or tq.source → 400 with a bounded message', async () => {
  for (const field of ECHOING) {
    const path = ['records', 0, ...field.split('.')];
    const deep = JSON.stringify(replaceAt(valid, path, '__deep__')).replace('"__deep__"', deepValue(5000, false));
    await expectRefused({ body: deep }, 'INGEST_RECORD_INVALID');
    const res = await t.c.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: JSON.stringify(replaceAt(valid, path, 'x'.repeat(200_000))),
    });
    assert.equal(res.statusCode, 400);
    assert.ok(res.body.length < 16 * 1024, `${field}: a 200 kB value comes back in a ${res.body.length} B error`);
  }
});

test('invalid UTF-8 anywhere → 400 HTTP_BODY_INVALID (never decoded into U+FFFD)', async () => {
  const bad = [[0xff], [0xfe], [0x80], [0xc0, 0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xf0, 0x9f, 0x98]];
  const bytes = Buffer.from(validJson);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...bad), fc.integer({ min: 0, max: bytes.length }), async (seq, at) => {
      const body = Buffer.concat([bytes.subarray(0, at), Buffer.from(seq), bytes.subarray(at)]);
      const details = await expectRefused({ body }, 'HTTP_BODY_INVALID');
      assert.equal(details.reason, 'utf8');
    }),
    runs(400),
  );
  assert.equal(t.c.data.store.getCursor('fz-1', valid.stream), undefined, 'nothing stored');
});

test('wrong content types and charsets → 415 HTTP_UNSUPPORTED_MEDIA_TYPE', async () => {
  const types = fc.oneof(
    fc.constantFrom(
      '',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/jsonl',
      'application/json-seq',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/json;charset="iso-8859-1"',
    ),
    fc.stringMatching(/^[\x21-\x7e ]{0,40}$/).filter((s) => !/^application\/json\s*(;|$)/i.test(s)),
  );
  await fc.assert(
    fc.asyncProperty(types, async (type) => {
      await expectRefused({ body: validJson, headers: { 'content-type': type } }, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
    }),
    runs(300),
  );
});

test('wrong content encodings → 415; corrupt gzip → 400', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.constantFrom('br', 'deflate', 'compress', 'zstd', 'gzip, gzip'), fc.stringMatching(/^[a-z0-9-]{1,12}$/)),
      async (enc) => {
        fc.pre(enc !== 'gzip' && enc !== 'identity');
        await expectRefused({ body: validJson, headers: { 'content-encoding': enc } }, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
      },
    ),
    runs(100),
  );
  const gz = gzipSync(validJson);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: gz.length - 9 }), async (cut) => {
      await expectRefused({ body: gz.subarray(0, cut), headers: { 'content-encoding': 'gzip' } }, 'HTTP_BODY_INVALID');
    }),
    runs(100),
  );
});

test('gzip bombs and bodies over the limit → 413 HTTP_BODY_TOO_LARGE', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: BODY_LIMIT + 1, max: 8 * BODY_LIMIT }), fc.boolean(), async (n, json) => {
      const inflated = json ? `{"device":"fz-1","stream":"s","records":[],"pad":"${'x'.repeat(n)}"}` : Buffer.alloc(n);
      const body = gzipSync(inflated);
      assert.ok(body.length < BODY_LIMIT / 4, 'a bomb is small on the wire');
      await expectRefused({ body, headers: { 'content-encoding': 'gzip' } }, 'HTTP_BODY_TOO_LARGE');
    }),
    runs(12),
  );
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: BODY_LIMIT + 1, max: 3 * BODY_LIMIT }), async (n) => {
      await expectRefused({ body: Buffer.alloc(n, 0x20) }, 'HTTP_BODY_TOO_LARGE');
    }),
    runs(8),
  );
});

test('after all that the collector still ingests, and nothing was stored for the fuzzed stream', async () => {
  assert.ok(cases > 2500, `${cases} cases sent`);
  assert.equal(t.c.data.store.getCursor('fz-1', valid.stream), undefined);
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    payload: validJson,
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().acked.seq, 3);
  assert.equal((await t.c.app.inject({ method: 'GET', url: '/healthz' })).json().status, 'ok');
});
