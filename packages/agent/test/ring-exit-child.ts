// Child of ring-exit.test.ts: appends records to a ring and ends with process.exit(0), without closing it.
import { RingStore } from '../src/ring/ring-store.js';

const [path, count] = [process.argv[2] as string, Number(process.argv[3])];
const ring = RingStore.open({ path, capacityBytes: 1024 * 1024, preallocate: false });
const payload = Buffer.alloc(300, 0x61);
for (let seq = 1; seq <= count; seq++) ring.append(payload, seq);
process.exit(0);
