/**
 * The query benchmark's workload, shared by `npm run bench -- query` (SQLite)
 * and `-- postgres`: a deterministic fleet of 1,000 devices' records, and the
 * queries of docs/query.md timed against any Store.
 */
import type { BatchWrite, EventQuery, IncomingRecord, Store } from '@seclog/collector';
import { canonicalize, type Hash, type SecurityEvent } from '@seclog/core';
import type { Figure } from './harness.js';

export const DEVICES = 1000;
/** Part 1 (as DESIGN.md §7 states the ingest target): batches of 100, 10 per transaction. */
export const BATCH = 100;
export const GROUP = 10;
export const NAMES = [
  'authn_login_fail',
  'authn_login_success',
  'authn_logout',
  'session_start',
  'session_end',
  'authz_fail',
  'config_change',
  'account_create',
  'account_lock',
  'update_install',
  'update_fail',
  'sys_startup',
  'sys_shutdown',
  'time_sync',
  'crypto_key_rotate',
  'net_conn_blocked',
  'net_conn_open',
  'log_access',
  'crypto_verify_fail',
  'authz_grant',
];
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const OUTCOMES = ['success', 'failure', 'unknown'] as const;
export const T0_MS = Date.UTC(2026, 0, 5);
export const HOUR_US = 3_600_000_000;

/** A small deterministic PRNG, so two runs build the same store. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const homeIp = (dev: number, k: number) => `10.${(dev >> 8) & 255}.${dev & 255}.${1 + k}`;
export const poolIp = (n: number) => `203.0.${Math.floor(n / 250) % 20}.${n % 250}`;
export const homeUser = (dev: number, k: number) => `op-${String(dev).padStart(4, '0')}-${k}`;
export const deviceId = (dev: number) => `dev-${String(dev).padStart(4, '0')}`;

/**
 * Batches of records from 1,000 devices in turn, one every `spacingUs` per device
 * (± half), so a batch covers `batchSize` × spacing of device time; clocks are
 * synchronised within ±2 s except one device in 100, off by up to ±3 h.
 * 60% of records name an actor: IPs are 70% one of the device's two consoles, 30%
 * one of 5,000 others; users 70% one of the device's three operators, 30% one of 200.
 */
export class Generator {
  readonly #seq = new Array<number>(DEVICES).fill(0);
  readonly #clockUs: number[];
  /** Each device's clock error: within ±2 s (synchronised), or within ±3 h for 1 device in 100. */
  readonly #offsetUs: number[];
  readonly #r: () => number;
  readonly #spacingUs: number;
  readonly #batchSize: number;
  readonly #digest = new Uint8Array(32).fill(7) as Hash;
  #dev = 0;
  /** Every 997th record id, for the id lookups. */
  readonly sampleIds: string[] = [];
  count = 0;

  constructor(spacingUs: number, batchSize = BATCH, seed = 1) {
    this.#batchSize = batchSize;
    this.#r = prng(seed);
    this.#spacingUs = spacingUs;
    this.#clockUs = Array.from({ length: DEVICES }, (_, d) => T0_MS * 1000 + d * 997);
    this.#offsetUs = Array.from({ length: DEVICES }, (_, d) => Math.round((this.#r() - 0.5) * (d % 100 === 42 ? 6 * HOUR_US : 4_000_000)));
  }

  get endUs(): number {
    return Math.max(...this.#clockUs);
  }

  batch(): BatchWrite {
    const dev = this.#dev;
    this.#dev = (dev + 1) % DEVICES;
    const r = this.#r;
    const device = deviceId(dev);
    const stream = `${device}.s1`;
    const records: IncomingRecord[] = new Array(this.#batchSize);
    for (let i = 0; i < this.#batchSize; i++) {
      const seq = ++(this.#seq[dev] as number);
      // The fleet's clock moves `spacingUs` per record of each device; a record is stamped within half
      // a spacing of it, plus its device's clock error.
      const tick = (this.#clockUs[dev] as number) + this.#spacingUs;
      this.#clockUs[dev] = tick;
      const us = tick + (this.#offsetUs[dev] as number) + Math.floor(this.#spacingUs * (r() - 0.5));
      const ms = Math.floor(us / 1000);
      const withActor = r() < 0.6;
      const ip = r() < 0.7 ? homeIp(dev, Math.floor(r() * 2)) : poolIp(Math.floor(r() * 5000));
      const user = r() < 0.7 ? homeUser(dev, Math.floor(r() * 3)) : `user${Math.floor(r() * 200)}`;
      const name = NAMES[Math.floor(r() * NAMES.length)] as string;
      const hex = ms.toString(16).padStart(12, '0');
      const rand = Math.floor(r() * 2 ** 48)
        .toString(16)
        .padStart(12, '0');
      const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${rand.slice(0, 3)}-9${rand.slice(3, 6)}-${rand.slice(0, 6)}${(this.count & 0xffffff).toString(16).padStart(6, '0')}`;
      if (this.count % 997 === 0) this.sampleIds.push(id);
      const record: SecurityEvent = {
        v: 1,
        id,
        name,
        time: `${new Date(ms).toISOString().slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}Z`,
        severity: SEVERITIES[Math.floor(r() * 5)] as (typeof SEVERITIES)[number],
        outcome: OUTCOMES[Math.floor(r() * 3)] as (typeof OUTCOMES)[number],
        device: { id: device },
        ...(withActor ? { actor: { ip, user, port: 40000 + Math.floor(r() * 20000) } } : {}),
        attrs: { method: 'password', reason: 'bad_password' },
        ...(r() < 0.2 ? { message: `${name} for ${user} from ${ip}` } : {}),
        stream,
        seq,
        boot: 'b7e1c2',
        mono_ms: seq * 20,
        prev: 'a3f1c9e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8',
      };
      records[i] = {
        record,
        canonical: canonicalize(record),
        digest: this.#digest,
        chainHash: this.#digest,
        receivedUs: T0_MS * 1000 + this.count,
      };
      this.count++;
    }
    const seq = this.#seq[dev] as number;
    return { device, stream, records, cursor: { device, stream, ackedSeq: seq, head: this.#digest } };
  }

  group(batches = GROUP): BatchWrite[] {
    return Array.from({ length: batches }, () => this.batch());
  }
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export interface Measured {
  p50: number;
  p95: number;
  avgEvents: number;
}

/** Latency percentiles of `run`; a run that returns `{ n, ms }` times only its own part. */
export function measure(run: (i: number) => number | { n: number; ms: number }, n = 300, warmup = 30): Measured {
  for (let i = 0; i < warmup; i++) run(i);
  const ms: number[] = [];
  let events = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = run(warmup + i);
    const took = performance.now() - t0;
    events += typeof r === 'number' ? r : r.n;
    ms.push(typeof r === 'number' ? took : r.ms);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), avgEvents: events / n };
}

/** p50 and p95 of each query of docs/query.md against `store`, which holds `gen`'s records. */
export function queryFigures(store: Store, gen: Generator): Figure[] {
  const figures: Figure[] = [];
  const r = prng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const dev = () => Math.floor(r() * DEVICES);
  const startUs = T0_MS * 1000;
  const spanUs = gen.endUs - startUs;
  const windowAt = (): { fromUs: number; toUs: number } => {
    const fromUs = startUs + Math.floor(r() * Math.max(1, spanUs - HOUR_US));
    return { fromUs, toUs: fromUs + HOUR_US };
  };
  const q = (query: Omit<EventQuery, 'limit'>, limit = 100) => store.queryEvents({ ...query, limit }).events.length;
  const kinds: [string, () => number | { n: number; ms: number }][] = [
    ['device + 1 h window', () => q({ device: deviceId(dev()), ...windowAt() })],
    ['device, newest 100', () => q({ device: deviceId(dev()) })],
    ['ip (a console of one device)', () => q({ ip: homeIp(dev(), Math.floor(r() * 2)) })],
    ['ip (one of 5,000 shared)', () => q({ ip: poolIp(Math.floor(r() * 5000)) })],
    ['ip + 1 h window', () => q({ ip: poolIp(Math.floor(r() * 5000)), ...windowAt() })],
    ['user', () => q({ user: r() < 0.5 ? homeUser(dev(), Math.floor(r() * 3)) : `user${Math.floor(r() * 200)}` })],
    ['name + 1 h window', () => q({ name: pick(NAMES), ...windowAt() })],
    ['1 h window, no other filter', () => q({ ...windowAt() })],
    ['severity + outcome', () => q({ severity: pick(SEVERITIES), outcome: pick(OUTCOMES) })],
    ['q, common text', () => q({ text: `user${Math.floor(r() * 200)}` })],
    ['q, text that matches nothing (one full scan budget)', () => q({ text: 'no-such-text' })],
    ['q + device', () => q({ device: deviceId(dev()), text: 'bad_password' })],
    [
      'page 10 of a device (100 per page, cursor of page 9)',
      () => {
        const device = deviceId(dev());
        let before: number | undefined;
        for (let p = 0; p < 9 && (p === 0 || before !== undefined); p++) {
          before = store.queryEvents({ device, limit: 100, ...(before === undefined ? {} : { beforePos: before }) }).nextBeforePos;
        }
        const t0 = performance.now();
        const n = store.queryEvents({ device, limit: 100, ...(before === undefined ? {} : { beforePos: before }) }).events.length;
        return { n, ms: performance.now() - t0 };
      },
    ],
    ['events/:id', () => (store.getEventById(pick(gen.sampleIds)) === undefined ? 0 : 1)],
  ];
  // SECLOG_BENCH_QUERIES="user,name" times only the queries whose names contain one of those words (a full
  // run over ten million rows spends most of its time in the text searches, which scan).
  const only = (process.env.SECLOG_BENCH_QUERIES ?? '')
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '');
  for (const [name, fn] of kinds) {
    if (only.length > 0 && !only.some((w) => name.includes(w))) continue;
    const m = measure(fn);
    process.stderr.write(
      `  ${name}: p50 ${m.p50.toFixed(2)} ms, p95 ${m.p95.toFixed(2)} ms, ${m.avgEvents.toFixed(1)} events on average\n`,
    );
    figures.push(
      { name: `${name} p50`, value: m.p50, unit: 'ms', better: 'lower' },
      { name: `${name} p95`, value: m.p95, unit: 'ms', better: 'lower' },
    );
  }
  return figures;
}
