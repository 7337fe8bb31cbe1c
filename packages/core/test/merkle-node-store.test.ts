import { MemoryNodeStore } from '../src/merkle/node-store.js';
import { describeNodeStoreConformance } from './merkle-node-store-conformance.js';

describeNodeStoreConformance('MemoryNodeStore', () => new MemoryNodeStore());
