/**
 * UUID version 7 (RFC 9562 §5.7): 48-bit Unix milliseconds, version, 12 bits
 * of sub-millisecond ordering, variant, 62 random bits. Ids made by one
 * generator are strictly increasing, also within one millisecond and when
 * the wall clock steps back (RFC 9562 §6.2 method 1: a counter in rand_a,
 * and the last timestamp is kept when the clock goes backwards).
 */
import { randomFillSync } from 'node:crypto';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isUuidV7(s: string): boolean {
  return UUID_V7.test(s);
}

export type UuidV7Generator = (nowMs?: number) => string;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A generator with its own monotonic state; `nowMs` is injectable for tests. */
export function createUuidV7Generator(clock: () => number = Date.now): UuidV7Generator {
  let lastMs = -1;
  let counter = 0; // 12 bits in rand_a
  const bytes = new Uint8Array(16);
  // Random bytes are drawn in blocks: one getRandomValues call per id costs
  // more than formatting the id.
  const pool = new Uint8Array(8 * 256);
  let poolPos = pool.length;

  return (nowMs?: number): string => {
    let ms = Math.floor(nowMs ?? clock());
    if (ms <= lastMs) {
      ms = lastMs;
      counter++;
      if (counter > 0xfff) {
        // Counter exhausted within one millisecond: borrow the next one.
        ms = lastMs + 1;
        counter = 0;
      }
    } else {
      counter = 0;
    }
    lastMs = ms;
    if (poolPos + 8 > pool.length) {
      randomFillSync(pool);
      poolPos = 0;
    }
    // 48-bit big-endian milliseconds.
    const hi = Math.floor(ms / 2 ** 32);
    const lo = ms >>> 0;
    bytes[0] = (hi >>> 8) & 0xff;
    bytes[1] = hi & 0xff;
    bytes[2] = (lo >>> 24) & 0xff;
    bytes[3] = (lo >>> 16) & 0xff;
    bytes[4] = (lo >>> 8) & 0xff;
    bytes[5] = lo & 0xff;
    bytes[6] = 0x70 | ((counter >>> 8) & 0x0f);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | ((pool[poolPos] as number) & 0x3f);
    for (let i = 9; i < 16; i++) bytes[i] = pool[poolPos + i - 8] as number;
    poolPos += 8;
    let s = '';
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
      s += HEX[bytes[i] as number];
    }
    return s;
  };
}

/** Milliseconds since the Unix epoch carried by a UUIDv7. */
export function uuidV7Time(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** A process-wide generator. */
export const uuidv7: UuidV7Generator = createUuidV7Generator();
