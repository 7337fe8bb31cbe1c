import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, test } from 'node:test';
import { Compile } from 'typebox/compile';
import { renderEventsMarkdown } from '../src/catalogue/markdown.js';
import { catalogueEntries, clearVendorEvents, getCatalogueEntry, registerVendorEvent } from '../src/catalogue/registry.js';
import { renderErrorsMarkdown } from '../src/error-docs.js';
import { ERROR_CODES, isSeclogError } from '../src/errors.js';
import { eventJsonSchema, eventSchemaFor } from '../src/event/schema.js';
import { validateEvent } from '../src/event/validate.js';
import { chainedFromExample, eventFromExample } from './support/events.js';

// DESIGN.md §4: the minimum catalogue.
const REQUIRED_NAMES = [
  'authn_login_success',
  'authn_login_fail',
  'authn_login_lock',
  'authn_logout',
  'authn_password_change',
  'authn_password_change_fail',
  'authz_fail',
  'privilege_change',
  'user_created',
  'user_deleted',
  'config_change',
  'fw_update_start',
  'fw_update_end',
  'sys_startup',
  'sys_shutdown',
  'sys_reset',
  'sys_crash',
  'sys_fault',
  'boot_verify',
  'session_start',
  'session_end',
  'policy_change',
  'credential_change',
  'trust_anchor_change',
  'key_event',
  'device_enrolled',
  'device_unenrolled',
  'net_conn_fail',
  'tls_fail',
  'time_change',
  'time_sync',
  'log_dropped',
  'log_storage_low',
  'log_store_corrupt',
  'log_config_change',
  'log_access',
  'log_gap',
  'log_integrity_fail',
  'alert',
  'alert_transition',
  'review_signed',
  'stream_start',
  'passthrough',
];

const entries = catalogueEntries();

test('the catalogue holds every event DESIGN.md §4 names', () => {
  const names = new Set(entries.map((e) => e.name));
  for (const n of REQUIRED_NAMES) assert.ok(names.has(n), `${n} missing`);
});

test('names and SDK methods are unique; names fit MSGID', () => {
  assert.equal(new Set(entries.map((e) => e.name)).size, entries.length);
  assert.equal(new Set(entries.map((e) => e.sdkMethod)).size, entries.length);
  for (const e of entries) assert.ok(/^[a-z][a-z0-9_]{0,31}$/.test(e.name), e.name);
});

test('mandatory events cover authentication, configuration, access control, updates, faults and logging changes', () => {
  for (const n of ['authn_login_fail', 'config_change', 'authz_fail', 'fw_update_end', 'sys_crash', 'sys_fault', 'log_config_change']) {
    assert.equal(getCatalogueEntry(n)?.mandatory, true, n);
  }
});

describe('every catalogue example is a valid record', () => {
  for (const e of entries) {
    test(e.name, () => {
      const ev = eventFromExample(e);
      assert.deepEqual(validateEvent(ev), []);
      assert.deepEqual(validateEvent(chainedFromExample(e), { chained: true }), []);
      assert.ok(Compile(eventSchemaFor(e)).Check(ev), 'the TypeBox schema accepts it too');
      for (const [k, a] of Object.entries(e.attrs)) if (a.required) assert.ok(k in ev.attrs, `example lacks required attr ${k}`);
      assert.ok(e.when.length > 20 && e.title.length > 3);
      assert.equal(e.ocsf.classUid * 100 + e.ocsf.activityId > 0 || e.name === 'passthrough', true);
    });
  }
});

test('a record of one event does not validate under another event with other required attrs', () => {
  const ev = eventFromExample(getCatalogueEntry('fw_update_end') as never);
  ev.name = 'authn_login_fail';
  assert.ok(validateEvent(ev).some((i) => i.rule === 'required'));
});

describe('vendor events', () => {
  afterEach(() => clearVendorEvents());
  const spec = {
    name: 'x_acme_door_forced',
    title: 'Door forced',
    when: 'The enclosure tamper switch opened without a prior authenticated unlock.',
    attrs: {
      door: { type: 'string' as const, required: true, description: 'which door' },
      force_n: { type: 'number' as const, required: false, description: 'force, newtons' },
    },
    example: { attrs: { door: 'front' } },
  };
  test('registered vendor events validate like built-in ones', () => {
    const entry = registerVendorEvent(spec);
    assert.equal(entry.sdkMethod, 'xAcmeDoorForced');
    const ev = eventFromExample(entry);
    assert.deepEqual(validateEvent(ev), []);
    delete ev.attrs.door;
    assert.deepEqual(
      validateEvent(ev).map((i) => [i.path, i.rule]),
      [['attrs.door', 'required']],
    );
    assert.ok(catalogueEntries().includes(entry));
  });
  test('before registration the name is unknown', () => {
    const ev = { ...eventFromExample(getCatalogueEntry('sys_fault') as never), name: 'x_acme_door_forced' };
    assert.equal(validateEvent(ev)[0]?.rule, 'catalogue');
  });
  test('bad registrations are refused with a code', () => {
    assert.throws(
      () => registerVendorEvent({ ...spec, name: 'acme_door' }),
      (e) => isSeclogError(e, 'CATALOGUE_BAD_VENDOR_NAME'),
    );
    assert.throws(
      () => registerVendorEvent({ ...spec, name: `x_acme_${'a'.repeat(30)}` }),
      (e) => isSeclogError(e, 'CATALOGUE_BAD_VENDOR_NAME'),
    );
    assert.throws(
      () => registerVendorEvent({ ...spec, attrs: { Door: spec.attrs.door } }),
      (e) => isSeclogError(e, 'CATALOGUE_BAD_SCHEMA'),
    );
    assert.throws(
      () => registerVendorEvent({ ...spec, attrs: { door: { type: 'object' as never, required: true, description: '' } } }),
      (e) => isSeclogError(e, 'CATALOGUE_BAD_SCHEMA'),
    );
    registerVendorEvent(spec);
    assert.throws(
      () => registerVendorEvent(spec),
      (e) => isSeclogError(e, 'CATALOGUE_DUPLICATE'),
    );
  });
});

describe('generated documentation is up to date (run `npm run docs` after changing the catalogue or errors)', () => {
  const docs = new URL('../../../docs/', import.meta.url);
  test('docs/events.md', () => assert.equal(readFileSync(new URL('events.md', docs), 'utf8'), renderEventsMarkdown(entries)));
  test('docs/event-schema.json', () => {
    assert.deepEqual(
      JSON.parse(readFileSync(new URL('event-schema.json', docs), 'utf8')),
      JSON.parse(JSON.stringify(eventJsonSchema(entries))),
    );
  });
  test('docs/errors.md lists exactly the registry', () => {
    const text = readFileSync(new URL('errors.md', docs), 'utf8');
    assert.equal(text, renderErrorsMarkdown());
    const documented = [...text.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), Object.keys(ERROR_CODES).sort());
  });
  test('docs/events.md covers the whole catalogue', () => {
    const text = readFileSync(new URL('events.md', docs), 'utf8');
    for (const e of entries) assert.ok(text.includes(`### ${e.name}\n`), e.name);
  });
});
