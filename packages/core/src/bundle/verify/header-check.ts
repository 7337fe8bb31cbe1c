/**
 * The header line and the options it is checked against. Trust comes from
 * the options only: the pinned origin and verifier keys (LESSONS: pin the
 * log's identity on clients). The header's own vkey is what the exporter
 * claims signed; it must name a pinned key whose signature verified.
 */
import type { Checkpoint } from '../../checkpoint/checkpoint.js';
import { openCheckpoint } from '../../checkpoint/checkpoint.js';
import type { NoteVerifier } from '../../checkpoint/note-key.js';
import { createNoteVerifier, formatKeyId } from '../../checkpoint/note-key.js';
import { isSeclogError, SeclogError } from '../../errors.js';
import { isEventTime } from '../../time/rfc3339.js';
import { type BundleFailure, bundleFailure, type VerifyBundleOptions } from '../bundle-result.js';
import { type BundleFilter, type BundleHeader, compileFilter, type FilterMatch, filterProblem, isRangeOnly } from '../format.js';

export interface PreparedOptions {
  readonly verifiers: readonly NoteVerifier[];
  /** The pinned key strings, as given. */
  readonly verifierKeys: readonly string[];
  readonly origin: string;
  readonly trusted: Checkpoint | undefined;
  readonly sealKeys: ReadonlyMap<string, Uint8Array> | undefined;
}

function optionsError(reason: string, message: string): SeclogError {
  return new SeclogError('BUNDLE_OPTIONS_INVALID', message, { reason });
}

/** Parses the options once; throws BUNDLE_OPTIONS_INVALID (a usage error, not a verification failure). */
export function prepareOptions(opts: VerifyBundleOptions): PreparedOptions {
  if (typeof opts.origin !== 'string' || opts.origin === '') throw optionsError('origin', 'the pinned origin is missing');
  if (!Array.isArray(opts.verifierKeys) || opts.verifierKeys.length === 0)
    throw optionsError('keys', 'at least one pinned verifier key is needed');
  const verifiers: NoteVerifier[] = [];
  const seen = new Set<string>();
  for (const k of opts.verifierKeys) {
    let v: NoteVerifier;
    try {
      v = createNoteVerifier(k);
    } catch (err) {
      throw optionsError('key', `verifier key ${JSON.stringify(k)} is malformed: ${(err as Error).message}`);
    }
    const id = `${v.name}+${formatKeyId(v.keyId)}`;
    if (seen.has(id)) throw optionsError('key', `two verifier keys share the name and key ID ${id}`);
    seen.add(id);
    verifiers.push(v);
  }
  for (const [device, k0] of opts.sealKeys ?? []) {
    if (!(k0 instanceof Uint8Array) || k0.length !== 32) throw optionsError('seal_key', `the seal key of ${device} is not 32 bytes`);
  }
  let trusted: Checkpoint | undefined;
  if (opts.trustedCheckpoint !== undefined) {
    try {
      trusted = openCheckpoint(opts.trustedCheckpoint, { origin: opts.origin, verifiers }).checkpoint;
    } catch (err) {
      throw optionsError(
        'trusted_checkpoint',
        `the trusted checkpoint does not open under the pinned origin and keys: ${(err as Error).message}`,
      );
    }
    if (trusted.size === 0) throw optionsError('trusted_checkpoint', 'a trusted checkpoint of size 0 commits to nothing');
  }
  return { verifiers, verifierKeys: [...opts.verifierKeys], origin: opts.origin, trusted, sealKeys: opts.sealKeys };
}

export interface OpenedHeader {
  readonly header: BundleHeader;
  readonly checkpoint: Checkpoint;
  readonly keyId: string;
  readonly match: FilterMatch;
  /** The leaf range of a range-only filter, cut at the tree size: the bundle must hold all of it. */
  readonly range: readonly [number, number] | undefined;
}

const HEADER_KEYS = ['format', 'version', 'origin', 'vkey', 'created', 'checkpoint', 'filter', 'events', 'consistencyFrom'];

function headerProblem(h: Record<string, unknown>): string | undefined {
  const keys = Object.keys(h);
  if (keys.length !== HEADER_KEYS.length || HEADER_KEYS.some((k) => !(k in h)))
    return `the header members are not exactly ${HEADER_KEYS.join(', ')}`;
  for (const k of ['origin', 'vkey', 'checkpoint'] as const) if (typeof h[k] !== 'string') return `header ${k} is not a string`;
  if (typeof h.created !== 'string' || !isEventTime(h.created)) return 'header created is not an RFC 3339 UTC time with microseconds';
  if (!Number.isSafeInteger(h.events) || (h.events as number) < 0) return 'header events is not a count';
  const c = h.consistencyFrom;
  if (c !== null && (!Number.isSafeInteger(c) || (c as number) < 1)) return 'header consistencyFrom is neither null nor a positive size';
  return filterProblem(h.filter);
}

/** Opens the header: its checkpoint under the pinned keys and origin, its filter. */
export function openHeader(line: string, opts: PreparedOptions): OpenedHeader | BundleFailure {
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return bundleFailure('modified', 1, 'the header is not JSON');
  }
  const problem = typeof h === 'object' && h !== null && !Array.isArray(h) ? headerProblem(h) : 'the header is not an object';
  if (problem !== undefined) return bundleFailure('modified', 1, problem);
  const header = h as unknown as BundleHeader;
  let opened: ReturnType<typeof openCheckpoint>;
  try {
    opened = openCheckpoint(header.checkpoint, { origin: opts.origin, verifiers: opts.verifiers });
  } catch (err) {
    const message = (err as Error).message;
    if (isSeclogError(err, 'NOTE_SIGNATURE_INVALID')) return bundleFailure('bad_signature', 1, `checkpoint: ${message}`);
    if (isSeclogError(err, 'NOTE_UNVERIFIED'))
      return bundleFailure('unknown_key', 1, 'the checkpoint carries no signature from a pinned key');
    if (isSeclogError(err, 'CHECKPOINT_ORIGIN_MISMATCH')) return bundleFailure('unknown_key', 1, `checkpoint: ${message}`);
    return bundleFailure('modified', 1, `the checkpoint is malformed: ${message}`);
  }
  const { checkpoint, note } = opened;
  if (header.origin !== checkpoint.origin) return bundleFailure('modified', 1, 'the header origin is not the checkpoint origin');
  let claimed: NoteVerifier;
  try {
    claimed = createNoteVerifier(header.vkey);
  } catch {
    return bundleFailure('modified', 1, 'the header vkey is not a verifier key');
  }
  const sig = note.verified.find((s) => s.name === claimed.name && s.keyId === claimed.keyId);
  if (sig === undefined || !opts.verifierKeys.includes(header.vkey))
    return bundleFailure('modified', 1, 'the header vkey is not a pinned key whose signature on the checkpoint verified');
  const filter: BundleFilter = header.filter;
  return {
    header,
    checkpoint,
    keyId: formatKeyId(sig.keyId),
    match: compileFilter(filter),
    // A range reaching past the tree asks for every leaf from its start on; only the leaves the tree holds can be owed.
    range: filter.leaves !== undefined && isRangeOnly(filter) ? [filter.leaves[0], Math.min(filter.leaves[1], checkpoint.size)] : undefined,
  };
}
