/**
 * Opening the ring file: create it, or read its superblock and state slots,
 * reinitialise it when nothing of a ring is left, and run the recovery scan.
 * Damage is reported, never thrown: a device must keep logging after a
 * power cut, whatever the file looks like. Only errors of the file system
 * itself (no permission, no space at creation) are thrown.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { LIMITS, SeclogError } from '@seclog/core';
import { FRAME_HEADER_BYTES } from './frame.js';
import {
  DATA_OFFSET,
  decodeSuperblock,
  encodeSuperblock,
  fileBytesFor,
  MIN_CAPACITY_BYTES,
  PAGE_BYTES,
  RING_FORMAT_VERSION,
  SLOT_OFFSETS,
  SUPERBLOCK_OFFSET,
  type Superblock,
  validCapacity,
} from './layout.js';
import { type ScanResult, scanRing } from './recovery-scan.js';
import { RingFile } from './ring-file.js';
import type { RingOptions } from './ring-types.js';
import { decodeSlot, pickSlot, type SlotState } from './slot.js';

/** Hard upper bound on a record payload, whatever the options say: it sizes the scan's read window. */
export const MAX_RECORD_LIMIT_BYTES = 1024 * 1024;

export interface ResolvedOptions {
  readonly path: string;
  readonly capacityBytes: number;
  readonly maxRecordBytes: number;
  readonly preallocate: boolean;
  readonly verifyOnOpen: 'auto' | 'full';
  readonly fullVerifyMaxBytes: number;
  readonly dirtyLimitBytes: number;
  readonly syncSoonMs: number;
  readonly inlineSyncMaxMs: number;
}

export interface OpenedRing {
  readonly file: RingFile;
  readonly ringId: number;
  readonly capacity: number;
  /** The state slot in use, and its index (-1: none valid). */
  readonly slot: SlotState | null;
  readonly slotIndex: -1 | 0 | 1;
  readonly scan: ScanResult | null;
  /** Whether the scan checked every payload CRC (else only the arc after the slot's head). */
  readonly verifiedAll: boolean;
  /** Rings that are not fully checked at open must bound how much is written between fsyncs. */
  readonly boundDirty: boolean;
  readonly created: boolean;
  readonly reinitialised: string | null;
  readonly requestedCapacityBytes: number | null;
  readonly damagedSlots: ('A' | 'B')[];
  readonly superblockDamaged: boolean;
  readonly extendedBytes: number;
}

export function openRing(o: ResolvedOptions): OpenedRing {
  let fd: number;
  try {
    fd = openSync(o.path, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(o.path, 'open', err);
    return createRing(o);
  }
  try {
    return recoverRing(fd, o);
  } catch (err) {
    closeSync(fd);
    throw ioError(o.path, 'recover', err);
  }
}

function createRing(o: ResolvedOptions): OpenedRing {
  let fd: number;
  try {
    // 0600: the state slots hold the current seal key.
    fd = openSync(o.path, 'wx+', 0o600);
  } catch (err) {
    throw ioError(o.path, 'create', err);
  }
  const file = new RingFile(fd, o.capacityBytes);
  try {
    const ringId = newRingId(0);
    layOut(file, o, ringId, 0);
    syncDirectory(o.path);
    return fresh(file, o, ringId, { created: true, reinitialised: null, damagedSlots: [], superblockDamaged: false });
  } catch (err) {
    file.close();
    throw ioError(o.path, 'create', err);
  }
}

function recoverRing(fd: number, o: ResolvedOptions): OpenedRing {
  const probe = new RingFile(fd, o.capacityBytes);
  const head = Buffer.alloc(DATA_OFFSET);
  const got = probe.readAt(0, head, 0, DATA_OFFSET);
  const slots = SLOT_OFFSETS.map((off) => (got > off ? decodeSlot(head.subarray(off, off + PAGE_BYTES)) : null));
  const sb = got > SUPERBLOCK_OFFSET ? decodeSuperblock(head.subarray(SUPERBLOCK_OFFSET, SUPERBLOCK_OFFSET + PAGE_BYTES)) : null;
  const slotIndex = pickSlot(slots[0] ?? null, slots[1] ?? null);
  const slot = slotIndex < 0 ? null : (slots[slotIndex] as SlotState);
  const damagedSlots = (['A', 'B'] as const).filter((_, i) => slots[i] === null);
  const superblockDamaged = sb === null;

  const known = pickIdentity(slot, sb);
  if (known === null) {
    const reason =
      got === 0 ? 'the file was empty' : 'neither state slot nor the superblock is readable: the file holds no ring this version knows';
    const size = probe.fileSize();
    const file = new RingFile(fd, o.capacityBytes);
    const ringId = newRingId(0);
    layOut(file, o, ringId, Math.min(size, fileBytesFor(o.capacityBytes)));
    return fresh(file, o, ringId, { created: false, reinitialised: reason, damagedSlots, superblockDamaged });
  }

  const file = new RingFile(fd, known.capacity);
  const want = fileBytesFor(known.capacity);
  const size = file.fileSize();
  let extendedBytes = 0;
  if (size < want) {
    // Cut short (a truncation, or a copy that stopped): what is missing reads as no frames.
    file.truncate(want);
    extendedBytes = want - size;
  }
  const maxPayload = scanPayloadLimit(known.capacity);
  const verifiedAll = o.verifyOnOpen === 'full' || known.capacity <= o.fullVerifyMaxBytes || slot === null;
  const scan = scanRing({
    file,
    ringId: known.ringId,
    maxPayloadBytes: maxPayload,
    startPos: slot === null ? 0 : slot.tailPos % known.capacity,
    verifyAll: verifiedAll,
    arcStart: slot === null ? 0 : slot.headPos % known.capacity,
    // The durable slot lags the head by at most the dirty limit, one batch and one frame; doubled for margin.
    arcBytes: 2 * (o.dirtyLimitBytes + FRAME_HEADER_BYTES + Math.min(o.maxRecordBytes, maxPayload)),
    ackedSeq: slot?.ackedSeq ?? 0,
    durableUpTo: slot === null ? Number.POSITIVE_INFINITY : slot.lastSeq,
    tailFrom: slot?.tailSeq ?? 0,
    indexStrideBytes: indexStrideFor(known.capacity),
  });
  return {
    file,
    ringId: known.ringId,
    capacity: known.capacity,
    slot,
    slotIndex,
    scan,
    verifiedAll,
    boundDirty: known.capacity > o.fullVerifyMaxBytes,
    created: false,
    reinitialised: null,
    requestedCapacityBytes: known.capacity === o.capacityBytes ? null : o.capacityBytes,
    damagedSlots,
    superblockDamaged,
    extendedBytes,
  };
}

/** Ring id and capacity: from the newer valid slot, else from the superblock. */
function pickIdentity(slot: SlotState | null, sb: Superblock | null): { ringId: number; capacity: number } | null {
  if (slot !== null && slot.capacity >= 1024 && Number.isSafeInteger(slot.capacity) && slot.capacity <= 2 ** 40) {
    return { ringId: slot.ringId, capacity: slot.capacity };
  }
  if (sb !== null) return { ringId: sb.ringId, capacity: sb.capacity };
  return null;
}

/** Write the superblock and size the file; `zeroFrom` is where zero-filling starts when preallocating. */
function layOut(file: RingFile, o: ResolvedOptions, ringId: number, zeroFrom: number): void {
  const size = fileBytesFor(o.capacityBytes);
  file.truncate(size);
  if (o.preallocate) {
    const zeros = Buffer.alloc(Math.min(1024 * 1024, size));
    for (let p = zeroFrom; p < size; p += zeros.length) file.writeAt(p, zeros.subarray(0, Math.min(zeros.length, size - p)));
  }
  const sb: Superblock = { version: RING_FORMAT_VERSION, ringId, capacity: o.capacityBytes, createdMs: Date.now() };
  file.writeAt(SUPERBLOCK_OFFSET, encodeSuperblock(sb));
  file.syncNow();
}

function fresh(
  file: RingFile,
  o: ResolvedOptions,
  ringId: number,
  how: Pick<OpenedRing, 'created' | 'reinitialised' | 'damagedSlots' | 'superblockDamaged'>,
): OpenedRing {
  return {
    file,
    ringId,
    capacity: o.capacityBytes,
    slot: null,
    slotIndex: -1,
    scan: null,
    verifiedAll: true,
    boundDirty: o.capacityBytes > o.fullVerifyMaxBytes,
    requestedCapacityBytes: null,
    extendedBytes: 0,
    ...how,
  };
}

export function newRingId(avoid: number): number {
  for (;;) {
    const id = randomBytes(4).readUInt32BE(0);
    if (id !== avoid && id !== 0) return id;
  }
}

export function rewriteSuperblock(file: RingFile, ringId: number): void {
  file.writeAt(
    SUPERBLOCK_OFFSET,
    encodeSuperblock({ version: RING_FORMAT_VERSION, ringId, capacity: file.capacity, createdMs: Date.now() }),
  );
}

/** The largest payload a frame may declare in this ring. */
export function scanPayloadLimit(capacity: number): number {
  return Math.min(MAX_RECORD_LIMIT_BYTES, capacity - FRAME_HEADER_BYTES);
}

/** One index checkpoint per stride: at most ~16k of them, and no finer than 4 KiB. */
export function indexStrideFor(capacity: number): number {
  return Math.max(4096, Math.ceil(capacity / 16384));
}

/** Make the new file's directory entry durable too (a created file whose entry is lost is gone after a power cut). */
function syncDirectory(path: string): void {
  let dfd: number | undefined;
  try {
    dfd = openSync(dirname(path), 'r');
    fsyncSync(dfd);
  } catch {
    // Some file systems refuse fsync on a directory; the file's own data is synced regardless.
  } finally {
    if (dfd !== undefined) closeSync(dfd);
  }
}

function ioError(path: string, what: string, err: unknown): SeclogError {
  if (err instanceof SeclogError) return err;
  const e = err as NodeJS.ErrnoException;
  return new SeclogError(
    'AGENT_RING_IO',
    `cannot ${what} the ring file ${path}: ${e.message}`,
    { path, errno: e.code ?? null },
    { cause: err },
  );
}

/** Defaults applied and checked once, at open. */
export function resolveOptions(o: RingOptions): ResolvedOptions {
  if (!validCapacity(o.capacityBytes)) {
    throw new SeclogError('AGENT_RING_CONFIG_INVALID', `ring capacity must be an integer from ${MIN_CAPACITY_BYTES} bytes to 1 TiB`, {
      path: 'capacityBytes',
      got: o.capacityBytes,
    });
  }
  const maxRecordBytes = o.maxRecordBytes ?? LIMITS.recordBytes;
  if (!Number.isSafeInteger(maxRecordBytes) || maxRecordBytes < 1 || maxRecordBytes > MAX_RECORD_LIMIT_BYTES) {
    throw new SeclogError('AGENT_RING_CONFIG_INVALID', `maxRecordBytes must be an integer from 1 to ${MAX_RECORD_LIMIT_BYTES}`, {
      path: 'maxRecordBytes',
      got: maxRecordBytes,
    });
  }
  const inlineSyncMaxMs = o.inlineSyncMaxMs ?? 2;
  if (!Number.isFinite(inlineSyncMaxMs) || inlineSyncMaxMs < 0) {
    throw new SeclogError('AGENT_RING_CONFIG_INVALID', 'inlineSyncMaxMs must be a number of milliseconds ≥ 0 (0: never inline)', {
      path: 'inlineSyncMaxMs',
      got: inlineSyncMaxMs,
    });
  }
  return {
    path: o.path,
    capacityBytes: o.capacityBytes,
    maxRecordBytes,
    preallocate: o.preallocate ?? true,
    verifyOnOpen: o.verifyOnOpen ?? 'auto',
    fullVerifyMaxBytes: o.fullVerifyMaxBytes ?? 64 * 1024 * 1024,
    dirtyLimitBytes: o.dirtyLimitBytes ?? 8 * 1024 * 1024,
    syncSoonMs: o.syncSoonMs ?? 100,
    inlineSyncMaxMs,
  };
}
