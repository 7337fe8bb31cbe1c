/**
 * A verifier worker thread: reads bundle event lines, checks store chunks on
 * a read-only connection of its own, opens checkpoint notes. Messages and
 * replies are typed in worker-pool.ts; typed arrays in replies are
 * transferred.
 */
import { parentPort } from 'node:worker_threads';
import { readEventLines } from './bundle-lines.js';
import { ChunkChecker, type ChunkResult } from './chunk-check.js';
import { noteChecker } from './notes.js';
import { openSqliteChunkSource, type SqliteChunkSource } from './sqlite-chunk-source.js';
import type { WorkerReply, WorkerRequest } from './worker-pool.js';

const port = parentPort;
if (port === null) throw new Error('verify-worker.ts runs as a worker thread');

let source: SqliteChunkSource | undefined;
let checker: ChunkChecker | undefined;

function chunkTransfer(r: ChunkResult): ArrayBuffer[] {
  const out = [r.pos.buffer, r.seq.buffer, r.flags.buffer, r.hashes.buffer, r.ids.buffer, ...r.ranges.map((x) => x.hashes.buffer)];
  return out as ArrayBuffer[];
}

function handle(msg: WorkerRequest): { result: unknown; transfer: ArrayBuffer[] } {
  switch (msg.type) {
    case 'open': {
      source?.close();
      source = openSqliteChunkSource(msg.db);
      checker = new ChunkChecker(source, new Set(msg.sealed));
      return { result: null, transfer: [] };
    }
    case 'chunk': {
      if (checker === undefined) throw new Error('no store is open in this worker');
      const r = checker.check(msg.task);
      return { result: r, transfer: chunkTransfer(r) };
    }
    case 'lines': {
      const r = readEventLines(msg.bytes);
      return {
        result: r,
        transfer: [r.nums.buffer, r.hashes.buffer, r.ids.buffer, r.subtreeIds.buffer, r.subtreeHashes.buffer] as ArrayBuffer[],
      };
    }
    case 'notes': {
      const check = noteChecker(msg.origin, msg.verifierKey);
      return { result: msg.notes.map(check), transfer: [] };
    }
  }
}

port.on('message', (msg: WorkerRequest) => {
  let reply: WorkerReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const done = handle(msg);
    reply = { id: msg.id, ok: true, result: done.result };
    transfer = done.transfer;
  } catch (err) {
    reply = { id: msg.id, ok: false, error: { message: (err as Error).message, code: (err as { code?: string }).code } };
  }
  port.postMessage(reply, transfer);
});

port.on('close', () => source?.close());
