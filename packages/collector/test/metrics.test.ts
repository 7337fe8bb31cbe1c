// GET /metrics (issue C item 8): scrape, ingest, scrape again, and check each
// counter moved by exactly what the requests did.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GroupCommitter } from '../src/ingest/group-commit.js';
import { OwnStreamBuilder } from '../src/ingest/own-stream.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { deviceChain, startTestCollector, type TestCollector } from './ingest-fixtures.js';
import { delta, parsePromText, type Samples, value } from './support/prom-text.js';

let t: TestCollector;
before(async () => {
  // Without the rule pack: its alerts on the log_gap and log_integrity_fail below would be collector events too.
  t = await startTestCollector({ ingest: { maxBatchRecords: 50 }, detect: { builtinRules: false } });
});
after(() => t.cleanup());

async function scrape(token: string | undefined = t.admin, c: TestCollector = t): Promise<Samples> {
  const res = await c.c.app.inject({ method: 'GET', url: '/metrics', headers: token ? { authorization: `Bearer ${token}` } : {} });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parsePromText(res.body);
}

async function post(token: string, body: unknown): Promise<number> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    payload,
  });
  return res.statusCode;
}

const http = { source: 'http' };

describe('GET /metrics', () => {
  test('needs an API token by default: anonymous and device tokens get 401', async () => {
    const d = t.enrol('auth-1');
    for (const [headers, code] of [
      [{}, 'AUTH_TOKEN_MISSING'],
      [{ authorization: `Bearer ${d.token}` }, 'AUTH_TOKEN_INVALID'],
      [{ authorization: 'Bearer sla_nope' }, 'AUTH_TOKEN_INVALID'],
    ] as const) {
      const res = await t.c.app.inject({ method: 'GET', url: '/metrics', headers });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, code);
    }
  });

  test('accepted, duplicate and refused records, batches by code, batch sizes, commit latency', async () => {
    const d = t.enrol('m-1');
    const recs = deviceChain('m-1', 12);
    const stream = recs[0]!.stream;
    const s0 = await scrape();
    assert.equal(await post(d.token, { device: 'm-1', stream, records: recs.slice(0, 5) }), 200);
    assert.equal(await post(d.token, { device: 'm-1', stream, records: recs.slice(5, 8) }), 200);
    // Seq 4..8 again: 5 duplicates, nothing stored.
    assert.equal(await post(d.token, { device: 'm-1', stream, records: recs.slice(3, 8) }), 200);
    // 4 records, the second invalid: refused whole.
    const bad = [recs[8], { ...recs[9], severity: 'loud' }, recs[10], recs[11]];
    assert.equal(await post(d.token, { device: 'm-1', stream, records: bad }), 400);
    assert.equal(await post(d.token, '{"device":'), 400);
    const s1 = await scrape();

    assert.equal(delta(s0, s1, 'seclog_ingest_events_total', { ...http, outcome: 'accepted' }), 8);
    assert.equal(delta(s0, s1, 'seclog_ingest_events_total', { ...http, outcome: 'duplicate' }), 5);
    assert.equal(delta(s0, s1, 'seclog_ingest_events_total', { ...http, outcome: 'refused' }), 4);
    assert.equal(delta(s0, s1, 'seclog_ingest_batches_total', { ...http, code: 'ok' }), 3);
    assert.equal(delta(s0, s1, 'seclog_ingest_batches_total', { ...http, code: 'INGEST_RECORD_INVALID' }), 1);
    assert.equal(delta(s0, s1, 'seclog_ingest_batches_total', { ...http, code: 'HTTP_BODY_INVALID' }), 1);
    // Two committed batches (5 and 3 records); the duplicate-only one committed nothing.
    assert.equal(delta(s0, s1, 'seclog_ingest_batch_records_count', http), 2);
    assert.equal(delta(s0, s1, 'seclog_ingest_batch_records_sum', http), 8);
    assert.equal(delta(s0, s1, 'seclog_ingest_batch_records_bucket', { ...http, le: '5' }), 2);
    assert.equal(delta(s0, s1, 'seclog_ingest_batch_records_bucket', { ...http, le: '1' }), 0);
    assert.equal(delta(s0, s1, 'seclog_commit_latency_seconds_count'), 2);
    const latency = delta(s0, s1, 'seclog_commit_latency_seconds_sum');
    assert.ok(latency > 0 && latency < 10, `latency sum ${latency}`);
    assert.equal(delta(s0, s1, 'seclog_commit_group_batches_count'), delta(s0, s1, 'seclog_commit_duration_seconds_count'));
    assert.equal(delta(s0, s1, 'seclog_commit_group_batches_sum'), 2);
  });

  test('gaps and forks count as integrity failures by kind; the collector stream as source collector', async () => {
    const d = t.enrol('m-2');
    const recs = deviceChain('m-2', 10);
    const stream = recs[0]!.stream;
    const s0 = await scrape();
    assert.equal(await post(d.token, { device: 'm-2', stream, records: recs.slice(0, 2) }), 200);
    assert.equal(await post(d.token, { device: 'm-2', stream, records: recs.slice(6) }), 200); // seq 3..6 missing
    assert.equal(await post(d.token, { device: 'm-2', stream, records: deviceChain('m-2', 10, stream).slice(9) }), 409); // fork at 10
    const s1 = await scrape();
    assert.equal(delta(s0, s1, 'seclog_integrity_failures_total', { kind: 'gap' }), 1);
    assert.equal(delta(s0, s1, 'seclog_log_gap_records_total'), 4);
    assert.equal(delta(s0, s1, 'seclog_integrity_failures_total', { kind: 'forked' }), 1);
    assert.equal(delta(s0, s1, 'seclog_integrity_failures_total', { kind: 'modified' }), 0);
    // The log_gap and log_integrity_fail records themselves.
    assert.equal(delta(s0, s1, 'seclog_ingest_events_total', { source: 'collector', outcome: 'accepted' }), 2);
    assert.equal(delta(s0, s1, 'seclog_ingest_batches_total', { ...http, code: 'INGEST_FORK' }), 1);
    // Every kind of the catalogue is there from the start, at its count.
    assert.ok(s0.has('seclog_integrity_failures_total{kind="bad_seal"}'));
  });

  test('scrape-time gauges: tree, checkpoint, lag, database size; process metrics', async () => {
    const d = t.enrol('m-3');
    const recs = deviceChain('m-3', 3);
    assert.equal(await post(d.token, { device: 'm-3', stream: recs[0]!.stream, records: recs }), 200);
    await t.c.committer.drain(); // the integrator runs on the turn after the ACK
    t.c.integrator.checkpoint();
    const s = await scrape();
    const events = t.c.data.store.eventCount();
    assert.equal(value(s, 'seclog_log_tree_size'), events);
    assert.equal(value(s, 'seclog_integrator_lag_events'), 0);
    assert.equal(value(s, 'seclog_log_checkpoint_size'), events);
    const age = value(s, 'seclog_log_checkpoint_age_seconds');
    assert.ok(age >= 0 && age < 60, `checkpoint age ${age}`);
    assert.ok(value(s, 'seclog_db_size_bytes', { file: 'db' }) >= 4096);
    assert.ok(value(s, 'seclog_db_size_bytes', { file: 'wal' }) > 0, 'WAL holds the recent commits');
    assert.ok(value(s, 'nodejs_heap_size_used_bytes') > 0);
    assert.ok(value(s, 'process_cpu_user_seconds_total') > 0);
  });

  test('http.metricsAuth none: open to anyone; each collector has its own registry', async () => {
    const open = await startTestCollector({ http: { metricsAuth: 'none' } });
    try {
      const d = open.enrol('o-1');
      const recs = deviceChain('o-1', 7);
      const res = await open.c.app.inject({
        method: 'POST',
        url: '/api/v1/ingest',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${d.token}` },
        payload: JSON.stringify({ device: 'o-1', stream: recs[0]!.stream, records: recs }),
      });
      assert.equal(res.statusCode, 200);
      const s = await scrape(undefined, open);
      assert.equal(value(s, 'seclog_ingest_events_total', { ...http, outcome: 'accepted' }), 7);
      assert.equal(value(s, 'seclog_ingest_batches_total', { ...http, code: 'ok' }), 1);
    } finally {
      await open.cleanup();
    }
  });
});

test('a throwing observer neither fails nor repeats a durable commit', async () => {
  const store = openSqliteStore(':memory:');
  const own = new OwnStreamBuilder(store, 'test.example/log');
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const committer = new GroupCommitter(store, {
      windowMs: 0,
      observer: {
        committed: () => {
          throw new Error('observer broke');
        },
        refused: () => {},
      },
    });
    const batches = [own.build([{ name: 'log_access', input: { actor: { user: 'test' }, attrs: { action: 'query' } } }])];
    const positions = await Promise.all(batches.map((b) => committer.submit(b)));
    assert.deepEqual(positions, [[0]]);
    assert.equal(store.eventCount(), 1);
    assert.equal(committer.commits, 1, 'committed once, not retried batch by batch');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, ['observer broke']);
  } finally {
    process.off('warning', onWarning);
    store.close();
  }
});

test('onCommitted runs after the ACKs, once for the commits of one turn; drain runs what is pending', async () => {
  const store = openSqliteStore(':memory:');
  const own = new OwnStreamBuilder(store, 'test.example/log');
  const event = { name: 'log_access', input: { actor: { user: 'test' }, attrs: { action: 'query' } } };
  const order: string[] = [];
  const committer = new GroupCommitter(store, { windowMs: 0, onCommitted: (n) => order.push(`integrate ${n}`) });
  try {
    await committer.submit(own.build([event])).then(() => order.push('ack'));
    assert.deepEqual(order, ['ack'], 'the ACK does not wait for the integrator');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['ack', 'integrate 1']);

    // Two commits in one turn: one call for both.
    const first = committer.submit(own.build([event]));
    committer.flush();
    const second = committer.submit(own.build([event, event]));
    committer.flush();
    await Promise.all([first, second]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order.slice(2), ['integrate 3']);

    // drain: nothing is left to run after it (the store closes next).
    void committer.submit(own.build([event]));
    await committer.drain();
    assert.deepEqual(order.slice(3), ['integrate 1']);
    await new Promise((r) => setImmediate(r));
    assert.equal(order.length, 4, 'and it does not run again');
  } finally {
    store.close();
  }
});
