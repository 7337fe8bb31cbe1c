/**
 * `seclog verify --data`: re-verifies a whole store (issue C item 7).
 *
 *   rows      every row against itself and its stored leaf      chunk-check.ts  (worker threads)
 *   tree      every stored node against the rebuilt tree         chunk-check.ts, tree-top.ts
 *   streams   every stream's chain across batches, gaps, seals   store-walk.ts, seal-windows.ts
 *   notes     every checkpoint's signature under the log key     notes.ts        (worker threads)
 *   roots     every checkpoint's root against the rebuilt tree, which makes the
 *             checkpoints consistent with each other and with the current tree
 *   ends      the latest checkpoint covers the tree; cursors, the tree and the
 *             checkpoints do not reach past the stored rows
 *
 * The store may be in use: the bounds are read first (cursors, then
 * checkpoints, then the leaf count, then the row count), and since the log
 * only grows, everything below them is fixed while it is read.
 */
import { availableParallelism } from 'node:os';
import { type Hash, SealVerifier } from '@seclog/core';
import { sealPolicyOf } from '../enrol/enrol.js';
import { COLLECTOR_DEVICE_ID } from '../ingest/own-stream.js';
import type { Store, StoredCheckpoint, StreamCursor } from '../store/types.js';
import { ChunkChecker, type ChunkResult, type ChunkTask, type LeafMismatch } from './chunk-check.js';
import { storeChunkSource } from './chunk-source.js';
import { type NoteCheck, noteChecker } from './notes.js';
import { openDataDirReadOnly } from './open-readonly.js';
import { openSqliteChunkSource, type SqliteChunkSource } from './sqlite-chunk-source.js';
import { FirstFailure, type StoreFailure, type StoreVerification, storeFailure } from './store-result.js';
import { StoreWalk } from './store-walk.js';
import { TreeTop } from './tree-top.js';
import { WorkerPool } from './worker-pool.js';

export interface VerifyStoreOptions {
  /** Worker threads (default: the available parallelism; 0 runs everything on this thread). */
  readonly workers?: number;
  /** Positions per chunk = 2^chunkLevel (default 13). */
  readonly chunkLevel?: number;
  /** Leaves the latest checkpoint does not cover are a missing checkpoint once received this long ago (default 10 s). */
  readonly checkpointGraceMs?: number;
  /** The time of reading, ms (default: now). */
  readonly nowMs?: number;
  readonly onProgress?: (positions: number, total: number) => void;
}

export interface StoreTarget {
  readonly store: Store;
  /** The log's origin and verifier key: every checkpoint must be signed by it. */
  readonly origin: string;
  readonly verifierKey: string;
  /** The SQLite file, so worker threads can open their own connections; without it everything runs here. */
  readonly dbPath?: string;
}

const IN_FLIGHT_PER_WORKER = 3;
const NOTES_PER_TASK = 64;

interface Bounds {
  cursors: StreamCursor[];
  checkpoints: StoredCheckpoint[];
  leafCount: number;
  eventCount: number;
}

function readBounds(store: Store, devices: readonly string[]): Bounds {
  const cursors = devices.flatMap((d) => store.listCursors(d));
  const checkpoints = store.listCheckpoints();
  const leafCount = store.nodeStore().getLeafCount();
  const eventCount = store.eventCount();
  return { cursors, checkpoints, leafCount, eventCount };
}

/** Checkpoints come sorted by size; the last is the largest. */
function maxCheckpoint(b: Bounds): number {
  return b.checkpoints.at(-1)?.treeSize ?? 0;
}

function planChunks(b: Bounds, level: number): ChunkTask[] {
  const width = 2 ** level;
  const end = Math.max(b.eventCount, b.leafCount, maxCheckpoint(b));
  const sizes = [...new Set([...b.checkpoints.map((c) => c.treeSize), b.leafCount])]
    .filter((s) => s > 0 && s <= b.leafCount)
    .sort((x, y) => x - y);
  const tasks: ChunkTask[] = [];
  let k = 0;
  for (let from = 0; from < end; from += width) {
    const to = from + width;
    const mine: number[] = [];
    while (k < sizes.length && (sizes[k] as number) <= to) mine.push(sizes[k++] as number);
    tasks.push({ from, to, level, leafCount: b.leafCount, sizes: mine });
  }
  return tasks;
}

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');

export async function verifyStore(target: StoreTarget, opts: VerifyStoreOptions = {}): Promise<StoreVerification> {
  const started = performance.now();
  const { store } = target;
  const devices = store.listDevices().filter((d) => d.id !== COLLECTOR_DEVICE_ID);
  const sealVerifiers = new Map(devices.map((d) => [d.id, new SealVerifier({ k0: d.sealKey, deviceId: d.id, policy: sealPolicyOf(d) })]));
  const bounds = readBounds(store, [COLLECTOR_DEVICE_ID, ...devices.map((d) => d.id)]);
  const level = opts.chunkLevel ?? 13;
  const tasks = planChunks(bounds, level);
  const total = tasks.length === 0 ? 0 : (tasks.at(-1) as ChunkTask).to;
  const workers = target.dbPath === undefined ? 0 : (opts.workers ?? availableParallelism());
  const pool = workers > 0 ? await WorkerPool.start(workers) : undefined;
  const walk = new StoreWalk(sealVerifiers);
  const tree = new TreeTop(store.nodeStore(), level);
  const found = new FirstFailure();
  const mismatches: LeafMismatch[] = [];
  const holes: [number, number][] = [];
  let rows = 0;
  let nodes = 0;
  let closeSource: (() => void) | undefined;
  try {
    let notes: Promise<NoteCheck[]>;
    let runChunk: (t: ChunkTask) => Promise<ChunkResult>;
    if (pool !== undefined) {
      await pool.each({ type: 'open', db: target.dbPath as string, sealed: [...sealVerifiers.keys()] });
      const batches: Promise<NoteCheck[]>[] = [];
      for (let i = 0; i < bounds.checkpoints.length; i += NOTES_PER_TASK) {
        const slice = bounds.checkpoints.slice(i, i + NOTES_PER_TASK).map((c) => c.note);
        batches.push(pool.run<NoteCheck[]>({ type: 'notes', notes: slice, origin: target.origin, verifierKey: target.verifierKey }));
      }
      notes = Promise.all(batches).then((b) => b.flat());
      runChunk = (task) => pool.run<ChunkResult>({ type: 'chunk', task });
    } else {
      const check = noteChecker(target.origin, target.verifierKey);
      notes = Promise.resolve(bounds.checkpoints.map((c) => check(c.note)));
      // On this thread too, a SQLite file is read with range scans rather than through the Store interface.
      const source = target.dbPath === undefined ? storeChunkSource(store) : openSqliteChunkSource(target.dbPath);
      closeSource = 'close' in source ? () => (source as SqliteChunkSource).close() : undefined;
      const checker = new ChunkChecker(source, new Set(sealVerifiers.keys()));
      runChunk = async (task) => checker.check(task);
    }
    const queue: Promise<ChunkResult>[] = [];
    let next = 0;
    const limit = Math.max(1, workers * IN_FLIGHT_PER_WORKER);
    while (next < tasks.length || queue.length > 0) {
      while (next < tasks.length && queue.length < limit) queue.push(runChunk(tasks[next++] as ChunkTask));
      const c = await (queue.shift() as Promise<ChunkResult>);
      walk.add(c);
      tree.add(c);
      for (const f of c.failures) found.offer(f);
      for (const issue of c.nodeIssues) {
        found.offer(
          storeFailure(
            issue.kind,
            'tree_node',
            issue.index * 2 ** issue.level,
            issue.kind === 'deleted'
              ? `tree node (${issue.level}, ${issue.index}) is missing`
              : `tree node (${issue.level}, ${issue.index}) is not the hash of what is below it, which matches the rows`,
            { node: { level: issue.level, index: issue.index } },
          ),
        );
      }
      mismatches.push(...c.leafMismatches.filter((m) => m.cause !== 'node'));
      holes.push(...c.holes);
      rows += c.n;
      nodes += c.nodesChecked;
      opts.onProgress?.(c.to, total);
    }
    walk.finish();
    const noteChecks = await notes;
    found.offer(walk.value);
    found.offer(tree.first.value);
    const checkpoints = checkCheckpoints(bounds, noteChecks, tree.roots);
    found.offer(checkpoints);
    found.offer(classifyMismatches(mismatches, bounds, noteChecks, tree.roots));
    found.offer(checkHoles(holes, bounds, walk.seqDeletions));
    found.offer(checkLatest(store, bounds, opts));
    found.offer(checkCursors(bounds, walk));
    const failure = found.value;
    if (failure !== null) return failure;
    const root = bounds.leafCount === 0 ? undefined : tree.roots.get(bounds.leafCount);
    return {
      ok: true,
      events: rows,
      unintegrated: Math.max(0, bounds.eventCount - bounds.leafCount),
      streams: walk.streams.size,
      devices: new Set([...walk.streams.values()].map((s) => s.device)).size,
      treeSize: bounds.leafCount,
      root: root === undefined ? '' : Buffer.from(root).toString('base64'),
      nodes: nodes + tree.nodesChecked,
      checkpoints: bounds.checkpoints.length,
      latestCheckpoint: bounds.checkpoints.at(-1)?.treeSize ?? 0,
      seals: [...walk.streams.values()].reduce((n, s) => n + (s.seals?.seals ?? 0), 0),
      gaps: walk.gapsExplained,
      ...(walk.pruned > 0 ? { pruned: walk.pruned } : {}),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    closeSource?.();
    await pool?.close();
  }
}

/** Each stored checkpoint: its note opens under the log key, its row agrees with the note, its root is the rebuilt tree's. */
function checkCheckpoints(b: Bounds, checks: readonly NoteCheck[], roots: ReadonlyMap<number, Hash>): StoreFailure | null {
  const first = new FirstFailure();
  let goodSize = 0;
  b.checkpoints.forEach((cp, i) => {
    const c = checks[i] as NoteCheck;
    const at = { checkpoint: cp.treeSize };
    const pos = cp.treeSize;
    if (!c.ok) {
      first.offer(storeFailure(c.kind, 'checkpoint', pos, `checkpoint of tree size ${cp.treeSize}: ${c.detail}`, at));
      return;
    }
    if (c.size !== cp.treeSize || hex(c.root) !== hex(cp.root)) {
      first.offer(
        storeFailure(
          'modified',
          'checkpoint',
          pos,
          `the row of checkpoint ${cp.treeSize} does not hold the size and root its signed note names`,
          at,
        ),
      );
      return;
    }
    if (c.size > b.leafCount) {
      first.offer(
        storeFailure(
          'truncated',
          'checkpoint',
          b.leafCount,
          `checkpoint ${c.size} was signed over ${c.size} leaves; the stored tree holds ${b.leafCount}`,
          at,
        ),
      );
      return;
    }
    const rebuilt = roots.get(c.size);
    if (rebuilt !== undefined && hex(rebuilt) !== hex(c.root)) {
      first.offer(
        // Placed at its size, after anything found inside the range it covers, which would be the cause.
        storeFailure(
          'modified',
          'checkpoint',
          c.size,
          `the stored log does not rebuild the root signed for tree size ${c.size}: rows or tree nodes in [${goodSize}, ${c.size}) changed after it was signed`,
          at,
        ),
      );
      return;
    }
    goodSize = c.size;
  });
  return first.value;
}

/**
 * Leaves that differ from the stored ones, by what else is known: two rows
 * holding each other's leaves were swapped; a leaf whose path up differs too
 * is a row that changed; one at the tree's edge (no parent yet) is decided by
 * the signed root: if the rows rebuild it, the stored leaf node is what changed.
 */
function classifyMismatches(
  ms: readonly LeafMismatch[],
  b: Bounds,
  checks: readonly NoteCheck[],
  roots: ReadonlyMap<number, Hash>,
): StoreFailure | null {
  const first = new FirstFailure();
  const byStored = new Map(ms.map((m) => [hex(m.stored), m.pos]));
  // The largest tree size whose signed root the rows rebuild: leaves below it are what the log signed.
  let confirmed = 0;
  b.checkpoints.forEach((cp, i) => {
    const c = checks[i] as NoteCheck;
    const r = roots.get(cp.treeSize);
    if (c.ok && r !== undefined && hex(r) === hex(c.root)) confirmed = Math.max(confirmed, cp.treeSize);
  });
  const signedOk = (pos: number): boolean => pos < confirmed;
  for (const m of ms) {
    const at = { device: m.device, stream: m.stream, seq: m.seq };
    const partner = byStored.get(hex(m.computed));
    if (partner !== undefined && partner !== m.pos) {
      first.offer(
        storeFailure(
          'reordered',
          'event',
          Math.min(m.pos, partner),
          `rows ${m.pos} and ${partner} hold each other's records (their leaves are swapped)`,
          at,
        ),
      );
    } else if (m.cause === 'unknown' && signedOk(m.pos)) {
      first.offer(
        storeFailure(
          'modified',
          'tree_node',
          m.pos,
          `tree node (0, ${m.pos}) is not the leaf of row ${m.pos}, which the signed root confirms`,
          {
            node: { level: 0, index: m.pos },
          },
        ),
      );
    } else {
      first.offer(storeFailure('modified', 'event', m.pos, `the leaf recomputed from row ${m.pos} is not the leaf the tree holds`, at));
    }
  }
  return first.value;
}

/** Missing positions: inside the rows a deletion, past the last row a cut tail. */
function checkHoles(holes: readonly [number, number][], b: Bounds, seqDeletions: readonly StoreFailure[]): StoreFailure | null {
  const first = new FirstFailure();
  for (const [begin, end] of holes) {
    if (begin >= b.eventCount) continue;
    // The stream that misses a seq after this position names the row most likely gone.
    const s = seqDeletions.find((f) => f.pos > begin);
    const n = end - begin;
    first.offer(
      storeFailure('deleted', 'event', begin, `position ${begin}${n > 1 ? `..${end - 1}` : ''} holds no row`, {
        device: s?.device,
        stream: s?.stream,
        seq: s?.seq,
      }),
    );
  }
  const reach = Math.max(b.leafCount, maxCheckpoint(b));
  if (b.eventCount < reach) {
    first.offer(
      storeFailure(
        'truncated',
        'event',
        b.eventCount,
        `the rows end at position ${b.eventCount}, but the ${b.leafCount >= reach ? 'tree holds' : 'checkpoints sign'} ${reach} leaves`,
      ),
    );
  }
  return first.value;
}

/** The latest checkpoint must cover the tree, unless its leaves are younger than the grace (a collector signs within a second). */
function checkLatest(store: Store, b: Bounds, opts: VerifyStoreOptions): StoreFailure | null {
  const covered = b.checkpoints.at(-1)?.treeSize ?? 0;
  if (b.leafCount <= covered) return null;
  const firstLeaf = store.getEvent(covered);
  if (firstLeaf === undefined) return null;
  const ageMs = (opts.nowMs ?? Date.now()) - firstLeaf.receivedUs / 1000;
  if (ageMs < (opts.checkpointGraceMs ?? 10_000)) return null;
  return storeFailure(
    'deleted',
    'checkpoint',
    covered,
    `no checkpoint covers leaves ${covered}..${b.leafCount - 1} (received ${Math.round(ageMs / 1000)} s ago): the latest checkpoint was deleted, or the collector stopped without signing one (start it again to sign)`,
    { checkpoint: b.leafCount },
  );
}

/** Each stream cursor names the stored head: a cursor past the rows means the stream's tail was cut. */
function checkCursors(b: Bounds, walk: StoreWalk): StoreFailure | null {
  const first = new FirstFailure();
  for (const c of b.cursors) {
    const s = walk.streams.get(`${c.device}\u0000${c.stream}`);
    const last = s?.lastSeq ?? 0;
    const at = { device: c.device, stream: c.stream, seq: last + 1 };
    if (c.ackedSeq > last) {
      first.offer(
        storeFailure(
          'truncated',
          'stream',
          b.eventCount,
          `the stream's cursor says seq ${c.ackedSeq} is stored; its records end at seq ${last}`,
          at,
        ),
      );
    } else if (s !== undefined && c.ackedSeq === last && !s.lastHash.equals(c.head)) {
      first.offer(
        storeFailure('modified', 'cursor', s.lastPos, `the stream's cursor head is not the chain hash of seq ${last}`, {
          ...at,
          seq: last,
        }),
      );
    }
  }
  return first.value;
}

/** Verifies the store of a data directory, read-only, with worker threads on their own connections. */
export async function verifyDataDir(dir: string, opts: VerifyStoreOptions & { verifierKey?: string } = {}): Promise<StoreVerification> {
  const dd = await openDataDirReadOnly(dir, opts.verifierKey);
  try {
    return await verifyStore({ store: dd.store, origin: dd.origin, verifierKey: dd.verifierKey, dbPath: dd.dbPath }, opts);
  } finally {
    dd.close();
  }
}
