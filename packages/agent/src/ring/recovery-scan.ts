/**
 * The recovery scan at open: read the data area once around the circle,
 * find every frame that belongs to this ring, and decide which records are
 * retained. It never trusts the state slots for positions (they may be one
 * batch old); they only pick which payloads need their CRC checked.
 *
 * 1. Walk frame by frame from a start position; where no valid frame starts,
 *    search for the next magic (resync). A header is valid when its magic,
 *    header CRC and ring id match; a record also needs a good payload CRC
 *    where a power cut can have torn it (see `verifyPayload`).
 * 2. Group frames into chains: frames that touch (one starts where the
 *    previous ends) with seqs that continue (+1, or a declared gap).
 * 3. Keep the chains that form one run around the circle: start from the
 *    chain holding the highest durable seq, then take chains of lower seqs
 *    only if they lie, in circle order, before what is already taken and
 *    after the newest record's end; then records written since the last
 *    state write, forward into free space only. A frame left over from an
 *    older lap (still intact because a torn write did not reach it) lies
 *    inside the newer run's span and is left out; a corrupt record between
 *    two kept chains becomes a reported gap.
 *
 * Why it is sound: the ring writes forward from the head, so in any state a
 * power cut leaves behind, the retained records lie on the circle in seq
 * order from the tail to the head, with at most one descent (head → tail).
 * Records are only removed by overwriting, and an overwrite reaches a frame's
 * header first, so an intact old header means an untouched old frame — except
 * in the region written since the last fsync, where pages may reach the disk
 * out of order; every payload there is CRC-checked.
 */
import { crc32c } from './crc32c.js';
import { FLAG_GAP_BEFORE, FRAME_HEADER_BYTES, type FrameHeader, KIND_PAD, KIND_RECORD, newFrameHeader, readFrameHeader } from './frame.js';
import type { RingFile } from './ring-file.js';
import { ScanWindow } from './scan-window.js';

export interface ScanInput {
  readonly file: RingFile;
  readonly ringId: number;
  /** Largest record payload a frame may declare (larger is taken as damage). */
  readonly maxPayloadBytes: number;
  /** Data position to begin reading at: the slot's tail when known (usually a frame boundary), else 0. */
  readonly startPos: number;
  /** Payload CRCs are checked everywhere when true, else only in the arc [arcStart, arcStart + arcBytes). */
  readonly verifyAll: boolean;
  readonly arcStart: number;
  readonly arcBytes: number;
  readonly ackedSeq: number;
  /** The newest seq the last state write had on disk (Infinity when unknown): what may be given up for what. */
  readonly durableUpTo: number;
  /** The oldest seq the last state write retained (0 when unknown): anything older is stale. */
  readonly tailFrom: number;
  /** One index checkpoint at least every this many bytes of retained records. */
  readonly indexStrideBytes: number;
  readonly windowBytes?: number;
}

/** A run of touching frames with continuing seqs; positions are data positions. */
export interface Chain {
  startPos: number;
  endPos: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  records: number;
  /** Index checkpoints: seq, pos pairs (the first record is always one). */
  checkpoints: number[];
  /** First record with seq above the acknowledged mark, or -1. */
  firstUnackedPos: number;
  firstUnackedSeq: number;
}

export interface ScanGap {
  readonly fromPos: number;
  readonly toPos: number;
  readonly fromSeq: number;
  readonly toSeq: number;
}

export interface ScanResult {
  /** Retained chains, oldest first. Empty when no record was found. */
  readonly chains: Chain[];
  /** Damaged ranges between retained chains, oldest first (bytes to pad, seqs lost). */
  readonly gaps: ScanGap[];
  /** Seqs of records newer than the newest retained one whose header survived but payload did not (a torn write). */
  readonly tornFromSeq: number;
  readonly tornToSeq: number;
  readonly bytesRead: number;
  readonly payloadBytesVerified: number;
  readonly framesFound: number;
  readonly chainsDropped: number;
  /** Largest record payload among the frames found. */
  readonly largestPayload: number;
}

interface OpenChain extends Chain {
  startV: number;
  endV: number;
  firstFrameV: number;
  frameEndV: number;
  lastRecordV: number;
  lastCheckpointV: number;
  firstRecordGap: boolean;
  leadingPad: boolean;
  padSinceRecord: boolean;
  firstUnackedV: number;
  /** Checkpoints in virtual offsets until the chain is closed. */
  vCheckpoints: number[];
}

const DEFAULT_WINDOW_BYTES = 4 * 1024 * 1024;

export function scanRing(input: ScanInput): ScanResult {
  const { file, ringId, maxPayloadBytes } = input;
  const cap = file.capacity;
  const maxFrame = FRAME_HEADER_BYTES + maxPayloadBytes;
  const win = new ScanWindow(file, input.startPos, maxFrame, input.windowBytes ?? DEFAULT_WINDOW_BYTES);
  const h: FrameHeader = newFrameHeader();
  const chains: OpenChain[] = [];
  let cur: OpenChain | null = null;
  let verified = 0;
  let frames = 0;
  let tornFrom = 0;
  let tornTo = 0;
  let largest = 0;
  // Where, in virtual offsets, the payload-check arc lies (it may wrap past the scan's end).
  const arcV = (((input.arcStart - input.startPos) % cap) + cap) % cap;

  const { verifyAll, arcBytes, tailFrom } = input;

  let v = 0;
  while (v < cap) {
    // The window's fast path inline: this loop runs once per record of the ring (~3 million per GiB).
    let off = v - win.base;
    if (off < 0 || off + FRAME_HEADER_BYTES > win.len) off = win.ensure(v, FRAME_HEADER_BYTES);
    if (readFrameHeader(win.buf, off, h) && h.ringId === ringId && lengthFits(h, maxPayloadBytes, cap)) {
      const frameLen = FRAME_HEADER_BYTES + h.length;
      let good = true;
      if (h.kind === KIND_RECORD && (verifyAll || (v - arcV + cap) % cap < arcBytes)) {
        off = win.ensure(v, frameLen);
        good = crc32c(win.buf, off + FRAME_HEADER_BYTES, off + frameLen) === h.payloadCrc;
        verified += h.length;
      }
      if (good && h.kind === KIND_RECORD && h.seq < tailFrom) {
        // Older than the durable tail: a stale copy brought back by a page that was never rewritten. It joins no run.
        if (cur !== null && cur.records > 0) chains.push(cur);
        cur = null;
        v += frameLen;
        continue;
      }
      if (good) {
        frames++;
        if (h.kind === KIND_RECORD && h.length > largest) largest = h.length;
        if (cur === null || v !== cur.frameEndV || !continues(cur, h)) {
          if (cur !== null && cur.records > 0) chains.push(cur);
          cur = openChain(v);
        }
        addFrame(cur, v, frameLen, h, input);
        v += frameLen;
        continue;
      }
      // The header made it to disk and the payload did not: a torn record.
      if (tornFrom === 0 || h.seq < tornFrom) tornFrom = h.seq;
      if (h.seq > tornTo) tornTo = h.seq;
    }
    v = win.findMagic(v + 1, cap);
  }
  if (cur !== null && cur.records > 0) chains.push(cur);
  mergeAcrossStart(chains, cap);

  const picked = pickRetained(chains, cap, input.durableUpTo);
  const toPos = (x: number): number => (input.startPos + x) % cap;
  const out: Chain[] = picked.chains.map((c) => ({
    startPos: toPos(c.startV),
    endPos: toPos(c.endV),
    bytes: c.endV - c.startV,
    firstSeq: c.firstSeq,
    lastSeq: c.lastSeq,
    records: c.records,
    checkpoints: c.vCheckpoints.map((x, i) => (i % 2 === 0 ? x : toPos(x))),
    firstUnackedPos: c.firstUnackedV < 0 ? -1 : toPos(c.firstUnackedV),
    firstUnackedSeq: c.firstUnackedSeq,
  }));
  const gaps = picked.gaps.map((g) => ({ fromPos: toPos(g.fromV), toPos: toPos(g.toV), fromSeq: g.fromSeq, toSeq: g.toSeq }));
  const newest = out.length > 0 ? (out[out.length - 1] as Chain).lastSeq : 0;
  const tornFromSeq = Math.max(tornFrom, newest + 1);
  return {
    chains: out,
    gaps,
    tornFromSeq: tornTo > newest ? tornFromSeq : 0,
    tornToSeq: tornTo > newest ? tornTo : 0,
    bytesRead: win.bytesRead,
    payloadBytesVerified: verified,
    framesFound: frames,
    chainsDropped: chains.length - picked.chains.length,
    largestPayload: largest,
  };
}

function lengthFits(h: FrameHeader, maxPayload: number, cap: number): boolean {
  if (h.kind === KIND_RECORD) return h.length <= maxPayload && h.seq > 0 && Number.isSafeInteger(h.seq);
  return h.length <= cap - FRAME_HEADER_BYTES;
}

function openChain(v: number): OpenChain {
  return {
    startPos: 0,
    endPos: 0,
    bytes: 0,
    firstSeq: 0,
    lastSeq: 0,
    records: 0,
    checkpoints: [],
    firstUnackedPos: -1,
    firstUnackedSeq: 0,
    startV: v,
    endV: v,
    firstFrameV: v,
    frameEndV: v,
    lastRecordV: v,
    lastCheckpointV: v,
    firstRecordGap: false,
    leadingPad: false,
    padSinceRecord: false,
    firstUnackedV: -1,
    vCheckpoints: [],
  };
}

function continues(c: OpenChain, h: FrameHeader): boolean {
  if (h.kind === KIND_PAD || c.records === 0) return true;
  if (h.seq === c.lastSeq + 1) return true;
  return h.seq > c.lastSeq && ((h.flags & FLAG_GAP_BEFORE) !== 0 || c.padSinceRecord);
}

function addFrame(c: OpenChain, v: number, frameLen: number, h: FrameHeader, input: ScanInput): void {
  c.frameEndV = v + frameLen;
  if (h.kind === KIND_PAD) {
    if (c.records === 0) c.leadingPad = true;
    else c.padSinceRecord = true;
    return;
  }
  if (c.records === 0) {
    c.startV = v;
    c.firstSeq = h.seq;
    c.firstRecordGap = (h.flags & FLAG_GAP_BEFORE) !== 0;
    c.vCheckpoints.push(h.seq, v);
    c.lastCheckpointV = v;
  } else if (v - c.lastCheckpointV >= input.indexStrideBytes) {
    c.vCheckpoints.push(h.seq, v);
    c.lastCheckpointV = v;
  }
  if (c.firstUnackedV < 0 && h.seq > input.ackedSeq) {
    c.firstUnackedV = v;
    c.firstUnackedSeq = h.seq;
  }
  c.lastSeq = h.seq;
  c.lastRecordV = v;
  c.endV = v + frameLen;
  c.records++;
  c.padSinceRecord = false;
}

/** The scan may have started inside a chain: then its last chain continues into its first. */
function mergeAcrossStart(chains: OpenChain[], cap: number): void {
  if (chains.length < 2) return;
  const last = chains[chains.length - 1] as OpenChain;
  const first = chains[0] as OpenChain;
  if (last.frameEndV - cap !== first.firstFrameV) return;
  const joins =
    first.firstSeq === last.lastSeq + 1 ||
    (first.firstSeq > last.lastSeq && (first.firstRecordGap || first.leadingPad || last.padSinceRecord));
  if (!joins) return;
  for (let i = 0; i < first.vCheckpoints.length; i += 2)
    last.vCheckpoints.push(first.vCheckpoints[i] as number, (first.vCheckpoints[i + 1] as number) + cap);
  last.lastSeq = first.lastSeq;
  last.endV = first.endV + cap;
  last.lastRecordV = first.lastRecordV + cap;
  last.frameEndV = first.frameEndV + cap;
  last.records += first.records;
  last.padSinceRecord = first.padSinceRecord;
  if (last.firstUnackedV < 0 && first.firstUnackedV >= 0) {
    last.firstUnackedV = first.firstUnackedV + cap;
    last.firstUnackedSeq = first.firstUnackedSeq;
  }
  chains.shift();
}

interface VGap {
  fromV: number;
  toV: number;
  fromSeq: number;
  toSeq: number;
}

/**
 * Step 3 of the module comment. Durable chains (holding a seq the last state
 * write had on disk) are placed first, from the newest back; chains written
 * after that state write may only extend the run forward from its newest
 * record into free space. So when a torn append landed out of order, an
 * intact durable record is never given up for a record that was never
 * durable. Returns the kept chains oldest first, and the gaps between them.
 */
function pickRetained(chains: OpenChain[], cap: number, durableUpTo: number): { chains: OpenChain[]; gaps: VGap[] } {
  const fits = chains.filter((c) => c.endV - c.startV <= cap);
  let durable = fits.filter((c) => c.firstSeq <= durableUpTo);
  let later = fits.filter((c) => c.firstSeq > durableUpTo);
  if (durable.length === 0) {
    durable = later;
    later = [];
  }
  durable.sort((a, b) => b.lastSeq - a.lastSeq);
  const head = durable[0];
  if (head === undefined) return { chains: [], gaps: [] };
  const kept: OpenChain[] = [head];
  const gaps: VGap[] = [];
  let lowest = head;
  // Free arc: from the newest record's end forward to the oldest kept record's start.
  let freeLen = cap - (head.endV - head.startV);
  for (let i = 1; i < durable.length; i++) {
    const c = durable[i] as OpenChain;
    if (c.lastSeq >= lowest.firstSeq) continue;
    const rel = (((c.startV - head.endV) % cap) + cap) % cap;
    const bytes = c.endV - c.startV;
    if (rel + bytes > freeLen) continue;
    const gapBytes = freeLen - rel - bytes;
    // A gap too small for a pad frame cannot come from lost whole frames; leave such a chain out.
    if (gapBytes > 0 && gapBytes < FRAME_HEADER_BYTES) continue;
    if (gapBytes > 0 || c.lastSeq + 1 < lowest.firstSeq) {
      gaps.push({ fromV: c.endV, toV: c.endV + gapBytes, fromSeq: c.lastSeq + 1, toSeq: lowest.firstSeq - 1 });
    }
    kept.push(c);
    lowest = c;
    freeLen = rel;
  }
  kept.reverse();
  gaps.reverse();
  // Records written after the last state write: only forward from the newest, into the free arc.
  later.sort((a, b) => a.firstSeq - b.firstSeq);
  let newest = head;
  for (const c of later) {
    if (c.firstSeq <= newest.lastSeq) continue;
    const rel = (((c.startV - newest.endV) % cap) + cap) % cap;
    const bytes = c.endV - c.startV;
    if (rel + bytes > freeLen || (rel > 0 && rel < FRAME_HEADER_BYTES)) continue;
    if (rel > 0 || c.firstSeq > newest.lastSeq + 1) {
      gaps.push({ fromV: newest.endV, toV: newest.endV + rel, fromSeq: newest.lastSeq + 1, toSeq: c.firstSeq - 1 });
    }
    kept.push(c);
    freeLen -= rel + bytes;
    newest = c;
  }
  return { chains: kept, gaps };
}
