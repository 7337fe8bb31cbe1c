/**
 * The end of verification (docs/protocol.md §9, steps 7–11): what the whole
 * bundle shows, and the first failure in file order among everything found.
 *
 * The order of the questions matters because some findings are traces of
 * others: lines out of leaf order, or a proof made for another leaf set,
 * mean lines were moved, added or removed, and then range and stream gaps
 * are that alteration's traces. A chain break between leaves the proof
 * vouches for is the log's own (forked); with a root that does not rebuild,
 * it is where the bundle was altered (modified). An unsigned proof line that
 * fails while the trailer digest fails too was altered, not forked.
 */
import { encodeBase64 } from '../../checkpoint/base64.js';
import { SeclogError } from '../../errors.js';
import { verifyConsistency } from '../../merkle/consistency-proof.js';
import { equalHashes } from '../../merkle/hash.js';
import { batchProofNodes, rootFromBatchProof } from '../batch-proof.js';
import { type BundleFailure, type BundleVerification, bundleFailure, earlier } from '../bundle-result.js';
import type { BundleReader } from './bundle-reader.js';
import type { OpenedHeader } from './header-check.js';
import { claimedByProof, locateAgainstProof, locateDisorder, proofIntervals } from './locate.js';

export function conclude(r: BundleReader): BundleVerification {
  if (r.lines === 0 || r.partialLine === 1) return bundleFailure('truncated', 1, 'the bundle ends before its header does');
  if (r.first?.line === 1 || r.header === undefined) return r.first as BundleFailure;
  if (r.phase !== 'done' || r.partialLine > 0 || r.trailer === undefined) return truncated(r);
  return complete(r, r.header, r.trailer);
}

/** No trailer: the cut line (or the first missing one), unless something before it already failed. */
function truncated(r: BundleReader): BundleFailure {
  const cut = r.partialLine || (r.unreadable === r.lines ? r.lines : r.lines + 1);
  const found: (BundleFailure | null)[] = [
    bundleFailure('truncated', cut, `the bundle ends at line ${cut} before its trailer`),
    r.first?.line === cut ? null : r.first,
    r.streams.firstBreak,
    r.rangeGap,
    r.beyond,
    r.excluded,
    r.disorderAt >= 0 ? locateDisorder(r.kept, r.disorderAt) : null,
  ];
  return found.reduce(earlier, null) as BundleFailure;
}

/** The batch proof against the leaves: a located alteration, or whether the root rebuilds. */
function checkProof(r: BundleReader, h: OpenedHeader): { failure: BundleFailure | null; altered: boolean; rootOk?: boolean } {
  const size = h.checkpoint.size;
  const intervals = r.proof === undefined ? undefined : proofIntervals(r.proof.ids, size);
  if (r.disorderAt >= 0) {
    const claimed = intervals === undefined ? undefined : (L: number) => claimedByProof(intervals, size, L);
    return { failure: locateDisorder(r.kept, r.disorderAt, claimed), altered: true };
  }
  const p = r.proof;
  if (p === undefined) return { failure: null, altered: false };
  const ids = r.beyond === null ? batchProofNodes(r.kept.indexes(), size) : undefined;
  if (
    ids !== undefined &&
    ids.length === p.ids.length &&
    ids.every((id, i) => id.level === p.ids[i]?.level && id.index === p.ids[i]?.index)
  ) {
    const root = rootFromBatchProof(r.kept.indexes(), r.kept.leafHashes(), size, p.hashes, r.knownSubtree);
    return { failure: null, altered: false, rootOk: equalHashes(root, h.checkpoint.root) };
  }
  const located = intervals === undefined ? null : locateAgainstProof(r.kept, intervals, size, p.line);
  return {
    failure: located ?? bundleFailure('modified', p.line, 'the proof nodes are not the minimal cover of the tree for these leaves'),
    altered: true,
  };
}

function complete(r: BundleReader, h: OpenedHeader, trailer: NonNullable<BundleReader['trailer']>): BundleVerification {
  const size = h.checkpoint.size;
  const count = r.kept.count;
  const proofLine = r.proof?.line ?? trailer.line;
  const proof = checkProof(r, h);
  // The line-level notes after the proof's view of the same line (an edited index is `modified`, not `inserted`).
  const found: (BundleFailure | null)[] = [r.first, proof.failure, r.beyond, r.excluded];
  if (!proof.altered) found.push(r.rangeGap);
  const breaks = [r.streams.firstBreak, proof.altered ? null : firstUnexplainedGap(r, h)];
  for (const b of breaks) {
    if (b !== null)
      found.push(proof.rootOk === false ? { ...b, kind: 'modified', detail: `${b.detail}, and the leaves do not rebuild the root` } : b);
  }
  if (proof.rootOk === false && breaks.every((b) => b === null)) {
    found.push(bundleFailure('modified', proofLine, 'the leaves and proof nodes do not rebuild the checkpoint root'));
  }
  if (!proof.altered && h.range !== undefined && r.rangeNext < h.range[1]) {
    found.push(bundleFailure('deleted', proofLine, `leaf ${r.rangeNext} of the exported range is missing`, { index: r.rangeNext }));
  }
  if (h.header.events !== count) {
    const kind = h.header.events > count ? 'deleted' : 'inserted';
    found.push(bundleFailure(kind, proofLine, `the header announces ${h.header.events} events, the bundle holds ${count}`));
  }
  const consistency = checkConsistency(r, h, trailer.digestOk);
  found.push(consistency.failure);
  if (!trailer.digestOk) found.push(bundleFailure('modified', trailer.line, 'the SHA-256 of the lines above is not the trailer’s'));
  if (trailer.events !== count) found.push(bundleFailure('modified', trailer.line, 'the trailer count is not the number of event lines'));
  const failure = found.reduce(earlier, null);
  if (failure !== null) return failure;
  // Every path to here rebuilt the root; the guard keeps it so if the code above changes.
  if (proof.rootOk !== true) return bundleFailure('modified', proofLine, 'the batch proof was not checked');
  if (consistency.missing !== undefined) throw new SeclogError('BUNDLE_CONSISTENCY_MISSING', consistency.missing, { treeSize: size });
  const sealed = r.seals.summary();
  return {
    ok: true,
    events: count,
    streams: r.streams.count,
    devices: r.streams.devices,
    treeSize: size,
    root: encodeBase64(h.checkpoint.root),
    origin: h.checkpoint.origin,
    keyId: h.keyId,
    gaps: r.streams.gaps.length,
    ...(consistency.size === undefined ? {} : { consistentWith: consistency.size }),
    ...(sealed === undefined ? {} : { sealed }),
    ...(r.streams.firstPruned === undefined ? {} : { pruned: { count: r.streams.prunedCount, first: r.streams.firstPruned } }),
  };
}

function firstUnexplainedGap(r: BundleReader, h: OpenedHeader): BundleFailure | null {
  // A name filter may drop any record of a stream, so every gap is explained by it.
  if (h.header.filter.names !== undefined) return null;
  for (const g of r.streams.gaps) {
    if (r.streams.explained(g)) continue;
    const missing = g.from === g.to ? `seq ${g.from} is missing` : `seqs ${g.from}..${g.to} are missing`;
    return bundleFailure('deleted', g.line, `${missing} before this record, and neither the filter nor a log_gap record explains it`, {
      index: g.index,
      seq: g.from,
      deviceId: g.deviceId,
      stream: g.stream,
    });
  }
  return null;
}

/** Against the trusted checkpoint: a failure, the size proved consistent, or why the bundle cannot show it. */
function checkConsistency(
  r: BundleReader,
  h: OpenedHeader,
  textIntact: boolean,
): { failure: BundleFailure | null; size?: number; missing?: string } {
  const t = r.opts.trusted;
  if (t === undefined) return { failure: null };
  const size = h.checkpoint.size;
  if (t.size > size)
    return { failure: null, missing: `the bundle's checkpoint (size ${size}) is older than the trusted one (size ${t.size})` };
  if (t.size === size) {
    if (equalHashes(t.root, h.checkpoint.root)) return { failure: null, size };
    return { failure: bundleFailure('forked', 1, `the checkpoint and the trusted checkpoint have different roots at size ${size}`) };
  }
  const c = r.consistency;
  if (c === undefined || c.fromSize !== t.size)
    return { failure: null, missing: `the bundle carries no consistency proof from size ${t.size}` };
  try {
    verifyConsistency(t.size, size, c.proof, t.root, h.checkpoint.root);
    return { failure: null, size: t.size };
  } catch (err) {
    // The proof line is unsigned: if the text was altered, that is the likelier culprit than a fork.
    const detail = `the tree of size ${size} does not extend the trusted one of size ${t.size}: ${(err as Error).message}`;
    return { failure: bundleFailure(textIntact ? 'forked' : 'modified', c.line, detail) };
  }
}
