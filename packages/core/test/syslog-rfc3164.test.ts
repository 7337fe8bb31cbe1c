/**
 * Legacy RFC 3164 input: the RFC's own samples, what rsyslog and local
 * daemons really send, year inference around New Year and February 29, and
 * the passthrough record such a message becomes (marked legacy).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isSeclogError } from '../src/errors.js';
import { validateEvent } from '../src/event/validate.js';
import { parseRfc3164 } from '../src/formats/syslog/rfc3164.js';
import type { Rfc3164Message } from '../src/formats/syslog/syslog-message.js';
import { syslogToPassthrough } from '../src/formats/syslog/syslog-passthrough.js';

const now = new Date('2026-11-27T12:00:00Z');

function m(over: Partial<Rfc3164Message>): Rfc3164Message {
  return {
    format: 'rfc3164',
    facility: 1,
    severity: 5,
    timestamp: null,
    time: null,
    hostname: null,
    tag: null,
    procId: null,
    message: '',
    ...over,
  };
}

const cases: { name: string; input: string | Uint8Array; want: Rfc3164Message; now?: Date }[] = [
  {
    name: 'RFC 3164 §5.4 example 1',
    input: "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
    want: m({
      facility: 4,
      severity: 2,
      timestamp: 'Oct 11 22:14:15',
      time: '2026-10-11T22:14:15.000000Z',
      hostname: 'mymachine',
      tag: 'su',
      message: "'su root' failed for lonvick on /dev/pts/8",
    }),
  },
  {
    name: 'RFC 3164 §5.4 example 2: day padded with a space, no TAG',
    input: '<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!',
    want: m({ timestamp: 'Feb  5 17:32:18', time: '2026-02-05T17:32:18.000000Z', hostname: '10.0.0.99', message: 'Use the BFG!' }),
  },
  {
    name: 'RFC 3164 §5.4 example 4: no valid TIMESTAMP, so everything is content',
    input: "<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
    want: m({
      facility: 0,
      severity: 0,
      message: "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
    }),
  },
  {
    name: 'OpenSSH through rsyslog (RSYSLOG_TraditionalForwardFormat)',
    input: '<38>Nov 27 10:15:02 gw-17 sshd[812]: Failed password for root from 203.0.113.9 port 52144 ssh2',
    want: m({
      facility: 4,
      severity: 6,
      timestamp: 'Nov 27 10:15:02',
      time: '2026-11-27T10:15:02.000000Z',
      hostname: 'gw-17',
      tag: 'sshd',
      procId: '812',
      message: 'Failed password for root from 203.0.113.9 port 52144 ssh2',
    }),
  },
  {
    name: 'local /dev/log style: no HOST, TAG[PID] right after the timestamp',
    input: '<38>Nov 27 10:15:02 sshd[812]: Failed password for root',
    want: m({
      facility: 4,
      severity: 6,
      timestamp: 'Nov 27 10:15:02',
      time: '2026-11-27T10:15:02.000000Z',
      tag: 'sshd',
      procId: '812',
      message: 'Failed password for root',
    }),
  },
  {
    name: 'no HOST, TAG without PID',
    input: '<14>Nov 27 10:15:02 kernel: eth0 link up',
    want: m({
      facility: 1,
      severity: 6,
      timestamp: 'Nov 27 10:15:02',
      time: '2026-11-27T10:15:02.000000Z',
      tag: 'kernel',
      message: 'eth0 link up',
    }),
  },
  {
    name: 'single-digit day padded with a space',
    input: '<38>Nov  7 10:15:02 gw-17 sshd[812]: x',
    want: m({
      facility: 4,
      severity: 6,
      timestamp: 'Nov  7 10:15:02',
      time: '2026-11-07T10:15:02.000000Z',
      hostname: 'gw-17',
      tag: 'sshd',
      procId: '812',
      message: 'x',
    }),
  },
  {
    name: 'zero-padded day and a fraction are tolerated',
    input: '<38>Nov 07 10:15:02.123456 gw-17 app: x',
    want: m({
      facility: 4,
      severity: 6,
      timestamp: 'Nov 07 10:15:02.123456',
      time: '2026-11-07T10:15:02.123456Z',
      hostname: 'gw-17',
      tag: 'app',
      message: 'x',
    }),
  },
  {
    name: 'RFC 3339 timestamp (rsyslog RSYSLOG_ForwardFormat)',
    input: '<38>2026-11-27T10:15:02.123456+01:00 gw-17 sshd[812]: Failed password',
    want: m({
      facility: 4,
      severity: 6,
      timestamp: '2026-11-27T10:15:02.123456+01:00',
      time: '2026-11-27T09:15:02.123456Z',
      hostname: 'gw-17',
      tag: 'sshd',
      procId: '812',
      message: 'Failed password',
    }),
  },
  {
    name: 'no PRI: the whole input is content with PRI 13 (RFC 3164 §4.3.3)',
    input: 'Nov 27 10:15:02 gw-17 app: x',
    want: m({ timestamp: 'Nov 27 10:15:02', time: '2026-11-27T10:15:02.000000Z', hostname: 'gw-17', tag: 'app', message: 'x' }),
  },
  { name: 'PRI out of range is content', input: '<192>hello', want: m({ message: '<192>hello' }) },
  { name: 'PRI with leading zeros is tolerated', input: '<013>hello world', want: m({ facility: 1, severity: 5, message: 'hello world' }) },
  { name: 'only a PRI', input: '<13>', want: m({}) },
  {
    name: 'a word after the timestamp is not a HOST when nothing follows it',
    input: '<13>Nov 27 10:15:02 reboot',
    want: m({ timestamp: 'Nov 27 10:15:02', time: '2026-11-27T10:15:02.000000Z', message: 'reboot' }),
  },
  { name: 'an impossible date is content', input: '<13>Feb 30 10:15:02 gw x', want: m({ message: 'Feb 30 10:15:02 gw x' }) },
  { name: 'hour 24 is content', input: '<13>Nov 27 24:15:02 gw x', want: m({ message: 'Nov 27 24:15:02 gw x' }) },
  { name: 'lower-case month is content', input: '<13>nov 27 10:15:02 gw x', want: m({ message: 'nov 27 10:15:02 gw x' }) },
  {
    name: 'Latin-1 bytes are read one character per byte',
    input: Uint8Array.from([...new TextEncoder().encode('<13>Nov 27 10:15:02 gw app: caf'), 0xe9]),
    want: m({ timestamp: 'Nov 27 10:15:02', time: '2026-11-27T10:15:02.000000Z', hostname: 'gw', tag: 'app', message: 'café' }),
  },
  {
    name: 'control characters are kept as text here (passthrough neutralises them)',
    input: '<13>Nov 27 10:15:02 gw app: a\u001b[2Jb\r\nc',
    want: m({ timestamp: 'Nov 27 10:15:02', time: '2026-11-27T10:15:02.000000Z', hostname: 'gw', tag: 'app', message: 'a\u001b[2Jb\r\nc' }),
  },
];
for (const c of cases) test(c.name, () => assert.deepEqual(parseRfc3164(c.input, { now: c.now ?? now }), c.want));

// The year is the one that puts the date nearest to now, never more than a day ahead of it.
const years: { name: string; now: string; stamp: string; want: string | null }[] = [
  { name: 'same year', now: '2026-06-15T12:00:00Z', stamp: 'Jun 15 11:00:00', want: '2026-06-15T11:00:00.000000Z' },
  {
    name: 'Dec 31 received on Jan 1 is last year',
    now: '2027-01-01T00:30:00Z',
    stamp: 'Dec 31 23:59:00',
    want: '2026-12-31T23:59:00.000000Z',
  },
  {
    name: 'Jan 1 received on Dec 31 within a day is next year (clock skew)',
    now: '2026-12-31T23:00:00Z',
    stamp: 'Jan  1 12:00:00',
    want: '2027-01-01T12:00:00.000000Z',
  },
  {
    name: 'more than a day ahead is last year',
    now: '2026-12-31T23:00:00Z',
    stamp: 'Jan  2 12:00:00',
    want: '2026-01-02T12:00:00.000000Z',
  },
  {
    name: 'a few hours ahead in the same year is accepted',
    now: '2026-06-15T12:00:00Z',
    stamp: 'Jun 15 20:00:00',
    want: '2026-06-15T20:00:00.000000Z',
  },
  { name: 'two days ahead goes to last year', now: '2026-06-15T12:00:00Z', stamp: 'Jun 17 12:00:00', want: '2025-06-17T12:00:00.000000Z' },
  {
    name: 'Feb 29 received in a common year is the last leap year',
    now: '2026-03-01T00:00:00Z',
    stamp: 'Feb 29 10:00:00',
    want: '2024-02-29T10:00:00.000000Z',
  },
  { name: 'Feb 29 received on Feb 29', now: '2028-02-29T12:00:00Z', stamp: 'Feb 29 10:00:00', want: '2028-02-29T10:00:00.000000Z' },
  {
    name: 'Feb 29 across 2100 (not a leap year)',
    now: '2101-01-01T00:00:00Z',
    stamp: 'Feb 29 10:00:00',
    want: '2096-02-29T10:00:00.000000Z',
  },
];
for (const c of years) {
  test(`year inference: ${c.name}`, () => {
    const got = parseRfc3164(`<13>${c.stamp} host app: x`, { now: new Date(c.now) });
    assert.equal(got.time, c.want);
    assert.equal(got.timestamp, c.stamp);
  });
}

const errors: { name: string; fn: () => unknown }[] = [
  { name: 'empty string', fn: () => parseRfc3164('', { now }) },
  { name: 'empty bytes', fn: () => parseRfc3164(new Uint8Array(0), { now }) },
  { name: 'longer than maxLength', fn: () => parseRfc3164('<13>Nov 27 10:15:02 gw app: 123456', { now, maxLength: 10 }) },
  { name: 'bytes longer than maxLength', fn: () => parseRfc3164(new Uint8Array(11).fill(0x41), { now, maxLength: 10 }) },
  { name: 'invalid now', fn: () => parseRfc3164('<13>x', { now: new Date(Number.NaN) }) },
  { name: 'missing options', fn: () => parseRfc3164('<13>x', undefined as unknown as { now: Date }) },
];
for (const c of errors)
  test(`SYSLOG_RFC3164_INVALID: ${c.name}`, () => assert.throws(c.fn, (e: unknown) => isSeclogError(e, 'SYSLOG_RFC3164_INVALID')));

test('anything else never throws: arbitrary bytes and strings parse to a message', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 200 })),
      (input) => {
        const got = parseRfc3164(input, { now });
        assert.equal(got.format, 'rfc3164');
        assert.ok(got.facility >= 0 && got.facility <= 23 && got.severity >= 0 && got.severity <= 7);
      },
    ),
    { numRuns: 3000 },
  );
});

const receivedAt = { ms: Date.parse('2026-11-27T12:00:00Z'), us: 250 };
test('passthrough of an RFC 3164 message is marked legacy and validates', () => {
  const msg = parseRfc3164('<38>Nov 27 10:15:02 gw-17 sshd[812]: Failed password for root from 203.0.113.9 port 52144 ssh2', { now });
  const ev = syslogToPassthrough(msg, { deviceId: 'gw-17', receivedAt, attribution: 'source_map', sourceIp: '203.0.113.1' });
  assert.deepEqual(validateEvent(ev), []);
  assert.equal(ev.name, 'passthrough');
  assert.equal(ev.time, '2026-11-27T10:15:02.000000Z');
  assert.equal(ev.severity, 'info');
  assert.equal(ev.message, 'Failed password for root from 203.0.113.9 port 52144 ssh2');
  assert.deepEqual(ev.attrs, {
    format: 'rfc3164',
    legacy: true,
    facility: 4,
    syslog_severity: 6,
    host: 'gw-17',
    app: 'sshd',
    procid: '812',
    syslog_timestamp: 'Nov 27 10:15:02',
    source_ip: '203.0.113.1',
    attribution: 'source_map',
  });
});

test('passthrough of an RFC 3164 message without timestamp uses the receive time', () => {
  const ev = syslogToPassthrough(parseRfc3164('<0>no time here', { now }), { deviceId: 'plc-1', receivedAt });
  assert.deepEqual(validateEvent(ev), []);
  assert.equal(ev.time, '2026-11-27T12:00:00.000250Z');
  assert.equal(ev.severity, 'critical');
  assert.deepEqual(ev.attrs, { format: 'rfc3164', legacy: true, facility: 0, syslog_severity: 0 });
});

test('passthrough of arbitrary RFC 3164 input always validates', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 300 })),
      (input) => {
        const ev = syslogToPassthrough(parseRfc3164(input, { now }), { deviceId: 'plc-1', receivedAt });
        assert.deepEqual(validateEvent(ev), []);
      },
    ),
    { numRuns: 1000 },
  );
});
