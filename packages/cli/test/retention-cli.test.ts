// `seclog retention run` on a data directory (docs/retention.md): a dry run changes nothing, a run is
// recorded as log_retention_run, --json prints the run, a bad retention key exits 2 naming the key.
// What a run prunes and that proofs still verify is tested on the collector (retention-run.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDataDir } from '@seclog/collector';
import { runCli } from './support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-retention-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'data');

test('dry run, run, --json, and a configuration error', async () => {
  const dry = runCli(['retention', 'run', '--data', data, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /dry run: nothing changed\): policy default 365d; system 90d/);
  assert.match(dry.stdout, /would prune 0 events \(0 bytes\)/);
  const run = runCli(['retention', 'run', '--data', data, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(run.stdout) as { id: string; trigger: string; dryRun: boolean; deleted: number };
  assert.equal(r.trigger, 'manual');
  assert.equal(r.dryRun, false);
  assert.equal(r.deleted, 0);
  assert.match(r.id, /^ret-/);
  // The run is in the collector's stream.
  const dd = await openDataDir(data);
  try {
    const page = dd.store.queryEvents({ name: 'log_retention_run', limit: 10 });
    assert.equal(page.events.length, 1, 'the dry run left no record');
    assert.match(page.events[0]?.canonical ?? '', new RegExp(`"run_id":"${r.id}"`));
    assert.equal(dd.store.retention().listRuns(5)[0]?.id, r.id);
  } finally {
    dd.close();
  }
  const cfg = join(root, 'seclog.yaml');
  writeFileSync(cfg, 'retention:\n  groups:\n    authentcation: 30\n');
  const bad = runCli(['retention', 'run', '--data', data, '--config', cfg]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /retention\.groups\.authentcation/);
});
