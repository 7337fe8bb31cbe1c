/**
 * Issue H item 3: `seclog demo --fast` in a child process, as a user runs
 * it. While it runs, the API shows the brute-force alerts; after SIGTERM,
 * the data it leaves holds the evidence of every scripted incident as the
 * collector recorded it: log_dropped whose counts account for every record
 * bulb-1 never delivered, the collector's own log_integrity_fail for gw-2's
 * re-signed seal, and `seclog verify` / `seclog check` failing for exactly
 * those reasons.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDataDir } from '@seclog/collector';
import { startDemo } from './support/demo-child.js';
import { runCli } from './support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-demo-run-'));
after(() => rmSync(root, { recursive: true, force: true }));

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('seclog demo --fast: alerts while it runs, and the evidence of every incident in what it leaves', { timeout: 90_000 }, async (t) => {
  const dir = join(root, 'demo');
  const demo = await startDemo(dir);
  const { start } = demo;
  let code: number | null | 'killed';
  try {
    assert.match(start.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(start.user, 'admin');
    assert.ok(start.password.length >= 20, 'a generated password');
    assert.equal(start.dataDir, join(dir, 'collector'));
    assert.equal(start.devices.length, 8);
    assert.deepEqual([...new Set(start.devices.map((d) => d.profile))].sort(), ['high', 'low']);

    await demo.timelineDone();
    const out = demo.output();
    t.diagnostic(
      out
        .split('\n')
        .filter((l) => l.includes('ALERT') || l.includes('collector '))
        .join('\n'),
    );

    // What a user (here with the admin API token it printed) sees while the demo runs.
    const res = await fetch(`${start.url}/api/v1/alerts?limit=100`, { headers: { authorization: `Bearer ${start.token}` } });
    assert.equal(res.status, 200);
    const { alerts } = (await res.json()) as {
      alerts: { rule: { title: string }; groupKey: string; device: string | null; count: number }[];
    };
    const titled = (title: string) => alerts.filter((a) => a.rule.title === title);
    const brute = titled('Brute force from one address');
    assert.equal(brute.length, 1);
    assert.equal(brute[0]?.device, 'cam-1');
    assert.match(brute[0]?.groupKey ?? '', /203\.0\.113\.77/);
    assert.equal(titled('Successful login after a brute force').length, 1);
    assert.equal(titled('Password spraying from one address').length, 1);
    assert.equal(titled('Firmware or boot image with an invalid signature')[0]?.device, 'cam-2');
    assert.equal(titled('Device clock jumped')[0]?.device, 'plc-1');
    assert.equal(titled('Log records dropped')[0]?.device, 'bulb-1');
    assert.equal(titled('Log integrity check failed').length, 1);
  } finally {
    code = await demo.stop();
  }
  assert.equal(code, 0, demo.output());
  assert.match(demo.output(), /seclog demo: stopped/);

  const dd = await openDataDir(start.dataDir);
  try {
    const store = dd.store;
    const records = store.readEvents(0, store.eventCount()).map((e) => ({ e, rec: JSON.parse(e.canonical) as Record<string, unknown> }));
    const ofDevice = (id: string) => records.filter((r) => (r.rec.device as { id: string }).id === id);

    // bulb-1: every seq it ever chained was either delivered or named in exactly one log_dropped.
    const bulb = ofDevice('bulb-1');
    const streams = new Set(bulb.map((r) => r.e.stream));
    assert.equal(streams.size, 1, 'one stream');
    const delivered = new Set(bulb.map((r) => r.e.seq as number));
    const last = Math.max(...delivered);
    const drops = bulb
      .filter((r) => r.rec.name === 'log_dropped')
      .map((r) => r.rec.attrs as { from_seq: number; to_seq: number; count: number; reason: string });
    assert.ok(drops.some((d) => d.reason === 'overwritten'));
    const described: number[] = [];
    for (const d of drops) {
      assert.equal(d.count, d.to_seq - d.from_seq + 1, 'count is the range size');
      described.push(...range(d.from_seq, d.to_seq));
    }
    const total = drops.reduce((n, d) => n + d.count, 0);
    assert.ok(total > 200, `the offline burst overflowed the ring (${total} dropped)`);
    assert.equal(delivered.size + total, last, `delivered ${delivered.size} + dropped ${total} = recorded ${last}`);
    assert.deepEqual(
      described.sort((a, b) => a - b),
      range(1, last).filter((s) => !delivered.has(s)),
      'the log_dropped ranges name exactly the seqs that never arrived',
    );

    // gw-2: the collector's own check caught the seal the intruder re-signed with the current key.
    const fails = records
      .filter((r) => r.rec.name === 'log_integrity_fail' && (r.rec.device as { id: string }).id === 'collector')
      .map((r) => r.rec.attrs as { kind: string; device_id: string; seq: number });
    assert.ok(fails.length >= 1);
    assert.ok(
      fails.every((f) => f.device_id === 'gw-2'),
      JSON.stringify(fails),
    );
    assert.equal(fails[0]?.kind, 'resealed');
    const gw2 = ofDevice('gw-2');
    const seal = gw2.find((r) => r.e.seq === fails[0]?.seq);
    assert.equal(seal?.rec.name, 'log_seal');
    // The forged history is what the collector stored, and it is flagged: the intruder's address is gone from it.
    assert.ok(gw2.some((r) => (r.rec.actor as { ip?: string } | undefined)?.ip === '10.20.13.117'));
    assert.ok(!gw2.some((r) => (r.rec.actor as { ip?: string } | undefined)?.ip === '203.0.113.66'));
    // The rewrite was clean at the storage level (every CRC right, the chain whole): only the seal gives it away.
    assert.deepEqual(
      gw2.filter((r) => r.rec.name === 'log_store_corrupt' || r.rec.name === 'log_gap'),
      [],
    );
    assert.ok(
      !records.some((r) => r.rec.name === 'log_integrity_fail' && (r.rec.attrs as { kind: string }).kind !== 'resealed'),
      'no chain break, only the re-signed seal',
    );
    assert.equal(records.filter((r) => r.rec.name === 'log_integrity_fail').length, fails.length, 'no other device failed a check');
  } finally {
    dd.close();
  }

  const verify = runCli(['verify', '--data', start.dataDir]);
  assert.equal(verify.code, 1, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /^FAILED: resealed: .*device gw-2/m);

  const check = runCli(['check', '--data', start.dataDir, '--json']);
  assert.equal(check.code, 1, check.stderr);
  const items = new Map((JSON.parse(check.stdout) as { items: { id: string; pass: boolean }[] }).items.map((i) => [i.id, i.pass]));
  assert.equal(items.get('critical_events'), true);
  assert.equal(items.get('integrity'), false, 'the re-signed seal fails the integrity item');
  assert.equal(items.get('storage'), false, 'bulb-1 overwrote unshipped records');
});

test('seclog demo refuses bad options and a directory it did not make, touching nothing', () => {
  const bad = runCli(['demo', '--devices', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--devices must be an integer in 1–500/);
  assert.equal(runCli(['demo', '--minutes', 'soon']).code, 2);

  const mine = join(root, 'not-a-demo');
  mkdirSync(mine);
  writeFileSync(join(mine, 'keep.txt'), 'precious');
  const r = runCli(['demo', '--fast', '--port', '0', '--data', mine]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /was not made by seclog demo/);
  assert.deepEqual(readdirSync(mine), ['keep.txt']);
  assert.equal(readFileSync(join(mine, 'keep.txt'), 'utf8'), 'precious');
});
