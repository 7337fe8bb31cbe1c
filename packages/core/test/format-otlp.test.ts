import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SecurityEvent } from '../src/event/types.js';
import { validateEvent } from '../src/event/validate.js';
import { normaliseAttrKey } from '../src/formats/otlp/catalogue-event.js';
import { decodeOtlpLogs } from '../src/formats/otlp/decode.js';
import { toOtlpLogs } from '../src/formats/otlp/encode.js';
import { isUuidV7 } from '../src/id/uuidv7.js';
import { formatEventTime, type Instant, instantFromUnixNanos } from '../src/time/rfc3339.js';
import { catalogueEvents, viaJson } from './format-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: the encoder output is probed field by field
type Json = Record<string, any>;
const receivedAt: Instant = { ms: Date.parse('2026-11-27T13:40:00.000Z'), us: 0 };
const ctx = { receivedAt };

const str = (s: string) => ({ stringValue: s });
const kv = (key: string, value: unknown) => ({ key, value });

describe('OTLP: every catalogue event, both ways', () => {
  const all = catalogueEvents();
  for (const { name, chained, bare } of all) {
    test(name, () => {
      const body = viaJson(toOtlpLogs([chained, bare])) as Json;
      const rec = body.resourceLogs[0].scopeLogs[0].logRecords[0] as Json;
      assert.equal(rec.eventName, name);
      assert.equal(rec.timeUnixNano, `${Date.parse(chained.time)}${chained.time.slice(23, 26)}000`);
      assert.deepEqual(decodeOtlpLogs(body, ctx), { events: [chained, bare], rejected: [] });
    });
  }
  test('the whole catalogue in one body, devices interleaved, order kept', () => {
    const events = all.map((e, i) => ({ ...e.chained, device: { ...e.chained.device, id: i % 3 === 0 ? 'gw-1' : 'cam-17' } }));
    const body = viaJson(toOtlpLogs(events));
    assert.ok(body.resourceLogs.length > 2);
    assert.deepEqual(decodeOtlpLogs(body, ctx), { events, rejected: [] });
  });
  test('a time fixed64 cannot hold (after 2554) travels as seclog.time', () => {
    const ev = { ...(all[0]?.chained as SecurityEvent), time: '2600-01-01T00:00:00.000001Z' };
    const body = viaJson(toOtlpLogs([ev])) as Json;
    assert.equal(body.resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano, '0');
    assert.deepEqual(decodeOtlpLogs(body, ctx).events, [ev]);
  });
  test('the authenticated device overrides the body', () => {
    const ev = all[0]?.chained as SecurityEvent;
    const { events } = decodeOtlpLogs(viaJson(toOtlpLogs([ev])), { receivedAt, deviceId: 'cam-99' });
    assert.equal(events[0]?.device.id, 'cam-99');
  });
});

/** What @opentelemetry/exporter-logs-otlp-http (JSON serializer) posts for one logger.emit(). */
const EXPORTER_BODY = {
  resourceLogs: [
    {
      resource: {
        attributes: [
          kv('service.name', str('thermostat-ui')),
          kv('telemetry.sdk.language', str('nodejs')),
          kv('telemetry.sdk.name', str('opentelemetry')),
          kv('telemetry.sdk.version', str('1.30.1')),
          kv('host.name', str('gw-04')),
        ],
        droppedAttributesCount: 0,
      },
      scopeLogs: [
        {
          scope: { name: 'thermostat', version: '1.2.0' },
          logRecords: [
            {
              timeUnixNano: '1764250423123456789',
              observedTimeUnixNano: '1764250423124000000',
              severityNumber: 9,
              severityText: 'INFO',
              body: str('setpoint changed to 21.5'),
              attributes: [kv('setpoint', { doubleValue: 21.5 }), kv('zone', { intValue: 3 })],
              droppedAttributesCount: 0,
              flags: 1,
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
            },
          ],
        },
      ],
    },
  ],
};

describe('OTLP foreign records become passthrough', () => {
  test('an OTel JS exporter record', () => {
    const { events, rejected } = decodeOtlpLogs(EXPORTER_BODY, ctx);
    assert.deepEqual(rejected, []);
    const ev = events[0] as SecurityEvent;
    assert.ok(isUuidV7(ev.id));
    assert.deepEqual(validateEvent(ev), []);
    assert.deepEqual(
      { ...ev, id: 'x' },
      {
        v: 1,
        id: 'x',
        name: 'passthrough',
        time: formatEventTime(instantFromUnixNanos(1764250423123456789n)),
        severity: 'info',
        outcome: 'unknown',
        device: { id: 'unattributed' },
        attrs: {
          format: 'otlp',
          otlp_severity_number: 9,
          otlp_severity_text: 'INFO',
          otlp_scope: 'thermostat@1.2.0',
          otlp_resource:
            '{"host.name":"gw-04","service.name":"thermostat-ui","telemetry.sdk.language":"nodejs","telemetry.sdk.name":"opentelemetry","telemetry.sdk.version":"1.30.1"}',
          otlp_attributes: '{"setpoint":21.5,"zone":3}',
          host: 'gw-04',
          otlp_trace_id: '5b8efff798038103d269b633813fc60c',
          otlp_span_id: 'eee19b7ec3c1b174',
          attribution: 'unauthenticated',
        },
        message: 'setpoint changed to 21.5',
      },
    );
  });
  test('an OTel event name outside the catalogue is kept', () => {
    const body = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: 'device.app.lifecycle', body: str('foreground') }] }] }] };
    const ev = decodeOtlpLogs(body, ctx).events[0];
    assert.equal(ev?.name, 'passthrough');
    assert.equal(ev?.attrs.otlp_event_name, 'device.app.lifecycle');
  });
  test('attribution and source address from the transport', () => {
    const { events } = decodeOtlpLogs(EXPORTER_BODY, { receivedAt, deviceId: 'gw-04', attribution: 'token', sourceIp: '192.0.2.10' });
    assert.equal(events[0]?.device.id, 'gw-04');
    assert.equal(events[0]?.attrs.attribution, 'token');
    assert.equal(events[0]?.attrs.source_ip, '192.0.2.10');
  });
  const deviceCases: [string, Json[], string][] = [
    ['resource device.id', [kv('device.id', str('cam-3')), kv('service.instance.id', str('i-1'))], 'cam-3'],
    [
      'else service.instance.id',
      [kv('service.instance.id', str('627cc493-f310-47de-96bd-71410b7dec09'))],
      '627cc493-f310-47de-96bd-71410b7dec09',
    ],
    ['a claimed id that is not an identifier', [kv('device.id', str('cam 3\u001b'))], 'unattributed'],
  ];
  for (const [name, attributes, want] of deviceCases) {
    test(`device: ${name}`, () => {
      const body = { resourceLogs: [{ resource: { attributes }, scopeLogs: [{ logRecords: [{ body: str('hi') }] }] }] };
      assert.equal(decodeOtlpLogs(body, ctx).events[0]?.device.id, want);
    });
  }
  const severityCases: [number, string][] = [
    [0, 'info'],
    [12, 'info'],
    [13, 'low'],
    [17, 'medium'],
    [19, 'high'],
    [21, 'critical'],
  ];
  for (const [n, want] of severityCases) {
    test(`severityNumber ${n} is ${want}`, () => {
      const body = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: n }] }] }] };
      assert.equal(decodeOtlpLogs(body, ctx).events[0]?.severity, want);
    });
  }
  test('no time at all: observed time, then the receive time', () => {
    const body = {
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ observedTimeUnixNano: 1764250423000000000 }, { timeUnixNano: '0' }] }] }],
    };
    const [a, b] = decodeOtlpLogs(body, ctx).events;
    assert.equal(a?.time, '2025-11-27T13:33:43.000000Z');
    assert.equal(b?.time, '2026-11-27T13:40:00.000000Z');
  });
});

function catalogueRecord(attributes: Json[], extra: Json = {}): Json {
  return { timeUnixNano: '1795786423123456000', eventName: 'authn_login_fail', attributes, body: str('login refused'), ...extra };
}

const LOGIN_ATTRS = [
  kv('user.name', str('admin')),
  kv('client.address', str('203.0.113.9')),
  kv('client.port', { intValue: '52144' }),
  kv('method', str('password')),
  kv('reason', str('bad_password')),
];

describe('OTLP records that name a catalogue event', () => {
  test('semantic-convention attributes and plain names', () => {
    const body = {
      resourceLogs: [
        {
          scopeLogs: [
            { logRecords: [catalogueRecord([...LOGIN_ATTRS, kv('http.request.method', str('POST')), kv('interface', str('web'))])] },
          ],
        },
      ],
    };
    const { events, rejected } = decodeOtlpLogs(body, { receivedAt, deviceId: 'cam-17' });
    assert.deepEqual(rejected, []);
    const ev = events[0] as SecurityEvent;
    assert.deepEqual(
      { ...ev, id: 'x' },
      {
        v: 1,
        id: 'x',
        name: 'authn_login_fail',
        time: '2026-11-27T13:33:43.123456Z',
        severity: 'medium',
        outcome: 'failure',
        device: { id: 'cam-17' },
        actor: { user: 'admin', ip: '203.0.113.9', port: 52144 },
        attrs: { method: 'password', reason: 'bad_password', http_request_method: 'POST', interface: 'web' },
        message: 'login refused',
      },
    );
  });
  test('event.name or seclog.name attribute names the event too', () => {
    for (const key of ['event.name', 'seclog.name']) {
      const rec = catalogueRecord([...LOGIN_ATTRS, kv(key, str('authn_login_fail'))], { eventName: undefined });
      const { events } = decodeOtlpLogs({ resourceLogs: [{ scopeLogs: [{ logRecords: [rec] }] }] }, ctx);
      assert.equal(events[0]?.name, 'authn_login_fail');
    }
  });
  test('a record that fails validation is rejected at its path; the others decode', () => {
    const good = catalogueRecord(LOGIN_ATTRS);
    const bad = catalogueRecord(LOGIN_ATTRS.filter((a) => a.key !== 'reason'));
    const body = { resourceLogs: [{ scopeLogs: [{ logRecords: [good] }, { logRecords: [good, good, good, bad, good] }] }] };
    const { events, rejected } = decodeOtlpLogs(body, ctx);
    assert.equal(events.length, 5);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]?.path, 'resourceLogs[0].scopeLogs[1].logRecords[3].attributes.reason');
    assert.equal(rejected[0]?.code, 'EVENT_INVALID');
  });
  const rejections: [string, Json[], string][] = [
    [
      'bad IP',
      [...LOGIN_ATTRS.slice(0, 1), kv('client.address', str('999.1.1.1')), ...LOGIN_ATTRS.slice(3)],
      'attributes["client.address"]',
    ],
    ['seclog field of the wrong type', [...LOGIN_ATTRS, kv('seclog.seq', str('7'))], 'attributes["seclog.seq"]'],
    ['unknown seclog field', [...LOGIN_ATTRS, kv('seclog.colour', str('red'))], 'attributes["seclog.colour"]'],
    ['two values for actor.user', [...LOGIN_ATTRS, kv('actor.user', str('root'))], 'attributes["user.name"]'],
    ['another device named', [...LOGIN_ATTRS, kv('seclog.device.id', str('cam-18'))], 'attributes["seclog.device.id"]'],
    ['event.name disagrees', [...LOGIN_ATTRS, kv('event.name', str('authn_logout'))], 'attributes["event.name"]'],
    ['control character in a field', [...LOGIN_ATTRS, kv('actor.process', str('sshd\u001b[2J'))], 'attributes["actor.process"]'],
    ['attrs key not snake case', [...LOGIN_ATTRS, kv('attrs.Bad Key', str('x'))], 'attributes["attrs.Bad Key"]'],
  ];
  for (const [name, attributes, want] of rejections) {
    test(`rejected: ${name}`, () => {
      const { events, rejected } = decodeOtlpLogs({ resourceLogs: [{ scopeLogs: [{ logRecords: [catalogueRecord(attributes)] }] }] }, ctx);
      assert.deepEqual(events, []);
      assert.equal(rejected[0]?.path, `resourceLogs[0].scopeLogs[0].logRecords[0].${want}`);
    });
  }
  const keys: [string, string][] = [
    ['http.request.method', 'http_request_method'],
    ['HTTP-Status', 'http_status'],
    ['2fa.used', 'fa_used'],
    ['__proto__', 'proto'],
    ['…', 'attr_7'],
    ['a'.repeat(60), 'a'.repeat(48)],
  ];
  for (const [key, want] of keys)
    test(`attribute key ${JSON.stringify(key.slice(0, 20))} → ${want.slice(0, 20)}`, () => assert.equal(normaliseAttrKey(key, 7), want));
});
