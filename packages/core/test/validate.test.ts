import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Compile } from 'typebox/compile';
import { getCatalogueEntry } from '../src/catalogue/registry.js';
import type { CatalogueEntry } from '../src/catalogue/types.js';
import { isSeclogError } from '../src/errors.js';
import { eventSchemaFor } from '../src/event/schema.js';
import { assertValidEvent, formatIssues, validateEvent } from '../src/event/validate.js';
import { chainedFromExample } from './support/events.js';

const loginFail = getCatalogueEntry('authn_login_fail') as CatalogueEntry;
// biome-ignore lint/suspicious/noExplicitAny: tests reach into any field of a record
const good = (): any => structuredClone(chainedFromExample(loginFail));

test('a realistic record is valid, also as a chained record', () => {
  assert.deepEqual(validateEvent(good()), []);
  assert.deepEqual(validateEvent(good(), { chained: true }), []);
});

// biome-ignore lint/suspicious/noExplicitAny: mutations reach into any field of a record under test
type Mutation = [name: string, mutate: (r: any) => void, path: string, rule: string];
const mutations: Mutation[] = [
  ['v missing', (r) => delete r.v, 'v', 'required'],
  ['v 2', (r) => (r.v = 2), 'v', 'const'],
  ['id not v7', (r) => (r.id = '019ac5e2-7b10-4c3a-9d41-2f6b8e0a1c55'), 'id', 'uuidv7'],
  ['id upper case', (r) => (r.id = r.id.toUpperCase()), 'id', 'uuidv7'],
  ['unknown name', (r) => (r.name = 'authn_login_maybe'), 'name', 'catalogue'],
  ['name with a dash', (r) => (r.name = 'authn-login'), 'name', 'pattern'],
  ['name too long', (r) => (r.name = `x_vendor_${'a'.repeat(30)}`), 'name', 'pattern'],
  ['time without micros', (r) => (r.time = '2026-11-27T13:33:43.123Z'), 'time', 'date-time'],
  ['time with offset', (r) => (r.time = '2026-11-27T13:33:43.123456+01:00'), 'time', 'date-time'],
  ['time Feb 30', (r) => (r.time = '2026-02-30T13:33:43.123456Z'), 'time', 'date-time'],
  ['time number', (r) => (r.time = 1700000000), 'time', 'type'],
  ['severity unknown', (r) => (r.severity = 'urgent'), 'severity', 'enum'],
  ['outcome missing', (r) => delete r.outcome, 'outcome', 'required'],
  ['device missing', (r) => delete r.device, 'device', 'required'],
  ['device.id with space', (r) => (r.device.id = 'cam 17'), 'device.id', 'pattern'],
  ['device.id empty', (r) => (r.device.id = ''), 'device.id', 'min-length'],
  ['device.id 129 chars', (r) => (r.device.id = 'a'.repeat(129)), 'device.id', 'max-bytes'],
  ['device extra field', (r) => (r.device.serial = 'x'), 'device.serial', 'unknown-field'],
  ['top-level extra field', (r) => (r.hostname = 'x'), 'hostname', 'unknown-field'],
  ['actor.ip not an address', (r) => (r.actor.ip = '203.0.113.300'), 'actor.ip', 'ip'],
  ['actor.ip hostname', (r) => (r.actor.ip = 'example.org'), 'actor.ip', 'ip'],
  ['actor.port 70000', (r) => (r.actor.port = 70000), 'actor.port', 'maximum'],
  ['actor.port fractional', (r) => (r.actor.port = 22.5), 'actor.port', 'integer'],
  ['actor.port string', (r) => (r.actor.port = '22'), 'actor.port', 'type'],
  ['actor.user with CR LF', (r) => (r.actor.user = 'root\r\nfake: entry'), 'actor.user', 'control-char'],
  ['actor.user with ANSI', (r) => (r.actor.user = '\u001b[31mroot'), 'actor.user', 'control-char'],
  ['actor.user with RLO', (r) => (r.actor.user = 'admin\u202enimda'), 'actor.user', 'bidi-override'],
  ['actor.user lone surrogate', (r) => (r.actor.user = 'a\ud800'), 'actor.user', 'lone-surrogate'],
  ['actor.user 1025 bytes', (r) => (r.actor.user = 'é'.repeat(513)), 'actor.user', 'max-bytes'],
  ['actor.user required by the event', (r) => delete r.actor.user, 'actor.user', 'required'],
  ['actor extra field', (r) => (r.actor.uid = 0), 'actor.uid', 'unknown-field'],
  ['target not an object', (r) => (r.target = 'x'), 'target', 'type'],
  ['attrs missing', (r) => delete r.attrs, 'attrs', 'required'],
  ['attrs array', (r) => (r.attrs = []), 'attrs', 'type'],
  ['required attr missing', (r) => delete r.attrs.reason, 'attrs.reason', 'required'],
  ['attr wrong type', (r) => (r.attrs.method = 7), 'attrs.method', 'type'],
  ['attr nested object', (r) => (r.attrs.extra = { a: 1 }), 'attrs.extra', 'type'],
  ['attr null', (r) => (r.attrs.extra = null), 'attrs.extra', 'type'],
  ['attr key upper case', (r) => (r.attrs.Extra = 1), 'attrs.Extra', 'attr-key'],
  ['attr key with dot', (r) => (r.attrs['a.b'] = 1), 'attrs.a.b', 'attr-key'],
  ['attr value with NUL', (r) => (r.attrs.extra = 'a\u0000b'), 'attrs.extra', 'control-char'],
  ['65 attrs', (r) => Object.assign(r.attrs, Object.fromEntries(Array.from({ length: 63 }, (_, i) => [`k${i}`, i]))), 'attrs', 'max-keys'],
  ['message with CR', (r) => (r.message = 'a\rb'), 'message', 'control-char'],
  ['message 8193 bytes', (r) => (r.message = 'x'.repeat(8193)), 'message', 'max-bytes'],
  ['seq 0', (r) => (r.seq = 0), 'seq', 'minimum'],
  ['seq beyond 2^53', (r) => (r.seq = 2 ** 53), 'seq', 'maximum'],
  ['mono_ms negative', (r) => (r.mono_ms = -1), 'mono_ms', 'minimum'],
  ['prev upper-case hex', (r) => (r.prev = r.prev.toUpperCase()), 'prev', 'sha256-hex'],
  ['prev short', (r) => (r.prev = 'abc'), 'prev', 'sha256-hex'],
  ['tq.source unknown', (r) => (r.tq.source = 'sundial'), 'tq.source', 'enum'],
  ['tq.synced missing', (r) => delete r.tq.synced, 'tq.synced', 'required'],
  ['tq.accuracy_ms negative', (r) => (r.tq.accuracy_ms = -1), 'tq.accuracy_ms', 'type'],
  ['redacted duplicate', (r) => (r.redacted = ['actor.session', 'actor.session']), 'redacted[1]', 'unique'],
];

describe('each broken rule is named with its path', () => {
  for (const [name, mutate, path, rule] of mutations) {
    test(name, () => {
      const r = good();
      mutate(r);
      const issues = validateEvent(r);
      assert.ok(
        issues.some((i) => i.path === path && i.rule === rule),
        `want ${path}: ${rule}, got ${JSON.stringify(issues)}`,
      );
    });
  }
});

test('record times: a valid second is remembered, and a bad date is refused whatever came before it', () => {
  const at = (time: string) => {
    const r = good();
    r.time = time;
    return validateEvent(r).map((i) => `${i.path}:${i.rule}`);
  };
  // Same second, other fraction: valid; then a date that does not exist, in any order around valid ones.
  assert.deepEqual(at('2028-02-29T23:59:59.000001Z'), []);
  assert.deepEqual(at('2028-02-29T23:59:59.999999Z'), []);
  assert.deepEqual(at('2027-02-29T23:59:59.000001Z'), ['time:date-time']);
  assert.deepEqual(at('2028-02-29T23:59:59.000002Z'), []);
  assert.deepEqual(at('2028-02-30T23:59:59.000002Z'), ['time:date-time']);
  assert.deepEqual(at('2028-02-29T24:59:59.000002Z'), ['time:date-time']);
  assert.deepEqual(at('2028-02-29T23:59:60.000002Z'), ['time:date-time']);
  // A prefix that matches the remembered second but not the format is still refused by the format.
  assert.deepEqual(at('2028-02-29T23:59:59.0000021Z'), ['time:date-time']);
  assert.deepEqual(at('2028-02-29T23:59:59Z'), ['time:date-time']);
});

test('chained records need every chain field', () => {
  const r = good();
  delete r.prev;
  delete r.tq;
  const issues = validateEvent(r, { chained: true });
  assert.deepEqual(
    issues.map((i) => [i.path, i.rule]),
    [
      ['prev', 'required'],
      ['tq', 'required'],
    ],
  );
  assert.deepEqual(validateEvent(r), []);
});

test('every error is reported, not only the first', () => {
  const r = good();
  r.severity = 'urgent';
  r.actor.ip = 'nope';
  delete r.attrs.reason;
  r.attrs.method = false;
  r.extra = 1;
  const got = validateEvent(r)
    .map((i) => `${i.path}:${i.rule}`)
    .sort();
  assert.deepEqual(got, ['actor.ip:ip', 'attrs.method:type', 'attrs.reason:required', 'extra:unknown-field', 'severity:enum']);
});

test('a record over the byte limit is refused as a whole', () => {
  const r = good();
  for (let i = 0; i < 20; i++) r.attrs[`pad${i}`] = 'x'.repeat(1000);
  const issues = validateEvent(r);
  assert.deepEqual(
    issues.map((i) => i.rule),
    ['record-bytes'],
  );
  assert.throws(
    () => assertValidEvent(r),
    (e) => isSeclogError(e, 'EVENT_TOO_LARGE'),
  );
});

test('non-objects are refused at the root', () => {
  for (const v of [null, 1, 'x', [], true]) assert.deepEqual(validateEvent(v)[0]?.rule, 'type');
});

test('assertValidEvent throws one error carrying every issue', () => {
  const r = good();
  r.name = 'nope_never';
  r.outcome = 'maybe';
  try {
    assertValidEvent(r);
    assert.fail('should throw');
  } catch (e) {
    assert.ok(isSeclogError(e, 'EVENT_UNKNOWN_NAME'));
    const errors = (e as unknown as { details: { errors: unknown[] } }).details.errors;
    assert.equal(errors.length, 2);
    assert.match((e as Error).message, /name: catalogue/);
    assert.match((e as Error).message, /outcome: enum/);
  }
  assert.match(formatIssues(Array.from({ length: 12 }, () => ({ path: 'a', rule: 'type' as const, message: 'm' }))), /and 2 more/);
});

describe('IP addresses', () => {
  const valid = [
    '0.0.0.0',
    '203.0.113.9',
    '255.255.255.255',
    '::',
    '::1',
    '2001:db8::1',
    '2001:db8:0:0:0:0:0:1',
    'fe80::1%eth0',
    '::ffff:192.0.2.1',
    '1:2:3:4:5:6:7:8',
  ];
  const invalid = [
    '256.0.0.1',
    '1.2.3',
    '01.2.3.4x',
    '1.2.3.4.5',
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '2001:db8::1::2',
    'g::1',
    'fe80::1%',
    '',
    '1.2.3.04a',
    '::ffff:300.1.1.1',
  ];
  for (const ip of valid) test(`valid ${ip}`, () => assert.deepEqual(validateEvent({ ...good(), actor: { user: 'u', ip } }), []));
  for (const ip of invalid)
    test(`invalid ${JSON.stringify(ip)}`, () => assert.equal(validateEvent({ ...good(), actor: { user: 'u', ip } })[0]?.rule, 'ip'));
});

test('the hand-written validator and the TypeBox schema agree (differential)', () => {
  const check = Compile(eventSchemaFor(loginFail));
  const ascii = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '.', ' ', '\u0001', '\u202e', 'é'), maxLength: 12 });
  const scalar = fc.oneof(ascii, fc.integer(), fc.boolean(), fc.constant(null), fc.constant(1.5));
  const edit = fc.record({
    field: fc.constantFrom(
      'severity',
      'outcome',
      'device.id',
      'actor.user',
      'actor.ip',
      'actor.port',
      'attrs.method',
      'attrs.reason',
      'attrs.extra',
      'seq',
      'mono_ms',
      'stream',
      'boot',
      'message',
      'tq.source',
    ),
    value: fc.oneof(scalar, fc.constantFrom('info', 'failure', '203.0.113.9', 'cam-17', undefined)),
  });
  fc.assert(
    fc.property(fc.array(edit, { maxLength: 3 }), (edits) => {
      // biome-ignore lint/suspicious/noExplicitAny: edits reach into any field of a record under test
      const r: any = good();
      for (const { field, value } of edits) {
        const [a, b] = field.split('.') as [string, string | undefined];
        if (b === undefined) r[a] = value;
        else r[a][b] = value;
        if (value === undefined) {
          if (b === undefined) delete r[a];
          else delete r[a][b];
        }
      }
      const mine = validateEvent(r).length === 0;
      assert.equal(check.Check(r), mine, JSON.stringify({ r, issues: validateEvent(r) }));
    }),
    { numRuns: 3000 },
  );
});
