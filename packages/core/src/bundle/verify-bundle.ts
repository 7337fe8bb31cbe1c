/**
 * Offline verification of an export bundle (docs/protocol.md §9): one pass
 * over the lines (bundle-reader.ts), then the conclusions only the whole
 * bundle allows (conclude.ts). All lines are read, and the failure reported
 * is the first in file order among everything found; a usage problem (not a
 * bundle, an unknown version, unusable options, a consistency proof the
 * options ask for and the bundle lacks) throws instead.
 */
import { type Hash as CryptoHash, createHash, hash } from 'node:crypto';
import { SeclogError } from '../errors.js';
import type { KnownSubtree } from './batch-proof.js';
import type { BundleVerification, VerifyBundleOptions } from './bundle-result.js';
import { BundleReader, type LineDigest } from './verify/bundle-reader.js';
import { conclude } from './verify/conclude.js';
import type { EventLine } from './verify/event-line.js';
import { prepareOptions } from './verify/header-check.js';

export interface BundleVerifier {
  /** The next line of the bundle, without its LF. */
  push(line: string): void;
  /**
   * The next line, an event line already read by readEventLine (e.g. on a
   * worker thread, so lines are read in parallel): what push(line) does with
   * it, without reading it again. Only with a `digest` hook that hashes the
   * line's bytes itself.
   */
  pushRead(read: EventLine | string): void;
  /** The file's last bytes when they do not end in LF (a cut line, or bytes after the trailer); then end(). */
  partial(line: string): void;
  /** No more lines: the summary, or the first failure in file order. */
  end(): BundleVerification;
}

/**
 * The trailer digest from outside: `add` gets each line before the trailer
 * (which a byte-level hasher may ignore), `hex` is asked once, when the
 * trailer line is read, for SHA-256 of every byte before that line.
 */
export type BundleLineDigest = LineDigest;

export interface BundleVerifierHooks {
  readonly digest?: BundleLineDigest;
  /**
   * Hashes of perfect subtrees already folded from leaves of lines pushed
   * with pushRead (by the thread that read them), so the root is rebuilt
   * from those instead of from every leaf. Asked only for subtrees whose
   * every leaf is in the bundle, once the lines are in leaf order.
   */
  readonly subtree?: KnownSubtree;
}

/** For lines pushed one by one: fed to one hash in 64 KiB strings, not a call per line. */
class IncrementalDigest implements LineDigest {
  readonly #h: CryptoHash = createHash('sha256');
  #pending = '';
  add(line: string): void {
    this.#pending += `${line}\n`;
    if (this.#pending.length >= 65536) {
      this.#h.update(this.#pending);
      this.#pending = '';
    }
  }
  hex(): string {
    this.#h.update(this.#pending);
    return this.#h.digest('hex');
  }
}

/** For a whole text: one hash call over the prefix, when the trailer is reached. */
class TextDigest implements LineDigest {
  #end = 0;
  constructor(readonly text: string) {}
  add(line: string): void {
    this.#end += line.length + 1;
  }
  hex(): string {
    return hash('sha256', this.text.slice(0, this.#end), 'hex');
  }
}

/** An incremental verifier: push lines as they are read (e.g. from a stream), then end(). */
export function createBundleVerifier(opts: VerifyBundleOptions, hooks: BundleVerifierHooks = {}): BundleVerifier {
  const external = hooks.digest !== undefined;
  const reader = new BundleReader(prepareOptions(opts), hooks.digest ?? new IncrementalDigest(), hooks.subtree);
  return {
    push: (line) => reader.push(line),
    pushRead: (read) => {
      if (!external) throw new SeclogError('BUNDLE_OPTIONS_INVALID', 'pushRead needs a digest hook', { reason: 'digest' });
      reader.pushRead(read);
    },
    partial: (line) => reader.partial(line),
    end: () => conclude(reader),
  };
}

/**
 * Verify a whole bundle: its text, or its lines (with or without their LF).
 * Throws BUNDLE_FORMAT_INVALID, BUNDLE_VERSION_UNSUPPORTED,
 * BUNDLE_OPTIONS_INVALID or BUNDLE_CONSISTENCY_MISSING; every integrity
 * finding is returned as a value.
 */
export function verifyBundle(input: string | Iterable<string>, opts: VerifyBundleOptions): BundleVerification {
  const prepared = prepareOptions(opts);
  if (typeof input !== 'string') {
    const reader = new BundleReader(prepared, new IncrementalDigest());
    for (const l of input) reader.push(l.endsWith('\n') ? l.slice(0, -1) : l);
    return conclude(reader);
  }
  const reader = new BundleReader(prepared, new TextDigest(input));
  let at = 0;
  while (at < input.length) {
    const nl = input.indexOf('\n', at);
    if (nl < 0) {
      reader.partial(input.slice(at));
      break;
    }
    reader.push(input.slice(at, nl));
    at = nl + 1;
  }
  return conclude(reader);
}
