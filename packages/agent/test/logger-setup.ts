/**
 * Shared by the logger tests: a device configuration as `seclog device add`
 * would write it (fresh k_0, the profile's seal policy from t0), a clock
 * the test moves, and the records a closed logger left in its ring.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { type ChainedEvent, generateSealKey, type ProfileName, sealPolicyFor } from '@seclog/core';
import { type LoggerConfig, RingStore } from '../src/index.js';

export function scratch(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `seclog-${name}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock that moves only when told (starts at the real time, whole ms). */
export class TestClock {
  ms = Math.floor(Date.now());
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A refused port: the shipper backs off quietly (no collector in the test). */
export const NO_COLLECTOR = 'http://127.0.0.1:9';

export function deviceConfig(
  dir: string,
  opts: Partial<LoggerConfig> & { profile?: ProfileName; t0Ms?: number; capacity?: number } = {},
): LoggerConfig {
  const { profile = 'high', t0Ms = Date.now(), capacity, ...rest } = opts;
  return {
    collector: NO_COLLECTOR,
    device: 'cam-17',
    token: 'sld_test',
    sealKey: generateSealKey().toString('hex'),
    profile,
    seal: sealPolicyFor(profile, t0Ms),
    store: { path: join(dir, 'cam-17.ring'), ...(capacity === undefined ? {} : { capacity }) },
    ship: { backoff: { baseMs: 10, maxMs: 50 } },
    ...rest,
  };
}

/** Every record in the ring at `path`, oldest first (open the ring only after the logger closed it). */
export function ringRecords(path: string): ChainedEvent[] {
  const ring = RingStore.open({ path, capacityBytes: 4096 });
  try {
    const out: ChainedEvent[] = [];
    let from = 1;
    for (;;) {
      const b = ring.read(from, 10_000, 64 * 1024 * 1024);
      if (b.records.length === 0) return out;
      for (const r of b.records) out.push(JSON.parse(Buffer.from(r.payload).toString('utf8')) as ChainedEvent);
      from = b.records.at(-1)!.seq + 1;
    }
  } finally {
    ring.abandon();
  }
}
