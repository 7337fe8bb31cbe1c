/**
 * At open: continue the stream the ring holds, or start a new one.
 *
 * The stream continues when the ring's state names it, for this device and
 * enrolment, and the newest record in the ring belongs to it: the chain head
 * (seq, hash) is then that record's, and the sealer is the persisted one
 * brought up to date with any seal appended after the last state write
 * (seal-replay.ts). Otherwise a new stream starts (DESIGN.md §5, protocol.md
 * §3), for one of core's reasons:
 *
 *   first_start    a new ring (or one that never held a logger's state)
 *   state_lost     the state slots are gone (both damaged), or the file held no ring
 *   state_corrupt  the state cannot be read or does not match the records
 *                  (records lost at the head, a seal that does not follow)
 *   reenrolled     another device id or another k_0 than the state's
 *
 * A new stream empties the ring (its records belong to the old stream, and
 * seqs start at 1 again); the unacknowledged ones among them are returned
 * for a `log_dropped` naming the old stream, and its newest record becomes
 * the `stream_start`'s link to the past.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { ChainHead, SealerState, StreamStartReason } from '@seclog/core';
import { createSealerState, parseDateTime, recordChainHashHex, uuidv7 } from '@seclog/core';
import type { RingStore } from '../ring/ring-store.js';
import type { CorruptRange, DropReport } from '../ring/ring-types.js';
import type { ResolvedLoggerConfig } from './logger-config.js';
import { decodeState, type LoggerState } from './logger-state.js';
import { readNewest } from './ring-scan.js';
import { replaySeals } from './seal-replay.js';

export interface NewStream {
  readonly reason: StreamStartReason;
  readonly why: string;
  /** The last record known of the previous stream (same device only). */
  readonly previous: ChainHead | undefined;
  /** Unacknowledged records of the previous stream that the reset discarded. */
  readonly dropped: DropReport | null;
  readonly oldStream: string | undefined;
}

export interface Resumed {
  readonly state: LoggerState;
  readonly head: ChainHead;
  /** No record of the stream may be stamped before this (ms). */
  readonly floorMs: number;
  /** Set when a new stream must be started (its stream_start is not written yet). */
  readonly start: NewStream | undefined;
  /** Seals found in the ring that the state did not know of; the state must be written (with erase). */
  readonly sealsReplayed: number;
  /** Damage met while reading records back. */
  readonly corrupt: readonly CorruptRange[];
}

const timeMs = (t: string): number => {
  const p = parseDateTime(t);
  return p.ms + (p.us > 0 ? 1 : 0);
};

export function resumeStream(ring: RingStore, cfg: ResolvedLoggerConfig, nowMs: number): Resumed {
  const corrupt: CorruptRange[] = [];
  const decoded = decodeState(ring.state);
  const newest = readNewest(ring, corrupt);
  const stats = ring.stats();
  const rec = ring.recovery;
  const st = typeof decoded === 'object' ? decoded : undefined;

  let reason: StreamStartReason | undefined;
  let why = '';
  if (decoded === 'corrupt') [reason, why] = ['state_corrupt', 'the logger state in the ring cannot be read'];
  else if (decoded === 'empty') {
    const fresh = rec.reinitialised === null && stats.records === 0 && (rec.created || rec.slot !== null);
    [reason, why] = fresh ? ['first_start', 'a new store'] : ['state_lost', 'the logger state in the ring is gone'];
  } else if (st !== undefined && st.device !== cfg.device) [reason, why] = ['reenrolled', `the store belonged to device ${st.device}`];
  else if (st !== undefined && cfg.k0Id !== undefined && st.k0Id !== null && st.k0Id !== cfg.k0Id) {
    [reason, why] = ['reenrolled', 'the device file holds another seal key than the stream was started with'];
  } else if (newest === undefined) [reason, why] = ['state_lost', 'no record of the stream is left in the store'];
  else if (newest.stream !== st?.stream) [reason, why] = ['state_corrupt', 'the newest record belongs to another stream than the state'];
  else if (stats.nextSeq > newest.seq + 1) {
    [reason, why] = ['state_corrupt', `records after seq ${newest.seq} are lost (the store continues at ${stats.nextSeq})`];
  }

  if (reason === undefined && st !== undefined && newest !== undefined) {
    const head: ChainHead = { stream: st.stream, seq: newest.seq, hash: recordChainHashHex(newest) };
    let state = st;
    let replayed = 0;
    let floorMs = timeMs(newest.time);
    if (st.sealer !== null) {
      const r = replaySeals(ring, st.sealer, head.seq, corrupt);
      if ('problem' in r) [reason, why] = ['state_corrupt', r.problem];
      else {
        state = { ...st, sealer: r.state };
        replayed = r.replayed;
        floorMs = Math.max(floorMs, Math.ceil(r.state.epochStartUs / 1000));
      }
    }
    if (reason === undefined) return { state, head, floorMs, start: undefined, sealsReplayed: replayed, corrupt };
  }

  // A new stream.
  const previous =
    newest !== undefined && newest.device?.id === cfg.device
      ? { stream: newest.stream, seq: newest.seq, hash: recordChainHashHex(newest) }
      : undefined;
  const oldStream = newest?.stream ?? st?.stream;
  const dropped = stats.records > 0 || stats.nextSeq > 1 ? ring.reset() : null;
  const stream = uuidv7();
  const startMs = Math.max(Math.floor(nowMs), cfg.seal?.t0Ms ?? 0);
  let sealer: SealerState | null = null;
  if (cfg.k0 !== undefined && cfg.seal !== undefined) {
    // Epoch 0 opens when the stream does, on the enrolment grid: starting it at t0 instead would make a
    // device that first starts long after enrolment seal every epoch in between.
    const s = createSealerState({ ...cfg.seal, deviceId: cfg.device, stream, k0: cfg.k0, firstSeq: 1 });
    sealer = { ...s, epochStartUs: startMs * 1000 };
  }
  const salt =
    cfg.k0 !== undefined
      ? createHmac('sha256', cfg.k0).update('seclog/redaction-salt/v1').digest('hex')
      : (st?.salt ?? randomBytes(32).toString('hex'));
  const state: LoggerState = { v: 1, device: cfg.device, stream, k0Id: cfg.k0Id ?? null, salt, sealer, disabled: st?.disabled ?? [] };
  return {
    state,
    head: { stream, seq: 0, hash: '0'.repeat(64) },
    floorMs: startMs,
    start: { reason: reason ?? 'other', why, previous, dropped, oldStream },
    sealsReplayed: 0,
    corrupt,
  };
}
