/**
 * The NodeStore contract, as one suite to run against every implementation
 * (MemoryNodeStore now; SQLite and PostgreSQL stores later).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Hash } from '../src/merkle/hash.js';
import { hashLeaf } from '../src/merkle/hash.js';
import type { NodeStore } from '../src/merkle/node-store.js';
import { createMerkleTree } from '../src/merkle/tree.js';

const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

export function describeNodeStoreConformance(name: string, makeStore: () => NodeStore): void {
  describe(`NodeStore conformance: ${name}`, () => {
    test('a new store is empty', () => {
      const store = makeStore();
      assert.equal(store.getLeafCount(), 0);
      assert.equal(store.getNode(0, 0), undefined);
    });

    test('nodes round-trip by (level, index), including indices beyond 2^32', () => {
      const store = makeStore();
      const a = hashLeaf(Buffer.from('a'));
      const b = hashLeaf(Buffer.from('b'));
      store.putNode(0, 0, a);
      store.putNode(3, 2 ** 40 + 1, b);
      assert.equal(hex(store.getNode(0, 0)), hex(a));
      assert.equal(hex(store.getNode(3, 2 ** 40 + 1)), hex(b));
      assert.equal(store.getNode(1, 0), undefined);
      assert.equal(store.getNode(3, 2 ** 40), undefined);
    });

    test('a returned hash is not the stored one: editing it changes nothing', () => {
      const store = makeStore();
      const a = hashLeaf(Buffer.from('a'));
      store.putNode(0, 0, a);
      (store.getNode(0, 0) as Hash).fill(0);
      assert.equal(hex(store.getNode(0, 0)), hex(a));
    });

    test('the leaf count is what was last set', () => {
      const store = makeStore();
      store.setLeafCount(5);
      store.setLeafCount(9);
      assert.equal(store.getLeafCount(), 9);
    });

    test('a tree reopened on the store has the same root and proofs', () => {
      const store = makeStore();
      const tree = createMerkleTree(store);
      tree.appendLeaves(Array.from({ length: 77 }, (_, i) => Buffer.from(`leaf ${i}`)));
      const again = createMerkleTree(store);
      assert.equal(again.size, 77);
      assert.equal(hex(again.root(50)), hex(tree.root(50)));
      assert.deepEqual(again.inclusionProof(13, 60).map(hex), tree.inclusionProof(13, 60).map(hex));
    });
  });
}
