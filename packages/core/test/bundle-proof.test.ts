/**
 * The batch inclusion proof: which nodes (table cases and invariants over
 * random leaf sets), and that they rebuild the same root as the tree; plus
 * the exporter's refusals.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { batchProofNodes, nodeLeaves, rootFromBatchProof } from '../src/bundle/batch-proof.js';
import { buildBundle } from '../src/bundle/build-bundle.js';
import { isSeclogError } from '../src/errors.js';
import { type Hash, hashLeaf } from '../src/merkle/hash.js';
import { MemoryNodeStore } from '../src/merkle/node-store.js';
import { createMerkleTree } from '../src/merkle/tree.js';
import { buildLog, checkpointAt, fixedKey, ORIGIN } from './bundle-fixtures.test.js';
import { runs, SOAK } from './chain-fixtures.test.js';

const ids = (indexes: number[], size: number) => batchProofNodes(indexes, size).map(({ level, index }) => [level, index]);

describe('batch proof nodes', () => {
  const CASES: [string, number[], number, number[][]][] = [
    ['the empty tree', [], 0, []],
    [
      'no leaves of a tree of 7: its perfect subtrees',
      [],
      7,
      [
        [2, 0],
        [1, 2],
        [0, 6],
      ],
    ],
    ['every leaf: nothing to add', [0, 1, 2], 3, []],
    ['the one leaf of a tree of one', [0], 1, []],
    [
      'leaves 2 and 5 of 7 (the module comment)',
      [2, 5],
      7,
      [
        [1, 0],
        [0, 3],
        [0, 4],
        [0, 6],
      ],
    ],
    [
      'the last leaf of 8: a single path',
      [7],
      8,
      [
        [2, 0],
        [1, 2],
        [0, 6],
      ],
    ],
    [
      'the first leaf of 6: a right edge of two nodes',
      [0],
      6,
      [
        [0, 1],
        [1, 1],
        [1, 2],
      ],
    ],
    ['siblings 4 and 5 of 6: their parent is not needed', [4, 5], 6, [[2, 0]]],
  ];
  for (const [name, indexes, size, want] of CASES) test(name, () => assert.deepEqual(ids(indexes, size), want));

  const MAX = SOAK ? 20_000 : 2_048;
  const store = new MemoryNodeStore();
  const tree = createMerkleTree(store);
  const leaves: Hash[] = [];
  for (let i = 0; i < MAX; i++) {
    const h = hashLeaf(Buffer.from(`leaf ${i}`));
    leaves.push(h);
    tree.appendLeafHash(h);
  }
  const setArb = fc
    .record({ size: fc.integer({ min: 1, max: MAX }), density: fc.double({ min: 0, max: 1, noNaN: true }), seed: fc.nat() })
    .map(({ size, density, seed }) => {
      let x = seed;
      const indexes: number[] = [];
      for (let i = 0; i < size; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        if (x / 2 ** 32 < density * density) indexes.push(i);
      }
      return { size, indexes };
    });

  test('the nodes and the leaves tile the tree, minimally, and rebuild its root', () => {
    fc.assert(
      fc.property(setArb, ({ size, indexes }) => {
        const nodes = batchProofNodes(indexes, size);
        // Tiling: walking left to right, each leaf of [0, size) is either a bundle leaf or under exactly one node.
        let cursor = 0;
        let k = 0;
        for (const n of nodes) {
          const { begin, end } = nodeLeaves(n.level, n.index);
          while (k < indexes.length && (indexes[k] as number) < begin) assert.equal(indexes[k++], cursor++);
          assert.equal(begin, cursor, 'nodes are contiguous with the leaves between them');
          assert.ok(end <= size);
          cursor = end;
        }
        while (k < indexes.length) assert.equal(indexes[k++], cursor++);
        assert.equal(cursor, size);
        // Minimal: no two nodes are siblings (their parent would do).
        const set = new Set(nodes.map((n) => `${n.level}:${n.index}`));
        for (const n of nodes) assert.ok(!set.has(`${n.level}:${n.index ^ 1}`) || n.index % 2 === 1);
        const flat = Buffer.concat(indexes.map((i) => leaves[i] as Hash));
        const root = rootFromBatchProof(
          indexes,
          flat,
          size,
          nodes.map((n) => store.getNode(n.level, n.index) as Hash),
        );
        assert.deepEqual(Buffer.from(root), Buffer.from(tree.root(size)));
      }),
      { numRuns: runs(200) },
    );
  });
});

describe('the exporter refuses what would not verify', () => {
  const log = buildLog(21, 2, 40);
  const size = log.entries.length;
  const base = {
    checkpoint: checkpointAt(log, size),
    vkey: log.vkey,
    nodeHash: (level: number, index: number) => log.store.getNode(level, index) as Hash,
    createdUs: 1_800_000_000_000_000,
  };
  const code = (c: string) => (err: unknown) => isSeclogError(err) && err.code === c;
  const drain = (input: Parameters<typeof buildBundle>[0]) => [...buildBundle(input)];
  const e = log.entries;
  const CASES: [string, Parameters<typeof buildBundle>[0], string][] = [
    ['events out of leaf order', { ...base, events: [e[3], e[2]] as typeof e }, 'BUNDLE_INPUT_INVALID'],
    ['a repeated event', { ...base, events: [e[3], e[3]] as typeof e }, 'BUNDLE_INPUT_INVALID'],
    ['an event beyond the checkpoint', { ...base, checkpoint: checkpointAt(log, 5), events: [e[7]] as typeof e }, 'BUNDLE_INPUT_INVALID'],
    ['an event the filter excludes', { ...base, events: [e[1]] as typeof e, filter: { devices: ['nobody'] } }, 'BUNDLE_INPUT_INVALID'],
    ['fewer events than announced', { ...base, events: e.slice(0, 3).values(), eventCount: 4 }, 'BUNDLE_INPUT_INVALID'],
    ['a stream without a count', { ...base, events: e.slice(0, 3).values() }, 'BUNDLE_INPUT_INVALID'],
    ['a consistency proof from size 0', { ...base, events: [], consistencyFrom: 0 }, 'BUNDLE_INPUT_INVALID'],
    [
      'a record the store holds another leaf for',
      { ...base, events: [{ ...(e[4] as (typeof e)[0]), receivedUs: 1 }] },
      'BUNDLE_LEAF_MISMATCH',
    ],
    ['a checkpoint not signed by the vkey', { ...base, vkey: fixedKey(ORIGIN, 77).verifierKey, events: [] }, 'NOTE_UNVERIFIED'],
  ];
  for (const [name, input, c] of CASES) test(name, () => assert.throws(() => drain(input), code(c)));

  test('streamed events with a count: the same bundle as from an array', () => {
    assert.deepEqual(drain({ ...base, events: e.values(), eventCount: size }), drain({ ...base, events: e }));
  });
});
