/**
 * Test support for the ingest integrity tests: an IngestService on a real
 * SQLite store (a file, so it can restart), enrolled devices with a chosen k_0
 * and seal policy, and device streams with real seals made by core's Sealer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainedEvent, LogSealAttrs, SealerPolicy } from '@seclog/core';
import {
  computeSealTag,
  createSealerState,
  EpochKeys,
  formatEventTime,
  recordChainHashHex,
  Sealer,
  SeclogError,
  sealBody,
  uuidv7,
  ZERO_HASH_HEX,
} from '@seclog/core';
import { GroupCommitter } from '../src/ingest/group-commit.js';
import { type IngestAck, IngestService } from '../src/ingest/ingest-service.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite-store.js';
import type { DeviceRow } from '../src/store/types.js';

/** 2026-01-01T00:00:00Z: the epoch grid of the test devices starts here. */
export const T0_MS = Date.UTC(2026, 0, 1);
export const POLICY: SealerPolicy = { t0Ms: T0_MS, epochMs: 60_000, maxRecords: 50 };

export function testDevice(id: string, k0: Uint8Array, policy: SealerPolicy = POLICY): DeviceRow {
  return {
    id,
    profile: 'high',
    tokenHash: Buffer.from(`token of ${id}`.padEnd(32, '.')).subarray(0, 32),
    sealKey: Buffer.from(k0),
    createdUs: policy.t0Ms * 1000,
    revokedUs: null,
    lastSeenUs: null,
    sealT0Ms: policy.t0Ms,
    sealEpochMs: policy.epochMs,
    sealMaxRecords: policy.maxRecords,
  };
}

export const k0Of = (id: string): Buffer => Buffer.alloc(32, id.length + id.charCodeAt(0));

/** A device stream written like an agent would: records, and log_seal records made by core's Sealer. */
export class StreamBuilder {
  readonly records: ChainedEvent[] = [];
  readonly stream: string;
  readonly device: string;
  readonly k0: Buffer;
  readonly policy: SealerPolicy;
  readonly #sealer: Sealer;
  readonly #boot = uuidv7();
  /** The device clock, ms; every record advances it by 1 ms unless told otherwise. */
  clockMs: number;

  constructor(device: string, options: { k0?: Buffer; policy?: SealerPolicy; stream?: string; startMs?: number } = {}) {
    this.device = device;
    this.stream = options.stream ?? `${device}.s1`;
    this.k0 = options.k0 ?? k0Of(device);
    this.policy = options.policy ?? POLICY;
    this.clockMs = options.startMs ?? this.policy.t0Ms;
    this.#sealer = new Sealer(createSealerState({ ...this.policy, deviceId: device, stream: this.stream, k0: this.k0 }));
  }

  get lastSeq(): number {
    return this.records.length;
  }

  get head(): string {
    const last = this.records.at(-1);
    return last === undefined ? ZERO_HASH_HEX : recordChainHashHex(last);
  }

  /** Appends one record (any event) at the next seq. */
  push(name: string, attrs: Record<string, string | number | boolean>, atMs = ++this.clockMs): ChainedEvent {
    this.clockMs = Math.max(this.clockMs, atMs);
    const rec: ChainedEvent = {
      v: 1,
      id: uuidv7(),
      name,
      time: formatEventTime({ ms: atMs, us: 0 }),
      severity: name === 'log_seal' ? 'info' : 'medium',
      outcome: name === 'log_seal' ? 'success' : 'failure',
      device: { id: this.device },
      ...(name === 'log_seal' ? {} : { actor: { user: 'admin', ip: '203.0.113.9' } }),
      attrs,
      stream: this.stream,
      seq: this.records.length + 1,
      boot: this.#boot,
      mono_ms: (this.records.length + 1) * 10,
      prev: this.head,
      tq: { synced: true, source: 'ntp' },
    };
    this.records.push(rec);
    return rec;
  }

  /** n login failures. */
  add(n: number): this {
    for (let i = 0; i < n; i++) this.push('authn_login_fail', { method: 'password', reason: 'bad_password' });
    return this;
  }

  /** Closes the current epoch now (early, before its grid line) with a seal from the Sealer. */
  seal(nowMs = ++this.clockMs): LogSealAttrs {
    const attrs = this.#sealer.seal({ lastSeq: this.lastSeq, chainHead: this.head, oldestRetainedSeq: 1, nowMs });
    this.push('log_seal', attrs, nowMs);
    return attrs;
  }

  /** A seal from the Sealer, changed by `mutate` before it is appended (the Sealer moves on as if it were not). */
  sealWith(mutate: (a: LogSealAttrs) => LogSealAttrs, nowMs = ++this.clockMs): LogSealAttrs {
    const attrs = mutate(this.#sealer.seal({ lastSeq: this.lastSeq, chainHead: this.head, oldestRetainedSeq: 1, nowMs }));
    this.push('log_seal', attrs, nowMs);
    return attrs;
  }

  /** The tag of `attrs` under the key of epoch `keyEpoch`. */
  tagWith(attrs: LogSealAttrs, keyEpoch: number): LogSealAttrs {
    const { tag: _, ...body } = attrs;
    return { ...attrs, tag: computeSealTag(new EpochKeys(this.k0).sealKeyAt(keyEpoch), sealBody(body, this.device, this.stream)) };
  }

  /** One record at `atMs`, as an agent appends it: first a seal for every epoch that is due (grid line or record count). */
  addAt(atMs: number): this {
    while (this.#sealer.sealDue(atMs, this.lastSeq)) {
      const attrs = this.#sealer.seal({ lastSeq: this.lastSeq, chainHead: this.head, oldestRetainedSeq: 1, nowMs: atMs });
      this.push('log_seal', attrs, atMs);
    }
    this.push('authn_login_fail', { method: 'password', reason: 'bad_password' }, atMs);
    return this;
  }

  /** `n` epochs of `perEpoch` records, each closed by a seal. */
  epochs(n: number, perEpoch: number): this {
    for (let i = 0; i < n; i++) this.add(perEpoch).seal();
    return this;
  }

  /** A seal made outside the Sealer: `attrs` as given, tagged with the key of `keyEpoch`. */
  forgeSeal(attrs: Omit<LogSealAttrs, 'tag'>, keyEpoch: number): void {
    const sk = new EpochKeys(this.k0).sealKeyAt(keyEpoch);
    const tag = computeSealTag(sk, sealBody(attrs, this.device, this.stream));
    this.push('log_seal', { ...attrs, tag }, ++this.clockMs);
  }

  /** The attrs a seal at the next seq would carry to continue `prev` (a seal record) for an epoch without records. */
  nextSealAttrs(prev: ChainedEvent, epoch: number): Omit<LogSealAttrs, 'tag'> {
    const p = prev.attrs as LogSealAttrs;
    return {
      epoch,
      first_seq: prev.seq + 1,
      last_seq: this.lastSeq,
      chain_head: this.head,
      prev_seal_tag: p.tag,
      oldest_retained_seq: 1,
      epoch_start: p.epoch_end,
      epoch_end: formatEventTime({ ms: this.clockMs + 1, us: 0 }),
    };
  }

  /** Records [from, to] by seq, inclusive. */
  range(from: number, to: number): ChainedEvent[] {
    return this.records.slice(from - 1, to);
  }
}

export interface OwnRecord {
  name: string;
  attrs: Record<string, string | number | boolean>;
  message?: string;
}

/** An IngestService with its group committer on a SQLite file, restartable. */
export class IngestHarness {
  store: SqliteStore;
  service: IngestService;
  readonly dir: string;

  readonly #memory: boolean;
  /** IngestServiceOptions.seenResolutionMs of the services this harness makes (0: every batch commits). */
  seenResolutionMs = 0;

  /** `memory`: an in-memory database (fast, no fsync; cannot restart). */
  constructor(options: { memory?: boolean } = {}) {
    this.#memory = options.memory === true;
    this.dir = this.#memory ? '' : mkdtempSync(join(tmpdir(), 'seclog-ingest-'));
    this.store = openSqliteStore(this.#memory ? ':memory:' : join(this.dir, 'seclog.db'));
    this.service = this.#service();
  }

  /** The committer of the current service (its `commits` counts commitBatches calls). */
  committer!: GroupCommitter;

  #service(): IngestService {
    const committer = new GroupCommitter(this.store, { windowMs: 0 });
    this.committer = committer;
    return new IngestService(
      this.store,
      committer,
      'test.example/log',
      {
        maxBatchRecords: 1000,
        maxBatchBytes: 4 << 20,
        perDeviceRatePerSec: 1e9,
      },
      { seenResolutionMs: this.seenResolutionMs },
    );
  }

  enrol(row: DeviceRow): DeviceRow {
    this.store.putDevice(row);
    return row;
  }

  /** Closes the database and opens it again, with a new service (as after a restart). */
  restart(): void {
    if (this.#memory) throw new Error('an in-memory harness cannot restart');
    this.store.close();
    this.store = openSqliteStore(join(this.dir, 'seclog.db'));
    this.service = this.#service();
  }

  /** Sends one batch; a SeclogError is returned, not thrown. */
  async send(device: DeviceRow, records: readonly ChainedEvent[]): Promise<IngestAck | SeclogError> {
    const stream = records[0]?.stream ?? 'none';
    try {
      return await this.service.ingest(this.store.getDevice(device.id) ?? device, { device: device.id, stream, records: [...records] });
    } catch (err) {
      if (err instanceof SeclogError) return err;
      throw err;
    }
  }

  /** Sends and expects an ACK. */
  async ack(device: DeviceRow, records: readonly ChainedEvent[]): Promise<IngestAck> {
    const r = await this.send(device, records);
    if (r instanceof SeclogError) throw new Error(`expected an ACK, got ${r.code}: ${r.message}`);
    return r;
  }

  /** The collector's own records, in log order. */
  own(): OwnRecord[] {
    return this.store
      .readEvents(0, this.store.eventCount())
      .filter((e) => e.device === COLLECTOR_DEVICE_ID)
      .map((e) => JSON.parse(e.canonical) as OwnRecord);
  }

  /** The integrity failures recorded, as [kind, seq]. */
  failures(): [string, number][] {
    return this.own()
      .filter((r) => r.name === 'log_integrity_fail')
      .map((r) => [r.attrs.kind as string, r.attrs.seq as number]);
  }

  /** The stored records of a device stream, in seq order, and how many rows each seq has. */
  stored(device: string, stream: string): { records: ChainedEvent[]; copies: Map<number, number> } {
    const rows = this.store.readEvents(0, this.store.eventCount()).filter((e) => e.device === device && e.stream === stream);
    const copies = new Map<number, number>();
    for (const r of rows) copies.set(r.seq as number, (copies.get(r.seq as number) ?? 0) + 1);
    const records = rows.map((r) => JSON.parse(r.canonical) as ChainedEvent).sort((a, b) => a.seq - b.seq);
    return { records, copies };
  }

  close(): void {
    this.store.close();
    if (!this.#memory) rmSync(this.dir, { recursive: true, force: true });
  }
}
