/**
 * Realistic device streams for the chain and seal tests, built the way the
 * agent will: catalogue events through prepareEvent, stamped with
 * nextChainFields, sealed by the Sealer before any record that opens a new
 * epoch, into a simulated byte ring. The tests at the bottom check the
 * builder itself, so the tamper tests start from known-good data.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { advanceHead, type ChainHead, genesisHead, nextChainFields } from '../src/chain/chain-head.js';
import { type PrepareContext, prepareEvent } from '../src/event/prepare.js';
import type { ChainedEvent, SecurityEvent } from '../src/event/types.js';
import { validateEvent } from '../src/event/validate.js';
import { createUuidV7Generator } from '../src/id/uuidv7.js';
import { defaultStoredSize } from '../src/seal/front-cut.js';
import { createSealerState, Sealer, type SealerPolicy, type SealerState } from '../src/seal/sealer.js';

export const DEVICE_ID = 'cam-17';
export const T0_MS = Date.UTC(2026, 10, 27, 13, 0, 0);
export const POLICY: SealerPolicy = { t0Ms: T0_MS, epochMs: 60_000, maxRecords: 12 };

/** mulberry32: a small seeded PRNG, so a failing property replays from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BuildOptions {
  seed: number;
  /** Application records to write; seals come on top. */
  records: number;
  stream?: string;
  /** Seal with this policy (default POLICY); false for a bare chain. */
  policy?: SealerPolicy | false;
  k0?: Buffer;
  /** Ring size in bytes (default: unbounded). */
  capacityBytes?: number;
  /** Change an application record before it is chained (the device writes it so). */
  mutate?: (ev: SecurityEvent, appIndex: number) => void;
  /** Open the stream with a stream_start linking to this head. */
  previous?: ChainHead;
}

export interface BuiltStream {
  records: ChainedEvent[];
  /** Index of the first record still in the simulated ring. */
  ringFrom: number;
  k0: Buffer;
  policy: SealerPolicy;
  stream: string;
  /** The device clock after the last append, ms. */
  endMs: number;
  /** The sealer's state at the end: its key is the one a compromise now would expose. */
  finalState: SealerState | null;
  /** The largest stored size of any record written. */
  maxStoredBytes: number;
  head: ChainHead;
}

const USERS = ['admin', 'root', 'operator', 'svc-backup', 'guest', 'installer'];
const SETTINGS = ['firewall.wan.allow_ssh', 'network.dhcp', 'auth.mfa', 'ntp.server', 'update.channel'];

export function buildStream(opts: BuildOptions): BuiltStream {
  const rand = prng(opts.seed);
  const policy = opts.policy === false ? POLICY : (opts.policy ?? POLICY);
  const stream = opts.stream ?? `cam-17.s${opts.seed}`;
  const k0 = opts.k0 ?? Buffer.from(Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
  const sealer = opts.policy === false ? null : new Sealer(createSealerState({ ...policy, deviceId: DEVICE_ID, stream, k0 }));
  let now = T0_MS + 1 + rand() * 1000;
  const ctx: PrepareContext = {
    device: { id: DEVICE_ID, fw: '2.4.1', model: 'IPC-300' },
    redaction: { salt: new Uint8Array(32).fill(7) },
    now: () => now,
    newId: createUuidV7Generator(() => now),
    tq: { synced: true, source: 'ntp', accuracy_ms: 4 },
  };
  const records: ChainedEvent[] = [];
  const ring: number[] = []; // stored sizes of records ringFrom..end
  let ringFrom = 0;
  let ringBytes = 0;
  let maxStoredBytes = 0;
  let head = genesisHead(stream);
  const append = (ev: SecurityEvent): void => {
    const rec = { ...ev, ...nextChainFields(head, { boot: 'b7e1c2', monoMs: Math.floor(now - T0_MS) }) } as ChainedEvent;
    head = advanceHead(head, rec);
    records.push(rec);
    const size = defaultStoredSize(rec);
    maxStoredBytes = Math.max(maxStoredBytes, size);
    ring.push(size);
    ringBytes += size;
    while (opts.capacityBytes !== undefined && ringBytes > opts.capacityBytes) {
      ringBytes -= ring.shift() as number;
      ringFrom++;
    }
  };
  const sealNow = (): void => {
    const s = sealer as Sealer;
    const oldestRetainedSeq = ringFrom < records.length ? (records[ringFrom] as ChainedEvent).seq : head.seq + 1;
    const attrs = s.seal({ lastSeq: head.seq, chainHead: head.hash, oldestRetainedSeq, nowMs: now });
    append(prepareEvent('log_seal', { attrs }, ctx).event);
  };
  if (opts.previous !== undefined) {
    const p = opts.previous;
    append(
      prepareEvent('stream_start', { attrs: { reason: 'state_lost', prev_stream: p.stream, prev_seq: p.seq, prev_hash: p.hash } }, ctx)
        .event,
    );
  }
  for (let i = 0; i < opts.records; i++) {
    // Mostly a few seconds apart; now and then a silence of up to three epochs, so empty epochs happen.
    now += rand() < 0.93 ? 1 + rand() * (policy.epochMs / 8) : rand() * 3 * policy.epochMs;
    while (sealer?.sealDue(now, head.seq)) sealNow();
    const user = USERS[Math.floor(rand() * USERS.length)] as string;
    const ip = `203.0.113.${1 + Math.floor(rand() * 250)}`;
    const ev =
      rand() < 0.6
        ? prepareEvent(
            'authn_login_fail',
            {
              actor: { user, ip, port: 1024 + Math.floor(rand() * 60000) },
              attrs: { method: 'password', reason: 'bad_password', interface: 'web' },
            },
            ctx,
          ).event
        : prepareEvent(
            'config_change',
            {
              actor: { user, ip },
              target: { setting: SETTINGS[Math.floor(rand() * SETTINGS.length)] as string },
              attrs: { category: 'firewall', old_value: String(rand() < 0.5), new_value: String(rand() < 0.5), interface: 'ssh' },
              message: `setting changed by ${user}`,
            },
            ctx,
          ).event;
    opts.mutate?.(ev, i);
    append(ev);
  }
  return { records, ringFrom, k0, policy, stream, endMs: now, finalState: sealer?.state() ?? null, maxStoredBytes, head };
}

/** A deep copy of one record, to tamper with without touching the pool. */
export function cloneRecord(r: ChainedEvent): ChainedEvent {
  return structuredClone(r);
}

/** What a tampered window must be reported as. */
export interface Want {
  kind: string;
  seq: number;
}

export interface Tampered {
  window: ChainedEvent[];
  want: Want;
}

const flipHex = (h: string, at: number): string => `${h.slice(0, at)}${h[at] === '0' ? '1' : '0'}${h.slice(at + 1)}`;

/** Field edits by mutation name; each must show as `modified` at the edited record. */
export const EDITS: Record<string, (r: ChainedEvent) => void> = {
  'attr changed': (r) => {
    r.attrs.interface = `${String(r.attrs.interface)}-x`;
  },
  'message changed': (r) => {
    r.message = `${r.message ?? ''} (edited)`;
  },
  'time changed': (r) => {
    r.time = '2026-01-01T00:00:00.000000Z';
  },
  'severity changed': (r) => {
    r.severity = r.severity === 'info' ? 'critical' : 'info';
  },
  'actor changed': (r) => {
    if (r.actor) delete r.actor;
    else r.actor = { user: 'mallory' };
  },
  'bit flip in prev': (r) => {
    r.prev = flipHex(r.prev, 17);
  },
  // Not at position 0: there the first record's seq is the window's only anchor, and a shifted one reads as a front cut.
  'seq changed': (r) => {
    r.seq += 3;
  },
};

/** Give a value a short name in fast-check counterexamples (instead of thousands of records). */
export function labelled<T extends object>(value: T, label: string): T {
  return Object.assign(value, { [fc.toStringMethod]: () => label });
}

const span = (w: readonly ChainedEvent[]): string => `window seqs ${w[0]?.seq}..${w[w.length - 1]?.seq}`;

export function editAt(window: readonly ChainedEvent[], p: number, mutation: string): Tampered {
  const w = [...window];
  const r = cloneRecord(w[p] as ChainedEvent);
  const name = mutation === 'seq changed' && p === 0 ? 'attr changed' : mutation;
  (EDITS[name] as (r: ChainedEvent) => void)(r);
  w[p] = r;
  return labelled({ window: w, want: { kind: 'modified', seq: (window[p] as ChainedEvent).seq } }, `${name} at ${p} of ${span(window)}`);
}

/** Remove `count` records from position `from` (inside the window: not the first, not the last). */
export function deleteRun(window: readonly ChainedEvent[], from: number, count: number): Tampered {
  const w = [...window];
  w.splice(from, count);
  return labelled(
    { window: w, want: { kind: 'deleted', seq: (window[from] as ChainedEvent).seq } },
    `delete ${count} at ${from} of ${span(window)}`,
  );
}

/** A forged copy of record p (content changed; prev kept, or random) inserted before or after it. */
export function insertForged(window: readonly ChainedEvent[], p: number, after: boolean, randomPrev: boolean): Tampered {
  const w = [...window];
  const f = cloneRecord(w[p] as ChainedEvent);
  f.message = 'nothing happened here';
  if (randomPrev) f.prev = flipHex(f.prev, 40);
  w.splice(after ? p + 1 : p, 0, f);
  return labelled(
    { window: w, want: { kind: 'inserted', seq: f.seq } },
    `forged ${after ? 'after' : 'before'} ${p} (random prev: ${randomPrev}) of ${span(window)}`,
  );
}

export function swapAt(window: readonly ChainedEvent[], a: number, b: number): Tampered {
  const w = [...window];
  const [lo, hi] = a < b ? [a, b] : [b, a];
  w[lo] = window[hi] as ChainedEvent;
  w[hi] = window[lo] as ChainedEvent;
  return labelled(
    { window: w, want: { kind: 'reordered', seq: (window[lo] as ChainedEvent).seq } },
    `swap ${lo} and ${hi} of ${span(window)}`,
  );
}

/** Keep the first `keep` records. */
export { span };

export function cutTail(window: readonly ChainedEvent[], keep: number): Tampered {
  return labelled(
    { window: window.slice(0, keep), want: { kind: 'truncated', seq: (window[keep - 1] as ChainedEvent).seq + 1 } },
    `keep ${keep} of ${span(window)}`,
  );
}

/** SECLOG_SOAK=1 runs every property 25 times as often. */
export const SOAK = process.env.SECLOG_SOAK === '1';
export const runs = (n: number): number => (SOAK ? n * 25 : n);

// The checks of the builder run only when this file is the test file itself, not in every file that imports the builder.
const isEntry = /chain-fixtures\.test\.(ts|mjs)$/.test(process.argv[1] ?? '');

if (isEntry) {
  test('the builder writes valid, chained, sealed records', () => {
    const s = buildStream({ seed: 1, records: 300 });
    for (const r of s.records) assert.deepEqual(validateEvent(r, { chained: true }), [], `seq ${r.seq}`);
    const seals = s.records.filter((r) => r.name === 'log_seal');
    assert.ok(seals.length > 10, 'small epochs give many seals');
    assert.ok(
      seals.some((r) => r.attrs.last_seq === (r.attrs.first_seq as number) - 1),
      'silences give empty epochs',
    );
    assert.deepEqual(
      s.records.map((r) => r.seq),
      s.records.map((_, i) => i + 1),
    );
  });

  test('the simulated ring keeps a suffix within its capacity', () => {
    const s = buildStream({ seed: 2, records: 400, capacityBytes: 32 * 1024 });
    const kept = s.records.slice(s.ringFrom).reduce((n, r) => n + defaultStoredSize(r), 0);
    assert.ok(s.ringFrom > 0 && kept <= 32 * 1024 && kept + s.maxStoredBytes > 32 * 1024);
  });
}
