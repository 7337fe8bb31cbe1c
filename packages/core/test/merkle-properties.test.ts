// Property tests: the fast tree against the naive RFC 9162 reference in
// merkle-reference.ts, and tamper rejection. SECLOG_SOAK=1 runs a longer
// soak (trees up to 100,000 leaves, more runs).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isSeclogError } from '../src/errors.js';
import { verifyConsistency } from '../src/merkle/consistency-proof.js';
import { verifyInclusion } from '../src/merkle/inclusion-proof.js';
import type { MerkleTree } from '../src/merkle/tree.js';
import { createMerkleTree } from '../src/merkle/tree.js';
import { refConsistencyProof, refInclusionProof, refLeafHash, refRoot } from './merkle-reference.js';

const SOAK = process.env.SECLOG_SOAK === '1';
const MAX_LEAVES = SOAK ? 100_000 : 2_000;
const RUNS = SOAK ? 300 : 60;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const hexes = (bs: readonly Uint8Array[]): string[] => bs.map(hex);

function leafData(seed: number, i: number): Uint8Array {
  return Buffer.from(`${seed}:${i}`);
}

function buildBoth(seed: number, n: number): { tree: MerkleTree; leaves: Uint8Array[] } {
  const data = Array.from({ length: n }, (_, i) => leafData(seed, i));
  const tree = createMerkleTree();
  tree.appendLeaves(data);
  return { tree, leaves: data.map(refLeafHash) };
}

/** A tree size n, then a size ≤ n and an index below it, all shrinkable. */
const treeAndPoints = fc
  .record({
    seed: fc.nat(),
    n: fc.integer({ min: 1, max: MAX_LEAVES }),
    a: fc.double({ min: 0, max: 1, noNaN: true }),
    b: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ seed, n, a, b }) => {
    const size = Math.max(1, Math.ceil(a * n));
    const index = Math.min(size - 1, Math.floor(b * size));
    const size1 = Math.max(1, Math.ceil(b * size));
    return { seed, n, size, index, size1 };
  });

function rejected(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    assert.ok(isSeclogError(err), `unexpected ${String(err)}`);
    return true;
  }
}

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const c = new Uint8Array(b);
  c[bit >> 3] = (c[bit >> 3] as number) ^ (1 << (bit & 7));
  return c;
}

/** `proof` with element k bit-flipped. */
function flipInProof(proof: readonly Uint8Array[], k: number, bit: number): Uint8Array[] {
  const out = [...proof];
  out[k] = flipBit(out[k] as Uint8Array, bit);
  return out;
}

describe('fast tree agrees with the RFC 9162 reference', () => {
  test('roots, inclusion and consistency proofs for random small trees of random leaves', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 70 }), (data) => {
        const tree = createMerkleTree();
        tree.appendLeaves(data);
        const leaves = data.map(refLeafHash);
        for (let size = 0; size <= data.length; size++) {
          assert.equal(hex(tree.root(size)), hex(refRoot(leaves.slice(0, size))));
        }
        for (let i = 0; i < data.length; i++) {
          assert.deepEqual(hexes(tree.inclusionProof(i)), hexes(refInclusionProof(i, leaves)));
        }
        for (let m = 1; m <= data.length; m++) {
          assert.deepEqual(hexes(tree.consistencyProof(m)), hexes(refConsistencyProof(m, leaves)));
        }
      }),
      { numRuns: RUNS },
    );
  });

  test(`random points in trees of up to ${MAX_LEAVES} leaves`, () => {
    fc.assert(
      fc.property(treeAndPoints, ({ seed, n, size, index, size1 }) => {
        const { tree, leaves } = buildBoth(seed, n);
        const prefix = leaves.slice(0, size);
        assert.equal(hex(tree.root()), hex(refRoot(leaves)));
        assert.equal(hex(tree.root(size)), hex(refRoot(prefix)));
        assert.deepEqual(hexes(tree.inclusionProof(index, size)), hexes(refInclusionProof(index, prefix)));
        assert.deepEqual(hexes(tree.consistencyProof(size1, size)), hexes(refConsistencyProof(size1, prefix)));
      }),
      { numRuns: SOAK ? RUNS : 40 },
    );
  });
});

describe('tampering is rejected', () => {
  const small = fc.record({ seed: fc.nat(), n: fc.integer({ min: 1, max: 300 }), a: fc.nat(), b: fc.nat() });

  test('every single-bit flip of leaf, proof or root, and every wrong index or size, fails inclusion', () => {
    fc.assert(
      fc.property(small, ({ seed, n, a, b }) => {
        const { tree } = buildBoth(seed, n);
        const size = 1 + (a % n);
        const index = b % size;
        const leaf = tree.leafHash(index);
        const proof = tree.inclusionProof(index, size);
        const root = tree.root(size);
        verifyInclusion(index, size, leaf, proof, root);

        for (let bit = 0; bit < 256; bit++) {
          assert.ok(
            rejected(() => verifyInclusion(index, size, flipBit(leaf, bit), proof, root)),
            `leaf bit ${bit}`,
          );
          assert.ok(
            rejected(() => verifyInclusion(index, size, leaf, proof, flipBit(root, bit))),
            `root bit ${bit}`,
          );
          for (let k = 0; k < proof.length; k++) {
            const bad = flipInProof(proof, k, bit);
            assert.ok(
              rejected(() => verifyInclusion(index, size, leaf, bad, root)),
              `proof[${k}] bit ${bit}`,
            );
          }
        }
        for (let j = 0; j < size; j++) {
          if (j !== index)
            assert.ok(
              rejected(() => verifyInclusion(j, size, leaf, proof, root)),
              `wrong index ${j}`,
            );
        }
        // A wrong size paired with the true root at that size, as a lying log would have to.
        for (let s = 1; s <= n; s++) {
          if (s !== size && index < s) {
            assert.ok(
              rejected(() => verifyInclusion(index, s, leaf, proof, tree.root(s))),
              `wrong size ${s}`,
            );
          }
        }
        if (proof.length > 0) {
          assert.ok(
            rejected(() => verifyInclusion(index, size, leaf, proof.slice(0, -1), root)),
            'truncated',
          );
        }
        assert.ok(
          rejected(() => verifyInclusion(index, size, leaf, [...proof, root], root)),
          'trailing garbage',
        );
      }),
      { numRuns: SOAK ? RUNS : 25 },
    );
  });

  test('every single-bit flip of proof or either root, and every wrong size, fails consistency', () => {
    fc.assert(
      fc.property(small, ({ seed, n, a, b }) => {
        const { tree } = buildBoth(seed, n);
        const size2 = 1 + (a % n);
        const size1 = 1 + (b % size2);
        const proof = tree.consistencyProof(size1, size2);
        const root1 = tree.root(size1);
        const root2 = tree.root(size2);
        verifyConsistency(size1, size2, proof, root1, root2);

        for (let bit = 0; bit < 256; bit++) {
          assert.ok(
            rejected(() => verifyConsistency(size1, size2, proof, flipBit(root1, bit), root2)),
            `root1 bit ${bit}`,
          );
          assert.ok(
            rejected(() => verifyConsistency(size1, size2, proof, root1, flipBit(root2, bit))),
            `root2 bit ${bit}`,
          );
          for (let k = 0; k < proof.length; k++) {
            const bad = flipInProof(proof, k, bit);
            assert.ok(
              rejected(() => verifyConsistency(size1, size2, bad, root1, root2)),
              `proof[${k}] bit ${bit}`,
            );
          }
        }
        for (let s = 1; s <= n; s++) {
          if (s !== size1 && s <= size2) {
            assert.ok(
              rejected(() => verifyConsistency(s, size2, proof, tree.root(s), root2)),
              `wrong size1 ${s}`,
            );
          }
          if (s !== size2 && s >= size1) {
            assert.ok(
              rejected(() => verifyConsistency(size1, s, proof, root1, tree.root(s))),
              `wrong size2 ${s}`,
            );
          }
        }
        if (proof.length > 0) {
          assert.ok(
            rejected(() => verifyConsistency(size1, size2, proof.slice(1), root1, root2)),
            'truncated',
          );
        }
        assert.ok(
          rejected(() => verifyConsistency(size1, size2, [...proof, root1], root1, root2)),
          'trailing garbage',
        );
      }),
      { numRuns: SOAK ? RUNS : 25 },
    );
  });
});
