/**
 * The lines after the events: the batch proof, the optional consistency
 * proof and the trailer, written and read strictly (exact members, canonical
 * base64, 32-byte hashes), so each has one spelling.
 */
import { decodeBase64, encodeBase64 } from '../checkpoint/base64.js';
import type { Hash } from '../merkle/hash.js';
import type { NodeId } from '../merkle/node-id.js';

export interface ProofLine {
  readonly treeSize: number;
  readonly ids: readonly NodeId[];
  readonly hashes: readonly Hash[];
}

export interface ConsistencyLine {
  readonly fromSize: number;
  readonly toSize: number;
  readonly proof: readonly Hash[];
}

export interface TrailerLine {
  readonly events: number;
  /** SHA-256 of every line before the trailer, each with its LF, 64 lowercase hex. */
  readonly sha256: string;
}

export function formatProofLine(p: ProofLine): string {
  const nodes = p.ids.map((id, i) => [id.level, id.index, encodeBase64(p.hashes[i] as Hash)]);
  return JSON.stringify({ proof: { treeSize: p.treeSize, nodes } });
}

export function formatConsistencyLine(c: ConsistencyLine): string {
  return JSON.stringify({ consistency: { fromSize: c.fromSize, toSize: c.toSize, proof: c.proof.map((h) => encodeBase64(h)) } });
}

export function formatTrailerLine(t: TrailerLine): string {
  return JSON.stringify({ trailer: { events: t.events, sha256: t.sha256 } });
}

const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function hashOf(v: unknown): Hash | undefined {
  if (typeof v !== 'string') return undefined;
  const b = decodeBase64(v);
  return b !== undefined && b.length === 32 ? (b as Hash) : undefined;
}

/** The single member `name` of a one-member line object, with exactly `keys` inside; or why not. */
function body(line: string, name: string, keys: readonly string[]): Record<string, unknown> | string {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return `the ${name} line is not JSON`;
  }
  const outer = o as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || Object.keys(outer).length !== 1) return `the ${name} line is not {"${name}":{…}}`;
  const inner = outer[name] as Record<string, unknown>;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) return `the ${name} line is not {"${name}":{…}}`;
  const got = Object.keys(inner);
  if (got.length !== keys.length || keys.some((k) => !(k in inner))) return `the ${name} members are not exactly ${keys.join(', ')}`;
  return inner;
}

export function readProofLine(line: string): ProofLine | string {
  const b = body(line, 'proof', ['treeSize', 'nodes']);
  if (typeof b === 'string') return b;
  if (!isNat(b.treeSize) || !Array.isArray(b.nodes)) return 'the proof treeSize or nodes are malformed';
  const ids: NodeId[] = [];
  const hashes: Hash[] = [];
  for (const n of b.nodes as unknown[]) {
    const [level, index, h] = Array.isArray(n) && n.length === 3 ? n : [];
    const hash = hashOf(h);
    if (!isNat(level) || level > 53 || !isNat(index) || hash === undefined)
      return `proof node ${ids.length} is not [level, index, base64 hash]`;
    ids.push({ level, index });
    hashes.push(hash);
  }
  return { treeSize: b.treeSize, ids, hashes };
}

export function readConsistencyLine(line: string): ConsistencyLine | string {
  const b = body(line, 'consistency', ['fromSize', 'toSize', 'proof']);
  if (typeof b === 'string') return b;
  if (!isNat(b.fromSize) || !isNat(b.toSize) || !Array.isArray(b.proof)) return 'the consistency sizes or proof are malformed';
  const proof: Hash[] = [];
  for (const p of b.proof as unknown[]) {
    const h = hashOf(p);
    if (h === undefined) return `consistency proof hash ${proof.length} is not base64 of 32 bytes`;
    proof.push(h);
  }
  return { fromSize: b.fromSize, toSize: b.toSize, proof };
}

export function readTrailerLine(line: string): TrailerLine | string {
  const b = body(line, 'trailer', ['events', 'sha256']);
  if (typeof b === 'string') return b;
  if (!isNat(b.events) || typeof b.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(b.sha256))
    return 'the trailer events or sha256 are malformed';
  return { events: b.events, sha256: b.sha256 };
}
