/**
 * Fixtures of the verify and export tests: a data directory with a few
 * enrolled devices whose sealed streams went in through the collector's HTTP
 * ingest, then a graceful stop (which signs the last checkpoint), and small
 * helpers to tamper with the SQLite file afterwards.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainedEvent, ChainHead, SecurityEvent } from '@seclog/core';
import { advanceHead, createSealerState, eventTimeNow, genesisHead, nextChainFields, Sealer, uuidv7 } from '@seclog/core';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config/load.js';
import { addDevice, type DeviceFile } from '../src/enrol/enrol.js';
import { type Collector, openCollector } from '../src/server/collector.js';
import { DB_FILE } from '../src/server/data-store.js';

/**
 * Records 1..n of one device stream on its enrolment policy, sealed early
 * every `sealEvery` records (an agent seals early at shutdown; the verifier
 * checks early and on-time seals alike), one record per millisecond from the
 * policy's grid origin.
 */
export function sealedRecords(file: DeviceFile, n: number, sealEvery = 7, stream: string = uuidv7()): ChainedEvent[] {
  const sealer = new Sealer(createSealerState({ ...file.seal, deviceId: file.device, stream, k0: Buffer.from(file.sealKey, 'hex') }));
  let head: ChainHead = genesisHead(stream);
  const out: ChainedEvent[] = [];
  const boot = uuidv7();
  let nowMs = file.seal.t0Ms + 1;
  const append = (ev: SecurityEvent) => {
    const rec = { ...ev, ...nextChainFields(head, { boot, monoMs: nowMs - file.seal.t0Ms }) } as ChainedEvent;
    head = advanceHead(head, rec);
    out.push(rec);
  };
  let inEpoch = 0;
  while (out.length < n) {
    nowMs++;
    if (inEpoch === sealEvery || sealer.sealDue(nowMs, head.seq)) {
      const attrs = sealer.seal({ lastSeq: head.seq, chainHead: head.hash, oldestRetainedSeq: 1, nowMs });
      append({
        v: 1,
        id: uuidv7(),
        name: 'log_seal',
        time: eventTimeNow(nowMs),
        severity: 'info',
        outcome: 'success',
        device: { id: file.device },
        attrs,
        tq: { synced: true, source: 'ntp', accuracy_ms: 4 },
      });
      inEpoch = 0;
      continue;
    }
    append({
      v: 1,
      id: uuidv7(),
      name: 'authn_login_fail',
      time: eventTimeNow(nowMs),
      severity: 'medium',
      outcome: 'failure',
      device: { id: file.device, fw: '2.4.1' },
      actor: { user: `user${out.length % 7}`, ip: `203.0.113.${out.length % 250}` },
      attrs: { method: 'password', reason: 'bad_password' },
      tq: { synced: true, source: 'ntp', accuracy_ms: 4 },
    });
    inEpoch++;
  }
  return out;
}

export interface Fixture {
  readonly root: string;
  readonly dataDir: string;
  readonly dbPath: string;
  readonly devices: DeviceFile[];
  /** The records each device sent, by device id. */
  readonly sent: Map<string, ChainedEvent[]>;
  cleanup(): void;
}

export interface Running {
  readonly collector: Collector;
  enrol(id: string, profile?: 'low' | 'high'): DeviceFile;
  /** POSTs one batch and returns the HTTP status and body. */
  send(file: DeviceFile, records: ChainedEvent[]): Promise<{ status: number; body: string }>;
}

/**
 * A data directory written by a real collector (HTTP ingest through
 * app.inject), stopped gracefully at the end (which signs a last checkpoint).
 */
export async function withCollector(fn: (c: Running) => Promise<void>): Promise<Omit<Fixture, 'devices' | 'sent'>> {
  const root = mkdtempSync(join(tmpdir(), 'seclog-verify-'));
  const dataDir = join(root, 'data');
  const config = loadConfig({ env: {}, cwd: root, flags: { dataDir, log: { checkpointIntervalMs: 10 } } });
  const c = await openCollector(config);
  try {
    await fn({
      collector: c,
      enrol: (id, profile = 'low') => addDevice(c.data.enrol, id, profile, 'http://127.0.0.1'),
      send: async (file, records) => {
        const res = await c.app.inject({
          method: 'POST',
          url: '/api/v1/ingest',
          headers: { authorization: `Bearer ${file.token}`, 'content-type': 'application/json' },
          payload: { device: file.device, stream: records[0]?.stream, records },
        });
        return { status: res.statusCode, body: res.body };
      },
    });
  } finally {
    await c.close();
  }
  return { root, dataDir, dbPath: join(dataDir, DB_FILE), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * A stopped collector's data directory: `devices` devices, `perDevice`
 * records each, sent in interleaved batches of `batch`.
 */
export async function makeFixture(devices = 3, perDevice = 40, batch = 10): Promise<Fixture> {
  const files: DeviceFile[] = [];
  const sent = new Map<string, ChainedEvent[]>();
  const base = await withCollector(async (c) => {
    for (let d = 0; d < devices; d++) {
      const file = c.enrol(`cam-${d}`, d % 2 === 0 ? 'low' : 'high');
      files.push(file);
      sent.set(file.device, sealedRecords(file, perDevice));
    }
    for (let at = 0; at < perDevice; at += batch) {
      for (const file of files) {
        const res = await c.send(file, (sent.get(file.device) as ChainedEvent[]).slice(at, at + batch));
        assert.equal(res.status, 200, res.body);
      }
      // Several checkpoints along the way, as a running collector signs them.
      c.collector.integrator.integrate();
      c.collector.integrator.checkpoint();
    }
  });
  return { ...base, devices: files, sent };
}

/** Runs `fn` on a writable connection to the fixture's database (the tamperer's). */
export function tamper<T>(f: Fixture, fn: (db: Database.Database) => T): T {
  const db = new Database(f.dbPath);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** A copy of the fixture's data directory (the collector is stopped), so each tamper starts from the intact store. */
export function copyFixture(f: Fixture, name: string): Fixture {
  const dataDir = join(f.root, name);
  rmSync(dataDir, { recursive: true, force: true });
  cpSync(f.dataDir, dataDir, { recursive: true });
  return { ...f, dataDir, dbPath: join(dataDir, DB_FILE), cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}
