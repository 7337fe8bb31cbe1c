import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecurityEvent } from '@seclog/core';
import fc from 'fast-check';
import { compileDetection, type DetectionRule, EventView, FieldSlots, parseRuleFile } from '../src/index.js';
import { ev } from './support/events.js';

/** Compile a rule's detection (given as YAML under `detection:`) and return a matcher. */
function matcher(detection: string): (e: SecurityEvent) => boolean {
  const yaml = `title: t\nid: m\ndetection:\n${detection}\n`;
  const rule = parseRuleFile(yaml).documents[0] as DetectionRule;
  const slots = new FieldSlots();
  const pred = compileDetection(rule.detection, slots);
  const view = new EventView(slots);
  return (e) => {
    view.reset(e);
    return pred(view);
  };
}

/** Shorthand: one selection `sel` with the given map body lines. */
function sel(...lines: string[]): (e: SecurityEvent) => boolean {
  return matcher(`  sel:\n${lines.map((l) => `    ${l}`).join('\n')}\n  condition: sel`);
}

const login = ev({
  name: 'authn_login_fail',
  actor: { user: 'Admin', ip: '203.0.113.9', port: 22 },
  message: 'Bad password for Admin',
  attrs: { reason: 'bad_password', tries: 7, code: '42' },
});

const cases: { name: string; match: (e: SecurityEvent) => boolean; yes: SecurityEvent[]; no: SecurityEvent[] }[] = [
  { name: 'values are case-insensitive by default', match: sel('actor.user: ADMIN'), yes: [login], no: [ev({ actor: { user: 'root' } })] },
  { name: '|cased is case-sensitive', match: sel('actor.user|cased: Admin'), yes: [login], no: [ev({ actor: { user: 'admin' } })] },
  { name: 'a plain value must match the whole field', match: sel('actor.user: adm'), yes: [], no: [login] },
  {
    name: '* wildcard',
    match: sel("actor.user: 'ad*'"),
    yes: [login, ev({ actor: { user: 'ad' } })],
    no: [ev({ actor: { user: 'xadmin' } })],
  },
  {
    name: '? wildcard is exactly one character',
    match: sel("actor.user: 'a?min'"),
    yes: [login],
    no: [ev({ actor: { user: 'amin' } }), ev({ actor: { user: 'aXXmin' } })],
  },
  { name: 'wildcards in the middle', match: sel("message: 'bad*for*'"), yes: [login], no: [ev({ message: 'bad password' })] },
  { name: 'escaped * is literal', match: sel("message: 'a\\*b'"), yes: [ev({ message: 'a*b' })], no: [ev({ message: 'axxb' })] },
  { name: 'escaped ? is literal', match: sel("message: 'why\\?'"), yes: [ev({ message: 'why?' })], no: [ev({ message: 'whyX' })] },
  {
    name: 'a backslash before other characters is itself',
    match: sel("target.resource: 'C:\\Windows'"),
    yes: [ev({ target: { resource: 'C:\\Windows' } })],
    no: [],
  },
  {
    name: 'a double backslash is one backslash',
    match: sel("target.resource: 'C:\\\\Windows'"),
    yes: [ev({ target: { resource: 'C:\\Windows' } })],
    no: [ev({ target: { resource: 'C:\\\\Windows' } })],
  },
  {
    name: 'escaped backslash then wildcard',
    match: sel("target.resource: 'dir\\\\*'"),
    yes: [ev({ target: { resource: 'dir\\anything' } })],
    no: [ev({ target: { resource: 'dirx' } })],
  },
  {
    name: 'three backslashes: backslash and literal star',
    match: sel("target.resource: 'a\\\\\\*'"),
    yes: [ev({ target: { resource: 'a\\*' } })],
    no: [ev({ target: { resource: 'a\\bc' } })],
  },
  { name: 'contains', match: sel('message|contains: PASSWORD'), yes: [login], no: [ev({ message: 'ok' })] },
  { name: 'contains keeps inner wildcards', match: sel("message|contains: 'pass*for'"), yes: [login], no: [ev({ message: 'for pass' })] },
  { name: 'startswith', match: sel('message|startswith: bad'), yes: [login], no: [ev({ message: 'a bad one' })] },
  { name: 'endswith', match: sel('message|endswith: admin'), yes: [login], no: [ev({ message: 'admin said' })] },
  {
    name: 'a list is OR',
    match: sel('actor.user:', '  - root', '  - admin'),
    yes: [login, ev({ actor: { user: 'root' } })],
    no: [ev({ actor: { user: 'bob' } })],
  },
  { name: 'a long list of exact values', match: sel('actor.user: [a, b, c, d, admin]'), yes: [login], no: [ev({ actor: { user: 'e' } })] },
  {
    name: 'a map is AND',
    match: sel('actor.user: admin', 'outcome: failure'),
    yes: [login],
    no: [ev({ actor: { user: 'admin' }, outcome: 'success' })],
  },
  {
    name: '|all needs every value',
    match: sel('message|contains|all:', '  - bad', '  - admin'),
    yes: [login],
    no: [ev({ message: 'bad password' })],
  },
  {
    name: 'null matches an absent field only',
    match: sel('target.user: null'),
    yes: [login],
    no: [ev({ target: { user: 'x' } }), ev({ target: { user: '' } })],
  },
  { name: "'' matches an empty string only", match: sel("target.user: ''"), yes: [ev({ target: { user: '' } })], no: [login] },
  { name: 'exists: true', match: sel('actor.port|exists: true'), yes: [login], no: [ev({ actor: {} })] },
  { name: 'exists: false', match: sel('actor.port|exists: false'), yes: [ev({ actor: {} })], no: [login] },
  {
    name: 'numbers match numbers and their text',
    match: sel('attrs.tries: 7'),
    yes: [login, ev({ attrs: { tries: '7' } })],
    no: [ev({ attrs: { tries: 70 } })],
  },
  { name: 'a number field matches text with the same digits', match: sel("actor.port: '22'"), yes: [login], no: [] },
  {
    name: 'booleans',
    match: sel('tq.synced: false'),
    yes: [ev({ tq: { synced: false, source: 'rtc' } })],
    no: [ev({ tq: { synced: true, source: 'ntp' } }), login],
  },
  { name: 'gt', match: sel('attrs.tries|gt: 6'), yes: [login], no: [ev({ attrs: { tries: 6 } })] },
  {
    name: 'gte on numeric text',
    match: sel('attrs.code|gte: 42'),
    yes: [login],
    no: [ev({ attrs: { code: '41' } }), ev({ attrs: { code: 'x42' } })],
  },
  { name: 'lt', match: sel('attrs.tries|lt: 8'), yes: [login], no: [ev({ attrs: { tries: 8 } }), ev()] },
  { name: 'lte', match: sel('attrs.tries|lte: 7'), yes: [login], no: [ev({ attrs: { tries: 7.5 } })] },
  { name: 'neq', match: sel('outcome|neq: success'), yes: [login], no: [ev({ outcome: 'success' })] },
  {
    name: 'neq needs the field',
    match: sel('target.user|neq: x'),
    yes: [ev({ target: { user: 'y' } })],
    no: [login, ev({ target: { user: 'X' } })],
  },
  {
    name: 'neq with a list excludes every value',
    match: sel('actor.user|neq: [root, admin]'),
    yes: [ev({ actor: { user: 'bob' } })],
    no: [login, ev({ actor: { user: 'root' } })],
  },
  { name: 'neq null is "present"', match: sel('target.user|neq: null'), yes: [ev({ target: { user: '' } })], no: [login] },
  { name: 're is case-sensitive and searches', match: sel("message|re: 'for Adm'"), yes: [login], no: [ev({ message: 'for adm' })] },
  { name: 're|i', match: sel("message|re|i: '^BAD'"), yes: [login], no: [ev({ message: 'not bad' })] },
  { name: 're with a leading (?i)', match: sel("message|re: '(?i)^BAD PASSWORD'"), yes: [login], no: [] },
  {
    name: 're|m anchors at lines',
    match: sel("message|re|m: '^two$'"),
    yes: [ev({ message: 'one\ntwo' })],
    no: [ev({ message: 'one two' })],
  },
  { name: 're|s lets dot match newlines', match: sel("message|re|s: 'one.two'"), yes: [ev({ message: 'one\ntwo' })], no: [] },
  { name: 're without s', match: sel("message|re: 'one.two'"), yes: [ev({ message: 'one two' })], no: [ev({ message: 'one\ntwo' })] },
  { name: 're on a number', match: sel("attrs.tries|re: '^\\d$'"), yes: [login], no: [ev({ attrs: { tries: 77 } })] },
  {
    name: 'cidr v4',
    match: sel('actor.ip|cidr: 203.0.113.0/24'),
    yes: [login],
    no: [ev({ actor: { ip: '203.0.114.9' } }), ev({ actor: { ip: 'not-an-ip' } }), ev()],
  },
  {
    name: 'cidr /0 matches every v4 address',
    match: sel('actor.ip|cidr: 0.0.0.0/0'),
    yes: [login],
    no: [ev({ actor: { ip: '2001:db8::1' } })],
  },
  { name: 'cidr bare address', match: sel('actor.ip|cidr: 203.0.113.9'), yes: [login], no: [ev({ actor: { ip: '203.0.113.10' } })] },
  {
    name: 'cidr v6',
    match: sel("actor.ip|cidr: '2001:db8::/32'"),
    yes: [ev({ actor: { ip: '2001:db8:ffff::1' } }), ev({ actor: { ip: '2001:DB8::' } })],
    no: [ev({ actor: { ip: '2001:db9::1' } }), login],
  },
  {
    name: 'cidr v6 odd prefix',
    match: sel("actor.ip|cidr: 'fe80::/10'"),
    yes: [ev({ actor: { ip: 'febf::1%eth0' } })],
    no: [ev({ actor: { ip: 'fec0::1' } })],
  },
  {
    name: 'cidr v4 matches v4-mapped v6',
    match: sel('actor.ip|cidr: 10.0.0.0/8'),
    yes: [ev({ actor: { ip: '::ffff:10.1.2.3' } })],
    no: [ev({ actor: { ip: '::ffff:11.1.2.3' } })],
  },
  { name: 'cidr with neq', match: sel('actor.ip|cidr|neq: 10.0.0.0/8'), yes: [login], no: [ev({ actor: { ip: '10.0.0.1' } }), ev()] },
  {
    name: 'a list field matches on any element',
    match: sel('redacted: actor.session'),
    yes: [ev({ redacted: ['actor.session', 'attrs.token'] })],
    no: [ev({ redacted: ['attrs.token'] })],
  },
  {
    name: 'aliases read seclog paths',
    match: sel('source.ip: 203.0.113.9', 'user.name: admin', 'event.outcome: failure'),
    yes: [login],
    no: [],
  },
  {
    name: 'keywords search the message and string fields',
    match: matcher("  keywords:\n    - 'password for'\n    - bad_pass*\n  condition: keywords"),
    yes: [login, ev({ attrs: { reason: 'BAD_PASSWORD' } })],
    no: [ev({ message: 'fine', attrs: { reason: 'ok' } })],
  },
  {
    name: 'keywords with |all',
    match: matcher("  kw:\n    '|all':\n      - bad\n      - '203.0.113'\n  condition: kw"),
    yes: [login],
    no: [ev({ message: 'bad' })],
  },
  {
    name: 'selection and not filter',
    match: matcher('  sel:\n    name: authn_login_fail\n  filter:\n    actor.user: admin\n  condition: sel and not filter'),
    yes: [ev({ actor: { user: 'bob' } })],
    no: [login, ev({ name: 'authn_logout', actor: { user: 'bob' } })],
  },
  {
    name: '1 of selection*',
    match: matcher('  selection_a:\n    actor.user: root\n  selection_b:\n    attrs.tries|gt: 5\n  condition: 1 of selection_*'),
    yes: [login, ev({ actor: { user: 'root' } })],
    no: [ev({ actor: { user: 'bob' } })],
  },
  {
    name: 'all of them',
    match: matcher('  a:\n    actor.user: admin\n  b:\n    attrs.tries|gt: 5\n  condition: all of them'),
    yes: [login],
    no: [ev({ actor: { user: 'admin' } })],
  },
  {
    name: 'a list of maps is an OR',
    match: sel('- actor.user: root', '- attrs.reason: bad_password').bind(null),
    yes: [login, ev({ actor: { user: 'root' } })],
    no: [ev({ actor: { user: 'bob' } })],
  },
];
for (const c of cases) {
  test(`match: ${c.name}`, () => {
    for (const [i, e] of c.yes.entries()) assert.equal(c.match(e), true, `should match #${i}`);
    for (const [i, e] of c.no.entries()) assert.equal(c.match(e), false, `should not match #${i}`);
  });
}

test('a condition list is an OR of its conditions', () => {
  const m = matcher('  a:\n    actor.user: root\n  b:\n    actor.user: admin\n  condition:\n    - a\n    - b');
  assert.equal(m(login), true);
  assert.equal(m(ev({ actor: { user: 'root' } })), true);
  assert.equal(m(ev({ actor: { user: 'x' } })), false);
});

// Reference glob: `*` any run, `?` one code point; on case-folded text unless cased.
function globReference(pattern: string, text: string): boolean {
  const p = [...pattern];
  const t = [...text];
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const k = `${i},${j}`;
    if (memo.has(k)) return memo.get(k)!;
    let r: boolean;
    if (i === p.length) r = j === t.length;
    else if (p[i] === '*') r = go(i + 1, j) || (j < t.length && go(i, j + 1));
    else if (p[i] === '?') r = j < t.length && go(i + 1, j + 1);
    else r = j < t.length && p[i] === t[j] && go(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

test('property: wildcard values agree with a reference glob (case-insensitive)', () => {
  const alphabet = fc.constantFrom('a', 'B', 'c', '.', '*', '?', 'é', '😀');
  fc.assert(
    fc.property(
      fc.array(alphabet, { maxLength: 8 }),
      fc.array(fc.constantFrom('a', 'b', 'C', '.', 'é', '😀'), { maxLength: 10 }),
      (pat, txt) => {
        const pattern = pat.join('');
        const text = txt.join('');
        const m = sel(`message: ${JSON.stringify(pattern)}`);
        assert.equal(m(ev({ message: text })), globReference(pattern.toLowerCase(), text.toLowerCase()), `${pattern} vs ${text}`);
      },
    ),
    { numRuns: 1500 },
  );
});

test('property: cidr v4 agrees with bit arithmetic', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: 0, max: 32 }),
      (net, addr, len) => {
        const dotted = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
        const m = sel(`actor.ip|cidr: ${dotted(net)}/${len}`);
        const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
        assert.equal(m(ev({ actor: { ip: dotted(addr) } })), (net & mask) >>> 0 === (addr & mask) >>> 0);
      },
    ),
    { numRuns: 500 },
  );
});
