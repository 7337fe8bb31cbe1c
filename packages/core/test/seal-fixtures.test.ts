/**
 * What an attacker on the device can do to a sealed stream, for the seal
 * tests: rewrite the keyless hash chain at will, and seal with the key the
 * device holds NOW (k_E), which yields every later key but no earlier one.
 */

import { recordChainHashHex } from '../src/chain/chain-hash.js';
import { advanceHead, type ChainHead, genesisHead, nextChainFields } from '../src/chain/chain-head.js';
import { prepareEvent } from '../src/event/prepare.js';
import type { ChainedEvent, SecurityEvent } from '../src/event/types.js';
import { ZERO_HASH_HEX } from '../src/event/types.js';
import { createUuidV7Generator } from '../src/id/uuidv7.js';
import { eventTimeFromMicros, microsFromEventTime } from '../src/seal/epoch-time.js';
import { evolveKey, sealKey } from '../src/seal/key-schedule.js';
import { computeSealTag, type LogSealAttrs, sealBody } from '../src/seal/seal-body.js';
import { cloneRecord, DEVICE_ID } from './chain-fixtures.test.js';

/** The head after `records` (genesis when empty). */
export function headAfter(stream: string, records: readonly ChainedEvent[]): ChainHead {
  const last = records[records.length - 1];
  return last === undefined ? genesisHead(stream) : { stream, seq: last.seq, hash: recordChainHashHex(last) };
}

/** Append copies of `rest` after `prefix`, renumbered and re-linked: what anyone can do to a keyless chain. */
export function rechain(prefix: readonly ChainedEvent[], rest: readonly ChainedEvent[], stream: string): ChainedEvent[] {
  const out = [...prefix];
  let head = headAfter(stream, prefix);
  for (const r of rest) {
    const c = { ...cloneRecord(r), ...nextChainFields(head, { boot: r.boot, monoMs: r.mono_ms }) };
    head = advanceHead(head, c);
    out.push(c);
  }
  return out;
}

/** New application records written by the attacker after `records`, `stepMs` apart from `startMs`. */
export function resume(records: readonly ChainedEvent[], stream: string, n: number, startMs: number, stepMs = 1000): ChainedEvent[] {
  let now = startMs;
  const ctx = {
    device: { id: DEVICE_ID, fw: '2.4.1', model: 'IPC-300' },
    redaction: { salt: new Uint8Array(32) },
    now: () => now,
    newId: createUuidV7Generator(() => now),
  };
  const fresh: ChainedEvent[] = [];
  for (let i = 0; i < n; i++) {
    now += stepMs;
    const ev = prepareEvent(
      'authn_login_success',
      { actor: { user: 'admin', ip: '203.0.113.66' }, attrs: { method: 'password' } },
      ctx,
    ).event;
    fresh.push({ ...ev, stream, seq: 0, boot: 'b7e1c2', mono_ms: 0, prev: ZERO_HASH_HEX } as ChainedEvent);
  }
  return rechain(records, fresh, stream);
}

/** k_at from a compromised key k_from (from ≤ at): forward only. */
export function keyForward(keyHex: string, from: number, at: number): Buffer {
  let k: Buffer = Buffer.from(keyHex, 'hex');
  for (let e = from; e < at; e++) k = evolveKey(k, e);
  return k;
}

export interface ForgedSeal {
  /** The epoch the seal claims. */
  epoch: number;
  /** The key that tags it (the attacker's). */
  key: Buffer;
  prevSealTag: string;
  firstSeq: number;
  oldestRetainedSeq: number;
  epochStart: string;
  epochEnd: string;
}

/** Append a seal record made with the attacker's key after `records`. */
export function appendForgedSeal(records: readonly ChainedEvent[], stream: string, f: ForgedSeal): ChainedEvent[] {
  const head = headAfter(stream, records);
  const body: Omit<LogSealAttrs, 'tag'> = {
    epoch: f.epoch,
    first_seq: f.firstSeq,
    last_seq: head.seq,
    chain_head: head.hash,
    prev_seal_tag: f.prevSealTag,
    oldest_retained_seq: f.oldestRetainedSeq,
    epoch_start: f.epochStart,
    epoch_end: f.epochEnd,
  };
  const attrs: LogSealAttrs = { ...body, tag: computeSealTag(sealKey(f.key), sealBody(body, DEVICE_ID, stream)) };
  const now = microsFromEventTime(f.epochEnd) / 1000;
  const ev: SecurityEvent = prepareEvent(
    'log_seal',
    { attrs },
    { device: { id: DEVICE_ID }, redaction: { salt: new Uint8Array(32) }, now: () => now, newId: createUuidV7Generator(() => now) },
  ).event;
  return [...records, { ...ev, ...nextChainFields(head, { boot: 'b7e1c2', monoMs: 0 }) } as ChainedEvent];
}

/** Seal attrs of a seal record. */
export function sealOf(r: ChainedEvent): LogSealAttrs {
  return r.attrs as unknown as LogSealAttrs;
}

export const shiftTime = (time: string, ms: number): string => eventTimeFromMicros(microsFromEventTime(time) + ms * 1000);
