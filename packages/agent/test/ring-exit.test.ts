// The ring writes appended frames behind (ring-file.ts); a process that ends with process.exit() without
// closing the ring still leaves every appended record in the file (an 'exit' listener writes them).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RingStore } from '../src/ring/ring-store.js';
import { scratchDir } from './ring-fixtures.js';

const { dir, cleanup } = scratchDir('seclog-ring-exit-');
after(cleanup);
const child = fileURLToPath(new URL('./ring-exit-child.ts', import.meta.url));

test('records appended before process.exit() without close are in the file', async () => {
  const path = join(dir, 'exit.ring');
  const r = spawnSync(process.execPath, ['--conditions=seclog-source', '--import', 'tsx', child, path, '40'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ring = RingStore.open({ path, capacityBytes: 1024 * 1024, preallocate: false });
  try {
    const batch = ring.read(1, 1000);
    assert.deepEqual(
      batch.records.map((x) => x.seq),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  } finally {
    await ring.close();
  }
});
