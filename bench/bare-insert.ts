/**
 * The yardstick of the ingest benches (DESIGN.md §7): the same rows the
 * collector stores (its 14 event columns, the canonical JSON included) into a
 * plain SQLite table with the collector's pragmas (WAL, synchronous=FULL) and
 * no secondary index, 1,000 rows per transaction, in this process. No
 * collector that keeps one row per record in SQLite can go faster on the same
 * machine, so it is also the ceiling of any ratio against another receiver.
 */
import Database from 'better-sqlite3';
import type { Row } from './ingest-load.js';

/** The same rows into a plain table with the collector's pragmas, 1,000 per transaction. */
export function bareInsert(path: string, rows: readonly Row[]): { rate: number; perCpuSecond: number } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (
    pos INTEGER PRIMARY KEY, device TEXT NOT NULL, stream TEXT, seq INTEGER, received_us INTEGER NOT NULL, time_us INTEGER NOT NULL,
    name TEXT NOT NULL, outcome TEXT NOT NULL, severity TEXT NOT NULL, actor_ip TEXT, actor_user TEXT,
    digest BLOB NOT NULL, chain_hash BLOB NOT NULL, canonical TEXT NOT NULL) STRICT`);
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const tx = db.transaction((from: number, to: number) => {
    const receivedUs = Date.now() * 1000;
    for (let i = from; i < to; i++) {
      const r = rows[i]!;
      insert.run(
        i,
        r.device,
        r.stream,
        r.seq,
        receivedUs,
        r.timeUs,
        r.name,
        r.outcome,
        r.severity,
        r.ip,
        r.user,
        r.digest,
        r.chainHash,
        r.canonical,
      );
    }
  });
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < rows.length; i += 1000) tx.immediate(i, Math.min(rows.length, i + 1000));
  const rate = rows.length / ((performance.now() - start) / 1000);
  const used = process.cpuUsage(cpu);
  db.close();
  return { rate, perCpuSecond: rows.length / ((used.user + used.system) / 1e6) };
}
