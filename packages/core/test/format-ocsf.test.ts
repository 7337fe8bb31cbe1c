import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { getCatalogueEntry } from '../src/catalogue/registry.js';
import { isSeclogError } from '../src/errors.js';
import type { SecurityEvent } from '../src/event/types.js';
import { validateEvent } from '../src/event/validate.js';
import { fromOcsf } from '../src/formats/ocsf/from-ocsf.js';
import { OCSF_VERSION } from '../src/formats/ocsf/mapping.js';
import { toOcsf } from '../src/formats/ocsf/to-ocsf.js';
import { anyEvent, catalogueEvents, viaJson, withFields } from './format-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: the encoder output is probed field by field
type Json = Record<string, any>;

describe('OCSF: every catalogue event, both ways', () => {
  for (const { name, chained, bare } of catalogueEvents()) {
    test(name, () => {
      assert.deepEqual(validateEvent(chained), []);
      const entry = getCatalogueEntry(name);
      assert.ok(entry);
      const o = viaJson(toOcsf(chained)) as Json;
      assert.equal(o.class_uid, entry.ocsf.classUid);
      assert.equal(o.category_uid, entry.ocsf.categoryUid);
      assert.equal(o.activity_id, entry.ocsf.activityId);
      assert.equal(o.type_uid, entry.ocsf.classUid * 100 + entry.ocsf.activityId);
      assert.equal(o.type_name, `${entry.ocsf.className}: ${entry.ocsf.activityName}`);
      assert.equal(o.metadata.version, OCSF_VERSION);
      assert.deepEqual(o.metadata.product, { name: 'seclog', vendor_name: 'seclog' });
      assert.equal(o.metadata.uid, chained.id);
      assert.equal(o.metadata.event_code, name);
      assert.equal(o.metadata.log_name, chained.stream);
      assert.equal(o.metadata.sequence, chained.seq);
      assert.equal(o.time, Date.parse(chained.time));
      assert.equal(o.time_dt, chained.time);
      assert.deepEqual(o.device, {
        uid: 'cam-17',
        type_id: 7,
        type: 'IOT',
        model: 'IPC-300',
        os: { name: 'firmware', type_id: 99, type: 'Other', version: '2.4.1' },
        boot_uid: chained.boot,
      });
      assert.deepEqual(o.unmapped.attrs, chained.attrs);
      assert.deepEqual(fromOcsf(o), chained);
      assert.deepEqual(fromOcsf(viaJson(toOcsf(bare))), bare);
    });
  }
});

const base: SecurityEvent = {
  v: 1,
  id: '019ac5e2-7b10-7c3a-9d41-000000000001',
  name: 'authn_login_fail',
  time: '2026-11-27T13:33:43.123456Z',
  severity: 'high',
  outcome: 'failure',
  device: { id: 'cam-17' },
  actor: { user: 'admin', ip: '203.0.113.9', port: 52144, session: 'hmac-sha256:00ff', process: 'httpd' },
  attrs: { method: 'password', reason: 'bad_password' },
};

describe('OCSF field mapping', () => {
  const cases: [string, SecurityEvent, (o: Json) => void][] = [
    [
      'severity, status, actor and source endpoint',
      base,
      (o) => {
        assert.equal(o.severity_id, 4);
        assert.equal(o.severity, 'High');
        assert.equal(o.status_id, 2);
        assert.equal(o.status, 'Failure');
        assert.deepEqual(o.actor, { user: { name: 'admin' }, session: { uid: 'hmac-sha256:00ff' }, process: { name: 'httpd' } });
        assert.deepEqual(o.src_endpoint, { ip: '203.0.113.9', port: 52144 });
      },
    ],
    [
      'Authentication requires user: the actor is the account that logs on',
      base,
      (o) => {
        assert.deepEqual(o.user, { name: 'admin' });
        assert.equal(o.unmapped.user_from_actor, true);
      },
    ],
    [
      'Account Change: user is the target account',
      { ...base, name: 'user_created', outcome: 'success', target: { user: 'operator2' } },
      (o) => {
        assert.equal(o.class_uid, 3001);
        assert.deepEqual(o.user, { name: 'operator2' });
        assert.equal(o.unmapped.user_from_actor, undefined);
      },
    ],
    [
      'Entity Management: the resource is the entity, the setting stays unmapped',
      {
        ...base,
        name: 'config_change',
        outcome: 'success',
        target: { resource: 'firewall', setting: 'wan.allow_ssh' },
        attrs: { category: 'firewall' },
      },
      (o) => {
        assert.equal(o.class_uid, 3004);
        assert.deepEqual(o.entity, { name: 'firewall' });
        assert.deepEqual(o.unmapped.target, { setting: 'wan.allow_ssh' });
      },
    ],
    [
      'a class without user keeps target.user unmapped',
      { ...base, name: 'sys_startup', target: { user: 'svc' }, attrs: {} },
      (o) => {
        assert.equal(o.user, undefined);
        assert.deepEqual(o.unmapped.target, { user: 'svc' });
      },
    ],
    [
      'an unknown name maps to Base Event / Other',
      { ...base, name: 'x_acme_unregistered' },
      (o) => {
        assert.equal(o.class_uid, 0);
        assert.equal(o.type_uid, 99);
        assert.equal(o.type_name, 'Base Event: Other');
      },
    ],
  ];
  for (const [name, ev, check] of cases) {
    test(name, () => {
      const o = viaJson(toOcsf(ev)) as Json;
      check(o);
      assert.deepEqual(fromOcsf(o), ev);
    });
  }
});

describe('fromOcsf refuses what it cannot read, naming the field', () => {
  const good = toOcsf(base);
  const cases: [string, Record<string, unknown>, string][] = [
    ['no metadata', { metadata: undefined }, 'metadata'],
    ['uid not a string', { 'metadata.uid': 7 }, 'metadata.uid'],
    ['no event_code', { 'metadata.event_code': undefined }, 'metadata.event_code'],
    ['severity_id 6 (Fatal)', { severity_id: 6 }, 'severity_id'],
    ['status_id 99 (Other)', { status_id: 99 }, 'status_id'],
    ['time_dt not a date', { time_dt: 'yesterday' }, 'time_dt'],
    ['no device uid', { 'device.uid': undefined }, 'device.uid'],
    ['port a string', { 'src_endpoint.port': '22' }, 'src_endpoint.port'],
    ['attrs value an object', { 'unmapped.attrs.reason': { x: 1 } }, 'unmapped.attrs.reason'],
    ['tq source unknown', { 'unmapped.tq': { synced: true, source: 'sundial' } }, 'unmapped.tq.source'],
    ['two resources', { class_uid: 6003, resources: [{ name: 'a' }, { name: 'b' }] }, 'resources'],
  ];
  test('not an object', () => {
    assert.throws(
      () => fromOcsf(42),
      (err: unknown) => isSeclogError(err, 'OCSF_INVALID') && err.details.path === '',
    );
  });
  for (const [name, changes, path] of cases) {
    test(name, () => {
      assert.throws(
        () => fromOcsf(withFields(good, changes)),
        (err: unknown) => isSeclogError(err, 'OCSF_INVALID') && err.details.path === path,
      );
    });
  }
  test('time without time_dt is read as milliseconds', () => {
    assert.equal(fromOcsf(withFields(good, { time_dt: undefined })).time, '2026-11-27T13:33:43.123000Z');
  });
});

test('OCSF round trip with arbitrary strings in every field (fast-check)', () => {
  fc.assert(
    fc.property(anyEvent, (ev) => {
      assert.deepEqual(fromOcsf(viaJson(toOcsf(ev))), ev);
    }),
    { numRuns: 300 },
  );
});
