/**
 * Event lines of a bundle read on a worker thread: core's readEventLine (the
 * JSON parse, the canonical check and the three hashes per line, the bulk of
 * the verifier's work) runs there, and the main thread gets back only what
 * the bundle reader keeps of each line, packed into a few typed arrays that
 * are transferred, not copied:
 *
 *   nums    leafIndex, receivedUs, seq        3 × f64 per line
 *   hashes  leaf hash, chain hash, prev       96 bytes per line
 *   ids     device id, stream, name           3 × u32 per line, into `strs`
 *   attrs   of log_seal and log_gap records   (the seal and gap checks read them)
 *   errors  why a line is not a valid event line, by line
 *
 * unpackEventLine rebuilds the EventLine the reader takes, with a record that
 * holds only the fields the reader reads (device.id, stream, seq, prev, name,
 * attrs): its leaf hash was verified on the worker from the whole record.
 */
import { type ChainedEvent, type EventLine, type Hash, hashChildren, LOG_SEAL_EVENT, readEventLine } from '@seclog/core';

export interface LinesResult {
  readonly n: number;
  /** Perfect subtrees folded from runs of lines with consecutive leaf indexes: (level, index) pairs and their hashes. */
  readonly subtreeIds: Float64Array;
  readonly subtreeHashes: Uint8Array;
  readonly nums: Float64Array;
  readonly hashes: Uint8Array;
  readonly ids: Uint32Array;
  readonly strs: string[];
  readonly attrs: Record<number, Record<string, unknown>>;
  readonly errors: Record<number, string>;
  /** Lines of leaves whose record retention removed, with the pruning time (RFC 3339 or null). */
  readonly pruned: Record<number, string | null>;
}

const LF = 0x0a;

/** Reads the LF-terminated event lines of `bytes`. */
export function readEventLines(bytes: Uint8Array): LinesResult {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let at = buf.indexOf(LF); at >= 0; at = buf.indexOf(LF, at + 1)) n++;
  const nums = new Float64Array(n * 3);
  const hashes = new Uint8Array(n * 96);
  const ids = new Uint32Array(n * 3);
  const strs: string[] = [];
  const strIds = new Map<string, number>();
  const id = (s: string): number => {
    let i = strIds.get(s);
    if (i === undefined) {
      i = strs.length;
      strs.push(s);
      strIds.set(s, i);
    }
    return i;
  };
  const attrs: Record<number, Record<string, unknown>> = {};
  const errors: Record<number, string> = {};
  const pruned: Record<number, string | null> = {};
  const text = buf.toString('utf8');
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = text.indexOf('\n', start);
    const ev = readEventLine(text.slice(start, end));
    start = end + 1;
    if (typeof ev === 'string') {
      errors[i] = ev;
      continue;
    }
    const rec = ev.record;
    nums[i * 3] = ev.leafIndex;
    nums[i * 3 + 1] = ev.receivedUs;
    nums[i * 3 + 2] = rec.seq;
    hashes.set(ev.leafHash, i * 96);
    hashes.set(ev.chainHash, i * 96 + 32);
    hashes.set(ev.prev, i * 96 + 64);
    ids[i * 3] = id(ev.deviceId);
    ids[i * 3 + 1] = id(rec.stream);
    ids[i * 3 + 2] = id(rec.name);
    if (ev.pruned !== undefined) pruned[i] = ev.pruned.at;
    if ((rec.name === LOG_SEAL_EVENT || rec.name === 'log_gap') && rec.attrs !== undefined) attrs[i] = rec.attrs;
  }
  const sub = foldRuns(n, nums, hashes, errors);
  return { n, nums, hashes, ids, strs, attrs, errors, pruned, subtreeIds: sub.ids, subtreeHashes: sub.hashes };
}

/** MTH of 2^k consecutive leaf hashes (the 32-byte slots of `hashes` every 96 bytes from line `first`). */
function foldLeaves(hashes: Uint8Array, first: number, count: number): Hash {
  let level: Hash[] = [];
  for (let k = 0; k < count; k++) level.push(hashes.subarray((first + k) * 96, (first + k) * 96 + 32) as Hash);
  while (level.length > 1) {
    const up: Hash[] = [];
    for (let k = 0; k < level.length; k += 2) up.push(new Uint8Array(hashChildren(level[k] as Hash, level[k + 1] as Hash)) as Hash);
    level = up;
  }
  return level[0] as Hash;
}

/**
 * The root-side fold moved to the workers: each run of lines whose leaf
 * indexes are consecutive is cut into its largest aligned perfect subtrees,
 * and each is folded here. The main thread's proof check then takes them
 * whole (BundleVerifierHooks.subtree) instead of hashing every leaf again.
 */
function foldRuns(
  n: number,
  nums: Float64Array,
  hashes: Uint8Array,
  errors: Record<number, string>,
): { ids: Float64Array; hashes: Uint8Array } {
  const ids: number[] = [];
  const out: Hash[] = [];
  let i = 0;
  while (i < n) {
    if (errors[i] !== undefined) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < n && errors[j + 1] === undefined && nums[(j + 1) * 3] === (nums[j * 3] as number) + 1) j++;
    const last = nums[j * 3] as number;
    let leaf = nums[i * 3] as number;
    let line = i;
    while (leaf <= last) {
      let width = 1;
      while (leaf % (width * 2) === 0 && leaf + width * 2 - 1 <= last) width *= 2;
      if (width > 1) {
        ids.push(Math.log2(width), leaf / width);
        out.push(foldLeaves(hashes, line, width));
      }
      leaf += width;
      line += width;
    }
    i = j + 1;
  }
  const packed = new Uint8Array(out.length * 32);
  out.forEach((h, k) => {
    packed.set(h, k * 32);
  });
  return { ids: Float64Array.from(ids), hashes: packed };
}

/** The EventLine of line `i` of a result (or why it is not one), for BundleVerifier.pushRead. */
export function unpackEventLine(r: LinesResult, i: number): EventLine | string {
  const error = r.errors[i];
  if (error !== undefined) return error;
  const deviceId = r.strs[r.ids[i * 3] as number] as string;
  const base = r.hashes.byteOffset + i * 96;
  const prev = Buffer.from(r.hashes.buffer, base + 64, 32);
  const record = {
    device: { id: deviceId },
    stream: r.strs[r.ids[i * 3 + 1] as number] as string,
    seq: r.nums[i * 3 + 2] as number,
    prev: prev.toString('hex'),
    name: r.strs[r.ids[i * 3 + 2] as number] as string,
    attrs: r.attrs[i],
  } as unknown as ChainedEvent;
  return {
    leafIndex: r.nums[i * 3] as number,
    receivedUs: r.nums[i * 3 + 1] as number,
    record,
    deviceId,
    leafHash: Buffer.from(r.hashes.buffer, base, 32),
    chainHash: Buffer.from(r.hashes.buffer, base + 32, 32),
    // A pruned record's prev is unknown (empty), as core's reader gives it.
    ...(i in r.pruned ? { prev: Buffer.alloc(0), pruned: { at: r.pruned[i] ?? null } } : { prev }),
  };
}
