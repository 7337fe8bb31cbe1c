/**
 * The part of store verification that each range of positions allows on its
 * own, so it runs on worker threads: every row against itself, every leaf
 * against the stored tree, and every tree node inside the range. What needs
 * the rows of other ranges (stream links, gaps, seal windows, the nodes above
 * the range, checkpoint roots) is left to the main thread, which gets a
 * compact result per range (store-walk.ts, tree-top.ts).
 *
 * Per row:
 *   text        = the stored canonical JSON
 *   d           = H(text)                        must be the row's digest
 *   h           = H(chain input of seq, prev, d) must be the row's chain hash
 *   leaf        = H(0x00 ‖ leaf(device, stream, seq, h, received µs, d))
 *                                                must be stored node (0, pos)
 * Everything is recomputed from the text, the columns and the receive time;
 * the stored digest and chain hash are only compared, never trusted. The
 * columns are bound by the leaf; they are compared with the parsed record
 * when a row is parsed (fastRow says when it need not be).
 *
 * Tree: the range is a perfect subtree of width 2^level (or its left part at
 * the tree's edge). Its nodes are rebuilt from the recomputed leaves and
 * compared with the stored ones. A mismatch is located at its root cause: a
 * leaf whose parent also differs is a row that changed (its whole path
 * differs); a node whose children agree but which does not is itself altered.
 */
import { hash } from 'node:crypto';
import { type ChainedEvent, CompactRange, chainHash, equalHashes, type Hash, LOG_SEAL_EVENT, leafHash } from '@seclog/core';
import type { StoredEvent } from '../store/types.js';
import type { ChunkSource } from './chunk-source.js';
import { type StoreFailure, storeFailure } from './store-result.js';

export interface ChunkTask {
  /** Positions [from, to); `from` is a multiple of 2^level. */
  readonly from: number;
  readonly to: number;
  readonly level: number;
  /** The stored tree's leaf count: nodes over leaves below it must be stored. */
  readonly leafCount: number;
  /** Tree sizes s in (from, min(to, leafCount)] whose compact range [from, s) the main thread needs. */
  readonly sizes: readonly number[];
}

export const FLAG_BROKEN = 1;
export const FLAG_SEAL = 2;
export const FLAG_LOG_GAP = 4;
/** Retention removed the row's record (empty canonical text): its leaf is checked from the kept columns, its chain link into it cannot be. */
export const FLAG_PRUNED = 8;

/** A leaf that is not the stored one, with what its parent says. */
export interface LeafMismatch {
  readonly pos: number;
  readonly device: string;
  readonly stream: string | undefined;
  readonly seq: number | undefined;
  readonly computed: Uint8Array;
  readonly stored: Uint8Array;
  /** 'row': the path above differs too (the row changed); 'node': the parent agrees (the stored leaf changed); 'unknown': no parent stored yet. */
  readonly cause: 'row' | 'node' | 'unknown';
}

export interface NodeIssue {
  readonly level: number;
  readonly index: number;
  readonly kind: 'modified' | 'deleted';
}

export interface ChunkResult {
  readonly from: number;
  readonly to: number;
  /** Rows found. */
  readonly n: number;
  readonly pos: Float64Array;
  readonly seq: Float64Array;
  readonly flags: Uint8Array;
  /** Per row 64 bytes: prev, then the recomputed chain hash. */
  readonly hashes: Uint8Array;
  /** Per row 3 indexes into `strs`: device, stream, name. */
  readonly ids: Uint32Array;
  readonly strs: string[];
  /** The record time of rows of sealed devices ('' for others). */
  readonly times: string[];
  /** attrs of log_seal and log_gap rows, by row index. */
  readonly attrs: Record<number, Record<string, unknown>>;
  readonly failures: StoreFailure[];
  /** Missing positions [begin, end). */
  readonly holes: [number, number][];
  readonly leafMismatches: LeafMismatch[];
  readonly nodeIssues: NodeIssue[];
  /** The recomputed node (level, from >> level) when the whole range is below the leaf count. */
  readonly root: Uint8Array | null;
  /** Whether that node differs from the stored one (or is missing). */
  readonly rootDiffers: boolean;
  /** For each size of the task: the compact range [from, size), highest node first, 32 bytes each. */
  readonly ranges: { size: number; hashes: Uint8Array }[];
  /** Stored nodes compared. */
  readonly nodesChecked: number;
}

const MAX_FAILURES = 8;
const MAX_MISMATCHES = 256;

interface RowFacts {
  /** False when the row could not be read as a record (its text does not parse). */
  readable: boolean;
  /** The record's name where the walk needs it (seals, gaps); '' for the rest. */
  name: string;
  time: string;
  attrs: Record<string, unknown> | undefined;
  prev: Uint8Array;
  chain: Uint8Array;
  leaf: Uint8Array | undefined;
  failure: StoreFailure | undefined;
}

const ZERO = new Uint8Array(32);
const HEX64 = /^[0-9a-f]{64}$/;
const SEAL_NEEDLE = `"name":"${LOG_SEAL_EVENT}"`;
const GAP_NEEDLE = '"name":"log_gap"';

/** d, h and the leaf of a row from its text, its prev and its columns. */
function hashes(r: StoredEvent, prevHex: string): { d: Buffer; prev: Buffer; h: Buffer } {
  const d = hash('sha256', r.canonical, 'buffer');
  const prev = Buffer.from(prevHex, 'hex');
  return { d, prev, h: chainHash(r.seq as number, prev, d) };
}

function leafOf(r: StoredEvent, d: Uint8Array, h: Uint8Array): Uint8Array {
  return leafHash({
    deviceId: r.device,
    stream: r.stream as string,
    seq: r.seq as number,
    chainHash: h,
    receivedUs: r.receivedUs,
    recordDigest: d,
  });
}

/**
 * The common row without a JSON parse: a top-level member of canonical JSON
 * is the last occurrence of `"key":"` in its text when no member after it
 * (for `prev`: severity, stream, target, time, tq, v; for `time`: tq, v) can
 * hold that key, and inside a string a quote is always escaped. The prev read
 * so is then proved by the stored chain hash: H(seq ‖ prev ‖ d) must equal it,
 * and a wrong prev could only match by a collision. Seals, gaps and any row
 * that does not check out are parsed (checkRow) for an exact report.
 */
function fastRow(r: StoredEvent): RowFacts | undefined {
  const text = r.canonical;
  if (r.stream === null || r.seq === null || text.includes(SEAL_NEEDLE) || text.includes(GAP_NEEDLE)) return undefined;
  const p = text.lastIndexOf('"prev":"');
  if (p < 0 || text.charCodeAt(p + 72) !== 0x22) return undefined;
  const prevHex = text.slice(p + 8, p + 72);
  if (!HEX64.test(prevHex)) return undefined;
  const t = text.lastIndexOf('"time":"');
  const time = t < 0 ? '' : text.slice(t + 8, text.indexOf('"', t + 8));
  const { d, prev, h } = hashes(r, prevHex);
  if (!equalHashes(d, r.digest) || !equalHashes(h, r.chainHash)) return undefined;
  return { readable: true, name: '', time, attrs: undefined, prev, chain: h, leaf: leafOf(r, d, h), failure: undefined };
}

/** Checks one row against itself; returns what the walk needs and the first thing wrong with it. */
function checkRow(r: StoredEvent): RowFacts {
  if (r.canonical.length === 0 && r.stream !== null && r.seq !== null) {
    // Pruned by retention: the digest and chain hash are what the leaf was made of, so the leaf
    // (checked against the tree below) vouches for them; there is no record to rehash.
    return {
      readable: true,
      name: '',
      time: '',
      attrs: undefined,
      prev: ZERO,
      chain: r.chainHash,
      leaf: leafOf(r, r.digest, r.chainHash),
      failure: undefined,
    };
  }
  const fast = fastRow(r);
  if (fast !== undefined) return fast;
  const at = { device: r.device, stream: r.stream ?? undefined, seq: r.seq ?? undefined };
  const bad = (detail: string): RowFacts => ({
    readable: false,
    name: '',
    time: '',
    attrs: undefined,
    prev: ZERO,
    chain: r.chainHash,
    leaf: undefined,
    failure: storeFailure('modified', 'event', r.pos, detail, at),
  });
  let rec: ChainedEvent;
  try {
    rec = JSON.parse(r.canonical) as ChainedEvent;
  } catch {
    return bad('the stored canonical JSON does not parse');
  }
  if (typeof rec !== 'object' || rec === null) return bad('the stored canonical JSON is not an object');
  if (r.stream === null || r.seq === null) return bad('the row has no stream or seq, so it cannot be a leaf');
  if (rec.device?.id !== r.device || rec.stream !== r.stream || rec.seq !== r.seq) {
    return bad(
      `the row's device/stream/seq columns are not the record's (${String(rec.device?.id)}/${String(rec.stream)}/${String(rec.seq)})`,
    );
  }
  if (typeof rec.prev !== 'string' || !HEX64.test(rec.prev)) return bad('the record has no valid prev');
  const { d, prev, h } = hashes(r, rec.prev);
  let failure: StoreFailure | undefined;
  if (!equalHashes(d, r.digest))
    failure = storeFailure('modified', 'event', r.pos, 'the SHA-256 of the stored canonical JSON is not the stored digest', at);
  else if (!equalHashes(h, r.chainHash))
    failure = storeFailure('modified', 'event', r.pos, 'the chain hash recomputed from the record is not the stored chain hash', at);
  let leaf: Uint8Array | undefined;
  try {
    leaf = leafOf(r, d, h);
  } catch (err) {
    failure ??= storeFailure('modified', 'event', r.pos, `the row cannot be a leaf: ${(err as Error).message}`, at);
  }
  const name = typeof rec.name === 'string' ? rec.name : '';
  const special = name === LOG_SEAL_EVENT || name === 'log_gap';
  return {
    readable: true,
    name: special ? name : '',
    time: typeof rec.time === 'string' ? rec.time : '',
    attrs: special && typeof rec.attrs === 'object' ? (rec.attrs as Record<string, unknown>) : undefined,
    prev,
    chain: h,
    leaf,
    failure,
  };
}

/** Interns strings of one chunk: the main thread gets each device and stream once per chunk. */
class StringTable {
  readonly strs: string[] = [];
  readonly #ids = new Map<string, number>();
  id(s: string): number {
    let i = this.#ids.get(s);
    if (i === undefined) {
      i = this.strs.length;
      this.strs.push(s);
      this.#ids.set(s, i);
    }
    return i;
  }
}

export class ChunkChecker {
  readonly #src: ChunkSource;
  readonly #sealed: ReadonlySet<string>;

  /** `sealed`: devices whose streams the main thread checks against their seals (their record times are sent). */
  constructor(src: ChunkSource, sealed: ReadonlySet<string>) {
    this.#src = src;
    this.#sealed = sealed;
  }

  check(task: ChunkTask): ChunkResult {
    const rows = this.#src.readEvents(task.from, task.to);
    const n = rows.length;
    const pos = new Float64Array(n);
    const seq = new Float64Array(n);
    const flags = new Uint8Array(n);
    const rowHashes = new Uint8Array(n * 64);
    const ids = new Uint32Array(n * 3);
    const table = new StringTable();
    const times: string[] = new Array(n);
    const attrs: Record<number, Record<string, unknown>> = {};
    const failures: StoreFailure[] = [];
    const holes: [number, number][] = [];
    // Recomputed leaves of [from, treeEnd), by position − from; stored leaves fill holes so the subtree still rebuilds.
    const treeEnd = Math.min(task.to, task.leafCount);
    const leaves: (Uint8Array | undefined)[] = new Array(Math.max(0, treeEnd - task.from));
    const rowAt: (StoredEvent | undefined)[] = new Array(leaves.length);
    let expected = task.from;
    for (let i = 0; i < n; i++) {
      const r = rows[i] as StoredEvent;
      if (r.pos !== expected) holes.push([expected, r.pos]);
      expected = r.pos + 1;
      const f = checkRow(r);
      if (f.failure !== undefined && failures.length < MAX_FAILURES) failures.push(f.failure);
      pos[i] = r.pos;
      seq[i] = r.seq ?? 0;
      let fl = f.readable ? 0 : FLAG_BROKEN;
      if (r.canonical.length === 0 && f.readable) fl |= FLAG_PRUNED;
      if (f.name === LOG_SEAL_EVENT) fl |= FLAG_SEAL;
      else if (f.name === 'log_gap') fl |= FLAG_LOG_GAP;
      flags[i] = fl;
      if (f.attrs !== undefined) attrs[i] = f.attrs;
      rowHashes.set(f.prev, i * 64);
      rowHashes.set(f.chain, i * 64 + 32);
      ids[i * 3] = table.id(r.device);
      ids[i * 3 + 1] = table.id(r.stream ?? '');
      ids[i * 3 + 2] = table.id(f.name);
      times[i] = this.#sealed.has(r.device) ? f.time : '';
      if (r.pos < treeEnd) {
        leaves[r.pos - task.from] = f.leaf;
        rowAt[r.pos - task.from] = r;
      }
    }
    if (expected < task.to) holes.push([expected, task.to]);
    const tree = this.#tree(task, leaves, rowAt);
    return {
      from: task.from,
      to: task.to,
      n,
      pos,
      seq,
      flags,
      hashes: rowHashes,
      ids,
      strs: table.strs,
      times,
      attrs,
      failures,
      holes,
      ...tree,
    };
  }

  /** Rebuilds the subtree of the range from the recomputed leaves and compares every node with the stored one. */
  #tree(
    task: ChunkTask,
    leaves: (Uint8Array | undefined)[],
    rowAt: readonly (StoredEvent | undefined)[],
  ): Pick<ChunkResult, 'leafMismatches' | 'nodeIssues' | 'root' | 'rootDiffers' | 'ranges' | 'nodesChecked'> {
    const width = leaves.length;
    const empty = { leafMismatches: [], nodeIssues: [], root: null, rootDiffers: false, ranges: [], nodesChecked: 0 };
    if (width <= 0) return empty;
    const from = task.from;
    // computed[level][i]: node (level, (from >> level) + i).
    const computed: Uint8Array[][] = [];
    const range = CompactRange.empty();
    const storedLeaves = this.#src.readNodes(0, from, from + width);
    const ranges: { size: number; hashes: Uint8Array }[] = [];
    let nextSize = 0;
    const sizes = task.sizes;
    const visit = (level: number, index: number, h: Hash): void => {
      let row = computed[level];
      if (row === undefined) {
        row = [];
        computed[level] = row;
      }
      row[index] = h;
    };
    for (let i = 0; i < width; i++) {
      // A missing row is reported as a hole; its stored leaf stands in so the nodes above still compare.
      const leaf = leaves[i] ?? storedLeaves[i] ?? ZERO;
      range.append(leaf as Hash, visit);
      while (nextSize < sizes.length && (sizes[nextSize] as number) === from + i + 1) {
        const hs = range.hashes();
        const buf = new Uint8Array(hs.length * 32);
        for (let k = 0; k < hs.length; k++) buf.set(hs[k] as Hash, k * 32);
        ranges.push({ size: sizes[nextSize] as number, hashes: buf });
        nextSize++;
      }
    }
    // Compare level by level; mismatch[level] holds the local indexes that differ.
    const mismatch: Set<number>[] = [];
    const nodeIssues: NodeIssue[] = [];
    let nodesChecked = 0;
    for (let level = 0; level < computed.length; level++) {
      const row = computed[level] as Uint8Array[];
      const base = Math.floor(from / 2 ** level);
      const stored = level === 0 ? storedLeaves : this.#src.readNodes(level, base, base + row.length);
      const diff = new Set<number>();
      for (let i = 0; i < row.length; i++) {
        const s = stored[i];
        nodesChecked++;
        if (s === undefined) {
          if (nodeIssues.length < MAX_MISMATCHES) nodeIssues.push({ level, index: base + i, kind: 'deleted' });
          diff.add(i);
        } else if (!equalHashes(s, row[i] as Uint8Array)) diff.add(i);
      }
      mismatch.push(diff);
    }
    const leafMismatches: LeafMismatch[] = [];
    for (const i of mismatch[0] ?? []) {
      const stored = storedLeaves[i];
      if (stored === undefined || leaves[i] === undefined) continue;
      const parentKnown = (computed[1] ?? [])[i >> 1] !== undefined;
      const cause = !parentKnown ? 'unknown' : mismatch[1]?.has(i >> 1) ? 'row' : 'node';
      if (cause === 'node') nodeIssues.push({ level: 0, index: from + i, kind: 'modified' });
      if (leafMismatches.length < MAX_MISMATCHES) {
        const row = rowAt[i];
        leafMismatches.push({
          pos: from + i,
          device: row?.device ?? '',
          stream: row?.stream ?? undefined,
          seq: row?.seq ?? undefined,
          computed: leaves[i] as Uint8Array,
          stored,
          cause,
        });
      }
    }
    // An interior node that differs while both its children agree was itself altered.
    for (let level = 1; level < mismatch.length; level++) {
      const base = Math.floor(from / 2 ** level);
      for (const i of mismatch[level] as Set<number>) {
        const below = mismatch[level - 1] as Set<number>;
        if (below.has(2 * i) || below.has(2 * i + 1)) continue;
        if (nodeIssues.length < MAX_MISMATCHES && !nodeIssues.some((x) => x.level === level && x.index === base + i))
          nodeIssues.push({ level, index: base + i, kind: 'modified' });
      }
    }
    const top = computed[task.level];
    const root = width === 2 ** task.level && top !== undefined ? (top[0] as Uint8Array) : null;
    const rootDiffers = root !== null && (mismatch[task.level]?.has(0) ?? false);
    return { leafMismatches, nodeIssues, root, rootDiffers, ranges, nodesChecked };
  }
}
