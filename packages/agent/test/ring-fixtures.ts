/**
 * Shared by the ring tests: a real chained stream (catalogue events through
 * prepareEvent, stamped and linked with core's chain functions, payload =
 * canonical JSON), a seeded PRNG, and a scratch directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  advanceHead,
  type ChainedEvent,
  canonicalize,
  createUuidV7Generator,
  genesisHead,
  nextChainFields,
  type PrepareContext,
  prepareEvent,
} from '@seclog/core';

/** mulberry32: small and seeded, so a failing case replays from its seed. */
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

export interface Stream {
  readonly records: ChainedEvent[];
  /** Canonical JSON of each record, as the logger stores it. */
  readonly payloads: Buffer[];
}

const USERS = ['admin', 'root', 'operator', 'svc-backup', 'guest'];

/** `n` chained records of one stream, ~250–400 bytes each. */
export function chainedStream(n: number, seed = 1, stream = `cam-17.s${seed}`): Stream {
  const rand = prng(seed);
  let now = Date.UTC(2026, 10, 27, 13, 0, 0);
  const ctx: PrepareContext = {
    device: { id: 'cam-17', fw: '2.4.1', model: 'IPC-300' },
    redaction: { salt: new Uint8Array(32).fill(7) },
    now: () => now,
    newId: createUuidV7Generator(() => now),
    tq: { synced: true, source: 'ntp', accuracy_ms: 4 },
  };
  let head = genesisHead(stream);
  const records: ChainedEvent[] = [];
  const payloads: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    now += 1 + Math.floor(rand() * 5000);
    const user = USERS[Math.floor(rand() * USERS.length)] as string;
    const ev =
      rand() < 0.7
        ? prepareEvent(
            'authn_login_fail',
            {
              actor: { user, ip: `203.0.113.${1 + Math.floor(rand() * 250)}` },
              attrs: { method: 'password', reason: 'bad_password', interface: 'web' },
              ...(rand() < 0.3 ? { message: 'x'.repeat(Math.floor(rand() * 120)) } : {}),
            },
            ctx,
          ).event
        : prepareEvent(
            'config_change',
            {
              actor: { user },
              target: { setting: 'firewall.wan.allow_ssh' },
              attrs: { category: 'firewall', old_value: 'false', new_value: 'true', interface: 'ssh' },
            },
            ctx,
          ).event;
    const rec = { ...ev, ...nextChainFields(head, { boot: 'b7e1c2', monoMs: i * 10 }) } as ChainedEvent;
    head = advanceHead(head, rec);
    records.push(rec);
    payloads.push(Buffer.from(canonicalize(rec), 'utf8'));
  }
  return { records, payloads };
}

/**
 * A scratch directory. tmpfs (/dev/shm) when there is one: the power-cut
 * tests open thousands of damaged copies, and what they check is the file's
 * content, not the disk's fsync latency (4 ms per fdatasync on the project's
 * CI disk).
 */
export function scratchDir(prefix: string, preferMemory = true): { dir: string; cleanup: () => void } {
  let base = tmpdir();
  if (preferMemory) {
    try {
      const d = mkdtempSync(join('/dev/shm', `${prefix}-`));
      return { dir: d, cleanup: () => rmSync(d, { recursive: true, force: true }) };
    } catch {
      base = tmpdir();
    }
  }
  const dir = mkdtempSync(join(base, `${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
