/**
 * A collector stand-in for store-pg.test.ts, run as a child process: opens a
 * PgStore on the database named on the command line, prints "ready", waits
 * for a line on stdin, then commits the batches of one stream shared with its
 * siblings (each builds the very same records: the same device retrying
 * through another collector) and of a stream of its own, one group each.
 * Prints {committed, refused} as JSON: batches of the shared stream this
 * process stored, and those it found stored already (STORE_BATCH_INVALID).
 */
import { once } from 'node:events';
import { openPgStore } from '../../src/store/pg/pg-store.js';
import { StreamWriter } from '../store-conformance.js';

const [url, name, count] = process.argv.slice(2) as [string, string, string];
const store = openPgStore(url);
process.stdout.write('ready\n');
await once(process.stdin, 'data');
const shared = new StreamWriter();
const own = new StreamWriter();
let committed = 0;
let refused = 0;
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let i = 0; i < Number(count); i++) {
  try {
    store.commitBatches([shared.batch('shared', 's', 5)]);
    committed++;
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'STORE_BATCH_INVALID') throw err;
    refused++;
  }
  store.commitBatches([own.batch(name, 's', 3)]);
  // A random pause of up to 4 ms, so that neither process stays ahead of the other for the whole run.
  Atomics.wait(pause, 0, 0, Math.random() * 4);
}
store.close();
process.stdout.write(`${JSON.stringify({ committed, refused })}\n`);
process.stdin.destroy();
