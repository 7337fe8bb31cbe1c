/**
 * Reading a bundle line by line (docs/protocol.md §9, steps 1–6). Each event
 * line is read and hashed once (event-line.ts); what can be decided on a
 * line is noted with that line. What only the whole bundle can decide is
 * kept for conclude.ts: where lines left leaf order, a leaf beyond the tree
 * or outside the filter (an edited index reads as either, and the proof's
 * leaf set tells), the stream breaks and gaps, the proof and the trailer.
 */
import type { KnownSubtree } from '../batch-proof.js';
import { type BundleFailure, bundleFailure, earlier } from '../bundle-result.js';
import { checkFormat, EXCLUDED, EXPLANATION, HEADER_PREFIX, type LineKind, lineKind } from '../format.js';
import {
  type ConsistencyLine,
  type ProofLine,
  readConsistencyLine,
  readProofLine,
  readTrailerLine,
  type TrailerLine,
} from '../tail-lines.js';
import { type EventLine, readEventLine } from './event-line.js';
import { type OpenedHeader, openHeader, type PreparedOptions } from './header-check.js';
import { KeptEvents } from './kept-events.js';
import { SealChecks } from './seal-check.js';
import { StreamChecks } from './stream-check.js';

/** SHA-256 over the lines before the trailer, each with its LF. */
export interface LineDigest {
  add(line: string): void;
  hex(): string;
}

type Phase = 'events' | 'proof' | 'consistency' | 'done';

export class BundleReader {
  readonly opts: PreparedOptions;
  readonly seals: SealChecks;
  readonly streams: StreamChecks;
  readonly #digest: LineDigest;
  kept = new KeptEvents();
  /** Lines read so far. */
  lines = 0;
  phase: Phase = 'events';
  header: OpenedHeader | undefined;
  /** The first failure found on a line itself. */
  first: BundleFailure | null = null;
  /** The last line that could not be read as any bundle line. */
  unreadable = 0;
  /** The line cut short (a text not ending in LF before the trailer). */
  partialLine = 0;
  /** Position of the first event whose leaf index does not exceed the one before. */
  disorderAt = -1;
  rangeNext = 0;
  rangeGap: BundleFailure | null = null;
  beyond: BundleFailure | null = null;
  excluded: BundleFailure | null = null;
  proof: (ProofLine & { line: number }) | undefined;
  consistency: (ConsistencyLine & { line: number }) | undefined;
  trailer: (TrailerLine & { line: number; digestOk: boolean }) | undefined;

  /** Subtree hashes folded elsewhere from the same leaves (BundleVerifierHooks.subtree). */
  readonly knownSubtree: KnownSubtree | undefined;

  constructor(opts: PreparedOptions, digest: LineDigest, knownSubtree?: KnownSubtree) {
    this.opts = opts;
    this.#digest = digest;
    this.knownSubtree = knownSubtree;
    this.seals = new SealChecks(opts.sealKeys);
    this.streams = new StreamChecks(this.seals, (pos) => this.kept.chainHash(pos));
  }

  #fail(f: BundleFailure): void {
    this.first = earlier(this.first, f);
  }

  push(line: string): void {
    const n = ++this.lines;
    if (n === 1) {
      this.#header(line);
      return;
    }
    // Nothing can come before a failure of the header; nothing follows a cut line.
    if (this.first?.line === 1 || this.partialLine > 0) return;
    if (this.phase === 'done') {
      this.#fail(bundleFailure('inserted', n, 'a line after the trailer'));
      return;
    }
    const kind = lineKind(line);
    if (kind === 'trailer') {
      this.#trailerLine(line, n);
      return;
    }
    this.#digest.add(line);
    this.#body(kind, line, n);
  }

  /**
   * An event line read elsewhere by readEventLine (another thread): the same
   * as push(line) for a line that claims to be an event, without reading it
   * again. The caller's LineDigest must account for the line's bytes.
   */
  pushRead(read: EventLine | string): void {
    const n = ++this.lines;
    if (n === 1) {
      // A header cannot be pre-read: this is no bundle.
      checkFormat('');
      return;
    }
    if (this.first?.line === 1 || this.partialLine > 0) return;
    if (this.phase === 'done') this.#fail(bundleFailure('inserted', n, 'a line after the trailer'));
    else if (this.phase !== 'events') this.#fail(bundleFailure('inserted', n, 'a event line where none belongs'));
    else this.#eventRead(read, n);
  }

  #body(kind: LineKind | undefined, line: string, n: number): void {
    if (kind === 'event' && this.phase === 'events') this.#eventRead(readEventLine(line), n);
    else if (kind === 'proof' && this.phase === 'events') this.#proofLine(line, n);
    else if (kind === 'consistency' && this.phase !== 'consistency') {
      if (this.phase === 'events') this.#fail(bundleFailure('deleted', n, 'the batch proof line is missing before this line'));
      this.#consistencyLine(line, n);
    } else if (kind === undefined) {
      this.unreadable = n;
      this.#fail(bundleFailure('modified', n, 'the line is not a bundle line'));
    } else this.#fail(bundleFailure('inserted', n, `a ${kind} line where none belongs`));
  }

  /** The last segment of a text without its final LF: a cut line, or garbage after the trailer. */
  partial(line: string): void {
    const n = ++this.lines;
    if (n === 1 && !(HEADER_PREFIX.startsWith(line) || line.startsWith(HEADER_PREFIX))) checkFormat(line);
    if (this.phase === 'done') this.#fail(bundleFailure('inserted', n, 'bytes after the trailer'));
    else this.partialLine = n;
  }

  #header(line: string): void {
    checkFormat(line);
    this.#digest.add(line);
    const h = openHeader(line, this.opts);
    if ('ok' in h) {
      this.#fail(h);
      return;
    }
    this.header = h;
    this.kept = new KeptEvents(h.header.events);
    this.rangeNext = h.range?.[0] ?? 0;
  }

  #eventRead(ev: EventLine | string, n: number): void {
    if (typeof ev === 'string') {
      this.unreadable = n;
      this.#fail(bundleFailure('modified', n, ev));
      return;
    }
    const h = this.header as OpenedHeader;
    const rec = ev.record;
    const at = { index: ev.leafIndex, seq: rec.seq, deviceId: ev.deviceId, stream: rec.stream };
    const size = h.checkpoint.size;
    if (ev.leafIndex >= size && this.beyond === null) {
      this.beyond = bundleFailure('inserted', n, `leaf ${ev.leafIndex} is beyond the tree of ${size} leaves`, at);
    }
    const selection = h.match(ev.leafIndex, ev.receivedUs, ev.deviceId, rec.stream, rec.name);
    if (selection === EXCLUDED && this.excluded === null) {
      this.excluded = bundleFailure('inserted', n, 'the export filter excludes this event', at);
    }
    const kept = this.kept;
    if (this.disorderAt < 0 && kept.count > 0 && ev.leafIndex <= kept.index(kept.count - 1)) this.disorderAt = kept.count;
    if (h.range !== undefined && ev.leafIndex >= h.range[0] && ev.leafIndex < h.range[1]) {
      if (ev.leafIndex > this.rangeNext && this.rangeGap === null) {
        this.rangeGap = bundleFailure('deleted', n, `leaf ${this.rangeNext} of the exported range is missing`, { index: this.rangeNext });
      }
      this.rangeNext = Math.max(this.rangeNext, ev.leafIndex + 1);
    }
    const pos = kept.push(ev.leafIndex, n, ev.leafHash, ev.chainHash);
    const sealFailure = this.streams.add(ev, n, selection === EXPLANATION, pos);
    if (sealFailure !== null) this.#fail(sealFailure);
  }

  #proofLine(line: string, n: number): void {
    this.phase = 'proof';
    const p = readProofLine(line);
    const size = (this.header as OpenedHeader).checkpoint.size;
    if (typeof p === 'string') this.#fail(bundleFailure('modified', n, p));
    else if (p.treeSize !== size)
      this.#fail(bundleFailure('modified', n, `the proof is for a tree of ${p.treeSize}, the checkpoint's has ${size}`));
    else this.proof = { ...p, line: n };
  }

  #consistencyLine(line: string, n: number): void {
    this.phase = 'consistency';
    const h = this.header as OpenedHeader;
    const c = readConsistencyLine(line);
    if (h.header.consistencyFrom === null) this.#fail(bundleFailure('inserted', n, 'a consistency line the header does not announce'));
    else if (typeof c === 'string') this.#fail(bundleFailure('modified', n, c));
    else if (c.fromSize !== h.header.consistencyFrom || c.toSize !== h.checkpoint.size) {
      this.#fail(bundleFailure('modified', n, 'the consistency sizes are not the header’s and the checkpoint’s'));
    } else this.consistency = { ...c, line: n };
  }

  #trailerLine(line: string, n: number): void {
    const h = this.header as OpenedHeader;
    if (this.phase === 'events') this.#fail(bundleFailure('deleted', n, 'the batch proof line is missing before the trailer'));
    else if (h.header.consistencyFrom !== null && this.phase !== 'consistency') {
      this.#fail(bundleFailure('deleted', n, 'the consistency line the header announces is missing'));
    }
    this.phase = 'done';
    const t = readTrailerLine(line);
    if (typeof t === 'string') this.#fail(bundleFailure('modified', n, t));
    else this.trailer = { ...t, line: n, digestOk: t.sha256 === this.#digest.hex() };
  }
}
