// The shared RFC 6962 / 9162 proof vectors (transparency-dev/merkle testdata),
// read in place from ../shared/testvectors/merkle and never copied here.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isSeclogError } from '../src/errors.js';
import { verifyConsistency } from '../src/merkle/consistency-proof.js';
import { verifyInclusion } from '../src/merkle/inclusion-proof.js';

const VECTORS = fileURLToPath(new URL('../../../../shared/testvectors/merkle', import.meta.url));
const present = existsSync(join(VECTORS, 'inclusion')) && existsSync(join(VECTORS, 'consistency'));
const skip = present ? false : `shared Merkle vectors not found at ${VECTORS} (a clone outside the workspace): skipped`;

interface InclusionCase {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyCase {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...jsonFiles(path));
    else if (entry.endsWith('.json')) out.push(path);
  }
  return out;
}

function load<T>(kind: string): { name: string; c: T }[] {
  if (!present) return [];
  const root = join(VECTORS, kind);
  return jsonFiles(root).map((path) => ({ name: path.slice(root.length + 1), c: JSON.parse(readFileSync(path, 'utf8')) as T }));
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** Runs `fn`; a SeclogError means "rejected", anything else is a bug. */
function rejects(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    if (!isSeclogError(err)) throw err;
    assert.match(err.code, /^MERKLE_/);
    return true;
  }
}

describe('shared Merkle vectors: inclusion', { skip }, () => {
  const cases = load<InclusionCase>('inclusion');
  test('the vector set is complete', () => assert.ok(cases.length >= 90, `only ${cases.length} inclusion cases`));
  for (const { name, c } of cases) {
    test(`${name}: ${c.desc} → ${c.wantErr ? 'rejected' : 'accepted'}`, () => {
      const proof = (c.proof ?? []).map(b64);
      const rejected = rejects(() => verifyInclusion(c.leafIdx, c.treeSize, b64(c.leafHash), proof, b64(c.root)));
      assert.equal(rejected, c.wantErr);
    });
  }
});

describe('shared Merkle vectors: consistency', { skip }, () => {
  const cases = load<ConsistencyCase>('consistency');
  test('the vector set is complete', () => assert.ok(cases.length >= 90, `only ${cases.length} consistency cases`));
  for (const { name, c } of cases) {
    test(`${name}: ${c.desc} → ${c.wantErr ? 'rejected' : 'accepted'}`, () => {
      const proof = (c.proof ?? []).map(b64);
      const rejected = rejects(() => verifyConsistency(c.size1, c.size2, proof, b64(c.root1), b64(c.root2)));
      assert.equal(rejected, c.wantErr);
    });
  }
});
