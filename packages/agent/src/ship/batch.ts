/**
 * Reading one batch from the source and encoding it. A batch is one
 * contiguous run of seqs (the collector refuses anything else), so a read is
 * cut at the first missing seq, at a record skipped as refused, or at `toSeq`.
 * The body is assembled from the stored canonical text without parsing it:
 * the bytes the device hashed are the bytes the collector receives.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { ShipSource } from './source.js';

const gzip = promisify(gzipCb);

export interface Batch {
  readonly first: number;
  readonly last: number;
  readonly records: readonly string[];
}

export interface BatchLimits {
  maxRecords: number;
  maxBytes: number;
}

/** The batch starting at the first record at or after `fromSeq` (up to `toSeq` inclusive), or undefined when there is none. */
export async function readBatch(
  source: ShipSource,
  fromSeq: number,
  toSeq: number,
  limits: BatchLimits,
  skipped: ReadonlySet<number>,
): Promise<Batch | undefined> {
  const want = Math.max(1, Math.min(limits.maxRecords, toSeq - fromSeq + 1));
  const got = await source.readFrom(fromSeq, want, limits.maxBytes);
  let start = 0;
  while (start < got.length && skipped.has(got[start]!.seq)) start++;
  const head = got[start];
  if (head === undefined || head.seq > toSeq) return undefined;
  const records = [head.canonical];
  let last = head.seq;
  for (let i = start + 1; i < got.length; i++) {
    const r = got[i]!;
    if (r.seq !== last + 1 || r.seq > toSeq || skipped.has(r.seq)) break;
    records.push(r.canonical);
    last = r.seq;
  }
  return { first: head.seq, last, records };
}

/** The batch body of docs/ingest.md, and whether it was gzipped (bodies of at least `gzipMinBytes`). */
export async function encodeBatch(
  device: string,
  stream: string,
  batch: Batch,
  gzipMinBytes: number,
): Promise<{ body: Buffer; gzipped: boolean }> {
  const text = `{"device":${JSON.stringify(device)},"stream":${JSON.stringify(stream)},"records":[${batch.records.join(',')}]}`;
  const plain = Buffer.from(text, 'utf8');
  if (plain.length < gzipMinBytes) return { body: plain, gzipped: false };
  return { body: await gzip(plain), gzipped: true };
}
