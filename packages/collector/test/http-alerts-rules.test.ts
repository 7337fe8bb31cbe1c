// GET /api/v1/rules, PUT /api/v1/rules/:id {enabled} and PUT /api/v1/rules (custom YAML) through app.inject:
// roles, errors that name line and construct, the log_config_change record with the rule text's SHA-256, and
// that each change applies to the running engine at once (with its windows carried over).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ERROR_CODES } from '@seclog/core';
import { createApiToken } from '../src/enrol/enrol.js';
import { allAlerts, BRUTE_FORCE_RULES, detectionIdle, failedLogins, ownRecords, startDetectCollector } from './detect-fixtures.js';
import type { TestCollector } from './ingest-fixtures.js';
import { enrolDevice, ingest, type TestDevice } from './query-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: replies are read field by field in assertions
type Json = Record<string, any>;

let t: TestCollector;
let gw: TestDevice;
const tok = { analyst: '', auditor: '' };
let ipN = 0;
/** A fresh source address per burst, so bursts never share a window. */
const nextIp = () => `198.51.100.${++ipN}`;

before(async () => {
  t = await startDetectCollector();
  tok.analyst = createApiToken(t.c.data.enrol, 'analyst', 'soc').token;
  tok.auditor = createApiToken(t.c.data.enrol, 'auditor', 'audit').token;
  gw = enrolDevice(t, 'gw-rr1');
});
after(() => t.cleanup());

async function call(method: 'GET' | 'PUT', url: string, token: string, payload?: unknown, contentType?: string) {
  const res = await t.c.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) },
    ...(payload === undefined ? {} : { payload: payload as string }),
  });
  return { status: res.statusCode, body: res.json() as Json };
}
const putYaml = (yaml: string, token = t.admin) => call('PUT', '/api/v1/rules', token, { yaml });
const setEnabled = (id: string, enabled: boolean, token = t.admin) => call('PUT', `/api/v1/rules/${id}`, token, { enabled });
const listRules = async (token = tok.auditor) => (await call('GET', '/api/v1/rules', token)).body;

function expectError(r: { status: number; body: Json }, code: keyof typeof ERROR_CODES): Json {
  assert.equal(r.body.error?.code, code, JSON.stringify(r.body));
  assert.equal(r.status, ERROR_CODES[code].status);
  return r.body.error;
}

/** Ingests a brute force (11 failures in 11 s) from a new address; returns the alerts it raised. */
async function burst(n = 11): Promise<Json[]> {
  const before = allAlerts(t).length;
  await ingest(t, gw, failedLogins(nextIp(), n, Date.now() - 60_000, 1));
  await detectionIdle(t);
  return allAlerts(t).slice(before);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('adding custom rules', () => {
  test('an admin adds a rule file: logged with actor and SHA-256, listed, and running at once', async () => {
    const before = ownRecords(t, 'log_config_change').length;
    const r = await putYaml(BRUTE_FORCE_RULES);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.changed, true);
    assert.equal(r.body.replaced, null);
    assert.equal(r.body.sha256, sha256(BRUTE_FORCE_RULES));
    assert.deepEqual(r.body.rules.map((x: Json) => x.id).sort(), ['t-brute-force', 't-failed-login']);
    const rec = ownRecords(t, 'log_config_change').slice(before);
    assert.equal(rec.length, 1);
    assert.equal(rec[0]!.record.attrs.rule_sha256, sha256(BRUTE_FORCE_RULES));
    assert.equal(rec[0]!.record.attrs.setting, 'detect.rules.custom');
    assert.match(rec[0]!.record.actor?.user ?? '', /^api-token\//);
    const listed = await listRules();
    const bf = listed.rules.find((x: Json) => x.id === 't-brute-force');
    assert.deepEqual(
      { enabled: bf.enabled, alerting: bf.alerting, source: bf.source, level: bf.level, kind: bf.kind, sha256: bf.sha256 },
      { enabled: true, alerting: true, source: 'custom', level: 'high', kind: 'correlation', sha256: sha256(BRUTE_FORCE_RULES) },
    );
    assert.equal(listed.rules.find((x: Json) => x.id === 't-failed-login').alerting, false);
    assert.equal((await burst()).length, 1);
  });

  test('the same text again changes nothing and records nothing; an edit replaces the file and is recorded', async () => {
    const before = ownRecords(t, 'log_config_change').length;
    const same = await putYaml(BRUTE_FORCE_RULES);
    assert.equal(same.body.changed, false);
    assert.equal(ownRecords(t, 'log_config_change').length, before);
    const edited = BRUTE_FORCE_RULES.replace('gt: 10', 'gt: 4');
    const r = await putYaml(edited);
    assert.equal(r.body.changed, true);
    assert.equal(r.body.replaced, 't-failed-login');
    const rec = ownRecords(t, 'log_config_change').at(-1)!.record;
    assert.equal(rec.attrs.old_value, sha256(BRUTE_FORCE_RULES));
    assert.equal(rec.attrs.new_value, sha256(edited));
    assert.equal((await burst(5)).length, 1, 'the edited threshold applies at once');
    assert.equal((await putYaml(BRUTE_FORCE_RULES)).body.changed, true);
  });

  test('raw YAML bodies are accepted (application/yaml)', async () => {
    const yaml = `title: Lockout\nid: t-lockout\nlevel: medium\ndetection:\n  sel:\n    name: authn_login_lock\n  condition: sel\n`;
    const r = await call('PUT', '/api/v1/rules', t.admin, yaml, 'application/yaml');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.file, 't-lockout');
  });

  test('bad rules are refused with the line and the construct, and nothing is recorded or changed', async () => {
    const before = ownRecords(t, 'log_config_change').length;
    const rulesBefore = (await listRules()).rules.length;
    let e = expectError(await putYaml('title: x\nid: t-x\ndetection:\n  sel: [a\n'), 'RULE_YAML_INVALID');
    assert.match(e.message, /^request:/);
    assert.equal(typeof e.details.line, 'number');
    e = expectError(
      await putYaml('title: B64\nid: t-b64\nlevel: low\ndetection:\n  sel:\n    message|base64offset: secret\n  condition: sel\n'),
      'RULE_UNSUPPORTED',
    );
    assert.equal(e.details.line, 6);
    assert.match(String(e.details.construct), /base64offset/);
    e = expectError(
      await putYaml('title: C\nid: t-c\nlevel: low\ndetection:\n  sel:\n    name: x\n  condition: sel and nope\n'),
      'RULE_CONDITION_INVALID',
    );
    assert.equal(e.details.line, 7);
    e = expectError(
      await putYaml(
        'title: Corr\nid: t-corr\nlevel: high\ncorrelation:\n  type: event_count\n  rules: [t-missing]\n  group-by: [source.ip]\n  timespan: 1m\n  condition:\n    gt: 3\n',
      ),
      'RULE_REFERENCE_UNKNOWN',
    );
    assert.match(e.message, /t-missing/);
    // A file that names rules of two stored files.
    e = expectError(
      await putYaml(
        `${BRUTE_FORCE_RULES}---\ntitle: Lockout\nid: t-lockout\nlevel: medium\ndetection:\n  sel:\n    name: authn_login_lock\n  condition: sel\n`,
      ),
      'DETECT_RULE_CONFLICT',
    );
    assert.deepEqual(e.details.files.sort(), ['t-failed-login', 't-lockout']);
    expectError(await putYaml(''), 'HTTP_BODY_INVALID');
    assert.equal(ownRecords(t, 'log_config_change').length, before);
    assert.equal((await listRules()).rules.length, rulesBefore);
  });

  test('only admins change rules; every reader lists them', async () => {
    expectError(await putYaml(BRUTE_FORCE_RULES, tok.analyst), 'AUTH_ROLE_FORBIDDEN');
    expectError(await setEnabled('t-brute-force', false, tok.auditor), 'AUTH_ROLE_FORBIDDEN');
    for (const token of [t.admin, tok.analyst, tok.auditor]) assert.equal((await call('GET', '/api/v1/rules', token)).status, 200);
  });
});

describe('enabling and disabling', () => {
  test('a disabled rule stops alerting at once; enabling it again resumes; each change recorded', async () => {
    const before = ownRecords(t, 'log_config_change').length;
    const off = await setEnabled('t-brute-force', false);
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.deepEqual([off.body.changed, off.body.rule.enabled, off.body.rule.alerting], [true, false, false]);
    assert.equal((await burst()).length, 0);
    assert.equal((await setEnabled('t-brute-force', false)).body.changed, false);
    assert.equal((await setEnabled('t-brute-force', true)).body.changed, true);
    assert.equal((await burst()).length, 1);
    const recs = ownRecords(t, 'log_config_change').slice(before);
    assert.deepEqual(
      recs.map((r) => [r.record.attrs.setting, r.record.attrs.old_value, r.record.attrs.new_value, r.record.attrs.rule_sha256]),
      [
        ['detect.rules.t-brute-force.enabled', 'true', 'false', sha256(BRUTE_FORCE_RULES)],
        ['detect.rules.t-brute-force.enabled', 'false', 'true', sha256(BRUTE_FORCE_RULES)],
      ],
    );
  });

  test('disabling the rule a correlation builds on keeps the correlation working (only its own alerts stop)', async () => {
    await setEnabled('t-failed-login', false);
    assert.equal((await burst()).length, 1);
    await setEnabled('t-failed-login', true);
  });

  test('a change mid-window keeps the window: the engine is rebuilt with its state', async () => {
    const ip = nextIp();
    const t0 = Date.now() - 60_000;
    await ingest(t, gw, failedLogins(ip, 6, t0, 1));
    await detectionIdle(t);
    await setEnabled('t-lockout', false);
    const before = allAlerts(t).length;
    await ingest(t, gw, failedLogins(ip, 5, t0 + 6000, 1));
    await detectionIdle(t);
    const fresh = allAlerts(t).slice(before);
    assert.equal(fresh.length, 1);
    assert.equal(fresh[0]!.count, 11);
  });

  test('an unknown rule is 404', async () => {
    expectError(await setEnabled('t-nope', false), 'DETECT_RULE_NOT_FOUND');
  });
});
