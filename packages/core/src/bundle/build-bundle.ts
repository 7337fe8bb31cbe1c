/**
 * Writing an export bundle. Pure: the caller hands in the events (in leaf
 * order, from any store, streamed), the signed checkpoint, the log's vkey and
 * a lookup of stored tree nodes; the lines come out one by one, each ending
 * in LF, so a collector can stream a bundle of any size. The leaf indexes are
 * the only thing kept per event (for the batch proof at the end).
 *
 * Nothing is written that would not verify: each record's leaf is recomputed
 * and compared with the stored leaf (a store that disagrees with itself is
 * reported, not exported), and the checkpoint must open under the given key.
 */
import { createHash } from 'node:crypto';
import { canonicalize } from '../canon/jcs.js';
import { encodeBase64 } from '../checkpoint/base64.js';
import { openCheckpoint } from '../checkpoint/checkpoint.js';
import { createNoteVerifier } from '../checkpoint/note-key.js';
import { SeclogError } from '../errors.js';
import type { ChainedEvent } from '../event/types.js';
import { leafHash } from '../log/leaf.js';
import { recordLeaf } from '../log/record-leaf.js';
import type { Hash } from '../merkle/hash.js';
import { equalHashes, hashChildren } from '../merkle/hash.js';
import { consistencyNodes, rehashProof } from '../merkle/proof-nodes.js';
import { eventTimeFromMicros } from '../seal/epoch-time.js';
import { batchProofNodes } from './batch-proof.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  type BundleFilter,
  compileFilter,
  EXCLUDED,
  eventLine,
  filterProblem,
  headerLine,
  type PrunedSlot,
  prunedEventLine,
} from './format.js';
import { formatConsistencyLine, formatProofLine, formatTrailerLine } from './tail-lines.js';

/** One stored event: its record, where the log put it and when the collector received it. */
export interface RecordBundleEvent {
  readonly leafIndex: number;
  /** µs since the Unix epoch. */
  readonly receivedUs: number;
  readonly record: ChainedEvent;
}

/** A stored leaf whose record retention removed: the leaf's inputs instead (format.ts, PrunedSlot). */
export interface PrunedBundleEvent {
  readonly leafIndex: number;
  readonly receivedUs: number;
  readonly pruned: PrunedSlot;
}

export type BundleEvent = RecordBundleEvent | PrunedBundleEvent;

/** The hash of perfect node (level, index) of the log (merkle/node-id.ts), e.g. NodeStore.getNode. */
export type NodeHashLookup = (level: number, index: number) => Uint8Array;

export interface BuildBundleInput {
  /** The signed checkpoint note the bundle is proved against. */
  readonly checkpoint: string;
  /** The log's verifier key; the checkpoint must carry its signature. */
  readonly vkey: string;
  /** The selected events, in increasing leaf order, all below the checkpoint's size. */
  readonly events: Iterable<BundleEvent>;
  /** How many events `events` yields; needed for the header when it is not an array. */
  readonly eventCount?: number;
  readonly nodeHash: NodeHashLookup;
  /** When the bundle is made, µs since the Unix epoch (the caller's clock: core reads none). */
  readonly createdUs: number;
  readonly filter?: BundleFilter;
  /** A tree size the auditor already holds: a consistency proof from it to the checkpoint is added. */
  readonly consistencyFrom?: number;
}

function bad(reason: string, message: string, details: Record<string, unknown> = {}): never {
  throw new SeclogError('BUNDLE_INPUT_INVALID', message, { reason, ...details });
}

/** The lines of the bundle, each with its LF; join them for the file. */
export function* buildBundle(input: BuildBundleInput): Generator<string, void, undefined> {
  const { checkpoint } = openCheckpoint(input.checkpoint, {
    origin: parseOrigin(input.checkpoint),
    verifiers: [createNoteVerifier(input.vkey)],
  });
  const size = checkpoint.size;
  const filter = input.filter ?? {};
  const problem = filterProblem(filter);
  if (problem !== undefined) bad('filter', problem);
  const count =
    input.eventCount ??
    (Array.isArray(input.events) ? input.events.length : bad('count', 'eventCount is needed when events is not an array'));
  const from = input.consistencyFrom;
  if (from !== undefined && (!Number.isSafeInteger(from) || from < 1 || from > size)) {
    bad('consistency', `consistencyFrom must be in 1..${size} (got ${from})`);
  }
  const lookup = (level: number, index: number): Hash => {
    const h = input.nodeHash(level, index);
    if (!(h instanceof Uint8Array) || h.length !== 32)
      bad('node', `the node lookup gave no 32-byte hash for (${level}, ${index})`, { level, index });
    return h as Hash;
  };
  const digest = createHash('sha256');
  const emit = (line: string): string => {
    const l = `${line}\n`;
    digest.update(l);
    return l;
  };
  yield emit(
    headerLine({
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      origin: checkpoint.origin,
      vkey: input.vkey,
      created: eventTimeFromMicros(input.createdUs),
      checkpoint: input.checkpoint,
      filter,
      events: count,
      consistencyFrom: from ?? null,
    }),
  );
  const match = compileFilter(filter);
  const indexes: number[] = [];
  for (const ev of input.events) {
    const { leafIndex: i, receivedUs } = ev;
    const last = indexes[indexes.length - 1] ?? -1;
    if (!Number.isSafeInteger(i) || i <= last || i >= size)
      bad('order', `leaf index ${i} does not follow ${last} below the tree size ${size}`, { index: i });
    const pruned = 'pruned' in ev ? ev.pruned : undefined;
    const record = 'record' in ev ? ev.record : undefined;
    // A pruned leaf has no name: a name filter cannot select it.
    const selection =
      pruned === undefined
        ? match(i, receivedUs, record?.device?.id ?? '', record?.stream ?? '', record?.name ?? '')
        : match(i, receivedUs, pruned.deviceId, pruned.stream, '');
    if (selection === EXCLUDED) bad('filter', `the event at leaf ${i} is outside the filter`, { index: i });
    const text = record === undefined ? '' : canonicalize(record);
    const leaf =
      pruned === undefined
        ? leafHash(recordLeaf(record as ChainedEvent, receivedUs, text))
        : leafHash({
            deviceId: pruned.deviceId,
            stream: pruned.stream,
            seq: pruned.seq,
            chainHash: pruned.chainHash as Hash,
            receivedUs,
            recordDigest: pruned.recordDigest as Hash,
          });
    if (!equalHashes(leaf, lookup(0, i))) {
      throw new SeclogError('BUNDLE_LEAF_MISMATCH', `the stored leaf ${i} is not the leaf of the stored record`, { index: i });
    }
    indexes.push(i);
    yield emit(
      pruned === undefined
        ? eventLine(i, receivedUs, encodeBase64(leaf), text)
        : prunedEventLine(i, receivedUs, encodeBase64(leaf), pruned),
    );
  }
  if (indexes.length !== count) bad('count', `${indexes.length} events were given, ${count} announced`);
  const ids = batchProofNodes(indexes, size);
  yield emit(formatProofLine({ treeSize: size, ids, hashes: ids.map((id) => lookup(id.level, id.index)) }));
  if (from !== undefined) {
    const nodes = consistencyNodes(from, size);
    const proof = rehashProof(
      nodes,
      nodes.ids.map((id) => lookup(id.level, id.index)),
      hashChildren,
    );
    yield emit(formatConsistencyLine({ fromSize: from, toSize: size, proof }));
  }
  yield `${formatTrailerLine({ events: count, sha256: digest.digest('hex') })}\n`;
}

/** The origin line of a note, so the checkpoint is opened for the log it names (the key is what is checked). */
function parseOrigin(note: string): string {
  const nl = note.indexOf('\n');
  return nl < 0 ? note : note.slice(0, nl);
}
