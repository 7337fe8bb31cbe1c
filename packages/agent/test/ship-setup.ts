/** Shared set-up of the shipper tests: a fake collector, a memory source and a shipper with short timers. */
import { MemoryShipSource, type ShipProfile, Shipper, type ShipperOptions, type ShipReport } from '../src/index.js';
import { FakeCollector, fakeRecord } from './ship-fake-collector.js';

export const REALTIME: ShipProfile = {
  realtime: true,
  batchMaxAgeMs: 20,
  batchMaxEvents: 10,
  uploadIntervalMs: 0,
  shipCriticalAtOnce: true,
};
export const STREAM = 'stream-1';

export interface Rig {
  fake: FakeCollector;
  source: MemoryShipSource;
  shipper: Shipper;
  reports: ShipReport[];
  /** Append records seq `from`..`to` (inclusive). */
  append(from: number, to: number, urgent?: boolean, pad?: number): void;
  done(): Promise<void>;
}

export async function rig(
  opts: Partial<Omit<ShipperOptions, 'profile'>> & { profile?: Partial<ShipProfile> } = {},
  fake = new FakeCollector(),
): Promise<Rig> {
  if (fake.url === '') await fake.start();
  const source = opts.source instanceof MemoryShipSource ? opts.source : new MemoryShipSource(STREAM);
  const reports: ShipReport[] = [];
  const { profile, ...rest } = opts;
  const shipper = new Shipper({
    url: fake.url,
    device: 'dev-1',
    token: fake.token,
    backoff: { baseMs: 10, maxMs: 40 },
    onReport: (r) => reports.push(r),
    ...rest,
    source,
    profile: { ...REALTIME, ...profile },
  });
  return {
    fake,
    source,
    shipper,
    reports,
    append(from, to, urgent = false, pad = 0) {
      for (let s = from; s <= to; s++) source.append(fakeRecord(STREAM, s, pad), urgent && s === to);
    },
    async done() {
      await shipper.close({ graceMs: 200 });
      await fake.stop();
    },
  };
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** True when `xs` never decreases. */
export const nonDecreasing = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || x >= xs[i - 1]!);
