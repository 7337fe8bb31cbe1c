import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { canonicalize } from '../src/canon/jcs.js';
import { getCatalogueEntry } from '../src/catalogue/registry.js';
import type { SecurityEvent } from '../src/event/types.js';
import { CEF_SEVERITY, toCef } from '../src/formats/cef.js';
import { findUnsafeChar, neutraliseText } from '../src/text/unsafe-chars.js';
import { anyEvent, catalogueEvents, HOSTILE } from './format-fixtures.js';

interface Cef {
  header: string[];
  ext: Map<string, string>;
}

/**
 * A strict CEF reader: exactly seven header fields with only `\\` and `\|`
 * escapes, then `key=value` pairs separated by one space, where a value may
 * hold only the escapes `\\ \= \n \r`. Anything else fails the test.
 */
function parseCef(line: string): Cef {
  assert.equal(findUnsafeChar(line), undefined, 'a CEF line holds no control, bidi or lone surrogate character');
  assert.ok(line.startsWith('CEF:'), 'starts with CEF:');
  const header: string[] = [];
  let cur = '';
  let i = 0;
  while (header.length < 7) {
    assert.ok(i < line.length, 'header has seven fields');
    const c = line[i] as string;
    if (c === '\\') {
      const n = line[i + 1];
      assert.ok(n === '\\' || n === '|', `header escape \\${n} is not allowed`);
      cur += n;
      i += 2;
    } else if (c === '|') {
      header.push(cur);
      cur = '';
      i++;
    } else {
      cur += c;
      i++;
    }
  }
  const rest = line.slice(i);
  // Every unescaped `=` ends a key; the key is the word before it, after a space or the start.
  const keys: { key: string; start: number; valueStart: number }[] = [];
  for (let j = 0; j < rest.length; j++) {
    if (rest[j] === '\\') {
      j++;
      continue;
    }
    if (rest[j] !== '=') continue;
    const m = /(^| )([A-Za-z0-9]+)$/.exec(rest.slice(0, j));
    assert.ok(m, `an unescaped = at ${j} follows a key`);
    keys.push({ key: m[2] as string, start: j - (m[2] as string).length, valueStart: j + 1 });
  }
  assert.ok(keys.length > 0 && keys[0]?.start === 0, 'the extension starts with a key');
  const ext = new Map<string, string>();
  keys.forEach((k, n) => {
    const end = n + 1 < keys.length ? (keys[n + 1]?.start as number) - 1 : rest.length;
    const raw = rest.slice(k.valueStart, end);
    let value = '';
    for (let j = 0; j < raw.length; j++) {
      if (raw[j] !== '\\') {
        value += raw[j];
        continue;
      }
      const e = raw[++j];
      const map: Record<string, string> = { '\\': '\\', '=': '=', n: '\n', r: '\r' };
      assert.ok(e !== undefined && e in map, `extension escape \\${e} is not allowed`);
      value += map[e as string];
    }
    assert.ok(!ext.has(k.key), `key ${k.key} appears once`);
    ext.set(k.key, value);
  });
  return { header, ext };
}

/** What a field must read back as: CR and LF exactly, other unsafe characters as visible \uXXXX. */
function visible(s: string): string {
  return s
    .split(/(\r|\n)/)
    .map((part) => (part === '\r' || part === '\n' ? part : neutraliseText(part)))
    .join('');
}

function expectedExtension(ev: SecurityEvent): Map<string, string> {
  const want = new Map<string, string>();
  const put = (k: string, v: string | number | undefined, label?: string): void => {
    if (v === undefined) return;
    want.set(k, typeof v === 'number' ? String(v) : visible(v));
    if (label) want.set(`${k}Label`, label);
  };
  put('rt', Date.parse(ev.time));
  put('externalId', ev.id);
  put('dvchost', ev.device.id);
  put('deviceExternalId', ev.device.id);
  put('cat', getCatalogueEntry(ev.name)?.group);
  put('outcome', ev.outcome);
  put('suser', ev.actor?.user);
  if (ev.actor?.ip !== undefined) {
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ev.actor.ip)) put('src', ev.actor.ip);
    else put('c6a2', ev.actor.ip, 'Source IPv6 Address');
  }
  put('spt', ev.actor?.port);
  put('sproc', ev.actor?.process);
  put('duser', ev.target?.user);
  put('msg', ev.message);
  put('cs1', ev.stream, 'stream');
  put('cn1', ev.seq, 'seq');
  put('cs2', ev.boot, 'boot');
  put('cs3', ev.prev, 'prev');
  const wellFormed = (x: string): string => x.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  const attrs = Object.entries(ev.attrs).map(([k, v]) => [wellFormed(k), typeof v === 'string' ? wellFormed(v) : v]);
  put('cs4', canonicalize(Object.fromEntries(attrs)), 'attrs');
  put('cs5', ev.target?.resource, 'targetResource');
  put('cs6', ev.target?.setting, 'targetSetting');
  put('cn2', ev.mono_ms, 'monoMs');
  put('flexString1', ev.actor?.session, 'session');
  put('flexString2', ev.device.fw, 'firmware');
  return want;
}

describe('CEF: every catalogue event', () => {
  for (const { name, chained } of catalogueEvents()) {
    test(name, () => {
      const cef = parseCef(toCef(chained));
      const entry = getCatalogueEntry(name);
      assert.deepEqual(cef.header, ['CEF:0', 'seclog', 'seclog', '1', name, entry?.title, String(CEF_SEVERITY[chained.severity])]);
      assert.deepEqual(cef.ext, expectedExtension(chained));
      assert.deepEqual(JSON.parse(cef.ext.get('cs4') as string), chained.attrs);
    });
  }
});

const base: SecurityEvent = {
  v: 1,
  id: '019ac5e2-7b10-7c3a-9d41-000000000001',
  name: 'authn_login_fail',
  time: '2026-11-27T13:33:43.123456Z',
  severity: 'critical',
  outcome: 'failure',
  device: { id: 'cam-17' },
  actor: { user: 'admin', ip: '203.0.113.9', port: 52144 },
  attrs: { method: 'password', reason: 'bad_password' },
  message: 'login refused',
};

describe('CEF details', () => {
  test('severity scale', () => {
    assert.deepEqual(CEF_SEVERITY, { info: 1, low: 3, medium: 5, high: 8, critical: 10 });
  });
  test('a known line', () => {
    assert.equal(
      toCef(base),
      'CEF:0|seclog|seclog|1|authn_login_fail|Login failed|10|rt=1795786423123 externalId=019ac5e2-7b10-7c3a-9d41-000000000001 dvchost=cam-17 deviceExternalId=cam-17 cat=authentication outcome=failure suser=admin src=203.0.113.9 spt=52144 msg=login refused cs4={"method":"password","reason":"bad_password"} cs4Label=attrs',
    );
  });
  test('IPv6 goes to c6a2, labelled', () => {
    const cef = parseCef(toCef({ ...base, actor: { ip: '2001:db8::1' } }));
    assert.equal(cef.ext.get('c6a2'), '2001:db8::1');
    assert.equal(cef.ext.get('c6a2Label'), 'Source IPv6 Address');
    assert.equal(cef.ext.has('src'), false);
  });
  test('spec escapes in extension values', () => {
    const line = toCef({ ...base, message: 'a=b\\c\r\nd|e' });
    assert.ok(line.includes('msg=a\\=b\\\\c\\r\\nd|e '));
  });
  test('header escapes', () => {
    const line = toCef({ ...base, name: 'x|y\\z' });
    assert.ok(line.startsWith('CEF:0|seclog|seclog|1|x\\|y\\\\z|x\\|y\\\\z|10|'));
  });
});

describe('CEF injection: one line, no forged field', () => {
  const fields: [string, (s: string) => SecurityEvent][] = [
    ['actor.user', (s) => ({ ...base, actor: { ...base.actor, user: s } })],
    ['message', (s) => ({ ...base, message: s })],
    ['target.resource', (s) => ({ ...base, target: { resource: s } })],
    ['attrs value', (s) => ({ ...base, attrs: { ...base.attrs, reason: s } })],
    ['attrs key', (s) => ({ ...base, attrs: { [s]: 1 } })],
    ['device.id', (s) => ({ ...base, device: { id: s } })],
    ['name (header)', (s) => ({ ...base, name: s })],
  ];
  for (const [field, make] of fields) {
    for (const [what, s] of HOSTILE) {
      test(`${what} in ${field}`, () => {
        const ev = make(s);
        const cef = parseCef(toCef(ev));
        assert.deepEqual(cef.ext, expectedExtension(ev));
        assert.equal(cef.header[4], neutraliseText(ev.name));
      });
    }
  }
});

test('CEF with arbitrary strings in every field parses back exactly (fast-check)', () => {
  fc.assert(
    fc.property(anyEvent, (ev) => {
      const line = toCef(ev);
      const cef = parseCef(line);
      assert.equal(cef.header[4], neutraliseText(ev.name));
      assert.deepEqual(cef.ext, expectedExtension(ev));
    }),
    { numRuns: 300 },
  );
});
