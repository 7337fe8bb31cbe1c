/**
 * RFC 5424 parser and serializer: the §6.5 examples, a table of named invalid
 * inputs with the exact code each must get, exactness of TIMESTAMP, and the
 * serialize/parse round trip over arbitrary valid messages.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type ErrorCode, isSeclogError } from '../src/errors.js';
import { parseRfc5424 } from '../src/formats/syslog/rfc5424-parse.js';
import { serializeRfc5424 } from '../src/formats/syslog/rfc5424-serialize.js';
import type { SdElement, SyslogMessage } from '../src/formats/syslog/syslog-message.js';

const BOM = '\ufeff';
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));

function msg(over: Partial<SyslogMessage>): SyslogMessage {
  return {
    facility: 1,
    severity: 5,
    version: 1,
    timestamp: null,
    hostname: null,
    appName: null,
    procId: null,
    msgId: null,
    structuredData: [],
    message: null,
    bom: false,
    ...over,
  };
}

// RFC 5424 §6.5, examples 1–4 ("BOM" in the RFC stands for the three bytes EF BB BF).
const examples: { name: string; input: string; want: SyslogMessage }[] = [
  {
    name: '§6.5 example 1: no STRUCTURED-DATA',
    input: `<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ${BOM}'su root' failed for lonvick on /dev/pts/8`,
    want: msg({
      facility: 4,
      severity: 2,
      timestamp: '2003-10-11T22:14:15.003Z',
      hostname: 'mymachine.example.com',
      appName: 'su',
      msgId: 'ID47',
      message: "'su root' failed for lonvick on /dev/pts/8",
      bom: true,
    }),
  },
  {
    name: '§6.5 example 2: offset, microseconds, MSG without BOM',
    input: "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
    want: msg({
      facility: 20,
      severity: 5,
      timestamp: '2003-08-24T05:14:15.000003-07:00',
      hostname: '192.0.2.1',
      appName: 'myproc',
      procId: '8710',
      message: "%% It's time to make the do-nuts.",
    }),
  },
  {
    name: '§6.5 example 3: STRUCTURED-DATA and MSG',
    input: `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] ${BOM}An application event log entry...`,
    want: msg({
      facility: 20,
      severity: 5,
      timestamp: '2003-10-11T22:14:15.003Z',
      hostname: 'mymachine.example.com',
      appName: 'evntslog',
      msgId: 'ID47',
      structuredData: [
        {
          id: 'exampleSDID@32473',
          params: [
            ['iut', '3'],
            ['eventSource', 'Application'],
            ['eventID', '1011'],
          ],
        },
      ],
      message: 'An application event log entry...',
      bom: true,
    }),
  },
  {
    name: '§6.5 example 4: two SD-ELEMENTs, no MSG',
    input:
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
    want: msg({
      facility: 20,
      severity: 5,
      timestamp: '2003-10-11T22:14:15.003Z',
      hostname: 'mymachine.example.com',
      appName: 'evntslog',
      msgId: 'ID47',
      structuredData: [
        {
          id: 'exampleSDID@32473',
          params: [
            ['iut', '3'],
            ['eventSource', 'Application'],
            ['eventID', '1011'],
          ],
        },
        { id: 'examplePriority@32473', params: [['class', 'high']] },
      ],
    }),
  },
];

for (const c of examples) {
  test(`parse ${c.name}`, () => assert.deepEqual(parseRfc5424(c.input), c.want));
  test(`serialize ${c.name}`, () => assert.equal(serializeRfc5424(c.want), c.input));
  test(`parse bytes ${c.name}`, () => assert.deepEqual(parseRfc5424(new TextEncoder().encode(c.input)), c.want));
}

const sd = (id: string, ...params: [string, string][]): SdElement => ({ id, params });

// Valid edge cases: what the grammar allows at its limits.
const valid: { name: string; input: string | Uint8Array; want: Partial<SyslogMessage> }[] = [
  { name: 'PRI <0> is allowed (a single zero is not a leading zero)', input: '<0>1 - - - - - -', want: { facility: 0, severity: 0 } },
  { name: 'PRI <191> is the largest', input: '<191>1 - - - - - -', want: { facility: 23, severity: 7 } },
  { name: 'all NILVALUE, no MSG', input: '<13>1 - - - - - -', want: {} },
  { name: 'SP then empty MSG', input: '<13>1 - - - - - - ', want: { message: '' } },
  { name: 'BOM then empty MSG', input: `<13>1 - - - - - - ${BOM}`, want: { message: '', bom: true } },
  { name: 'a second BOM is MSG text', input: `<13>1 - - - - - - ${BOM}${BOM}x`, want: { message: `${BOM}x`, bom: true } },
  {
    name: 'MSG keeps CR, LF, ESC and extra spaces',
    input: '<13>1 - - - - - -  a\r\n\u001b[31m  ',
    want: { message: ' a\r\n\u001b[31m  ' },
  },
  { name: 'HOSTNAME of 255 characters', input: `<13>1 - ${'h'.repeat(255)} - - - -`, want: { hostname: 'h'.repeat(255) } },
  {
    name: 'APP-NAME of 48, PROCID of 128, MSGID of 32',
    input: `<13>1 - - ${'a'.repeat(48)} ${'p'.repeat(128)} ${'m'.repeat(32)} -`,
    want: { appName: 'a'.repeat(48), procId: 'p'.repeat(128), msgId: 'm'.repeat(32) },
  },
  {
    name: 'header fields may contain any PRINTUSASCII',
    input: '<13>1 - h[]"=\\ a:b p-1 -- -',
    want: { hostname: 'h[]"=\\', appName: 'a:b', procId: 'p-1', msgId: '--' },
  },
  {
    name: 'escapes \\" \\\\ \\] are decoded',
    input: '<13>1 - - - - - [a x="q\\"b\\\\c\\]"]',
    want: { structuredData: [sd('a', ['x', 'q"b\\c]'])] },
  },
  {
    name: 'a backslash before another character is kept (§6.3.3)',
    input: '<13>1 - - - - - [a x="\\n\\t\\x"]',
    want: { structuredData: [sd('a', ['x', '\\n\\t\\x'])] },
  },
  {
    name: 'a backslash before a non-ASCII character is kept',
    input: '<13>1 - - - - - [a x="\\é"]',
    want: { structuredData: [sd('a', ['x', '\\é'])] },
  },
  { name: 'empty PARAM-VALUE', input: '<13>1 - - - - - [a x=""]', want: { structuredData: [sd('a', ['x', ''])] } },
  { name: 'SD-ELEMENT without params', input: '<13>1 - - - - - [a]', want: { structuredData: [sd('a')] } },
  {
    name: 'repeated PARAM-NAME keeps both, in order',
    input: '<13>1 - - - - - [a x="1" x="2"]',
    want: { structuredData: [sd('a', ['x', '1'], ['x', '2'])] },
  },
  {
    name: 'PARAM-VALUE with raw CR LF, UTF-8 and a leading BOM',
    input: `<13>1 - - - - - [a x="\r\n😀${BOM}"]`,
    want: { structuredData: [sd('a', ['x', `\r\n😀${BOM}`])] },
  },
  { name: "'[' inside PARAM-VALUE needs no escape", input: '<13>1 - - - - - [a x="[["]', want: { structuredData: [sd('a', ['x', '[['])] } },
  {
    name: 'SD-ID and PARAM-NAME of 32 characters',
    input: `<13>1 - - - - - [${'i'.repeat(32)} ${'n'.repeat(32)}="v"]`,
    want: { structuredData: [sd('i'.repeat(32), ['n'.repeat(32), 'v'])] },
  },
  { name: 'SD-ID with a dotted enterprise number', input: '<13>1 - - - - - [x@32473.1.2]', want: { structuredData: [sd('x@32473.1.2')] } },
  {
    name: 'same PARAM-NAME in different elements',
    input: '<13>1 - - - - - [a x="1"][b x="2"] m',
    want: { structuredData: [sd('a', ['x', '1']), sd('b', ['x', '2'])], message: 'm' },
  },
  { name: 'Feb 29 in a leap year', input: '<13>1 2024-02-29T00:00:00Z - - - - -', want: { timestamp: '2024-02-29T00:00:00Z' } },
  {
    name: 'year 0000 and offset -23:59',
    input: '<13>1 0000-01-01T00:00:00-23:59 - - - - -',
    want: { timestamp: '0000-01-01T00:00:00-23:59' },
  },
  { name: 'MSG that is not UTF-8-prefixed but valid UTF-8', input: bytes('<13>1 - - - - - - ', [0xc3, 0xa9]), want: { message: 'é' } },
  { name: 'exactly maxLength bytes', input: `<13>1 - - - - - - ${'x'.repeat(65536 - 18)}`, want: { message: 'x'.repeat(65536 - 18) } },
];
for (const c of valid) test(`valid: ${c.name}`, () => assert.deepEqual(parseRfc5424(c.input), msg(c.want)));

// Fractional seconds and offsets are kept exactly as written, never normalised.
const exact = ['.1', '.12', '.123', '.1234', '.12345', '.123456', '.000000', '.000001', '', '.5'];
const zones = ['Z', '+00:00', '-00:00', '+05:45', '-12:00', '+23:59'];
for (const f of exact) {
  for (const z of zones) {
    const ts = `2026-11-27T10:15:02${f}${z}`;
    test(`TIMESTAMP kept exactly: ${ts}`, () => {
      const m = parseRfc5424(`<13>1 ${ts} - - - - -`);
      assert.equal(m.timestamp, ts);
      assert.equal(serializeRfc5424(m), `<13>1 ${ts} - - - - -`);
    });
  }
}

const H = '<13>1 - - - - - -';
const TS = (t: string): string => `<13>1 ${t} h a p m -`;
const invalid: { name: string; input: string | Uint8Array; code: ErrorCode; field?: string; offset?: number; maxLength?: number }[] = [
  { name: 'PRI 192', input: '<192>1 - - - - - -', code: 'SYSLOG_PRI_INVALID', field: 'PRI' },
  { name: 'PRI 999', input: '<999>1 - - - - - -', code: 'SYSLOG_PRI_INVALID' },
  { name: 'PRI <01> leading zero', input: '<01>1 - - - - - -', code: 'SYSLOG_PRI_INVALID', offset: 1 },
  { name: 'PRI <00>', input: '<00>1 - - - - - -', code: 'SYSLOG_PRI_INVALID' },
  { name: 'PRI <013> leading zero, three digits', input: '<013>1 - - - - - -', code: 'SYSLOG_PRI_INVALID' },
  { name: 'PRI of four digits', input: '<1000>1 - - - - - -', code: 'SYSLOG_PRI_INVALID' },
  { name: 'PRI empty', input: '<>1 - - - - - -', code: 'SYSLOG_PRI_INVALID' },
  { name: 'PRI missing', input: '13>1 - - - - -', code: 'SYSLOG_PRI_INVALID', offset: 0 },
  { name: 'PRI unterminated', input: '<13', code: 'SYSLOG_PRI_INVALID' },
  { name: 'PRI with a letter', input: '<1a>1 - - - - -', code: 'SYSLOG_PRI_INVALID' },
  { name: 'PRI negative', input: '<-1>1 - - - - -', code: 'SYSLOG_PRI_INVALID' },
  { name: 'empty input', input: '', code: 'SYSLOG_PRI_INVALID' },
  { name: 'BOM before PRI', input: `${BOM}<13>1 - - - - - -`, code: 'SYSLOG_PRI_INVALID', offset: 0 },
  { name: 'VERSION 2', input: '<13>2 - - - - -', code: 'SYSLOG_VERSION_UNSUPPORTED', field: 'VERSION', offset: 4 },
  { name: 'VERSION 01', input: '<13>01 - - - - -', code: 'SYSLOG_VERSION_UNSUPPORTED' },
  { name: 'VERSION 10', input: '<13>10 - - - - -', code: 'SYSLOG_VERSION_UNSUPPORTED' },
  {
    name: 'VERSION missing (RFC 3164 message)',
    input: "<34>Oct 11 22:14:15 mymachine su: 'su root' failed",
    code: 'SYSLOG_VERSION_UNSUPPORTED',
  },
  { name: 'nothing after PRI', input: '<13>', code: 'SYSLOG_VERSION_UNSUPPORTED' },
  { name: 'ends after VERSION', input: '<13>1', code: 'SYSLOG_TIMESTAMP_INVALID', field: 'TIMESTAMP' },
  { name: 'two SPs after VERSION', input: '<13>1  - - - - - -', code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'Feb 30', input: TS('2026-02-30T00:00:00Z'), code: 'SYSLOG_TIMESTAMP_INVALID', field: 'TIMESTAMP', offset: 6 },
  { name: 'Feb 29 in a common year', input: TS('2025-02-29T00:00:00Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'Feb 29 1900 (century, not leap)', input: TS('1900-02-29T00:00:00Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'April 31', input: TS('2026-04-31T00:00:00Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'month 13', input: TS('2026-13-01T00:00:00Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'month 00', input: TS('2026-00-01T00:00:00Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'day 00', input: TS('2026-01-00T00:00:00Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'hour 24', input: TS('2026-01-01T24:00:00Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'minute 60', input: TS('2026-01-01T00:60:00Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'leap second 60', input: TS('2016-12-31T23:59:60Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: "lowercase 't'", input: TS('2026-11-27t10:15:02Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: "lowercase 'z'", input: TS('2026-11-27T10:15:02z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'space instead of T', input: '<13>1 2026-11-27 10:15:02Z h a p m -', code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: '7 fractional digits', input: TS('2026-11-27T10:15:02.1234567Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'fraction point without digits', input: TS('2026-11-27T10:15:02.Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'no TIME-OFFSET', input: TS('2026-11-27T10:15:02'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'offset without colon', input: TS('2026-11-27T10:15:02+0100'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'offset hour 24', input: TS('2026-11-27T10:15:02+24:00'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'offset minute 60', input: TS('2026-11-27T10:15:02+01:60'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'date only', input: TS('2026-11-27'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'two-digit year', input: TS('26-11-27T10:15:02Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'five-digit year', input: TS('12026-11-27T10:15:02Z'), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'BSD timestamp in an RFC 5424 header', input: '<13>1 Oct 11 22:14:15 h a p m -', code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'very long TIMESTAMP token', input: TS(`2026-11-27T10:15:02.${'1'.repeat(100)}Z`), code: 'SYSLOG_TIMESTAMP_INVALID' },
  {
    name: 'HOSTNAME of 256 characters',
    input: `<13>1 - ${'h'.repeat(256)} - - - -`,
    code: 'SYSLOG_HEADER_INVALID',
    field: 'HOSTNAME',
    offset: 8 + 255,
  },
  { name: 'APP-NAME of 49 characters', input: `<13>1 - - ${'a'.repeat(49)} - - -`, code: 'SYSLOG_HEADER_INVALID', field: 'APP-NAME' },
  { name: 'PROCID of 129 characters', input: `<13>1 - - - ${'p'.repeat(129)} - -`, code: 'SYSLOG_HEADER_INVALID', field: 'PROCID' },
  { name: 'MSGID of 33 characters', input: `<13>1 - - - - ${'m'.repeat(33)} -`, code: 'SYSLOG_HEADER_INVALID', field: 'MSGID' },
  { name: 'HOSTNAME with a non-ASCII character', input: '<13>1 - hé - - - -', code: 'SYSLOG_HEADER_INVALID', field: 'HOSTNAME', offset: 9 },
  { name: 'HOSTNAME with a TAB', input: '<13>1 - h\tx - - - -', code: 'SYSLOG_HEADER_INVALID', field: 'HOSTNAME' },
  { name: 'APP-NAME with DEL', input: '<13>1 - - a\u007f - - -', code: 'SYSLOG_HEADER_INVALID', field: 'APP-NAME' },
  { name: 'two SPs between HOSTNAME and APP-NAME', input: '<13>1 - h  a p m -', code: 'SYSLOG_HEADER_INVALID', field: 'APP-NAME' },
  { name: 'ends after HOSTNAME', input: '<13>1 - h', code: 'SYSLOG_HEADER_INVALID', field: 'APP-NAME' },
  { name: 'ends after MSGID (no STRUCTURED-DATA)', input: '<13>1 - - - - -', code: 'SYSLOG_SD_INVALID', field: 'STRUCTURED-DATA' },
  { name: 'SP but no STRUCTURED-DATA', input: '<13>1 - - - - - ', code: 'SYSLOG_SD_INVALID' },
  { name: 'duplicate SD-ID', input: `${H.slice(0, -1)}[a x="1"][a y="2"]`, code: 'SYSLOG_SD_INVALID', field: 'SD-ID' },
  { name: 'unterminated SD-ELEMENT', input: `${H.slice(0, -1)}[a x="1"`, code: 'SYSLOG_SD_INVALID', field: 'STRUCTURED-DATA' },
  { name: 'unterminated SD-ID', input: `${H.slice(0, -1)}[abc`, code: 'SYSLOG_SD_INVALID' },
  { name: 'unterminated PARAM-VALUE', input: `${H.slice(0, -1)}[a x="1`, code: 'SYSLOG_SD_INVALID', field: 'PARAM-VALUE' },
  {
    name: 'bad escape position: \\" eats the closing quote',
    input: `${H.slice(0, -1)}[a x="1\\"]`,
    code: 'SYSLOG_SD_INVALID',
    field: 'PARAM-VALUE',
  },
  {
    name: 'bad escape position: backslash at the end of input',
    input: `${H.slice(0, -1)}[a x="1\\`,
    code: 'SYSLOG_SD_INVALID',
    field: 'PARAM-VALUE',
  },
  {
    name: 'bad escape position: escape outside PARAM-VALUE',
    input: `${H.slice(0, -1)}[a x=\\"1"]`,
    code: 'SYSLOG_SD_INVALID',
    field: 'PARAM-VALUE',
  },
  {
    name: 'bad escape position: escaped ] after a PARAM',
    input: `${H.slice(0, -1)}[a x="1"\\]`,
    code: 'SYSLOG_SD_INVALID',
    field: 'STRUCTURED-DATA',
  },
  { name: "unescaped ']' in PARAM-VALUE", input: `${H.slice(0, -1)}[a x="1]"]`, code: 'SYSLOG_SD_INVALID', field: 'PARAM-VALUE' },
  { name: 'SD-ID of 33 characters', input: `${H.slice(0, -1)}[${'i'.repeat(33)}]`, code: 'SYSLOG_SD_INVALID', field: 'SD-ID' },
  {
    name: 'PARAM-NAME of 33 characters',
    input: `${H.slice(0, -1)}[a ${'n'.repeat(33)}="v"]`,
    code: 'SYSLOG_SD_INVALID',
    field: 'PARAM-NAME',
  },
  { name: 'empty SD-ID', input: `${H.slice(0, -1)}[ x="1"]`, code: 'SYSLOG_SD_INVALID', field: 'SD-ID' },
  { name: 'empty PARAM-NAME (two SPs)', input: `${H.slice(0, -1)}[a  x="1"]`, code: 'SYSLOG_SD_INVALID', field: 'PARAM-NAME' },
  { name: "SP before ']'", input: `${H.slice(0, -1)}[a x="1" ]`, code: 'SYSLOG_SD_INVALID', field: 'PARAM-NAME' },
  { name: "'=' in SD-ID", input: `${H.slice(0, -1)}[a=b]`, code: 'SYSLOG_SD_INVALID' },
  { name: "PARAM-NAME without '='", input: `${H.slice(0, -1)}[a x]`, code: 'SYSLOG_SD_INVALID', field: 'PARAM-NAME' },
  { name: 'PARAM-VALUE without quotes', input: `${H.slice(0, -1)}[a x=1]`, code: 'SYSLOG_SD_INVALID', field: 'PARAM-VALUE' },
  { name: 'PARAM-VALUE in single quotes', input: `${H.slice(0, -1)}[a x='1']`, code: 'SYSLOG_SD_INVALID', field: 'PARAM-VALUE' },
  { name: "SD-ID with '@' and no enterprise number", input: `${H.slice(0, -1)}[a@]`, code: 'SYSLOG_SD_INVALID', field: 'SD-ID' },
  { name: "SD-ID with nothing before '@'", input: `${H.slice(0, -1)}[@32473]`, code: 'SYSLOG_SD_INVALID', field: 'SD-ID' },
  { name: "SD-ID with two '@'", input: `${H.slice(0, -1)}[a@1@2]`, code: 'SYSLOG_SD_INVALID', field: 'SD-ID' },
  { name: 'SD-ID with a non-numeric enterprise number', input: `${H.slice(0, -1)}[a@example]`, code: 'SYSLOG_SD_INVALID', field: 'SD-ID' },
  { name: 'no SP between STRUCTURED-DATA and MSG', input: `${H.slice(0, -1)}[a]msg`, code: 'SYSLOG_SD_INVALID' },
  { name: 'no SP between NILVALUE SD and MSG', input: `${H}msg`, code: 'SYSLOG_SD_INVALID' },
  { name: 'STRUCTURED-DATA starting with another character', input: `${H.slice(0, -1)}{a}`, code: 'SYSLOG_SD_INVALID' },
  { name: 'SP inside SD-ELEMENT before the SD-ID', input: `${H.slice(0, -1)}[ a]`, code: 'SYSLOG_SD_INVALID' },
  { name: 'invalid UTF-8: lone continuation byte', input: bytes(`${H} `, [0x80]), code: 'SYSLOG_ENCODING_INVALID', offset: 18 },
  { name: 'invalid UTF-8: 0xFF', input: bytes(`${H} ab`, [0xff]), code: 'SYSLOG_ENCODING_INVALID', offset: 20 },
  { name: 'invalid UTF-8: overlong slash C0 AF', input: bytes(`${H} `, [0xc0, 0xaf]), code: 'SYSLOG_ENCODING_INVALID' },
  { name: 'invalid UTF-8: overlong E0 80 AF', input: bytes(`${H} `, [0xe0, 0x80, 0xaf]), code: 'SYSLOG_ENCODING_INVALID' },
  { name: 'invalid UTF-8: UTF-16 surrogate ED A0 80', input: bytes(`${H} `, [0xed, 0xa0, 0x80]), code: 'SYSLOG_ENCODING_INVALID' },
  { name: 'invalid UTF-8: above U+10FFFF F4 90 80 80', input: bytes(`${H} `, [0xf4, 0x90, 0x80, 0x80]), code: 'SYSLOG_ENCODING_INVALID' },
  { name: 'invalid UTF-8: truncated sequence at the end', input: bytes(`${H} `, [0xe2, 0x82]), code: 'SYSLOG_ENCODING_INVALID' },
  { name: 'invalid UTF-8 inside PARAM-VALUE', input: bytes(`${H.slice(0, -1)}[a x="`, [0xc3], '"]'), code: 'SYSLOG_ENCODING_INVALID' },
  { name: 'invalid UTF-8 in HOSTNAME', input: bytes('<13>1 - ', [0xfe], ' - - - -'), code: 'SYSLOG_ENCODING_INVALID', offset: 8 },
  { name: 'lone surrogate in a string input', input: `${H} a\ud800b`, code: 'SYSLOG_ENCODING_INVALID', offset: 19 },
  { name: 'too long for maxLength', input: `${H} 12345`, code: 'SYSLOG_TOO_LONG', maxLength: 20 },
  { name: 'too long as bytes', input: bytes(`${H} 12345`), code: 'SYSLOG_TOO_LONG', maxLength: 20 },
  { name: 'too long by the default 64 KiB limit', input: `${H} ${'x'.repeat(65536)}`, code: 'SYSLOG_TOO_LONG' },
  { name: 'too long in UTF-8 bytes, not in characters', input: `${H} ${'é'.repeat(10)}`, code: 'SYSLOG_TOO_LONG', maxLength: 30 },
];

test('the invalid table has at least 40 cases', () => assert.ok(invalid.length >= 40));
for (const c of invalid) {
  test(`invalid: ${c.name} → ${c.code}`, () => {
    assert.throws(
      () => parseRfc5424(c.input, c.maxLength === undefined ? {} : { maxLength: c.maxLength }),
      (err: unknown) => {
        assert.ok(isSeclogError(err, c.code), `expected ${c.code}, got ${String((err as { code?: string }).code)}: ${String(err)}`);
        const d = (err as unknown as { details: { offset: unknown; field: unknown } }).details;
        assert.equal(typeof d.offset, 'number');
        assert.equal(typeof d.field, 'string');
        if (c.field !== undefined) assert.equal(d.field, c.field);
        if (c.offset !== undefined) assert.equal(d.offset, c.offset);
        return true;
      },
    );
  });
}

test('error messages name the field and never echo control characters', () => {
  try {
    parseRfc5424('<13>1 - h\u001b[2J - - - -');
    assert.fail('should throw');
  } catch (err) {
    assert.match((err as Error).message, /^HOSTNAME at byte 9: 0x1b is not PRINTUSASCII/);
  }
});

const badMessages: { name: string; msg: SyslogMessage; code: ErrorCode }[] = [
  { name: 'facility 24', msg: msg({ facility: 24 }), code: 'SYSLOG_PRI_INVALID' },
  { name: 'severity 8', msg: msg({ severity: 8 }), code: 'SYSLOG_PRI_INVALID' },
  { name: 'fractional facility', msg: msg({ facility: 1.5 }), code: 'SYSLOG_PRI_INVALID' },
  { name: 'version 2', msg: { ...msg({}), version: 2 as unknown as 1 }, code: 'SYSLOG_VERSION_UNSUPPORTED' },
  { name: 'timestamp Feb 30', msg: msg({ timestamp: '2026-02-30T00:00:00Z' }), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'timestamp with 9 digits', msg: msg({ timestamp: '2026-02-03T00:00:00.123456789Z' }), code: 'SYSLOG_TIMESTAMP_INVALID' },
  { name: 'hostname with SP', msg: msg({ hostname: 'a b' }), code: 'SYSLOG_HEADER_INVALID' },
  { name: 'hostname with LF (CWE-117)', msg: msg({ hostname: 'a\nb' }), code: 'SYSLOG_HEADER_INVALID' },
  { name: "hostname '-' (would read back as NILVALUE)", msg: msg({ hostname: '-' }), code: 'SYSLOG_HEADER_INVALID' },
  { name: 'empty appName', msg: msg({ appName: '' }), code: 'SYSLOG_HEADER_INVALID' },
  { name: 'msgId of 33', msg: msg({ msgId: 'm'.repeat(33) }), code: 'SYSLOG_HEADER_INVALID' },
  { name: 'duplicate SD-ID', msg: msg({ structuredData: [sd('a'), sd('a')] }), code: 'SYSLOG_SD_INVALID' },
  { name: 'SD-ID with SP', msg: msg({ structuredData: [sd('a b')] }), code: 'SYSLOG_SD_INVALID' },
  { name: "PARAM-NAME with ']'", msg: msg({ structuredData: [sd('a', ['x]', 'v'])] }), code: 'SYSLOG_SD_INVALID' },
  { name: 'PARAM-VALUE with a lone surrogate', msg: msg({ structuredData: [sd('a', ['x', '\udc00'])] }), code: 'SYSLOG_ENCODING_INVALID' },
  { name: 'BOM without MSG', msg: msg({ bom: true }), code: 'SYSLOG_ENCODING_INVALID' },
  { name: 'MSG starting with U+FEFF but bom false', msg: msg({ message: '\ufeffx' }), code: 'SYSLOG_ENCODING_INVALID' },
];
for (const c of badMessages) {
  test(`serialize refuses ${c.name} → ${c.code}`, () =>
    assert.throws(
      () => serializeRfc5424(c.msg),
      (e: unknown) => isSeclogError(e, c.code),
    ));
}

test('serialize escapes only the three PARAM-VALUE delimiters and keeps controls', () => {
  const m = msg({ structuredData: [sd('a', ['x', 'a"b\\c]d[e\nf\u001b\u202e'])] });
  assert.equal(serializeRfc5424(m), '<13>1 - - - - - [a x="a\\"b\\\\c\\]d[e\nf\u001b\u202e"]');
  assert.deepEqual(parseRfc5424(serializeRfc5424(m)), m);
});

// Generators of valid messages for the round trip.

const chars = (codes: number[]): fc.Arbitrary<string> => fc.constantFrom(...codes.map((c) => String.fromCharCode(c)));
const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

/** PRINTUSASCII (%d33-126). */
const printUsAscii = chars(range(33, 126));
/** SD-NAME characters: PRINTUSASCII except = ] " (SP is already outside). */
const sdNameChar = chars(range(33, 126).filter((c) => c !== 0x3d && c !== 0x5d && c !== 0x22));

function headerText(max: number): fc.Arbitrary<string> {
  return fc.string({ unit: printUsAscii, minLength: 1, maxLength: max }).filter((s) => s !== '-');
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** A valid RFC 5424 TIMESTAMP with 0–6 fractional digits and Z or an offset. */
const timestamp: fc.Arbitrary<string> = fc
  .record({
    y: fc.integer({ min: 1, max: 9999 }),
    m: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 31 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    frac: fc.option(fc.string({ unit: chars(range(0x30, 0x39)), minLength: 1, maxLength: 6 }), { nil: undefined }),
    off: fc.option(fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })), {
      nil: undefined,
    }),
  })
  .map(({ y, m, d, h, mi, s, frac, off }) => {
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const dim = m === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
    const day = Math.min(d, dim);
    const zone = off ? `${off[0]}${pad(off[1], 2)}:${pad(off[2], 2)}` : 'Z';
    return `${pad(y, 4)}-${pad(m, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac ? `.${frac}` : ''}${zone}`;
  });

const sdName = fc.string({ unit: sdNameChar, minLength: 1, maxLength: 32 });

/** SD-IDs: registered-style names without '@', or name@<enterprise number> (RFC 5424 §6.3.2). */
const sdId: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: sdNameChar, minLength: 1, maxLength: 32 }).filter((s) => !s.includes('@')),
  fc
    .tuple(
      fc.string({ unit: sdNameChar, minLength: 1, maxLength: 12 }).filter((s) => !s.includes('@')),
      fc.integer({ min: 0, max: 99_999_999 }),
    )
    .map(([n, pen]) => `${n}@${pen}`),
);

/** Any well-formed text, weighted toward the characters syslog treats specially. */
const wildText = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.oneof(
      {
        weight: 3,
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
          '\u001b',
          '\u009b',
          '\u202e',
          '\u2066',
          '\ufeff',
          '-',
          '\u0000',
          'é',
          '😀',
        ),
      },
      { weight: 5, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    ),
    maxLength,
  });

const sdElement: fc.Arbitrary<SdElement> = fc
  .record({
    id: sdId,
    params: fc.array(fc.tuple(sdName, wildText(40)), { maxLength: 5 }),
  })
  .map(({ id, params }) => ({ id, params })); // fc.record builds null-prototype objects

/** Valid messages: whatever the serializer accepts and the parser must read back equal. */
const syslogMessage: fc.Arbitrary<SyslogMessage> = fc
  .record({
    facility: fc.integer({ min: 0, max: 23 }),
    severity: fc.integer({ min: 0, max: 7 }),
    timestamp: fc.option(timestamp, { nil: null }),
    hostname: fc.option(headerText(255), { nil: null }),
    appName: fc.option(headerText(48), { nil: null }),
    procId: fc.option(headerText(128), { nil: null }),
    msgId: fc.option(headerText(32), { nil: null }),
    structuredData: fc.uniqueArray(sdElement, { maxLength: 4, selector: (e) => e.id }),
    message: fc.option(wildText(200), { nil: null }),
    bom: fc.boolean(),
  })
  .map((m) => {
    const bom = m.message !== null && (m.bom || m.message.startsWith('\ufeff'));
    return { ...m, version: 1 as const, bom };
  });

test('round trip: parse(serialize(m)) deep-equals m for arbitrary valid messages', () => {
  fc.assert(
    fc.property(syslogMessage, (m) => {
      const text = serializeRfc5424(m);
      assert.deepEqual(parseRfc5424(text), m);
      assert.deepEqual(parseRfc5424(new TextEncoder().encode(text)), m);
    }),
    { numRuns: 3000 },
  );
});

test('round trip: SD values made only of CR, LF, ESC, bidi and delimiters', () => {
  const nasty = fc.string({
    unit: fc.constantFrom('\r', '\n', '\u001b', '[', ']', '"', '\\', '\u202e', '\u2067', ' ', '='),
    maxLength: 30,
  });
  fc.assert(
    fc.property(fc.array(nasty, { maxLength: 6 }), (values) => {
      const m = msg({
        structuredData: [{ id: 'x@32473', params: values.map((v, i) => [`p${i}`, v] as [string, string]) }],
        message: values.join(''),
        bom: true,
      });
      assert.deepEqual(parseRfc5424(serializeRfc5424(m)), m);
    }),
    { numRuns: 1000 },
  );
});

test('fields after non-ASCII PARAM-VALUEs land where the bytes say (2-, 3- and 4-byte UTF-8, escapes beside them)', () => {
  const input = `<13>1 - - - - - [a x="é\\"€" y="😀\\]"][b z="\\😀\\\\é"][c] ${BOM}ü😀 end`;
  const want = msg({
    structuredData: [sd('a', ['x', 'é"€'], ['y', '😀]']), sd('b', ['z', '\\😀\\é']), sd('c')],
    message: 'ü😀 end',
    bom: true,
  });
  assert.deepEqual(parseRfc5424(input), want);
  assert.deepEqual(parseRfc5424(new TextEncoder().encode(input)), want);
});

test('a repeated SD-ID is refused after many elements too', () => {
  const ids = Array.from({ length: 12 }, (_, i) => `e${i}`);
  const head = `<13>1 - - - - - ${ids.map((id) => `[${id}]`).join('')}`;
  assert.deepEqual(
    parseRfc5424(head).structuredData.map((e) => e.id),
    ids,
  );
  for (const dup of ['e0', 'e7', 'e8', 'e11']) {
    assert.throws(
      () => parseRfc5424(`${head}[${dup}]`),
      (err: unknown) =>
        isSeclogError(err, 'SYSLOG_SD_INVALID') &&
        (err as unknown as { details: { field: string; offset: number } }).details.field === 'SD-ID' &&
        (err as unknown as { details: { field: string; offset: number } }).details.offset === head.length + 1,
    );
  }
});
