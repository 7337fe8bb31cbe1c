import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDataDir } from '@seclog/collector';
import { runCli } from './support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-cli-seen-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('device list shows when each device was last seen ("-" before its first batch)', async () => {
  const data = join(root, 'data');
  assert.equal(runCli(['device', 'add', 'cam-1', '--data', data]).code, 0);
  assert.equal(runCli(['device', 'add', 'cam-2', '--data', data]).code, 0);
  // An accepted batch of cam-1 (no records: a pure re-acknowledgement also counts as seen).
  const seenUs = Date.UTC(2026, 10, 27, 13, 33, 43) * 1000;
  const dd = await openDataDir(data);
  try {
    const cursor = { device: 'cam-1', stream: 's', ackedSeq: 0, head: new Uint8Array(32) as never };
    dd.store.commitBatches([{ device: 'cam-1', stream: 's', records: [], cursor, seenUs }]);
  } finally {
    dd.close();
  }
  const json = runCli(['device', 'list', '--json', '--data', data]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(
    (JSON.parse(json.stdout) as { id: string; lastSeen: string }[]).map((d) => [d.id, d.lastSeen]),
    [
      ['cam-1', '2026-11-27T13:33:43.000Z'],
      ['cam-2', '-'],
    ],
  );
  const text = runCli(['device', 'list', '--data', data]);
  assert.match(text.stdout, /^cam-1\t.*\tlast seen 2026-11-27T13:33:43\.000Z$/m);
});
