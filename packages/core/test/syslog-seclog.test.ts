/**
 * The seclog ⇄ RFC 5424 mapping (DESIGN.md §4): every catalogue example
 * round-trips, generated events with hostile text in every string field
 * round-trip through one line, a tampered header or SD is refused, and
 * foreign messages become validating passthrough records.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalize } from '../src/canon/jcs.js';
import { catalogueEntries, registerVendorEvent } from '../src/catalogue/registry.js';
import { isSeclogError } from '../src/errors.js';
import { LIMITS } from '../src/event/limits.js';
import { OUTCOMES, SEVERITIES, type SecurityEvent, TIME_SOURCES } from '../src/event/types.js';
import { validateEvent } from '../src/event/validate.js';
import { createSyslogFrameDecoder, frameLf } from '../src/formats/syslog/framing.js';
import { parseRfc5424 } from '../src/formats/syslog/rfc5424-parse.js';
import { escapeParamValue, serializeRfc5424 } from '../src/formats/syslog/rfc5424-serialize.js';
import {
  decodeEventSyslog,
  encodeEventSyslog,
  isSeclogSyslog,
  PARAM_VALUE_SPECIAL,
  SECLOG_SD_ID,
} from '../src/formats/syslog/seclog-syslog.js';
import type { SyslogMessage } from '../src/formats/syslog/syslog-message.js';
import { syslogToPassthrough } from '../src/formats/syslog/syslog-passthrough.js';
import { createUuidV7Generator, isUuidV7, uuidV7Time, uuidv7 } from '../src/id/uuidv7.js';
import { findUnsafeChar, neutraliseText, truncateUtf8 } from '../src/text/unsafe-chars.js';
import { formatEventTime } from '../src/time/rfc3339.js';

const BOM = '\ufeff';
const base: SecurityEvent = {
  v: 1,
  id: '01936b2e-4f3a-7c00-8000-0123456789ab',
  name: 'authn_login_fail',
  time: '2026-11-27T10:15:02.123456Z',
  severity: 'medium',
  outcome: 'failure',
  device: { id: 'gw-17', fw: '4.2.1', model: 'GW-X' },
  actor: { user: 'root', ip: '203.0.113.9', port: 52144 },
  attrs: { method: 'password', reason: 'bad_password', interface: 'ssh' },
  message: 'login refused for root from 203.0.113.9',
  stream: 's1',
  seq: 42,
  boot: 'b7',
  mono_ms: 123456,
  prev: 'ab'.repeat(32),
  tq: { synced: true, source: 'ntp', accuracy_ms: 2.5 },
};

test('encodeEventSyslog writes the DESIGN.md §4 mapping', () => {
  const sd =
    '[seclog@32473 v="1" id="01936b2e-4f3a-7c00-8000-0123456789ab" severity="medium" outcome="failure" device.id="gw-17" device.fw="4.2.1" device.model="GW-X"' +
    ' actor.user="root" actor.ip="203.0.113.9" actor.port="52144" stream="s1" seq="42" boot="b7" mono_ms="123456" prev="' +
    'ab'.repeat(32) +
    '" attrs.method="password" attrs.reason="bad_password" attrs.interface="ssh"]' +
    '[timeQuality tzKnown="1" isSynced="1" syncAccuracy="2500"][meta sequenceId="42"]';
  assert.equal(
    encodeEventSyslog(base),
    `<108>1 2026-11-27T10:15:02.123456Z gw-17 seclog - authn_login_fail ${sd} ${BOM}${canonicalize(base)}`,
  );
});

const mapping: { name: string; ev: SecurityEvent; facility?: number; pri: number; tq?: string; meta?: string }[] = [
  { name: 'critical on facility 13 is PRI 106', ev: { ...base, severity: 'critical' }, pri: 106 },
  { name: 'high is severity 3', ev: { ...base, severity: 'high' }, pri: 107 },
  { name: 'low is severity 5', ev: { ...base, severity: 'low' }, pri: 109 },
  { name: 'info is severity 6', ev: { ...base, severity: 'info' }, pri: 110 },
  { name: 'facility 16 (local0)', ev: base, facility: 16, pri: 132 },
  {
    name: 'unsynced clock: no syncAccuracy (RFC 5424 §7.1.3)',
    ev: { ...base, tq: { synced: false, source: 'rtc', accuracy_ms: 9 } },
    pri: 108,
    tq: '[timeQuality tzKnown="1" isSynced="0"]',
  },
  {
    name: 'synced without accuracy',
    ev: { ...base, tq: { synced: true, source: 'gnss' } },
    pri: 108,
    tq: '[timeQuality tzKnown="1" isSynced="1"]',
  },
  { name: 'sequenceId 2147483647 stays', ev: { ...base, seq: 2147483647 }, pri: 108, meta: '[meta sequenceId="2147483647"]' },
  {
    name: 'sequenceId wraps to 1 after 2147483647 (RFC 5424 §7.3.1)',
    ev: { ...base, seq: 2147483648 },
    pri: 108,
    meta: '[meta sequenceId="1"]',
  },
  { name: 'sequenceId wraps twice', ev: { ...base, seq: 2 * 2147483647 + 5 }, pri: 108, meta: '[meta sequenceId="5"]' },
];
for (const c of mapping) {
  test(`mapping: ${c.name}`, () => {
    const text = encodeEventSyslog(c.ev, c.facility === undefined ? {} : { facility: c.facility });
    assert.ok(text.startsWith(`<${c.pri}>1 `), text.slice(0, 10));
    if (c.tq) assert.ok(text.includes(c.tq), 'timeQuality');
    if (c.meta) assert.ok(text.includes(c.meta), 'meta');
    assert.deepEqual(decodeEventSyslog(parseRfc5424(text)), c.ev);
  });
}

test('no tq and no seq: neither timeQuality nor meta', () => {
  const { tq: _tq, seq: _seq, ...ev } = base;
  const m = parseRfc5424(encodeEventSyslog(ev));
  assert.deepEqual(
    m.structuredData.map((e) => e.id),
    [SECLOG_SD_ID],
  );
  assert.deepEqual(decodeEventSyslog(m), ev);
});

test('encodeEventSyslog refuses an invalid event and a bad facility', () => {
  assert.throws(
    () => encodeEventSyslog({ ...base, time: 'yesterday' }),
    (e: unknown) => isSeclogError(e, 'EVENT_INVALID'),
  );
  assert.throws(
    () => encodeEventSyslog(base, { facility: 24 }),
    (e: unknown) => isSeclogError(e, 'SYSLOG_PRI_INVALID'),
  );
});

test('an attrs param name longer than 32 characters is left to MSG alone', () => {
  const ev = { ...base, attrs: { ...base.attrs, a_rather_long_attribute_name_x: 1 } };
  const m = parseRfc5424(encodeEventSyslog(ev));
  assert.ok(!m.structuredData[0]?.params.some(([n]) => n.startsWith('attrs.a_rather')));
  assert.deepEqual(decodeEventSyslog(m), ev);
});

test('PARAM_VALUE_SPECIAL covers every character findUnsafeChar refuses and escapeParamValue escapes', () => {
  // encodeEventSyslog writes a value that PARAM_VALUE_SPECIAL does not match as it is, without either check.
  for (let c = 0; c <= 0xffff; c++) {
    const s = String.fromCharCode(c);
    if (findUnsafeChar(s) !== undefined || escapeParamValue(s) !== s) assert.ok(PARAM_VALUE_SPECIAL.test(s), `U+${c.toString(16)}`);
  }
});

test('encodeEventSyslog escapes PARAM-VALUEs as serializeRfc5424 does', () => {
  const ev = { ...base, actor: { ...base.actor, user: 'a"b\\c]d' }, attrs: { ...base.attrs, ok: 'p]q' } };
  const m = parseRfc5424(encodeEventSyslog(ev));
  const params = new Map(m.structuredData[0]?.params);
  assert.equal(params.get('actor.user'), 'a"b\\c]d');
  assert.equal(params.get('attrs.ok'), 'p]q');
  assert.equal(serializeRfc5424(m), encodeEventSyslog(ev));
});

function catalogueEvent(i: number): SecurityEvent[] {
  return catalogueEntries().map((e) => {
    const ex = e.example;
    const ev: SecurityEvent = {
      v: 1,
      id: uuidv7(),
      name: e.name,
      time: formatEventTime({ ms: Date.UTC(2026, 10, 27) + i, us: 7 }),
      severity: ex.severity ?? e.defaultSeverity,
      outcome: ex.outcome ?? e.defaultOutcome,
      device: { id: 'gw-17' },
      attrs: { ...ex.attrs },
    };
    if (ex.actor) ev.actor = { ...ex.actor } as SecurityEvent['actor'];
    if (ex.target) ev.target = { ...ex.target };
    if (ex.message !== undefined) ev.message = ex.message;
    return ev;
  });
}
for (const ev of catalogueEvent(0)) {
  test(`catalogue example ${ev.name} round-trips`, () => {
    assert.deepEqual(validateEvent(ev), []);
    const m = parseRfc5424(encodeEventSyslog(ev));
    assert.equal(m.msgId, ev.name);
    assert.ok(isSeclogSyslog(m));
    assert.deepEqual(decodeEventSyslog(m), ev);
  });
}

// Tamper cases: each changes what the index claims, never what MSG holds, and must be refused.
const good = parseRfc5424(encodeEventSyslog(base));
const withSeclogParams = (f: (p: [string, string][]) => [string, string][]): SyslogMessage => ({
  ...good,
  structuredData: good.structuredData.map((e) => (e.id === SECLOG_SD_ID ? { id: e.id, params: f(e.params) } : e)),
});
const tamper: { name: string; msg: SyslogMessage; param?: string }[] = [
  {
    name: 'changed actor.user param',
    msg: withSeclogParams((p) => p.map(([n, v]) => [n, n === 'actor.user' ? 'admin' : v])),
    param: 'actor.user',
  },
  { name: 'changed severity param', msg: withSeclogParams((p) => p.map(([n, v]) => [n, n === 'severity' ? 'low' : v])), param: 'severity' },
  { name: 'param naming a field the event lacks', msg: withSeclogParams((p) => [...p, ['target.user', 'alice']]), param: 'target.user' },
  { name: 'param naming an attr the event lacks', msg: withSeclogParams((p) => [...p, ['attrs.forged', '1']]), param: 'attrs.forged' },
  { name: 'param naming an unknown field', msg: withSeclogParams((p) => [...p, ['role', 'admin']]), param: 'role' },
  {
    name: 'repeated param with a second, different value',
    msg: withSeclogParams((p) => [...p, ['actor.ip', '198.51.100.1']]),
    param: 'actor.ip',
  },
  {
    name: 'number param written differently',
    msg: withSeclogParams((p) => p.map(([n, v]) => [n, n === 'actor.port' ? '052144' : v])),
    param: 'actor.port',
  },
  { name: 'attrs param on an inherited key', msg: withSeclogParams((p) => [...p, ['attrs.constructor', 'x']]), param: 'attrs.constructor' },
  { name: 'changed MSGID', msg: { ...good, msgId: 'authn_login_success' } },
  { name: 'changed HOSTNAME', msg: { ...good, hostname: 'other-device' } },
  { name: 'changed TIMESTAMP', msg: { ...good, timestamp: '2026-11-27T10:15:03.123456Z' } },
  { name: 'changed PRI severity', msg: { ...good, severity: 6 } },
  {
    name: 'changed timeQuality',
    msg: {
      ...good,
      structuredData: good.structuredData.map((e) =>
        e.id === 'timeQuality'
          ? {
              id: e.id,
              params: [
                ['tzKnown', '1'],
                ['isSynced', '0'],
              ],
            }
          : e,
      ),
    },
  },
  {
    name: 'changed meta sequenceId',
    msg: { ...good, structuredData: good.structuredData.map((e) => (e.id === 'meta' ? { id: e.id, params: [['sequenceId', '41']] } : e)) },
  },
  { name: 'no seclog element', msg: { ...good, structuredData: good.structuredData.filter((e) => e.id !== SECLOG_SD_ID) } },
  { name: 'no MSG', msg: { ...good, message: null, bom: false } },
  { name: 'MSG not JSON', msg: { ...good, message: '{"v":1' } },
  { name: 'MSG JSON but not an event', msg: { ...good, message: '{"v":1}' } },
  { name: 'MSG not canonical (whitespace)', msg: { ...good, message: JSON.stringify(base, null, 1) } },
  { name: 'MSG with a duplicate key', msg: { ...good, message: good.message?.replace('{', '{"name":"authn_login_success",') ?? null } },
  {
    name: 'MSG body changed under an unchanged index',
    msg: { ...good, message: canonicalize({ ...base, actor: { ...base.actor, user: 'admin' } }) },
  },
];
for (const c of tamper) {
  test(`tamper: ${c.name} → SYSLOG_SECLOG_MISMATCH`, () => {
    assert.throws(
      () => decodeEventSyslog(c.msg),
      (e: unknown) => {
        assert.ok(isSeclogError(e, 'SYSLOG_SECLOG_MISMATCH'), String(e));
        if (c.param) {
          assert.equal((e as { details: { param?: string } }).details.param, c.param);
          assert.ok((e as Error).message.includes(c.param));
        }
        return true;
      },
    );
  });
}

test('an invalid body reports the validation issues', () => {
  try {
    decodeEventSyslog({ ...good, message: '{"v":1}' });
    assert.fail('should throw');
  } catch (e) {
    const issues = (e as { details: { issues: { path: string }[] } }).details.issues;
    assert.ok(issues.some((i) => i.path === 'id'));
  }
});

test('NIL HOSTNAME and MSGID make no claim, so they pass', () => {
  assert.deepEqual(decodeEventSyslog({ ...good, hostname: null, msgId: null, timestamp: null }), base);
});

// Generated events: hostile text (CR, LF, ESC sequences, bidi, SD delimiters) made valid the way the SDK does it.
registerVendorEvent({ name: 'x_test_syslog', title: 'Test', when: 'Tests', attrs: {}, example: { attrs: {} } });
const hostile = fc.string({
  unit: fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        '"',
        '\\',
        ']',
        '[',
        '=',
        ' ',
        '\r',
        '\n',
        '\t',
        '\u001b[31m',
        '\u001b]0;x\u0007',
        '\u009b2J',
        '\u202e',
        '\u2066',
        '\u2069',
        '\ufeff',
        '-',
        '@',
        'é',
        '😀',
        '\u2028',
      ),
    },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 40,
});
const text = (max: number): fc.Arbitrary<string> => hostile.map((s) => truncateUtf8(neutraliseText(s), max));
const messageText = hostile.map((s) => truncateUtf8(neutraliseText(s, true), LIMITS.messageBytes));
const idText = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,40}$/);
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
// JSON has no -0, so no format that carries JSON can keep it; events never hold it.
const plusZero = (d: number): number => d + 0;
const attrValue = fc.oneof(
  text(LIMITS.fieldBytes),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(plusZero),
);

// A generator of its own: the process-wide one is monotonic, and far-future ids here would move it.
const testIds = createUuidV7Generator();
const event: fc.Arbitrary<SecurityEvent> = fc
  .record({
    ms: fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31) }),
    us: fc.integer({ min: 0, max: 999 }),
    severity: fc.constantFrom(...SEVERITIES),
    outcome: fc.constantFrom(...OUTCOMES),
    device: fc.record({ id: idText, fw: opt(text(LIMITS.idChars)), model: opt(text(LIMITS.idChars)) }),
    actor: opt(
      fc.record({
        user: opt(text(LIMITS.fieldBytes)),
        ip: opt(fc.oneof(fc.ipV4(), fc.constantFrom('2001:db8::1', '::1', 'fe80::1%eth0'))),
        port: opt(fc.integer({ min: 0, max: 65535 })),
        session: opt(text(64)),
        process: opt(text(64)),
      }),
    ),
    target: opt(fc.record({ resource: opt(text(LIMITS.fieldBytes)), user: opt(text(64)), setting: opt(text(64)) })),
    attrs: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,47}$/), attrValue, { maxKeys: 8 }),
    message: opt(messageText),
    chain: opt(
      fc.record({
        stream: idText,
        seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        boot: idText,
        mono_ms: fc.nat(),
        prev: fc.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ),
    tq: opt(
      fc.record({
        synced: fc.boolean(),
        source: fc.constantFrom(...TIME_SOURCES),
        accuracy_ms: opt(fc.double({ min: 0, max: 1e6, noNaN: true }).map(plusZero)),
        offset_ms: opt(fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(plusZero)),
      }),
    ),
  })
  .map((r) => {
    const ev: SecurityEvent = {
      v: 1,
      id: testIds(r.ms),
      name: 'x_test_syslog',
      time: formatEventTime({ ms: r.ms, us: r.us }),
      severity: r.severity,
      outcome: r.outcome,
      device: defined({ ...r.device }),
      attrs: { ...r.attrs },
    };
    if (r.actor) ev.actor = defined({ ...r.actor });
    if (r.target) ev.target = defined({ ...r.target });
    if (r.message !== undefined) ev.message = r.message;
    if (r.chain) Object.assign(ev, r.chain);
    if (r.tq) ev.tq = defined({ ...r.tq });
    return ev;
  });

test('round trip: decode(parse(encode(ev))) deep-equals ev, as exactly one line', () => {
  fc.assert(
    fc.property(event, (ev) => {
      assert.deepEqual(validateEvent(ev), [], 'the generator makes valid events');
      const wire = encodeEventSyslog(ev);
      assert.ok(!/[\r\n]/.test(wire), 'no CR or LF anywhere in the message');
      const frames = createSyslogFrameDecoder({ maxFrameBytes: 65536, framing: 'lf' }).push(frameLf(wire));
      assert.equal(frames.length, 1);
      const m = parseRfc5424(frames[0] as Uint8Array);
      assert.equal(serializeRfc5424(m), wire);
      assert.deepEqual(decodeEventSyslog(m), ev);
    }),
    { numRuns: 1500 },
  );
});

// Passthrough of foreign RFC 5424 messages.
const receivedAt = { ms: Date.parse('2026-11-27T09:20:00.000Z'), us: 999 };
test('passthrough: OpenSSH via rsyslog RSYSLOG_SyslogProtocol23Format', () => {
  const m = parseRfc5424(
    '<38>1 2026-11-27T10:15:02.123456+01:00 gw-17 sshd 812 - - Failed password for root from 203.0.113.9 port 52144 ssh2',
  );
  const ev = syslogToPassthrough(m, { deviceId: 'gw-17', receivedAt, attribution: 'certificate', sourceIp: '2001:db8::17' });
  assert.deepEqual(validateEvent(ev), []);
  assert.ok(isUuidV7(ev.id));
  // The process-wide generator is monotonic, so an id may carry a later millisecond than receivedAt, never an earlier one.
  assert.ok(uuidV7Time(ev.id) >= receivedAt.ms);
  const { id: _id, ...rest } = ev;
  assert.deepEqual(rest, {
    v: 1,
    name: 'passthrough',
    time: '2026-11-27T09:15:02.123456Z',
    severity: 'info',
    outcome: 'unknown',
    device: { id: 'gw-17' },
    attrs: {
      format: 'rfc5424',
      facility: 4,
      syslog_severity: 6,
      host: 'gw-17',
      app: 'sshd',
      procid: '812',
      syslog_timestamp: '2026-11-27T10:15:02.123456+01:00',
      source_ip: '2001:db8::17',
      attribution: 'certificate',
    },
    message: 'Failed password for root from 203.0.113.9 port 52144 ssh2',
  });
});

test('passthrough: MSGID, SD and timeQuality are kept', () => {
  const m = parseRfc5424(
    '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App\\"x\\]" eventID="1011" eventID="1012"][timeQuality tzKnown="1" isSynced="1" syncAccuracy="1500"] \ufeffAn application event log entry...',
  );
  const ev = syslogToPassthrough(m, { deviceId: 'srv-1', receivedAt });
  assert.deepEqual(validateEvent(ev), []);
  assert.equal(ev.time, '2003-10-11T22:14:15.003000Z');
  assert.equal(ev.severity, 'low');
  assert.equal(ev.attrs.msgid, 'ID47');
  assert.equal(ev.attrs.app, 'evntslog');
  assert.equal(ev.attrs.procid, undefined);
  assert.deepEqual(JSON.parse(ev.attrs.sd as string), [
    [
      'exampleSDID@32473',
      [
        ['iut', '3'],
        ['eventSource', 'App"x]'],
        ['eventID', '1011'],
        ['eventID', '1012'],
      ],
    ],
    [
      'timeQuality',
      [
        ['tzKnown', '1'],
        ['isSynced', '1'],
        ['syncAccuracy', '1500'],
      ],
    ],
  ]);
  assert.deepEqual(ev.tq, { synced: true, source: 'unknown', accuracy_ms: 1.5 });
  assert.equal(ev.message, 'An application event log entry...');
});

test('passthrough: NIL TIMESTAMP uses the receive time; no MSG means no message', () => {
  const ev = syslogToPassthrough(parseRfc5424('<8>1 - - - - - -'), { deviceId: 'plc-1', receivedAt });
  assert.deepEqual(validateEvent(ev), []);
  assert.equal(ev.time, '2026-11-27T09:20:00.000999Z');
  assert.equal(ev.severity, 'critical');
  assert.equal(ev.message, undefined);
  assert.deepEqual(ev.attrs, { format: 'rfc5424', facility: 1, syslog_severity: 0 });
});

test('passthrough: a timestamp that leaves years 0000–9999 in UTC falls back to the receive time, text kept', () => {
  const ev = syslogToPassthrough(parseRfc5424('<13>1 9999-12-31T23:59:59-23:00 - - - - -'), { deviceId: 'plc-1', receivedAt });
  assert.deepEqual(validateEvent(ev), []);
  assert.equal(ev.time, '2026-11-27T09:20:00.000999Z');
  assert.equal(ev.attrs.syslog_timestamp, '9999-12-31T23:59:59-23:00');
});

test('passthrough: attacker text is neutralised and cut, not refused', () => {
  const long = 'x'.repeat(5000);
  const wire = serializeRfc5424({
    facility: 4,
    severity: 5,
    version: 1,
    timestamp: null,
    hostname: null,
    appName: null,
    procId: null,
    msgId: null,
    structuredData: [{ id: 'a', params: [['p', `\u001b[2J\u202e${long}`]] }],
    message: `user \u001b[31mroot\u001b[0m\r\nfake: entry \u202eevil\t${'y'.repeat(LIMITS.messageBytes)}`,
    bom: false,
  });
  const ev = syslogToPassthrough(parseRfc5424(wire), { deviceId: 'plc-1', receivedAt });
  assert.deepEqual(validateEvent(ev), []);
  assert.ok(ev.message?.startsWith('user \\u001b[31mroot\\u001b[0m\\u000d\nfake: entry \\u202eevil\t'));
  assert.ok(ev.message?.endsWith('…'));
  assert.ok((ev.attrs.sd as string).startsWith('[["a",[["p","\\u001b[2J\\u202e'));
  assert.ok((ev.attrs.sd as string).endsWith('…'));
});

test('passthrough of arbitrary valid RFC 5424 messages always validates', () => {
  const hostileMsg = fc.record({
    facility: fc.integer({ min: 0, max: 23 }),
    severity: fc.integer({ min: 0, max: 7 }),
    host: fc.stringMatching(/^[!-~]{1,255}$/),
    sdValue: fc.string({ unit: 'binary', maxLength: 600 }),
    message: fc.string({ unit: 'binary', maxLength: 400 }),
  });
  fc.assert(
    fc.property(hostileMsg, (r) => {
      const wire = serializeRfc5424({
        facility: r.facility,
        severity: r.severity,
        version: 1,
        timestamp: '2026-11-27T10:15:02.5-05:00',
        hostname: r.host === '-' ? null : r.host,
        appName: 'app',
        procId: null,
        msgId: null,
        structuredData: [
          {
            id: 'a@1',
            params: [
              ['p', r.sdValue],
              ['q', r.sdValue],
            ],
          },
          {
            id: 'timeQuality',
            params: [
              ['isSynced', r.sdValue],
              ['syncAccuracy', r.sdValue],
            ],
          },
        ],
        message: r.message.startsWith(BOM) ? r.message.slice(1) : r.message,
        bom: false,
      });
      const ev = syslogToPassthrough(parseRfc5424(wire), {
        deviceId: 'plc-1',
        receivedAt,
        sourceIp: '192.0.2.1',
        attribution: 'unauthenticated',
      });
      assert.deepEqual(validateEvent(ev), []);
    }),
    { numRuns: 500 },
  );
});
