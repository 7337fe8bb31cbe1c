import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { getCatalogueEntry } from '../src/catalogue/registry.js';
import { isSeclogError } from '../src/errors.js';
import type { SecurityEvent } from '../src/event/types.js';
import { validateEvent } from '../src/event/validate.js';
import { ECS_VERSION, fromEcs, toEcs } from '../src/formats/ecs.js';
import { anyEvent, catalogueEvents, viaJson, withFields } from './format-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: the encoder output is probed field by field
type Json = Record<string, any>;

describe('ECS: every catalogue event, both ways', () => {
  for (const { name, chained, bare } of catalogueEvents()) {
    test(name, () => {
      assert.deepEqual(validateEvent(chained), []);
      const entry = getCatalogueEntry(name);
      assert.ok(entry);
      const d = viaJson(toEcs(chained)) as Json;
      assert.equal(d['@timestamp'], chained.time);
      assert.deepEqual(d.ecs, { version: ECS_VERSION });
      assert.equal(d.event.id, chained.id);
      assert.equal(d.event.action, name);
      assert.equal(d.event.kind, entry.ecs.kind);
      assert.deepEqual(d.event.category, entry.ecs.category);
      assert.deepEqual(d.event.type, entry.ecs.type);
      assert.equal(d.event.outcome, chained.outcome);
      assert.equal(d.event.sequence, chained.seq);
      assert.equal(d.event.dataset, 'seclog.events');
      assert.equal(d.event.module, 'seclog');
      assert.deepEqual(d.device, { id: 'cam-17', model: { identifier: 'IPC-300' } });
      assert.deepEqual(d.host, { name: 'cam-17', os: { version: '2.4.1' } });
      assert.equal(d.user?.name, chained.actor?.user);
      assert.equal(d.user?.target?.name, chained.target?.user);
      assert.equal(d.source?.ip, chained.actor?.ip);
      assert.deepEqual(d.seclog.attrs, chained.attrs);
      assert.equal(d.seclog.prev, chained.prev);
      assert.deepEqual(fromEcs(d), chained);
      assert.deepEqual(fromEcs(viaJson(toEcs(bare))), bare);
    });
  }
});

const base: SecurityEvent = {
  v: 1,
  id: '019ac5e2-7b10-7c3a-9d41-000000000001',
  name: 'user_created',
  time: '2026-11-27T13:33:43.123456Z',
  severity: 'medium',
  outcome: 'success',
  device: { id: 'cam-17' },
  actor: { user: 'admin', ip: '2001:db8::7', port: 443, session: 'hmac-sha256:00ff', process: 'httpd' },
  target: { user: 'operator2', resource: 'users', setting: 'role' },
  attrs: { role: 'operator' },
  message: 'line one\nline two',
};

describe('ECS field mapping', () => {
  test('actor, target, severity and the seclog object', () => {
    const d = viaJson(toEcs(base)) as Json;
    assert.equal(d.event.severity, 3);
    assert.deepEqual(d.user, { name: 'admin', target: { name: 'operator2' } });
    assert.deepEqual(d.source, { ip: '2001:db8::7', port: 443 });
    assert.deepEqual(d.process, { name: 'httpd' });
    assert.equal(d.message, 'line one\nline two');
    assert.deepEqual(d.seclog, {
      attrs: { role: 'operator' },
      actor: { session: 'hmac-sha256:00ff' },
      target: { resource: 'users', setting: 'role' },
    });
    assert.deepEqual(fromEcs(d), base);
  });

  test('a flattened document (dotted field names) reads the same', () => {
    const flat: Json = {};
    const walk = (o: Json, prefix: string): void => {
      for (const [k, v] of Object.entries(o)) {
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && k !== 'attrs') walk(v, `${prefix}${k}.`);
        else flat[`${prefix}${k}`] = v;
      }
    };
    walk(viaJson(toEcs(base)) as Json, '');
    assert.equal(flat['event.action'], 'user_created');
    assert.deepEqual(fromEcs(flat), base);
  });

  test('a nanosecond @timestamp is cut to microseconds', () => {
    const d = withFields(toEcs(base), { '@timestamp': '2026-11-27T14:33:43.123456789+01:00' });
    assert.equal(fromEcs(d).time, '2026-11-27T13:33:43.123456Z');
  });
});

describe('fromEcs refuses what it cannot read, naming the field', () => {
  const good = toEcs(base);
  const cases: [string, Record<string, unknown>, string][] = [
    ['no @timestamp', { '@timestamp': undefined }, '@timestamp'],
    ['bad @timestamp', { '@timestamp': '27/11/2026' }, '@timestamp'],
    ['severity 0', { 'event.severity': 0 }, 'event.severity'],
    ['outcome invalid', { 'event.outcome': 'partial' }, 'event.outcome'],
    ['no event.id', { 'event.id': undefined }, 'event.id'],
    ['no device or host', { device: undefined, host: undefined }, 'host.name'],
    ['port not an integer', { 'source.port': 1.5 }, 'source.port'],
    ['attrs value a list', { 'seclog.attrs.role': ['a'] }, 'seclog.attrs.role'],
    ['tq without synced', { 'seclog.tq': { source: 'ntp' } }, 'seclog.tq.synced'],
    ['redacted not a list', { 'seclog.redacted': 'attrs.x' }, 'seclog.redacted'],
  ];
  test('not an object', () => {
    assert.throws(
      () => fromEcs([]),
      (err: unknown) => isSeclogError(err, 'ECS_INVALID') && err.details.path === '',
    );
  });
  for (const [name, changes, path] of cases) {
    test(name, () => {
      assert.throws(
        () => fromEcs(withFields(good, changes)),
        (err: unknown) => isSeclogError(err, 'ECS_INVALID') && err.details.path === path,
      );
    });
  }
});

test('ECS round trip with arbitrary strings in every field (fast-check)', () => {
  fc.assert(
    fc.property(anyEvent, (ev) => {
      assert.deepEqual(fromEcs(viaJson(toEcs(ev))), ev);
    }),
    { numRuns: 300 },
  );
});
