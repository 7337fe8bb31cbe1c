/**
 * CWE-117 across the encoders: hostile text in any string field must not
 * split a record or forge a field, and foreign OTLP text is neutralised.
 * (CEF has its own strict-parser tests in format-cef.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { catalogueEntries } from '../src/catalogue/registry.js';
import { isSeclogError } from '../src/errors.js';
import type { SecurityEvent } from '../src/event/types.js';
import { validateEvent } from '../src/event/validate.js';
import { fromEcs, toEcs } from '../src/formats/ecs.js';
import { fromOcsf } from '../src/formats/ocsf/from-ocsf.js';
import { toOcsf } from '../src/formats/ocsf/to-ocsf.js';
import { decodeOtlpLogs } from '../src/formats/otlp/decode.js';
import { toOtlpLogs } from '../src/formats/otlp/encode.js';
import { findUnsafeChar, neutraliseText } from '../src/text/unsafe-chars.js';
import { anyEvent, anyString, HOSTILE } from './format-fixtures.js';
import { chainedFromExample } from './support/events.js';

const receivedAt = { ms: Date.parse('2026-11-27T13:40:00.000Z'), us: 0 };
const login = chainedFromExample(catalogueEntries().find((e) => e.name === 'authn_login_fail') ?? catalogueEntries()[0]!);

/** Every string field of a record, as a setter. */
const FIELDS: [string, (ev: SecurityEvent, s: string) => SecurityEvent][] = [
  ['id', (ev, s) => ({ ...ev, id: s })],
  ['device.id', (ev, s) => ({ ...ev, device: { ...ev.device, id: s } })],
  ['device.fw', (ev, s) => ({ ...ev, device: { ...ev.device, fw: s } })],
  ['device.model', (ev, s) => ({ ...ev, device: { ...ev.device, model: s } })],
  ...(['user', 'ip', 'session', 'process'] as const).map((k): [string, (ev: SecurityEvent, s: string) => SecurityEvent] => [
    `actor.${k}`,
    (ev, s) => ({ ...ev, actor: { ...ev.actor, [k]: s } }),
  ]),
  ...(['resource', 'user', 'setting'] as const).map((k): [string, (ev: SecurityEvent, s: string) => SecurityEvent] => [
    `target.${k}`,
    (ev, s) => ({ ...ev, target: { ...ev.target, [k]: s } }),
  ]),
  ['attrs value', (ev, s) => ({ ...ev, attrs: { ...ev.attrs, reason: s } })],
  ['attrs key', (ev, s) => ({ ...ev, attrs: { ...ev.attrs, [s]: 'x' } })],
  ['message', (ev, s) => ({ ...ev, message: s })],
  ['stream', (ev, s) => ({ ...ev, stream: s })],
  ['boot', (ev, s) => ({ ...ev, boot: s })],
  ['prev', (ev, s) => ({ ...ev, prev: s })],
  ['redacted', (ev, s) => ({ ...ev, redacted: [s] })],
];

function oneJsonLine(text: string): void {
  assert.ok(!/[\r\n\u0000-\u001f]/.test(text), 'JSON text holds no raw control character');
}

describe('JSON encoders keep hostile text inside its own field', () => {
  for (const [field, set] of FIELDS) {
    for (const [what, s] of HOSTILE) {
      test(`${what} in ${field}`, () => {
        const ev = set(login, s);
        for (const [format, encode, decode] of [
          ['OCSF', toOcsf, fromOcsf],
          ['ECS', toEcs, fromEcs],
        ] as const) {
          const text = JSON.stringify(encode(ev));
          oneJsonLine(text);
          assert.deepEqual(decode(JSON.parse(text)), ev, `${format} gives the field back exactly`);
        }
        const otlp = JSON.stringify(toOtlpLogs([ev]));
        oneJsonLine(otlp);
        const { events, rejected } = decodeOtlpLogs(JSON.parse(otlp), { receivedAt });
        // Valid text comes back exactly; unsafe text is refused at its own attribute, never moved elsewhere.
        if (validateEvent(ev).length === 0) assert.deepEqual(events, [ev]);
        else if (field === 'message')
          assert.deepEqual(events, [{ ...ev, message: neutraliseText(s, true) }], 'the body is free text: neutralised');
        else {
          assert.deepEqual(events, []);
          assert.match(rejected[0]?.path ?? '', /^resourceLogs\[0\]\.(scopeLogs\[0\]\.logRecords\[0\]\.|resource\.attributes)/);
        }
      });
    }
  }
});

describe('foreign OTLP text is neutralised, never refused', () => {
  for (const [what, s] of HOSTILE) {
    test(what, () => {
      const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });
      const body = {
        resourceLogs: [
          {
            resource: { attributes: [kv('host.name', s), kv('service.name', s), kv(s, s)] },
            scopeLogs: [
              {
                scope: { name: s, version: s },
                logRecords: [{ severityText: s, eventName: s, body: { stringValue: s }, attributes: [kv('k', s), kv(`${s}!`, s)] }],
              },
            ],
          },
        ],
      };
      const { events, rejected } = decodeOtlpLogs(body, { receivedAt });
      assert.deepEqual(rejected, []);
      const ev = events[0] as SecurityEvent;
      assert.equal(ev.name, 'passthrough');
      assert.deepEqual(validateEvent(ev), []);
      for (const v of Object.values(ev.attrs)) if (typeof v === 'string') assert.equal(findUnsafeChar(v), undefined);
      assert.equal(findUnsafeChar(ev.message ?? '', true), undefined);
    });
  }
  test('a huge message of quotes is cut until the record fits', () => {
    const body = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: '"\\'.repeat(5000) } }] }] }] };
    const { events } = decodeOtlpLogs(body, { receivedAt });
    assert.equal(events.length, 1);
    assert.ok(events[0]?.message?.endsWith('…'));
  });
});

const anyJson = fc.jsonValue({ maxDepth: 3 });
const kvArb = fc.array(
  fc.record(
    {
      key: fc.oneof(anyString, anyJson),
      value: fc.oneof(anyJson, fc.record({ stringValue: anyString }), fc.record({ intValue: fc.oneof(fc.string(), fc.integer()) })),
    },
    { requiredKeys: [] },
  ),
  { maxLength: 4 },
);
const recordArb = fc.record(
  {
    timeUnixNano: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String), anyJson),
    severityNumber: fc.oneof(fc.integer({ min: -2, max: 30 }), anyJson),
    severityText: fc.oneof(anyString, anyJson),
    body: fc.oneof(fc.record({ stringValue: anyString }), anyJson),
    eventName: fc.oneof(fc.constantFrom(...catalogueEntries().map((e) => e.name)), anyString),
    attributes: fc.oneof(kvArb, anyJson),
    traceId: fc.oneof(fc.constant(''), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }), anyJson),
  },
  { requiredKeys: [] },
);
const bodyArb = fc.oneof(
  anyJson,
  fc.record({
    resourceLogs: fc.array(
      fc.record({
        resource: fc.record({ attributes: kvArb }),
        scopeLogs: fc.array(fc.record({ logRecords: fc.array(recordArb, { maxLength: 3 }) }), { maxLength: 2 }),
      }),
      { maxLength: 2 },
    ),
  }),
);

test('OTLP decoder on arbitrary bodies: OTLP_INVALID or valid events, nothing else (fast-check)', () => {
  fc.assert(
    fc.property(bodyArb, (body) => {
      let result: ReturnType<typeof decodeOtlpLogs>;
      try {
        result = decodeOtlpLogs(body, { receivedAt });
      } catch (err) {
        assert.ok(isSeclogError(err, 'OTLP_INVALID'), String(err));
        return;
      }
      for (const ev of result.events) assert.deepEqual(validateEvent(ev), []);
      for (const r of result.rejected) assert.match(r.path, /^resourceLogs\[\d+\]/);
    }),
    { numRuns: 500 },
  );
});

test('OTLP encoder on arbitrary records: the same record back, or refused at its own path (fast-check)', () => {
  fc.assert(
    fc.property(anyEvent, (ev) => {
      const text = JSON.stringify(toOtlpLogs([ev]));
      oneJsonLine(text);
      const { events, rejected } = decodeOtlpLogs(JSON.parse(text), { receivedAt });
      assert.equal(events.length + rejected.length, 1);
      if (validateEvent(ev).length === 0) assert.deepEqual(events, [ev]);
    }),
    { numRuns: 300 },
  );
});
