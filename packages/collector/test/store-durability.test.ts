// kill -9 durability of the SQLite store (DESIGN.md §3: an ACK means durable;
// §7: a kill -9 under load loses no acknowledged event and stores none twice).
//
// This file is also the writer: run with SECLOG_STORE_WRITER=<db path>, it
// commits random groups of batches forever and prints each acknowledged
// record as "device seq pos" once commitBatches has returned. The test
// SIGKILLs it at a random moment, reopens the database and checks that every
// acknowledged record is there, at its position, exactly once, that positions
// are dense and that every stream is an unbroken chain up to its cursor. Five
// rounds share one database, so each writer also resumes after a crash.
// (A process kill, not a power cut: synchronous=FULL is what covers the
// latter, and the pragma test checks it is set.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Hash } from '@seclog/core';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { hex, StreamWriter } from './store-conformance.js';

const DEVICES = 20;
const STREAM = 's1';
const ROUNDS = 5;
const WRITER_DEADLINE_MS = 20_000; // a writer left behind by a failed test stops by itself

function runWriter(path: string): void {
  const store = openSqliteStore(path);
  const w = new StreamWriter();
  for (let d = 0; d < DEVICES; d++) {
    const c = store.getCursor(`d${d}`, STREAM);
    if (c !== undefined) w.resume(c.device, STREAM, c.ackedSeq, c.head);
  }
  writeSync(1, 'ready\n');
  const deadline = Date.now() + WRITER_DEADLINE_MS;
  while (Date.now() < deadline) {
    const n = 1 + Math.floor(Math.random() * 10);
    const batches = Array.from({ length: n }, () =>
      w.batch(`d${Math.floor(Math.random() * DEVICES)}`, STREAM, 1 + Math.floor(Math.random() * 40)),
    );
    const positions = store.commitBatches(batches);
    // Printed only after the commit returned: these are the ACKs.
    let out = '';
    for (const [b, batch] of batches.entries()) {
      for (const [i, r] of batch.records.entries()) out += `${batch.device} ${r.record.seq} ${positions[b]?.[i]}\n`;
    }
    writeSync(1, out);
  }
  store.close();
}

interface Ack {
  device: string;
  seq: number;
  pos: number;
}

/** Starts a writer, kills it `delayMs` after it is ready, and returns the complete ACK lines it printed. */
function writeAndKill(path: string, delayMs: number): Promise<Ack[]> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--conditions=seclog-source', '--import', 'tsx', self], {
    env: { ...process.env, SECLOG_STORE_WRITER: path },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killTimer === undefined && out.startsWith('ready\n')) killTimer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL') {
        reject(new Error(`writer ended with code ${code} before it was killed: ${err}`));
        return;
      }
      const lines = out.split('\n').slice(1, -1); // drop "ready" and a torn last line
      resolve(
        lines.map((l) => {
          const [device = '', seq = '', pos = ''] = l.split(' ');
          return { device, seq: Number(seq), pos: Number(pos) };
        }),
      );
    });
  });
}

function checkDatabase(path: string, acks: readonly Ack[]): number {
  const store = openSqliteStore(path);
  try {
    const count = store.eventCount();
    const events = store.readEvents(0, count);
    assert.deepEqual(
      events.map((e) => e.pos),
      events.map((_, i) => i),
      'positions are dense from 0',
    );
    for (const a of acks) {
      const e = events[a.pos];
      assert.deepEqual(e && [e.device, e.seq], [a.device, a.seq], `acknowledged ${a.device} seq ${a.seq} at ${a.pos}`);
    }
    // Each stream holds seq 1..cursor exactly once, in commit order, as one chain.
    const streams = new Map<string, { seq: number; head: Hash | undefined }>();
    for (const e of events) {
      const s = streams.get(e.device) ?? { seq: 0, head: undefined };
      assert.equal(e.seq, s.seq + 1, `${e.device}: seq ${e.seq} after ${s.seq}`);
      if (s.head !== undefined)
        assert.equal((JSON.parse(e.canonical) as { prev: string }).prev, hex(s.head), `${e.device} seq ${e.seq} prev`);
      streams.set(e.device, { seq: e.seq as number, head: e.chainHash });
    }
    for (const [device, s] of streams) {
      const c = store.getCursor(device, STREAM);
      assert.deepEqual(c && [c.ackedSeq, hex(c.head)], [s.seq, hex(s.head)], `${device}: cursor = last stored record`);
    }
    return count;
  } finally {
    store.close();
  }
}

if (process.env.SECLOG_STORE_WRITER !== undefined) {
  runWriter(process.env.SECLOG_STORE_WRITER);
} else {
  test('kill -9 at random moments loses no acknowledged record and stores none twice', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'seclog-durability-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'store.db');
    let acked = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const delayMs = 50 + Math.floor(Math.random() * 400);
      const acks = await writeAndKill(path, delayMs);
      const stored = checkDatabase(path, acks);
      acked += acks.length;
      t.diagnostic(`round ${round}: killed after ${delayMs} ms, ${acks.length} acknowledged, ${stored} stored in all`);
      assert.ok(acks.length > 0, `round ${round}: the writer acknowledged something before it was killed`);
    }
    assert.ok(acked > 0);
  });
}
