/**
 * `npm run bench -- query`: the query side of the collector's SQLite store.
 *
 * 1. Commit rate of the store with three index sets on a fresh file (1,000
 *    devices interleaved, batches of 100 records of ~400 B, 10 batches per
 *    transaction, WAL + synchronous=FULL): no query index, migration 1's five,
 *    and the current schema. Also CPU µs and bytes written per row, steadier
 *    than the rate on a shared machine.
 * 2. A store of N events (default 10M) with the current schema, then p50/p95
 *    of Store.queryEvents for the queries of docs/query.md and of getEventById.
 *    Latencies are store calls on a warm OS page cache, without HTTP and
 *    without the log_access commit.
 *
 * Environment:
 *   SECLOG_BENCH_EVENTS       events in the query store (default 10000000)
 *   SECLOG_BENCH_DB           keep the query store at this path and reuse it when it
 *                             already holds that many events (a 10M build takes minutes)
 *   SECLOG_BENCH_COMMIT_ROWS  rows per index-set measurement (default 300000; 0 skips part 1)
 *   SECLOG_BENCH_QUERIES      only the queries whose names contain one of these
 *                             comma-separated words (default: all)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchWrite, Migration, Store } from '@seclog/collector';
import { openSqliteStore, SQLITE_MIGRATIONS } from '@seclog/collector';
import Database from 'better-sqlite3';
import { type Figure, report } from './harness.js';
import { BATCH, DEVICES, Generator, GROUP, HOUR_US, queryFigures } from './query-workload.js';

function writtenBytes(): number {
  try {
    return Number(/write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

interface CommitFigures {
  rowsPerSec: number;
  cpuUsPerRow: number;
  writtenBytesPerRow: number;
  avgRecordBytes: number;
}

/** Commits `rows` rows into a new file store with `migrations`; the records are generated before the clock starts. */
function commitRate(dir: string, label: string, migrations: readonly Migration[], rows: number): CommitFigures {
  const path = join(dir, `commit-${label}.db`);
  const store = openSqliteStore(path, { migrations });
  const gen = new Generator(20_000); // 50 events/s per device: a live fleet
  const groups = Array.from({ length: Math.ceil(rows / (BATCH * GROUP)) }, () => gen.group());
  const n = groups.length * BATCH * GROUP;
  let bytes = 0;
  for (const g of groups) for (const b of g) for (const r of b.records) bytes += r.canonical.length;
  const w0 = writtenBytes();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const g of groups) store.commitBatches(g);
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const written = writtenBytes() - w0;
  store.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  return { rowsPerSec: n / s, cpuUsPerRow: (cpu.user + cpu.system) / n, writtenBytesPerRow: written / n, avgRecordBytes: bytes / n };
}

const NO_QUERY_INDEX: Migration = {
  id: 10_000,
  name: 'bench_no_query_index',
  up: (db) => {
    const names = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL")
      .pluck()
      .all() as string[];
    for (const name of names) db.exec(`DROP INDEX ${name}`);
  },
};

/**
 * The query store. Built through commitBatches (the store's own insert, 100 batches per
 * transaction) with the query indexes dropped, then indexed in one pass per index: the same
 * database as ingest would leave, minutes faster (the commit rates are part 1's business).
 */
function buildStore(path: string, events: number): { store: Store; gen: Generator; built: boolean } {
  // 10M events over about a week of device time: one event a minute per device, shipped ten at a
  // time (a batch spans ~10 minutes of its device's clock).
  const spacingUs = Math.max(1000, Math.floor((7 * 24 * HOUR_US * DEVICES) / events));
  const gen = new Generator(spacingUs, 10);
  const store = openSqliteStore(path);
  const have = store.eventCount();
  if (have === events && store.getMeta('bench_query_events') === String(events)) {
    // Same seed: generate again (without storing) only to know the ids and the time range.
    while (gen.count < events) gen.batch();
    return { store, gen, built: false };
  }
  if (have !== 0)
    throw new Error(`${path} holds ${have} events, not a bench store of ${events}; remove it or set SECLOG_BENCH_DB elsewhere`);
  const raw = new Database(path);
  const indexes = raw
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL")
    .all() as {
    name: string;
    sql: string;
  }[];
  for (const i of indexes) raw.exec(`DROP INDEX ${i.name}`);
  const t0 = performance.now();
  let last = t0;
  while (gen.count < events) {
    const group: BatchWrite[] = [];
    for (let i = 0; i < 10 && gen.count < events; i++) group.push(...gen.group(100));
    store.commitBatches(group);
    if (performance.now() - last > 15_000) {
      last = performance.now();
      process.stderr.write(
        `  stored ${gen.count.toLocaleString('en-US')} events (${Math.round(gen.count / ((last - t0) / 1000)).toLocaleString('en-US')}/s)\n`,
      );
    }
  }
  for (const i of indexes) {
    const ti = performance.now();
    raw.exec(i.sql);
    process.stderr.write(`  index ${i.name}: ${((performance.now() - ti) / 1000).toFixed(1)} s\n`);
  }
  raw.exec('ANALYZE');
  raw.close();
  store.setMeta('bench_query_events', String(events));
  return { store, gen, built: true };
}

export async function run(): Promise<void> {
  const events = Number(process.env.SECLOG_BENCH_EVENTS ?? 10_000_000);
  const commitRows = Number(process.env.SECLOG_BENCH_COMMIT_ROWS ?? 300_000);
  if (!Number.isSafeInteger(events) || events < DEVICES * BATCH)
    throw new Error(`SECLOG_BENCH_EVENTS must be an integer ≥ ${DEVICES * BATCH}`);
  const dir = mkdtempSync(join(tmpdir(), 'seclog-bench-query-'));
  const figures: Figure[] = [];
  try {
    if (commitRows > 0) {
      const before4 = SQLITE_MIGRATIONS.filter((m) => m.id < 4);
      const sets: [string, string, readonly Migration[]][] = [
        ['none', 'no query index', [...SQLITE_MIGRATIONS, NO_QUERY_INDEX]],
        ['m1', "migration 1's five indexes", before4],
        ['current', 'current schema', SQLITE_MIGRATIONS],
      ];
      for (const [label, what, migrations] of sets) {
        const c = commitRate(dir, label, migrations, commitRows);
        process.stderr.write(
          `  commit ${what}: ${Math.round(c.rowsPerSec)} rows/s, ${c.cpuUsPerRow.toFixed(1)} µs CPU/row, ${Math.round(c.writtenBytesPerRow)} B written/row (${Math.round(c.avgRecordBytes)} B records)\n`,
        );
        figures.push(
          { name: `commit, ${what}`, value: c.rowsPerSec, unit: 'rows/s', better: 'higher' },
          { name: `commit CPU, ${what}`, value: c.cpuUsPerRow, unit: 'µs/row', better: 'lower' },
          { name: `commit bytes written, ${what}`, value: c.writtenBytesPerRow, unit: 'B/row', better: 'lower' },
        );
      }
    }

    const path = process.env.SECLOG_BENCH_DB ?? join(dir, 'query.db');
    process.stderr.write(`  query store: ${events.toLocaleString('en-US')} events at ${path}\n`);
    const t0 = performance.now();
    const { store, gen, built } = buildStore(path, events);
    process.stderr.write(`  query store ${built ? 'built' : 'reused'} in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    figures.push(...queryFigures(store, gen));
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report('query', figures);
}
