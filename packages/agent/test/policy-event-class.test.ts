import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogueEntries, clearVendorEvents, isSeclogError, PROFILES, registerVendorEvent, type Severity } from '@seclog/core';
import { CRITICAL_GROUPS, classOfEntry, eventClass, MANDATORY_GROUPS, shipsAtOnce } from '../src/index.js';

test('the group rules never contradict the catalogue: every built-in event of a mandatory group is flagged mandatory', () => {
  for (const e of catalogueEntries()) {
    if (MANDATORY_GROUPS.has(e.group)) assert.equal(e.mandatory, true, `${e.name} (${e.group})`);
    if (CRITICAL_GROUPS.has(e.group)) assert.equal(e.critical, true, `${e.name} (${e.group})`);
  }
});

const classes: [string, boolean, boolean][] = [
  // name, mandatory, critical
  ['authn_login_fail', true, true],
  ['authz_fail', true, true],
  ['config_change', true, true],
  ['fw_update_end', true, true],
  ['log_config_change', true, true],
  ['sys_fault', true, false],
  ['sys_crash', true, false],
  ['tls_fail', true, false],
  ['time_change', true, false],
  ['session_start', false, false],
  ['net_conn_fail', false, false],
  ['time_sync', false, false],
];
for (const [name, mandatory, critical] of classes) {
  test(`class of ${name}: ${mandatory ? 'mandatory' : 'optional'}${critical ? ', critical' : ''}`, () => {
    const c = eventClass(name);
    assert.deepEqual([c.mandatory, c.critical], [mandatory, critical]);
  });
}

test('logger-own and collector-only events are marked', () => {
  assert.equal(eventClass('log_seal').loggerOwn, true);
  assert.equal(eventClass('stream_start').loggerOwn, true);
  assert.equal(eventClass('alert').collectorOnly, true);
  assert.equal(eventClass('authn_login_fail').loggerOwn || eventClass('authn_login_fail').collectorOnly, false);
  assert.throws(
    () => eventClass('nope'),
    (e) => isSeclogError(e, 'EVENT_UNKNOWN_NAME'),
  );
});

test('a vendor event in a mandatory group is mandatory and critical without its own flags', () => {
  try {
    const e = registerVendorEvent({
      name: 'x_acme_badge_login',
      title: 'Badge login',
      when: 'A badge was presented.',
      group: 'authentication',
      attrs: {},
      example: { attrs: {} },
    });
    assert.deepEqual([classOfEntry(e).mandatory, classOfEntry(e).critical], [true, true]);
  } finally {
    clearVendorEvents();
  }
});

test('immediate shipping: only under shipCriticalAtOnce, for critical events and high or critical severity', () => {
  const table: [string, Severity, boolean, boolean][] = [
    // event, severity, high profile, low profile
    ['authn_login_fail', 'medium', true, false],
    ['session_start', 'info', false, false],
    ['sys_crash', 'high', true, false],
    ['net_conn_fail', 'critical', true, false],
    ['sys_fault', 'medium', false, false],
  ];
  for (const [name, sev, high, low] of table) {
    assert.equal(shipsAtOnce(PROFILES.high, eventClass(name), sev), high, `${name} high`);
    assert.equal(shipsAtOnce(PROFILES.low, eventClass(name), sev), low, `${name} low`);
  }
});
