// The events_id index cuts a record's id out of its canonical JSON with instr/substr instead of
// parsing it (sqlite-schema.ts, migration 4). That is right only while the top-level "id" follows
// the "device" object in RFC 8785 key order and nothing before it can contain `},"id":"`; these
// tests hold the record schema and the canonical form to that.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecurityEvent } from '@seclog/core';
import { canonicalize, SecurityEventSchema } from '@seclog/core';
import fc from 'fast-check';

const MARK = '},"id":"';
const cut = (canonical: string): string =>
  canonical.slice(canonical.indexOf(MARK) + MARK.length, canonical.indexOf(MARK) + MARK.length + 36);

test('no top-level field of the record sorts between "device" and "id", and device is a required object', () => {
  const schema = SecurityEventSchema as unknown as { properties: Record<string, { type?: string }>; required: string[] };
  const keys = Object.keys(schema.properties);
  assert.ok(keys.includes('device') && keys.includes('id'));
  assert.deepEqual(
    keys.filter((k) => k > 'device' && k < 'id'),
    [],
    'a new field here would stand between the device object and the id in canonical order',
  );
  assert.ok(schema.required.includes('device') && schema.required.includes('id'));
  assert.equal(schema.properties.device?.type, 'object');
});

test('the cut finds the id whatever the other fields hold', () => {
  const text = fc.string({ unit: 'binary', maxLength: 30 });
  const tricky = fc.constantFrom('},"id":"', '"}', '{"id":"x"}', '\\', 'id');
  const value = fc.oneof(text, tricky);
  fc.assert(
    fc.property(
      fc.uuid(),
      value,
      value,
      fc.dictionary(
        fc.oneof(fc.constantFrom('id', 'device', 'a'), fc.string({ maxLength: 8 })),
        fc.oneof(value, fc.integer(), fc.boolean()),
        {
          maxKeys: 5,
        },
      ),
      fc.option(value, { nil: undefined }),
      (id, deviceId, user, attrs, message) => {
        const record: SecurityEvent = {
          v: 1,
          id,
          name: 'authn_login_fail',
          time: '2026-11-27T13:33:43.000001Z',
          severity: 'high',
          outcome: 'failure',
          device: { id: deviceId, fw: user },
          actor: { user, ip: '192.0.2.1' },
          target: { resource: user },
          attrs,
          ...(message === undefined ? {} : { message }),
          boot: user,
          stream: deviceId,
        };
        assert.equal(cut(canonicalize(record)), id);
      },
    ),
    { numRuns: 500 },
  );
});
