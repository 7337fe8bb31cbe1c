/**
 * `seclog verify FILE`: a bundle verified offline, streamed from disk.
 *
 * The main thread reads the file in 4 MiB chunks, splits lines on the bytes,
 * hashes the bytes for the trailer digest, and hands runs of event lines to
 * worker threads, which run core's readEventLine on them (parse, canonical
 * check, record digest, chain hash, leaf hash). The replies are fed to core's
 * incremental verifier in file order (pushRead), with the header, proof,
 * consistency and trailer lines in between; the verifier does the sequential
 * part (leaf order, streams, seals, the batch proof) exactly as for a bundle
 * read on one thread. With 0 workers the lines go to core as text.
 *
 * Trust: with pinned keys (--key) the checkpoint must be signed by one of
 * them. Without, the key the bundle's header names is used, which proves
 * only that the bundle is consistent with itself and that key: whoever made
 * the file could have made the key too (trust on first use).
 */
import { type Hash as CryptoHash, createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import {
  type BundleLineDigest,
  type BundleVerification,
  type BundleVerifier,
  createBundleVerifier,
  type Hash,
  SeclogError,
  type VerifyBundleOptions,
} from '@seclog/core';
import { type LinesResult, unpackEventLine } from './bundle-lines.js';
import { originOfKey } from './open-readonly.js';
import { WorkerPool } from './worker-pool.js';

export interface VerifyBundleFileOptions {
  /** Pinned verifier keys; without any, the header's key is trusted on first use. */
  readonly verifierKeys?: readonly string[];
  readonly trustedCheckpoint?: string;
  readonly sealKeys?: ReadonlyMap<string, Uint8Array>;
  /** Worker threads (default: the available parallelism; 0: everything on this thread). */
  readonly workers?: number;
  /** A pool to use instead of starting one (repeated verifications, tests); it is left open. */
  readonly pool?: WorkerPool;
  readonly onProgress?: (bytes: number, total: number) => void;
}

export interface BundleFileVerification {
  readonly result: BundleVerification;
  /** 'pinned': signed by a key the caller gave; 'header': the key the bundle itself names was used. */
  readonly trust: 'pinned' | 'header';
  readonly verifierKey: string;
  readonly bytes: number;
  readonly seconds: number;
}

const CHUNK_BYTES = 4 << 20;
const BATCH_BYTES = 1 << 20;
const IN_FLIGHT_PER_WORKER = 3;
const LF = 0x0a;
const HEADER_PREFIX = '{"format":"seclog-bundle","version":';
const EVENT_PREFIX = Buffer.from('{"leafIndex":');
const TRAILER_PREFIX = Buffer.from('{"trailer":');

function startsWith(buf: Buffer, at: number, end: number, prefix: Buffer): boolean {
  return end - at >= prefix.length && buf.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

/** SHA-256 of the file's bytes before the first trailer line, fed by the reader, asked for by core at that line. */
class ByteDigest implements BundleLineDigest {
  readonly #h: CryptoHash = createHash('sha256');
  readonly #snapshots: string[] = [];
  /** Bytes not hashed yet: contiguous lines of one chunk are merged into one update. */
  #pending: Buffer | undefined;

  add(): void {
    // The bytes arrive through feed(); core's per-line strings are not needed.
  }

  feed(bytes: Buffer): void {
    const p = this.#pending;
    if (p !== undefined && p.buffer === bytes.buffer && p.byteOffset + p.length === bytes.byteOffset) {
      this.#pending = Buffer.from(p.buffer, p.byteOffset, p.length + bytes.length);
      return;
    }
    this.#flush();
    this.#pending = bytes;
  }

  #flush(): void {
    if (this.#pending !== undefined) this.#h.update(this.#pending);
    this.#pending = undefined;
  }

  /** A trailer line starts here: remember the digest of everything before it. */
  snapshot(): void {
    this.#flush();
    this.#snapshots.push(this.#h.copy().digest('hex'));
  }

  hex(): string {
    this.#flush();
    return this.#snapshots.shift() ?? this.#h.copy().digest('hex');
  }
}

type Item = { kind: 'lines'; reply: Promise<LinesResult> } | { kind: 'line'; text: string } | { kind: 'partial'; text: string };

/** Reads the header line (for a key to trust when none is pinned). */
async function readFirstLine(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const nl = buf.subarray(0, bytesRead).indexOf(LF);
    return buf.toString('utf8', 0, nl < 0 ? bytesRead : nl);
  } finally {
    await fh.close();
  }
}

async function trustedKeys(path: string, pinned: readonly string[] | undefined): Promise<{ keys: string[]; trust: 'pinned' | 'header' }> {
  if (pinned !== undefined && pinned.length > 0) return { keys: [...pinned], trust: 'pinned' };
  const header = await readFirstLine(path);
  if (!header.startsWith(HEADER_PREFIX)) {
    throw new SeclogError('BUNDLE_FORMAT_INVALID', `${path}: the first line is not a seclog-bundle header`, { path });
  }
  let vkey: unknown;
  try {
    vkey = (JSON.parse(header) as { vkey?: unknown }).vkey;
  } catch {
    vkey = undefined;
  }
  if (typeof vkey !== 'string') {
    throw new SeclogError('VERIFY_INPUT_INVALID', `${path}: the header names no verifier key; pin the log's key with --key`, {
      path,
      reason: 'vkey',
    });
  }
  return { keys: [vkey], trust: 'header' };
}

export async function verifyBundleFile(path: string, opts: VerifyBundleFileOptions = {}): Promise<BundleFileVerification> {
  const started = performance.now();
  const { keys, trust } = await trustedKeys(path, opts.verifierKeys);
  const base: VerifyBundleOptions = {
    verifierKeys: keys,
    origin: originOfKey(keys[0] as string),
    ...(opts.trustedCheckpoint === undefined ? {} : { trustedCheckpoint: opts.trustedCheckpoint }),
    ...(opts.sealKeys === undefined ? {} : { sealKeys: opts.sealKeys }),
  };
  const workers = opts.pool?.size ?? opts.workers ?? availableParallelism();
  const digest = new ByteDigest();
  const subtrees = new Map<string, Hash>();
  const verifier =
    workers > 0
      ? createBundleVerifier(base, { digest, subtree: (level, index) => subtrees.get(`${level}/${index}`) })
      : createBundleVerifier(base);
  const pool = opts.pool ?? (workers > 0 ? await WorkerPool.start(workers) : undefined);
  const fh = await open(path, 'r');
  try {
    const total = (await fh.stat()).size;
    const queue: Item[] = [];
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flushBatch = (): void => {
      if (batch.length === 0) return;
      // A buffer of its own, so it can be transferred (Buffer.concat may use the shared pool).
      const bytes = new Uint8Array(batchBytes);
      let at = 0;
      for (const b of batch) {
        bytes.set(b, at);
        at += b.length;
      }
      batch = [];
      batchBytes = 0;
      queue.push({ kind: 'lines', reply: (pool as WorkerPool).run<LinesResult>({ type: 'lines', bytes }, [bytes.buffer]) });
      batches++;
    };
    /** One complete line, `buf[s, e)` without its LF (which is at e). */
    const line = (buf: Buffer, s: number, e: number): void => {
      const withLf = buf.subarray(s, e + 1);
      if (pool === undefined) {
        queue.push({ kind: 'line', text: buf.toString('utf8', s, e) });
        return;
      }
      if (startsWith(buf, s, e, TRAILER_PREFIX)) digest.snapshot();
      digest.feed(withLf);
      if (startsWith(buf, s, e, EVENT_PREFIX)) {
        batch.push(withLf);
        batchBytes += withLf.length;
        if (batchBytes >= BATCH_BYTES) flushBatch();
        return;
      }
      flushBatch();
      queue.push({ kind: 'line', text: buf.toString('utf8', s, e) });
    };
    // Replies are consumed in file order; at most `limit` batches wait on the workers.
    const limit = workers * IN_FLIGHT_PER_WORKER;
    let batches = 0;
    const drain = async (keep: number): Promise<void> => {
      while (queue.length > 0 && (batches > keep || queue[0]?.kind !== 'lines')) {
        const item = queue.shift() as Item;
        if (item.kind === 'lines') batches--;
        await feed(verifier, item, subtrees);
      }
    };
    let carry: Buffer | undefined;
    let position = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
      const { bytesRead } = await fh.read(chunk, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const buf = chunk.subarray(0, bytesRead);
      let from = 0;
      if (carry !== undefined) {
        const nl = buf.indexOf(LF);
        if (nl < 0) {
          carry = Buffer.concat([carry, buf]);
          continue;
        }
        const joined = Buffer.concat([carry, buf.subarray(0, nl + 1)]);
        carry = undefined;
        line(joined, 0, joined.length - 1);
        from = nl + 1;
      }
      for (let nl = buf.indexOf(LF, from); nl >= 0; nl = buf.indexOf(LF, from)) {
        line(buf, from, nl);
        from = nl + 1;
      }
      if (from < buf.length) carry = Buffer.from(buf.subarray(from));
      flushBatch();
      await drain(limit);
      opts.onProgress?.(position, total);
    }
    flushBatch();
    if (carry !== undefined) queue.push({ kind: 'partial', text: carry.toString('utf8') });
    await drain(-1);
    const result = await locate(path, verifier.end());
    return { result, trust, verifierKey: keys[0] as string, bytes: total, seconds: (performance.now() - started) / 1000 };
  } finally {
    await fh.close();
    if (opts.pool === undefined) await pool?.close();
  }
}

/**
 * A failure on an event line that could not be read as one (an edited
 * record) names no leaf, device or seq: they are taken from what the line
 * itself says, when it still parses, so the report points at the record.
 */
async function locate(path: string, r: BundleVerification): Promise<BundleVerification> {
  if (r.ok || r.index !== undefined || r.line < 2) return r;
  const fh = await open(path, 'r');
  let text: string | undefined;
  try {
    let n = 0;
    for await (const l of fh.readLines({ encoding: 'utf8' })) {
      if (++n === r.line) {
        text = l;
        break;
      }
    }
  } finally {
    await fh.close();
  }
  let claimed: { leafIndex?: unknown; record?: { device?: { id?: unknown }; stream?: unknown; seq?: unknown } };
  try {
    claimed = JSON.parse(text ?? '') as typeof claimed;
  } catch {
    return r;
  }
  const rec = claimed.record;
  return {
    ...r,
    ...(Number.isSafeInteger(claimed.leafIndex) ? { index: claimed.leafIndex as number } : {}),
    ...(typeof rec?.device?.id === 'string' && r.deviceId === undefined ? { deviceId: rec.device.id } : {}),
    ...(typeof rec?.stream === 'string' && r.stream === undefined ? { stream: rec.stream } : {}),
    ...(Number.isSafeInteger(rec?.seq) && r.seq === undefined ? { seq: rec?.seq as number } : {}),
  };
}

async function feed(verifier: BundleVerifier, item: Item, subtrees: Map<string, Hash>): Promise<void> {
  if (item.kind === 'line') verifier.push(item.text);
  else if (item.kind === 'partial') verifier.partial(item.text);
  else {
    const r = await item.reply;
    for (let i = 0; i < r.n; i++) verifier.pushRead(unpackEventLine(r, i));
    for (let k = 0; k < r.subtreeIds.length / 2; k++) {
      subtrees.set(`${r.subtreeIds[2 * k]}/${r.subtreeIds[2 * k + 1]}`, r.subtreeHashes.subarray(k * 32, k * 32 + 32) as Hash);
    }
  }
}
