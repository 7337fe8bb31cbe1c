/**
 * Tampering with a bundle file, by mutation name, and where each must be
 * reported: the kind and the 1-based line. Lines are given without their LF;
 * line i of the file is lines[i − 1], the events are lines[1 .. proof).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BundleVerification } from '../src/bundle/bundle-result.js';
import { canonicalize } from '../src/canon/jcs.js';
import type { NoteSigner } from '../src/checkpoint/note-key.js';
import { signNote } from '../src/checkpoint/signed-note.js';
import type { ChainedEvent } from '../src/event/types.js';
import { recordLeafHash } from '../src/log/record-leaf.js';

export interface Want {
  kind: string;
  line: number;
}

/** A verification result as a kind and a line, to compare with a tamper's `want`. */
export function located(r: BundleVerification): 'ok' | Want {
  return r.ok ? 'ok' : { kind: r.kind, line: r.line };
}

export interface Tampered {
  text: string;
  want: Want;
  label: string;
}

const join = (lines: readonly string[]): string => lines.map((l) => `${l}\n`).join('');

/** Array positions [1, end) of the event lines. */
export function eventCount(lines: readonly string[]): number {
  return lines.findIndex((l) => l.startsWith('{"proof":')) - 1;
}

interface EventParts {
  leafIndex: number;
  receivedUs: number;
  record: ChainedEvent;
}

export function parseEvent(line: string): EventParts {
  const o = JSON.parse(line) as EventParts;
  return { leafIndex: o.leafIndex, receivedUs: o.receivedUs, record: o.record };
}

/** The event line as the exporter writes it, with its leaf hash recomputed (a tamperer who knows the format). */
export function writeEvent(e: EventParts): string {
  const leaf = Buffer.from(recordLeafHash(e.record, e.receivedUs)).toString('base64');
  return `{"leafIndex":${e.leafIndex},"receivedUs":${e.receivedUs},"leafHash":"${leaf}","record":${canonicalize(e.record)}}`;
}

/** Flip bit `bit` (0–6) of an ASCII character of event k's record. */
export function bitFlipInRecord(lines: readonly string[], k: number, pick: number, bit: number): Tampered {
  const i = 1 + k;
  const line = lines[i] as string;
  const start = line.indexOf('"record":') + 9;
  const ascii: number[] = [];
  for (let p = start; p < line.length - 1; p++) if (line.charCodeAt(p) < 0x80) ascii.push(p);
  const p = ascii[pick % ascii.length] as number;
  const c = String.fromCharCode(line.charCodeAt(p) ^ (1 << (bit % 7)));
  const out = [...lines];
  out[i] = line.slice(0, p) + c + line.slice(p + 1);
  return { text: join(out), want: { kind: 'modified', line: i + 1 }, label: `bit ${bit % 7} of char ${p} of line ${i + 1}` };
}

const flipHex = (h: string, at: number): string => `${h.slice(0, at)}${h[at] === '0' ? '1' : '0'}${h.slice(at + 1)}`;

/** Field edits by name, each written back as a well-formed line with the original leaf hash. */
export const FIELD_EDITS: Record<string, (e: EventParts) => void> = {
  'message edited': (e) => {
    e.record.message = `${e.record.message ?? ''} (edited)`;
  },
  'attr edited': (e) => {
    e.record.attrs = { ...e.record.attrs, note: 'edited' };
  },
  'time edited': (e) => {
    e.record.time = '2026-01-01T00:00:00.000000Z';
  },
  'severity edited': (e) => {
    e.record.severity = e.record.severity === 'info' ? 'critical' : 'info';
  },
  'seq edited': (e) => {
    e.record.seq += 1;
  },
  'prev edited': (e) => {
    e.record.prev = flipHex(e.record.prev, 9);
  },
  'device id edited': (e) => {
    e.record.device = { ...e.record.device, id: `${e.record.device.id}x` };
  },
  'receive time edited': (e) => {
    e.receivedUs += 1;
  },
};

export function editField(lines: readonly string[], k: number, edit: string): Tampered {
  const i = 1 + k;
  const line = lines[i] as string;
  const e = parseEvent(line);
  (FIELD_EDITS[edit] as (e: EventParts) => void)(e);
  const hashAt = line.indexOf('"leafHash":"') + 12;
  const leafHash = line.slice(hashAt, hashAt + 44);
  const out = [...lines];
  out[i] = `{"leafIndex":${e.leafIndex},"receivedUs":${e.receivedUs},"leafHash":"${leafHash}","record":${canonicalize(e.record)}}`;
  return { text: join(out), want: { kind: 'modified', line: i + 1 }, label: `${edit} on line ${i + 1}` };
}

/** Give event k a leaf index between its neighbours' that no event holds; null when there is none. */
export function editLeafIndex(lines: readonly string[], k: number, pick: number): Tampered | null {
  const n = eventCount(lines);
  const idx = (j: number) => parseEvent(lines[1 + j] as string).leafIndex;
  const lo = k > 0 ? idx(k - 1) + 1 : 0;
  const hi = k + 1 < n ? idx(k + 1) - 1 : idx(k) + 3;
  const cur = idx(k);
  const choices = hi - lo + 1 - 1;
  if (choices <= 0) return null;
  let v = lo + (pick % choices);
  if (v >= cur) v++;
  const out = [...lines];
  out[1 + k] = (lines[1 + k] as string).replace(/^\{"leafIndex":[0-9]+,/, `{"leafIndex":${v},`);
  return { text: join(out), want: { kind: 'modified', line: k + 2 }, label: `leaf index ${cur} → ${v} on line ${k + 2}` };
}

export function deleteLine(lines: readonly string[], k: number): Tampered {
  const out = [...lines];
  out.splice(1 + k, 1);
  return { text: join(out), want: { kind: 'deleted', line: k + 2 }, label: `delete line ${k + 2}` };
}

/** A copy of event k inserted at event position j (0 … count). */
export function duplicateLine(lines: readonly string[], k: number, j: number): Tampered {
  const out = [...lines];
  out.splice(1 + j, 0, lines[1 + k] as string);
  const copy = 1 + j;
  const original = j <= k ? 2 + k : 1 + k;
  // Two identical adjacent lines: the later one is the extra.
  const line = Math.abs(copy - original) === 1 ? Math.max(copy, original) + 1 : copy + 1;
  return { text: join(out), want: { kind: 'inserted', line }, label: `copy of line ${k + 2} at line ${copy + 1}` };
}

export function swapLines(lines: readonly string[], a: number, b: number): Tampered {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  const out = [...lines];
  out[1 + lo] = lines[1 + hi] as string;
  out[1 + hi] = lines[1 + lo] as string;
  return { text: join(out), want: { kind: 'reordered', line: lo + 2 }, label: `swap lines ${lo + 2} and ${hi + 2}` };
}

export function truncateAt(lines: readonly string[], cut: number): Tampered {
  const text = join(lines);
  const at = Math.max(1, cut % text.length);
  const kept = text.slice(0, at);
  const line = kept.split('\n').length;
  return { text: kept, want: { kind: 'truncated', line }, label: `cut at byte ${at}` };
}

export function trailingGarbage(lines: readonly string[], garbage: string): Tampered {
  return { text: join(lines) + garbage, want: { kind: 'inserted', line: lines.length + 1 }, label: `garbage ${JSON.stringify(garbage)}` };
}

function withCheckpoint(lines: readonly string[], checkpoint: string, vkey?: string): string[] {
  const h = JSON.parse(lines[0] as string) as Record<string, unknown>;
  const out = [...lines];
  out[0] = JSON.stringify({ ...h, checkpoint, ...(vkey === undefined ? {} : { vkey }) });
  return out;
}

/** Flip a bit in the signature bytes of the checkpoint's (first) signature line. */
export function forgeSignature(lines: readonly string[], pick: number): Tampered {
  const note = (JSON.parse(lines[0] as string) as { checkpoint: string }).checkpoint;
  const sigStart = note.lastIndexOf('\n\n— ') + 4;
  const b64At = note.indexOf(' ', sigStart) + 1;
  const raw = Buffer.from(note.slice(b64At, -1), 'base64');
  const at = 4 + (pick % 64);
  raw[at] = (raw[at] as number) ^ (1 << (pick % 8));
  const forged = `${note.slice(0, b64At)}${raw.toString('base64')}\n`;
  return { text: join(withCheckpoint(lines, forged)), want: { kind: 'bad_signature', line: 1 }, label: `signature bit ${pick % 64}` };
}

/** The same checkpoint text signed by another key (and the header naming it). */
export function resignCheckpoint(lines: readonly string[], signer: NoteSigner, vkey: string): Tampered {
  const note = (JSON.parse(lines[0] as string) as { checkpoint: string }).checkpoint;
  const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
  return {
    text: join(withCheckpoint(lines, signNote(text, [signer]), vkey)),
    want: { kind: 'unknown_key', line: 1 },
    label: 'signed by another key',
  };
}

/** Event k is a seal: its tag changed, the line's leaf hash recomputed to match (only the tag check can tell). */
export function badSealTag(lines: readonly string[], k: number): Tampered {
  const e = parseEvent(lines[1 + k] as string);
  e.record.attrs = { ...e.record.attrs, tag: flipHex(String(e.record.attrs.tag), 5) };
  const out = [...lines];
  out[1 + k] = writeEvent(e);
  return { text: join(out), want: { kind: 'bad_seal', line: k + 2 }, label: `seal tag on line ${k + 2}` };
}

if (/bundle-tampers\.test\.(ts|mjs)$/.test(process.argv[1] ?? '')) {
  test('the tamperers change what they say and nothing else', () => {
    const lines = ['{"format":"seclog-bundle"}', 'a', 'b', 'c', '{"proof":{}}', '{"trailer":{}}'];
    assert.equal(eventCount(lines), 3);
    assert.deepEqual(deleteLine(lines, 1).want, { kind: 'deleted', line: 3 });
    assert.equal(deleteLine(lines, 1).text, '{"format":"seclog-bundle"}\na\nc\n{"proof":{}}\n{"trailer":{}}\n');
    assert.deepEqual(duplicateLine(lines, 0, 0).want, { kind: 'inserted', line: 3 });
    assert.deepEqual(duplicateLine(lines, 0, 1).want, { kind: 'inserted', line: 3 });
    assert.deepEqual(duplicateLine(lines, 0, 3).want, { kind: 'inserted', line: 5 });
    assert.deepEqual(duplicateLine(lines, 2, 0).want, { kind: 'inserted', line: 2 });
    assert.deepEqual(swapLines(lines, 2, 0).want, { kind: 'reordered', line: 2 });
    assert.deepEqual(truncateAt(lines, 2).want, { kind: 'truncated', line: 1 });
    assert.deepEqual(truncateAt(lines, 28).want, { kind: 'truncated', line: 2 });
    assert.deepEqual(truncateAt(lines, 29).want, { kind: 'truncated', line: 3 });
  });
}
