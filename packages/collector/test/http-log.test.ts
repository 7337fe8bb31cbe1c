import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createNoteVerifier, openCheckpoint, verifyConsistency, verifyInclusion } from '@seclog/core';
import { createApiToken } from '../src/enrol/enrol.js';
import { deviceChain, startTestCollector, type TestCollector } from './ingest-fixtures.js';

let t: TestCollector;
let auditor: string;
let analyst: string;
before(async () => {
  t = await startTestCollector();
  auditor = createApiToken(t.c.data.enrol, 'auditor', 'audit').token;
  analyst = createApiToken(t.c.data.enrol, 'analyst', 'soc').token;
  const d = t.enrol('log-1');
  const recs = deviceChain('log-1', 12);
  const r = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
    payload: { device: 'log-1', stream: recs[0]!.stream, records: recs },
  });
  assert.equal(r.statusCode, 200);
  t.c.integrator.integrate();
  t.c.integrator.checkpoint();
});
after(() => t.cleanup());

const get = (url: string, token?: string) =>
  t.c.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
const b = (s: string) => Buffer.from(s, 'base64');

describe('log endpoints', () => {
  test('checkpoint: a signed note that verifies with the served key', async () => {
    const cp = await get('/api/v1/log/checkpoint', auditor);
    assert.equal(cp.statusCode, 200);
    assert.match(String(cp.headers['content-type']), /^text\/plain/);
    const key = (await get('/api/v1/log/key', t.admin)).body.trim();
    assert.equal(key, t.c.data.key.verifierKey);
    const { checkpoint } = openCheckpoint(cp.body, { origin: t.c.data.key.origin, verifiers: [createNoteVerifier(key)] });
    assert.equal(checkpoint.size, t.c.integrator.size);
  });

  test('inclusion and consistency proofs verify against checkpoint roots', async () => {
    const size = t.c.integrator.size;
    const root = t.c.integrator.tree.root(size);
    const incRes = await get(`/api/v1/log/proof/inclusion?index=${size - 2}&size=${size}`, auditor);
    assert.equal(incRes.statusCode, 200, incRes.body);
    const inc = incRes.json();
    assert.deepEqual([inc.index, inc.size], [size - 2, size]);
    assert.doesNotThrow(() => verifyInclusion(inc.index, inc.size, b(inc.leafHash), inc.proof.map(b), root));
    const con = (await get(`/api/v1/log/proof/consistency?from=3&to=${size}`, auditor)).json();
    assert.doesNotThrow(() => verifyConsistency(3, size, con.proof.map(b), t.c.integrator.tree.root(3), root));
  });

  const refusals: [string, string, string | undefined, string, number][] = [
    ['no token', '/api/v1/log/checkpoint', undefined, 'AUTH_TOKEN_MISSING', 401],
    ['device token', '/api/v1/log/checkpoint', 'sld_x', 'AUTH_TOKEN_INVALID', 401],
    ['analyst role', '/api/v1/log/key', 'analyst', 'AUTH_ROLE_FORBIDDEN', 403],
    ['index ≥ size', '/api/v1/log/proof/inclusion?index=5&size=5', 'auditor', 'HTTP_QUERY_INVALID', 400],
    ['size beyond the tree', '/api/v1/log/proof/inclusion?index=0&size=99999', 'auditor', 'HTTP_QUERY_INVALID', 400],
    ['not a number', '/api/v1/log/proof/inclusion?index=x&size=1', 'auditor', 'HTTP_QUERY_INVALID', 400],
    ['from > to', '/api/v1/log/proof/consistency?from=4&to=2', 'auditor', 'HTTP_QUERY_INVALID', 400],
  ];
  for (const [name, url, who, code, status] of refusals) {
    test(`refused: ${name} → ${code}`, async () => {
      const token = who === 'auditor' ? auditor : who === 'analyst' ? analyst : who;
      const r = await get(url, token);
      assert.equal(r.statusCode, status, r.body);
      assert.equal(r.json().error.code, code);
    });
  }

  test('proof reads and role refusals are events of the collector’s stream', async () => {
    const s = t.c.data.store;
    const names = s.readEvents(0, s.eventCount()).map((e) => JSON.parse(e.canonical).name as string);
    assert.ok(names.includes('log_access'));
    assert.ok(names.includes('authz_fail'));
  });

  test('healthz and the OpenAPI document', async () => {
    const h = await get('/healthz');
    assert.equal(h.json().status, 'ok');
    const doc = (await get('/docs/json')).json();
    for (const p of ['/api/v1/ingest', '/api/v1/ingest/cursor', '/api/v1/log/checkpoint', '/api/v1/log/proof/inclusion'])
      assert.ok(doc.paths[p], p);
  });
});
