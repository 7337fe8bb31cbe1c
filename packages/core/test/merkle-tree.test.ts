import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ErrorCode } from '../src/errors.js';
import { isSeclogError } from '../src/errors.js';
import { bitLength, onesCount, shiftRight, trailingZeros, xor } from '../src/merkle/bits.js';
import { CompactRange } from '../src/merkle/compact-range.js';
import { verifyConsistency } from '../src/merkle/consistency-proof.js';
import type { Hash } from '../src/merkle/hash.js';
import { emptyRoot, hashChildren, hashLeaf } from '../src/merkle/hash.js';
import { verifyInclusion } from '../src/merkle/inclusion-proof.js';
import { rangeNodes, rangeSize } from '../src/merkle/node-id.js';
import type { NodeStore } from '../src/merkle/node-store.js';
import { MemoryNodeStore } from '../src/merkle/node-store.js';
import { consistencyNodes, inclusionNodes, rehashProof } from '../src/merkle/proof-nodes.js';
import { createMerkleTree } from '../src/merkle/tree.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (err: unknown) => isSeclogError(err, code));
}

// RFC 6962 reference leaves and the roots of trees of size 1..8 over them, as
// listed in ../shared/testvectors/merkle/README.md (transparency-dev/merkle).
const RFC6962_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const RFC6962_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('RFC 6962 reference roots', () => {
  test('empty tree root is SHA-256("")', () => {
    assert.equal(hex(emptyRoot()), EMPTY_ROOT_HEX);
    assert.equal(hex(createMerkleTree().root()), EMPTY_ROOT_HEX);
  });

  test('roots of sizes 1..8, at the current size and afterwards at every older size', () => {
    const tree = createMerkleTree();
    RFC6962_LEAVES.forEach((leaf, i) => {
      assert.equal(tree.appendLeaf(fromHex(leaf)), i);
      assert.equal(hex(tree.root()), RFC6962_ROOTS[i], `size ${i + 1}`);
    });
    RFC6962_ROOTS.forEach((root, i) => {
      assert.equal(hex(tree.root(i + 1)), root, `old size ${i + 1}`);
    });
    assert.equal(hex(tree.root(0)), EMPTY_ROOT_HEX);
  });

  test('returned roots are copies: editing one does not change the tree', () => {
    const tree = createMerkleTree();
    tree.root().fill(0);
    assert.equal(hex(tree.root()), EMPTY_ROOT_HEX);
    tree.appendLeaf(fromHex(''));
    tree.root().fill(0);
    tree.root(1).fill(0);
    assert.equal(hex(tree.root()), RFC6962_ROOTS[0]);
    tree.appendLeaf(fromHex('00'));
    assert.equal(hex(tree.root()), RFC6962_ROOTS[1]);
  });

  test('hashes are 32-byte Uint8Arrays and leaf/node hashing is domain separated', () => {
    const leaf = hashLeaf(new Uint8Array(0));
    assert.ok(leaf instanceof Uint8Array);
    assert.equal(leaf.length, 32);
    assert.equal(hex(leaf), RFC6962_ROOTS[0]);
    assert.notEqual(hex(hashChildren(leaf, leaf)), hex(hashLeaf(Buffer.concat([leaf, leaf]))));
  });
});

describe('MerkleTree', () => {
  const build = (n: number, store: NodeStore = new MemoryNodeStore()) => {
    const tree = createMerkleTree(store);
    tree.appendLeaves(Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${i}`)));
    return tree;
  };

  test('proofs at the current and older sizes verify against the matching roots', () => {
    const tree = build(37);
    for (const size of [1, 2, 7, 8, 20, 37]) {
      for (let i = 0; i < size; i++) {
        verifyInclusion(i, size, tree.leafHash(i), tree.inclusionProof(i, size), tree.root(size));
      }
      for (let m = 1; m <= size; m++) verifyConsistency(m, size, tree.consistencyProof(m, size), tree.root(m), tree.root(size));
    }
  });

  test('appendLeafHash stores a copy and appendLeaves reports the half-open range', () => {
    const tree = createMerkleTree();
    const h = new Uint8Array(hashLeaf(Buffer.from('x')));
    tree.appendLeafHash(h);
    h.fill(0);
    assert.equal(hex(tree.leafHash(0)), hex(hashLeaf(Buffer.from('x'))));
    assert.deepEqual(tree.appendLeaves([Buffer.from('a'), Buffer.from('b')]), { begin: 1, end: 3 });
    throwsCode(() => tree.appendLeafHash(new Uint8Array(31)), 'MERKLE_HASH_INVALID');
  });

  test('reopening from the store restores the tree without replaying leaves', () => {
    const store = new MemoryNodeStore();
    const first = build(1000, store);
    const reopened = createMerkleTree(store);
    assert.equal(reopened.size, 1000);
    assert.equal(hex(reopened.root()), hex(first.root()));
    reopened.appendLeaf(Buffer.from('leaf 1000'));
    first.appendLeaf(Buffer.from('leaf 1000'));
    assert.equal(hex(reopened.root()), hex(first.root()));
  });

  test('the store holds 2n − popcount(n) perfect nodes: no ephemeral node is ever stored', () => {
    const store = new MemoryNodeStore();
    build(1000, store);
    assert.equal(store.nodeCount, 2 * 1000 - onesCount(1000));
    assert.equal(store.getLeafCount(), 1000);
  });

  test('sizes beyond the tree, bad indices and size 0 consistency are refused', () => {
    const tree = build(5);
    throwsCode(() => tree.root(6), 'MERKLE_SIZE_BEYOND_TREE');
    throwsCode(() => tree.inclusionProof(0, 6), 'MERKLE_SIZE_BEYOND_TREE');
    throwsCode(() => tree.inclusionProof(5, 5), 'MERKLE_INDEX_OUT_OF_RANGE');
    throwsCode(() => tree.leafHash(5), 'MERKLE_INDEX_OUT_OF_RANGE');
    throwsCode(() => tree.consistencyProof(0, 5), 'MERKLE_CONSISTENCY_SIZES_INVALID');
    throwsCode(() => tree.consistencyProof(4, 3), 'MERKLE_CONSISTENCY_SIZES_INVALID');
    throwsCode(() => tree.root(-1), 'MERKLE_SIZE_INVALID');
    throwsCode(() => tree.root(1.5), 'MERKLE_SIZE_INVALID');
    assert.deepEqual(tree.consistencyProof(5, 5), []);
  });

  test('a store that fails mid-append leaves the tree at its last committed size', () => {
    const inner = new MemoryNodeStore();
    let failAt = -1;
    const flaky: NodeStore = {
      getLeafCount: () => inner.getLeafCount(),
      setLeafCount: (n) => inner.setLeafCount(n),
      getNode: (l, i) => inner.getNode(l, i),
      putNode: (l, i, h) => {
        if (l === 0 && i === failAt) throw new Error('disk full');
        inner.putNode(l, i, h);
      },
    };
    const tree = build(6, flaky);
    const root6 = hex(tree.root());
    failAt = 8;
    assert.throws(() => tree.appendLeaves([7, 8, 9].map((i) => Buffer.from(`leaf ${i - 1}`))), /disk full/);
    assert.equal(tree.size, 6);
    assert.equal(inner.getLeafCount(), 6);
    assert.equal(hex(tree.root()), root6);
    failAt = -1;
    tree.appendLeaves([6, 7, 8].map((i) => Buffer.from(`leaf ${i}`)));
    assert.equal(hex(tree.root()), hex(build(9).root()));
  });

  test('a store missing a committed node is reported, not papered over', () => {
    const store = new MemoryNodeStore();
    build(4, store);
    store.setLeafCount(5);
    throwsCode(() => createMerkleTree(store), 'MERKLE_NODE_MISSING');
  });
});

describe('node indices beyond 32 bits', () => {
  const big = (n: number): bigint => BigInt(n);
  const samples = [0, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER];

  test('bit helpers agree with bigint arithmetic', () => {
    for (const a of samples) {
      assert.equal(bitLength(a), big(a).toString(2).replace(/^0$/, '').length, `bitLength ${a}`);
      assert.equal(onesCount(a), [...big(a).toString(2)].filter((c) => c === '1').length);
      if (a > 0) assert.equal(trailingZeros(a), big(a).toString(2).length - 1 - big(a).toString(2).lastIndexOf('1'));
      for (const b of samples) assert.equal(BigInt(xor(a, b)), big(a) ^ big(b), `xor ${a} ${b}`);
      assert.equal(BigInt(shiftRight(a, 33)), big(a) >> 33n);
    }
  });

  // In a tree whose leaves are all equal, every perfect node of a level has
  // the same hash, so proofs for trees of 2^40+ leaves can be built from one
  // hash per level and checked end to end.
  test('proofs in a uniform tree of more than 2^40 leaves verify', () => {
    const perLevel: Hash[] = [hashLeaf(Buffer.from('same'))];
    for (let l = 1; l <= 53; l++) perLevel.push(hashChildren(perLevel[l - 1] as Hash, perLevel[l - 1] as Hash));
    const at = (level: number): Hash => perLevel[level] as Hash;
    const rootOf = (size: number): Hash => {
      const edge = CompactRange.fromHashes(
        size,
        rangeNodes(0, size).map((id) => at(id.level)),
      );
      return edge.root();
    };
    const size1 = 2 ** 40 + 12345;
    const size2 = 2 ** 41 + 2 ** 33 + 7;
    assert.equal(rangeSize(0, size2), onesCount(size2));
    for (const index of [0, 2 ** 32, size1 - 1, size2 - 1]) {
      const nodes = inclusionNodes(index, size2);
      const proof = rehashProof(
        nodes,
        nodes.ids.map((id) => at(id.level)),
        hashChildren,
      );
      verifyInclusion(index, size2, at(0), proof, rootOf(size2));
    }
    const nodes = consistencyNodes(size1, size2);
    const proof = rehashProof(
      nodes,
      nodes.ids.map((id) => at(id.level)),
      hashChildren,
    );
    verifyConsistency(size1, size2, proof, rootOf(size1), rootOf(size2));
    throwsCode(() => verifyConsistency(size1, size2, proof, rootOf(size1 + 1), rootOf(size2)), 'MERKLE_ROOT_MISMATCH');
  });
});
