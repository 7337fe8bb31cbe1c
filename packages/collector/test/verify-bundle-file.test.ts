/**
 * The worker path of `verify FILE` (lines read on worker threads, bytes
 * hashed by the reader, subtrees folded by the workers) against core's
 * verifier on the whole text: the same verdict, kind and line for the intact
 * bundle and for random tampers of it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { verifyBundle } from '@seclog/core';
import fc from 'fast-check';
import { exportEvents } from '../src/export/export-events.js';
import { openDataDir } from '../src/server/data-store.js';
import { verifyBundleFile } from '../src/verify/verify-bundle-file.js';
import { WorkerPool } from '../src/verify/worker-pool.js';
import { type Fixture, makeFixture } from './verify-fixtures.js';

let fx: Fixture;
let pool: WorkerPool;
let text: string;
let vkey: string;
before(async () => {
  fx = await makeFixture(3, 30, 10);
  pool = await WorkerPool.start(2);
  const dd = await openDataDir(fx.dataDir);
  try {
    vkey = dd.key.verifierKey;
    const out = join(fx.root, 'all.bundle');
    // Two devices of three: the proof carries nodes for the third one's leaves.
    await exportEvents(
      { store: dd.store, verifierKey: vkey, record: dd.enrol.record },
      { selection: { devices: ['cam-0', 'cam-2'] }, out, actor: 'tester' },
    );
    text = readFileSync(out, 'utf8');
  } finally {
    dd.close();
  }
});
after(async () => {
  await pool.close();
  fx.cleanup();
});

type Tamper = (lines: string[]) => string;

const tampers: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({ at: fc.nat(), k: fc.nat(), c: fc.constantFrom('0', 'x', '"', '}', ' ') }).map(({ at, k, c }) => (lines: string[]) => {
    const i = 1 + (at % (lines.length - 2));
    const l = lines[i] as string;
    const j = k % l.length;
    lines[i] = l.slice(0, j) + c + l.slice(j + 1);
    return lines.join('\n');
  }),
  fc.nat().map((at) => (lines: string[]) => {
    lines.splice(1 + (at % (lines.length - 2)), 1);
    return lines.join('\n');
  }),
  fc.record({ from: fc.nat(), to: fc.nat() }).map(({ from, to }) => (lines: string[]) => {
    const n = lines.length - 2;
    lines.splice(1 + (to % n), 0, lines[1 + (from % n)] as string);
    return lines.join('\n');
  }),
  fc.nat().map((at) => (lines: string[]) => {
    const i = 1 + (at % (lines.length - 3));
    [lines[i], lines[i + 1]] = [lines[i + 1] as string, lines[i] as string];
    return lines.join('\n');
  }),
  fc.nat().map((cut) => (lines: string[]) => {
    const t = lines.join('\n');
    return t.slice(0, cut % t.length);
  }),
  fc.constant((lines: string[]) => `${lines.join('\n')}{"trailer":{"events":0,"sha256":"00"}}\n`),
);

async function both(t: string, name: string) {
  const path = join(fx.root, name);
  writeFileSync(path, t);
  const file = await verifyBundleFile(path, { pool, verifierKeys: [vkey] });
  const core = verifyBundle(t, { verifierKeys: [vkey], origin: vkey.slice(0, vkey.indexOf('+')) });
  return { file: file.result, core };
}

test('the intact bundle: same summary', async () => {
  const { file, core } = await both(text, 'intact');
  assert.equal(core.ok, true);
  assert.deepEqual(file, core);
});

test('random tampers: same kind and line on both paths', async () => {
  let k = 0;
  await fc.assert(
    fc.asyncProperty(tampers, async (tamper) => {
      const lines = text.split('\n');
      const t = tamper(lines);
      const { file, core } = await both(t, `t${k++}`);
      assert.equal(file.ok, core.ok);
      if (!file.ok && !core.ok)
        assert.deepEqual([file.kind, file.line], [core.kind, core.line], `${JSON.stringify(file)} vs ${JSON.stringify(core)}`);
    }),
    { numRuns: 60 },
  );
});
