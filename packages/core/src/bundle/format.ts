/**
 * The export bundle format `seclog-bundle/v1`: JSON Lines (UTF-8, LF), so it
 * streams both ways. Every line is one JSON object whose first member names
 * its kind; the exporter writes exactly the member order shown, and the
 * verifier requires it for event lines (docs/protocol.md §8):
 *
 *   {"format":"seclog-bundle","version":1,"origin":…,"vkey":…,"created":…,
 *    "checkpoint":…,"filter":{…},"events":N,"consistencyFrom":M|null}     header
 *   {"leafIndex":L,"receivedUs":T,"leafHash":"<b64>","record":{…}}        N event lines, L increasing
 *   {"proof":{"treeSize":S,"nodes":[[level,index,"<b64>"],…]}}            batch inclusion proof
 *   {"consistency":{"fromSize":M,"toSize":S,"proof":["<b64>",…]}}         only when M is not null
 *   {"trailer":{"events":N,"sha256":"<hex>"}}                             SHA-256 of all lines above
 */
import { SeclogError } from '../errors.js';

export const BUNDLE_FORMAT = 'seclog-bundle';
export const BUNDLE_VERSION = 1;
/** The collector's record of a gap in a device stream (catalogue: logging). */
export const LOG_GAP_EVENT = 'log_gap';
/** Every header starts so; a reader can tell a bundle and its version before parsing anything. */
export const HEADER_PREFIX = `{"format":"${BUNDLE_FORMAT}","version":`;

/**
 * What the export selected. Each criterion narrows the selection; absent ones
 * select everything. `log_gap` records are exempt from all of them: an
 * exporter adds those that explain gaps in the selected streams.
 */
export interface BundleFilter {
  /** Leaf index range [begin, end). Alone, it makes the bundle provably complete: every leaf of the range is in it. */
  readonly leaves?: readonly [number, number];
  /** Receive-time range [fromUs, toUs), µs since the Unix epoch. */
  readonly receivedUs?: readonly [number, number];
  readonly devices?: readonly string[];
  readonly streams?: readonly string[];
  /** Event names. A name filter leaves gaps in streams, so the verifier accepts any gap under one. */
  readonly names?: readonly string[];
}

export interface BundleHeader {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: typeof BUNDLE_VERSION;
  readonly origin: string;
  /** The log's verifier key (name+hex8+base64), for the reader; trust comes from the pinned keys only. */
  readonly vkey: string;
  /** RFC 3339 UTC with microseconds. */
  readonly created: string;
  /** The signed checkpoint note the bundle is proved against. */
  readonly checkpoint: string;
  readonly filter: BundleFilter;
  readonly events: number;
  readonly consistencyFrom: number | null;
}

/** The event line layout, up to the record (which runs to the line's final `}`). */
export const EVENT_LINE_RE =
  /^\{"leafIndex":(0|[1-9][0-9]{0,15}),"receivedUs":(0|[1-9][0-9]{0,15}),"leafHash":"([A-Za-z0-9+/]{43}=)","record":/;

export type LineKind = 'header' | 'event' | 'proof' | 'consistency' | 'trailer';

const PREFIXES: readonly [string, LineKind][] = [
  ['{"leafIndex":', 'event'],
  ['{"format":', 'header'],
  ['{"proof":', 'proof'],
  ['{"consistency":', 'consistency'],
  ['{"trailer":', 'trailer'],
];

/** The kind a line claims by its first member, or undefined. */
export function lineKind(line: string): LineKind | undefined {
  for (const [prefix, kind] of PREFIXES) if (line.startsWith(prefix)) return kind;
  return undefined;
}

export function eventLine(leafIndex: number, receivedUs: number, leafHashB64: string, canonicalRecord: string): string {
  return `{"leafIndex":${leafIndex},"receivedUs":${receivedUs},"leafHash":"${leafHashB64}","record":${canonicalRecord}}`;
}

/**
 * A leaf whose record retention removed (the collector keeps the leaf's inputs): the event line
 * carries them instead of the record, so the leaf still verifies and the reader learns when the
 * record went. Members in this order, hashes in base64:
 *   {"leafIndex":L,"receivedUs":T,"leafHash":"<b64>","pruned":{"at":"<RFC 3339>"|null,
 *    "device":"…","stream":"…","seq":N,"chainHash":"<b64>","digest":"<b64>"}}
 */
export const PRUNED_LINE_RE =
  /^\{"leafIndex":(0|[1-9][0-9]{0,15}),"receivedUs":(0|[1-9][0-9]{0,15}),"leafHash":"([A-Za-z0-9+/]{43}=)","pruned":/;

/** What a pruned leaf keeps: the inputs of its leaf, and when retention removed the record. */
export interface PrunedSlot {
  /** RFC 3339 UTC time of the pruning, when the store knows it. */
  readonly at: string | null;
  readonly deviceId: string;
  readonly stream: string;
  readonly seq: number;
  readonly chainHash: Uint8Array;
  readonly recordDigest: Uint8Array;
}

export function prunedEventLine(leafIndex: number, receivedUs: number, leafHashB64: string, p: PrunedSlot): string {
  const b64 = (h: Uint8Array) => Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('base64');
  const body = JSON.stringify({
    at: p.at,
    device: p.deviceId,
    stream: p.stream,
    seq: p.seq,
    chainHash: b64(p.chainHash),
    digest: b64(p.recordDigest),
  });
  return `{"leafIndex":${leafIndex},"receivedUs":${receivedUs},"leafHash":"${leafHashB64}","pruned":${body}}`;
}

const isSafeNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isRange = (v: unknown): v is [number, number] =>
  Array.isArray(v) && v.length === 2 && isSafeNat(v[0]) && isSafeNat(v[1]) && v[0] <= v[1];

/** Why `f` (from an untrusted header) is not a filter, or undefined. */
export function filterProblem(f: unknown): string | undefined {
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return 'filter is not an object';
  for (const [k, v] of Object.entries(f)) {
    if (k === 'leaves' || k === 'receivedUs') {
      if (!isRange(v)) return `filter.${k} is not a range [begin, end) of safe integers`;
    } else if (k === 'devices' || k === 'streams' || k === 'names') {
      if (!isStringList(v)) return `filter.${k} is not a list of strings`;
    } else return `filter.${k} is not a known criterion`;
  }
  return undefined;
}

/** How the filter takes an event: not at all, by its criteria, or only as the explanation of a gap (a log_gap record). */
export const EXCLUDED = 0;
export const SELECTED = 1;
export const EXPLANATION = 2;
export type Selection = typeof EXCLUDED | typeof SELECTED | typeof EXPLANATION;

export type FilterMatch = (leafIndex: number, receivedUs: number, deviceId: string, stream: string, name: string) => Selection;

/** The filter compiled once: sets instead of list scans, criteria that are absent cost nothing. */
export function compileFilter(f: BundleFilter): FilterMatch {
  const tests: ((i: number, t: number) => boolean)[] = [];
  const [lb, le] = f.leaves ?? [0, 0];
  const [rb, re] = f.receivedUs ?? [0, 0];
  if (f.leaves) tests.push((i) => i >= lb && i < le);
  if (f.receivedUs) tests.push((_, t) => t >= rb && t < re);
  const set = (list: readonly string[] | undefined) => (list === undefined ? undefined : new Set(list));
  const devices = set(f.devices);
  const streams = set(f.streams);
  const names = set(f.names);
  return (i, t, device, stream, name) => {
    let ok = (!devices || devices.has(device)) && (!streams || streams.has(stream)) && (!names || names.has(name));
    for (let k = 0; ok && k < tests.length; k++) ok = (tests[k] as (i: number, t: number) => boolean)(i, t);
    if (ok) return SELECTED;
    return name === LOG_GAP_EVENT ? EXPLANATION : EXCLUDED;
  };
}

/** The filter is a bare leaf range: then the bundle must hold every leaf of it. */
export function isRangeOnly(f: BundleFilter): boolean {
  return f.leaves !== undefined && Object.keys(f).length === 1;
}

export function headerLine(h: BundleHeader): string {
  return JSON.stringify({
    format: h.format,
    version: h.version,
    origin: h.origin,
    vkey: h.vkey,
    created: h.created,
    checkpoint: h.checkpoint,
    filter: h.filter,
    events: h.events,
    consistencyFrom: h.consistencyFrom,
  });
}

/**
 * Throws unless `line` starts like a bundle header of a version this code
 * reads: a file that is no bundle, or a newer one, is a usage error, not
 * tampering. Whatever follows the version is checked as bundle content.
 */
export function checkFormat(line: string): void {
  if (!line.startsWith(HEADER_PREFIX)) {
    throw new SeclogError('BUNDLE_FORMAT_INVALID', 'the first line is not a seclog-bundle header');
  }
  const version = /^[0-9]+/.exec(line.slice(HEADER_PREFIX.length))?.[0];
  if (version !== String(BUNDLE_VERSION)) {
    throw new SeclogError('BUNDLE_VERSION_UNSUPPORTED', `bundle version ${version ?? '?'} is not supported (this verifier reads 1)`, {
      version: version === undefined ? null : Number(version),
    });
  }
}
