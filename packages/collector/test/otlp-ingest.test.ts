// POST /v1/logs on a real collector (in-process, app.inject): a body shaped like the OpenTelemetry JS
// SDK's OTLP/HTTP JSON exporter's, catalogue mapping and passthrough, partial success, malformed
// bodies, authentication (recorded refusals), gzip and limits, seclog records travelling as OTLP,
// the records queryable and verifiable, and the metrics of each outcome.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { SecurityEvent } from '@seclog/core';
import { ERROR_CODES, SeclogError, toOtlpLogs } from '@seclog/core';
import fc from 'fast-check';
import { revokeDevice } from '../src/enrol/enrol.js';
import { RefusedTokenLog } from '../src/http/refused-tokens.js';
import type { OwnEvent, OwnStream } from '../src/ingest/own-stream.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import { verifyDataDir } from '../src/verify/verify-store.js';
import { deviceChain, startTestCollector, type TestCollector } from './ingest-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: replies are read field by field in assertions
type Json = Record<string, any>;

let t: TestCollector;
let cam: { id: string; token: string };
let url: string;

before(async () => {
  t = await startTestCollector({ ingest: { maxBatchRecords: 50, maxBatchBytes: 32 * 1024 }, http: { bodyLimitBytes: 64 * 1024, port: 0 } });
  cam = { id: 'door-7', token: t.enrol('door-7').token };
  url = await t.c.listen();
});
after(() => t.cleanup());

async function post(token: string | null, body: unknown, headers: Record<string, string> = {}) {
  const payload = Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body);
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/v1/logs',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    payload,
  });
  return { status: res.statusCode, body: res.json() as Json };
}

async function events(query: string): Promise<Json[]> {
  const res = await t.c.app.inject({ method: 'GET', url: `/api/v1/events?${query}`, headers: { authorization: `Bearer ${t.admin}` } });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as Json).events.map((e: Json) => e.record);
}

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const NS = (ms: number) => `${BigInt(ms) * 1_000_000n + 123_456n}`;
const T = Date.UTC(2026, 10, 27, 9, 30, 0);

/** What @opentelemetry/exporter-logs-otlp-http (JSON) posts for three records of one logger (OTLP/JSON: hex ids, int64 as strings). */
function sdkBody(): Json {
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            str('service.name', 'door-controller'),
            str('telemetry.sdk.language', 'nodejs'),
            str('telemetry.sdk.name', 'opentelemetry'),
            str('telemetry.sdk.version', '2.0.1'),
            str('host.name', 'door-7.local'),
            // A claim the collector must not believe: the token says which device this is.
            str('device.id', 'gate-1'),
          ],
          droppedAttributesCount: 0,
        },
        scopeLogs: [
          {
            scope: { name: 'door-auth', version: '1.4.0' },
            logRecords: [
              {
                timeUnixNano: NS(T),
                observedTimeUnixNano: NS(T + 2),
                severityNumber: 13,
                severityText: 'WARN',
                body: { stringValue: 'login refused for admin' },
                attributes: [
                  str('event.name', 'authn_login_fail'),
                  str('user.name', 'admin'),
                  str('client.address', '203.0.113.7'),
                  { key: 'client.port', value: { intValue: 52144 } },
                  str('method', 'password'),
                  str('reason', 'bad_password'),
                ],
                droppedAttributesCount: 0,
                flags: 1,
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
              },
              {
                timeUnixNano: NS(T + 1000),
                observedTimeUnixNano: NS(T + 1001),
                severityNumber: 9,
                severityText: 'INFO',
                eventName: 'config_change',
                body: { stringValue: 'ntp server changed' },
                attributes: [str('target.setting', 'ntp.server'), str('user.name', 'operator'), str('category', 'time')],
                droppedAttributesCount: 0,
              },
              {
                timeUnixNano: NS(T + 2000),
                observedTimeUnixNano: NS(T + 2001),
                severityNumber: 17,
                severityText: 'ERROR',
                body: { stringValue: 'relay driver timeout on channel 3' },
                attributes: [str('code.function', 'relay.open'), { key: 'retries', value: { intValue: 3 } }],
                droppedAttributesCount: 0,
              },
            ],
            schemaUrl: 'https://opentelemetry.io/schemas/1.28.0',
          },
        ],
        schemaUrl: 'https://opentelemetry.io/schemas/1.28.0',
      },
    ],
  };
}

/** One ResourceLogs with the given records, nothing else. */
const bodyOf = (...logRecords: unknown[]) => ({ resourceLogs: [{ scopeLogs: [{ logRecords }] }] });
const line = (text: string) => ({ timeUnixNano: NS(T), body: { stringValue: text } });

const metric = async (re: RegExp): Promise<number> => {
  const m = re.exec(await t.c.metrics.scrape());
  return m === null ? 0 : Number(m[1]);
};
const otlpEvents = (outcome: string) => metric(new RegExp(`seclog_ingest_events_total\\{source="otlp",outcome="${outcome}"\\} (\\d+)`));

describe('POST /v1/logs', () => {
  test('an SDK-shaped body: catalogue events and passthrough, attributed to the token’s device, in passthrough/otlp', async () => {
    const r = await post(cam.token, sdkBody());
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, {}, 'a full success is an empty ExportLogsServiceResponse');

    const stored = await events(`device=${cam.id}`);
    assert.equal(stored.length, 3);
    const by = (name: string) => stored.find((e) => e.name === name) as Json;
    const login = by('authn_login_fail');
    assert.equal(login.device.id, 'door-7', 'the resource’s device.id claim is not believed');
    assert.equal(login.actor.user, 'admin');
    assert.equal(login.actor.ip, '203.0.113.7');
    assert.equal(login.actor.port, 52144);
    assert.deepEqual([login.attrs.method, login.attrs.reason], ['password', 'bad_password']);
    assert.equal(login.message, 'login refused for admin');
    assert.equal(login.time, '2026-11-27T09:30:00.000123Z');
    assert.equal(login.stream, 'passthrough/otlp');
    assert.equal(by('config_change').target.setting, 'ntp.server');

    const pt = by('passthrough');
    assert.equal(pt.message, 'relay driver timeout on channel 3');
    assert.equal(pt.severity, 'medium');
    assert.equal(pt.attrs.format, 'otlp');
    assert.equal(pt.attrs.attribution, 'token');
    assert.equal(pt.attrs.otlp_scope, 'door-auth@1.4.0');
    assert.equal(pt.attrs.host, 'door-7.local');
    assert.match(pt.attrs.otlp_resource, /"device\.id":"gate-1"/, 'the claim is kept as data');
    assert.deepEqual(JSON.parse(pt.attrs.otlp_attributes), { 'code.function': 'relay.open', retries: 3 });
    assert.deepEqual(stored.map((e) => e.seq).sort(), [1, 2, 3], 'chained by the collector in body order from seq 1');
    assert.equal((await events('device=gate-1')).length, 0);
    const cursor = t.c.data.store.getCursor(cam.id, 'passthrough/otlp');
    assert.equal(cursor?.ackedSeq, 3);
    assert.ok((t.c.data.store.getDevice(cam.id)?.lastSeenUs ?? 0) > 0, 'an authenticated post counts as the device being seen');
  });

  test('over the network, as the exporter sends it (gzip, its headers): stored once the answer arrives', async () => {
    const res = await fetch(`${url}/v1/logs`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        'User-Agent': 'OTel-OTLP-Exporter-JavaScript/0.203.0',
        Authorization: `Bearer ${cam.token}`,
      },
      body: gzipSync(JSON.stringify(bodyOf(line('sent over tcp')))),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await res.json(), {});
    // The answer came after the commit: the record is already in the store, no waiting.
    assert.ok(t.c.data.store.readEvents(0, t.c.data.store.eventCount()).some((e) => e.canonical.includes('sent over tcp')));
  });

  test('partial success: the records that are not valid events are rejected alone, with their OTLP paths', async () => {
    const before = { accepted: await otlpEvents('accepted'), rejected: await otlpEvents('rejected') };
    const r = await post(
      cam.token,
      bodyOf(
        line('first'),
        // authn_login_fail needs attrs.method and attrs.reason, and actor.user.
        { eventName: 'authn_login_fail', attributes: [str('user.name', 'root')] },
        line('third'),
        { eventName: 'authn_login_success', attributes: [str('seclog.device.id', 'gate-1'), str('user.name', 'x'), str('method', 'pin')] },
      ),
    );
    assert.equal(r.status, 200);
    assert.equal(r.body.partialSuccess.rejectedLogRecords, 2);
    const msg: string = r.body.partialSuccess.errorMessage;
    assert.match(msg, /^2 log records rejected, 2 stored: /);
    assert.match(msg, /resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[1\]\.attributes\.method: EVENT_INVALID: .*required/);
    assert.match(msg, /logRecords\[3\]\.attributes\["seclog\.device\.id"\]: EVENT_INVALID: names device "gate-1"/);
    const texts = (await events(`device=${cam.id}&name=passthrough`)).map((e) => e.message);
    assert.ok(texts.includes('first') && texts.includes('third'));
    assert.equal(await otlpEvents('rejected'), before.rejected + 2);
    assert.equal(await otlpEvents('accepted'), before.accepted + 2);
  });

  test('a malformed body is 400 naming the field, and nothing of it is stored', async () => {
    const count = t.c.data.store.eventCount();
    const cases: [unknown, string][] = [
      [{ resourceLogs: {} }, 'resourceLogs'],
      [bodyOf(line('ok'), { timeUnixNano: 'yesterday' }), 'resourceLogs[0].scopeLogs[0].logRecords[1].timeUnixNano'],
      [bodyOf({ body: { stringValue: 'a', intValue: 1 } }), 'resourceLogs[0].scopeLogs[0].logRecords[0].body'],
      [bodyOf({ traceId: 'W8jv95gDgQPSabYzgT/GDA==' }), 'resourceLogs[0].scopeLogs[0].logRecords[0].traceId'],
      [[1, 2], ''],
    ];
    for (const [body, field] of cases) {
      const r = await post(cam.token, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, 'OTLP_INVALID');
      assert.equal(r.body.error.details.field, field);
      assert.equal(r.body.error.details.path, field);
    }
    const bad = await post(cam.token, '{"resourceLogs": [');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'HTTP_BODY_INVALID');
    assert.equal(t.c.data.store.eventCount(), count);
  });

  test('authentication: no token, an unknown one, an API token and a revoked device are 401 and recorded', async () => {
    const count = t.c.data.store.eventCount();
    const none = await post(null, bodyOf(line('x')));
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'AUTH_TOKEN_MISSING');
    const unknown = await post(`sld_${'A'.repeat(43)}`, bodyOf(line('x')));
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error.code, 'AUTH_TOKEN_INVALID');
    const api = await post(t.admin, bodyOf(line('x')));
    assert.equal(api.status, 401);
    assert.equal(api.body.error.code, 'AUTH_TOKEN_INVALID');
    assert.match(api.body.error.message, /API token cannot act as a device/);

    assert.equal(t.c.data.store.eventCount(), count + 3, 'one record of each refusal, nothing of the bodies');
    const gone = t.enrol('door-gone');
    revokeDevice(t.c.data.enrol, 'door-gone');
    const afterRevocation = t.c.data.store.eventCount();
    const revoked = await post(gone.token, bodyOf(line('x')));
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error.code, 'AUTH_DEVICE_REVOKED');
    assert.equal(ERROR_CODES.AUTH_DEVICE_REVOKED.status, 401);

    assert.equal(t.c.data.store.eventCount(), afterRevocation + 1);
    const fails = (await events(`device=${COLLECTOR_DEVICE_ID}&name=authn_login_fail`)).filter((e) => e.attrs.interface !== 'web');
    const reasons = fails.map((e) => e.attrs.reason).sort();
    assert.deepEqual(reasons, ['missing_token', 'revoked', 'unknown_token', 'wrong_token_kind']);
    assert.equal(fails.find((e) => e.attrs.reason === 'revoked')?.actor.user, 'door-gone');
    assert.equal(fails.find((e) => e.attrs.reason === 'missing_token')?.target.resource, 'POST /v1/logs');
    assert.equal((await events('device=door-gone')).length, 0);
  });

  test('gzip bodies are inflated; a corrupt one is 400, another encoding 415', async () => {
    const r = await post(cam.token, gzipSync(JSON.stringify(bodyOf(line('zipped line')))), { 'content-encoding': 'gzip' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, {});
    assert.equal((await events(`device=${cam.id}&q=zipped`)).length, 1);
    const corrupt = await post(cam.token, Buffer.from('not gzip'), { 'content-encoding': 'gzip' });
    assert.equal(corrupt.status, 400);
    assert.equal(corrupt.body.error.code, 'HTTP_BODY_INVALID');
    const br = await post(cam.token, JSON.stringify(bodyOf(line('x'))), { 'content-encoding': 'br' });
    assert.equal(br.status, 415);
  });

  test('protobuf and other media types are 415; nothing is stored', async () => {
    const count = t.c.data.store.eventCount();
    const proto = await post(cam.token, Buffer.from([0x0a, 0x02, 0x0a, 0x00]), { 'content-type': 'application/x-protobuf' });
    assert.equal(proto.status, 415);
    assert.equal(proto.body.error.code, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
    assert.match(proto.body.error.message, /application\/x-protobuf/);
    const text = await post(cam.token, JSON.stringify(bodyOf(line('x'))), { 'content-type': 'text/plain' });
    assert.equal(text.status, 415);
    assert.equal(t.c.data.store.eventCount(), count);
  });

  test('limits: an oversize body or gzip bomb is 413, more records than ingest.maxBatchRecords is 413', async () => {
    const count = t.c.data.store.eventCount();
    const big = await post(cam.token, bodyOf(line('x'.repeat(70 * 1024))));
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, 'HTTP_BODY_TOO_LARGE');
    const bomb = gzipSync(JSON.stringify(bodyOf(line(' '.repeat(2 * 1024 * 1024)))));
    assert.ok(bomb.length < 64 * 1024);
    const b = await post(cam.token, bomb, { 'content-encoding': 'gzip' });
    assert.equal(b.status, 413);
    assert.equal(b.body.error.code, 'HTTP_BODY_TOO_LARGE');
    const many = await post(cam.token, bodyOf(...Array.from({ length: 51 }, (_, i) => line(`n${i}`))));
    assert.equal(many.status, 413);
    assert.equal(many.body.error.code, 'OTLP_TOO_MANY_RECORDS');
    assert.deepEqual([many.body.error.details.count, many.body.error.details.max], [51, 50]);
    assert.equal(t.c.data.store.eventCount(), count);
  });

  test('seclog records sent as OTLP (toOtlpLogs) go into their device stream, checked like a batch; a resend is a duplicate', async () => {
    const recs = deviceChain(cam.id, 6);
    const stream = recs[0]!.stream;
    const r = await post(cam.token, toOtlpLogs(recs.slice(0, 4)));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, {});
    assert.equal(t.c.data.store.getCursor(cam.id, stream)?.ackedSeq, 4);
    const stored = await events(`device=${cam.id}&name=authn_login_fail`);
    const mine = stored.filter((e) => e.stream === stream);
    assert.deepEqual(
      mine.map((e) => e.id).sort(),
      recs
        .slice(0, 4)
        .map((e) => e.id)
        .sort(),
      'the very records, chain fields and all',
    );

    const dupBefore = await otlpEvents('duplicate');
    const again = await post(cam.token, toOtlpLogs(recs.slice(2, 6)));
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(t.c.data.store.getCursor(cam.id, stream)?.ackedSeq, 6);
    assert.equal(await otlpEvents('duplicate'), dupBefore + 2);

    // A record modified in transit breaks the chain: refused as in /api/v1/ingest, reported per stream.
    const forged = deviceChain(cam.id, 2);
    (forged[0] as SecurityEvent).message = 'changed after chaining';
    const bad = await post(cam.token, toOtlpLogs(forged));
    assert.equal(bad.status, 200);
    assert.equal(bad.body.partialSuccess.rejectedLogRecords, 2);
    assert.match(bad.body.partialSuccess.errorMessage, /INGEST_CHAIN_BROKEN/);

    // A record of another device is stored as the token's device's, never as the other's: its chain then starts anew.
    const other = deviceChain('gate-1', 1);
    const claim = await post(cam.token, toOtlpLogs(other));
    assert.equal(claim.status, 200);
    assert.equal((await events('device=gate-1')).length, 0);
    assert.equal(t.c.data.store.getCursor(cam.id, other[0]!.stream)?.ackedSeq, 1);
  });

  test('fuzz: mutated and random bodies are answered 200, 400 or 413, never a 5xx, and a 200 is a valid ExportLogsServiceResponse', async () => {
    const base = sdkBody();
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, at: (string | number)[]): void => {
      paths.push(at);
      if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, [...at, i]);
      else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
    };
    walk(base, []);
    // A device of its own: its rate bucket (1,000 records) holds every record the runs can send.
    const fuzzer = t.enrol('fuzz-1').token;
    const statuses = new Map<number, number>();
    const mutated = fc.tuple(fc.nat({ max: paths.length - 1 }), fc.jsonValue({ maxDepth: 2 })).map(([i, value]) => {
      const copy = structuredClone(base);
      const at = paths[i] as (string | number)[];
      if (at.length === 0) return value;
      let o = copy as Json;
      for (const k of at.slice(0, -1)) o = o[k];
      o[at.at(-1) as string] = value;
      return copy;
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated, fc.jsonValue({ maxDepth: 3 })), async (body) => {
        const r = await post(fuzzer, JSON.stringify(body) ?? 'null');
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        assert.ok([200, 400, 413].includes(r.status), `${r.status} ${JSON.stringify(r.body)} for ${JSON.stringify(body)}`);
        if (r.status === 200) {
          const keys = Object.keys(r.body);
          assert.ok(keys.length === 0 || (keys.length === 1 && Number.isInteger(r.body.partialSuccess?.rejectedLogRecords)));
        } else assert.match(r.body.error.code, /^(OTLP_INVALID|OTLP_TOO_MANY_RECORDS|HTTP_BODY_INVALID)$/);
      }),
      { numRuns: 150 },
    );
    assert.ok((statuses.get(200) ?? 0) >= 10 && (statuses.get(400) ?? 0) >= 10, `both kinds of answer were exercised: ${[...statuses]}`);
  });

  test('metrics count requests by result and records by outcome', async () => {
    const text = await t.c.metrics.scrape();
    assert.match(text, /seclog_ingest_batches_total\{source="otlp",code="ok"\} [1-9]/);
    assert.match(text, /seclog_ingest_batches_total\{source="otlp",code="AUTH_TOKEN_MISSING"\} 1/);
    assert.match(text, /seclog_ingest_batches_total\{source="otlp",code="OTLP_INVALID"\} [1-9]/);
    assert.ok((await otlpEvents('accepted')) >= 3 + 2 + 1 + 6);
  });

  test('every stored record is a Merkle leaf and the data directory verifies', async () => {
    await t.c.close();
    const r = await verifyDataDir(join(t.dir, 'data'), { workers: 0, chunkLevel: 4 });
    assert.equal(r.ok, true, JSON.stringify(r));
    if (r.ok) assert.equal(r.events, r.treeSize);
  });
});

describe('RefusedTokenLog', () => {
  test('records at most perWindow refusals per window and counts the rest into the next record', async () => {
    const appended: OwnEvent[] = [];
    const own = { append: async (...e: OwnEvent[]) => appended.push(...e) } as unknown as OwnStream;
    const log = new RefusedTokenLog(own, { interface: 'otlp', perWindow: 2, windowMs: 1000 });
    const req = { ip: '198.51.100.4', method: 'POST', url: '/v1/logs', routeOptions: { url: '/v1/logs' } } as never;
    const err = new SeclogError('AUTH_TOKEN_MISSING', 'no token', {});
    for (let i = 0; i < 5; i++) await log.record(req, err, 10_000 + i);
    assert.equal(appended.length, 2);
    await log.record(req, new SeclogError('AUTH_TOKEN_INVALID', 'unknown device token', { reason: 'unknown' }), 11_000);
    assert.equal(appended.length, 3);
    const last = appended[2]!.input;
    assert.equal(last.attrs?.refusals_not_recorded, 3);
    assert.equal(last.attrs?.reason, 'unknown_token');
    assert.equal(last.actor?.ip, '198.51.100.4');
    assert.match(last.message ?? '', /3 earlier refusals were not recorded/);
    await log.record(req, err, 11_001);
    assert.equal(appended[3]!.input.attrs?.refusals_not_recorded, undefined);
  });
});

describe('POST /v1/logs over the device rate', () => {
  let r: TestCollector;
  after(() => r?.cleanup());

  test('429 INGEST_RATE_LIMITED with Retry-After, nothing of the request stored; the same request passes later', async () => {
    r = await startTestCollector({ ingest: { perDeviceRatePerSec: 10 } });
    const token = r.enrol('busy-1').token;
    const send = () =>
      r.c.app.inject({
        method: 'POST',
        url: '/v1/logs',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        payload: bodyOf(...Array.from({ length: 10 }, (_, i) => line(`burst ${i}`))),
      });
    assert.equal((await send()).statusCode, 200);
    const count = r.c.data.store.eventCount();
    const limited = await send();
    assert.equal(limited.statusCode, 429, limited.body);
    assert.equal(limited.json().error.code, 'INGEST_RATE_LIMITED');
    assert.equal(limited.headers['retry-after'], '1');
    assert.equal(r.c.data.store.eventCount(), count);
    assert.match(await r.c.metrics.scrape(), /seclog_ingest_events_total\{source="otlp",outcome="refused"\} 10/);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await send()).statusCode, 200);
    assert.equal(r.c.data.store.getCursor('busy-1', 'passthrough/otlp')?.ackedSeq, 20);
  });
});
