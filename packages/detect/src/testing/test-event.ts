/**
 * Whole records from the partial ones tests write. What a test leaves out is
 * filled so the record passes core's validateEvent as a device-stream record:
 * severity and outcome from the catalogue's defaults, required record fields
 * and required attributes from the catalogue's example (or a placeholder of
 * the right type), `device.id` `dev-1`, time quality synced by NTP, and chain
 * fields (one stream per device, seq counting from 1; `prev` is a placeholder,
 * the engine does not check chains). Ids are UUIDv7 derived from the time and
 * the event's position, so a case gives the same alert keys on every run.
 */
import { type AttrSpec, type CatalogueEntry, getCatalogueEntry, isUuidV7, type SecurityEvent, ZERO_HASH_HEX } from '@seclog/core';
import { formatUs } from '../engine/event-time.js';
import type { EventPatch } from './test-types.js';

export const DEFAULT_TEST_DEVICE = 'dev-1';

const PLACEHOLDER: Readonly<Record<string, string>> = {
  'actor.user': 'user-1',
  'actor.ip': '192.0.2.1',
  'actor.process': 'process-1',
  'target.resource': 'resource-1',
  'target.user': 'user-2',
  'target.setting': 'setting-1',
  message: 'test event',
};

/** Per case: event numbering, id labels and per-device sequence numbers. */
export class TestEventFactory {
  private n = 0;
  private readonly labels = new Map<string, string>();
  private readonly seqs = new Map<string, number>();

  constructor(private readonly startUs: number) {}

  /** The record for `patch` at `timeUs`; `index` (from 1) replaces `{i}` in string values. */
  build(patch: EventPatch, timeUs: number, index: number, idLabel: string | undefined): SecurityEvent {
    this.n++;
    const p = substitute(patch, index);
    const name = p.name as string;
    const entry = getCatalogueEntry(name);
    const event: Record<string, unknown> = {
      v: 1,
      id: this.idFor(idLabel, timeUs),
      name,
      time: formatUs(timeUs),
      severity: p.severity ?? entry?.defaultSeverity ?? 'medium',
      outcome: p.outcome ?? entry?.defaultOutcome ?? 'unknown',
      device: { id: DEFAULT_TEST_DEVICE, ...objectOf(p.device) },
    };
    for (const obj of ['actor', 'target'] as const) {
      const v = objectOf(p[obj]);
      if (Object.keys(v).length > 0) event[obj] = v;
    }
    event.attrs = attrsFor(entry, objectOf(p.attrs));
    if (p.message !== undefined && p.message !== null) event.message = p.message;
    if (p.redacted !== undefined && p.redacted !== null) event.redacted = p.redacted;
    if (entry !== undefined) for (const path of entry.requiredFields) fillRequired(event, path, entry);

    const deviceId = String((event.device as Record<string, unknown>).id);
    const stream = p.stream ?? `s-${deviceId}`;
    const seq = (this.seqs.get(String(stream)) ?? 0) + 1;
    this.seqs.set(String(stream), seq);
    event.stream = stream;
    event.seq = p.seq ?? seq;
    event.boot = p.boot ?? 'boot-1';
    event.mono_ms = p.mono_ms ?? Math.max(0, Math.floor((timeUs - this.startUs) / 1000));
    event.prev = p.prev ?? ZERO_HASH_HEX;
    event.tq = { synced: true, source: 'ntp', ...objectOf(p.tq) };
    return event as unknown as SecurityEvent;
  }

  private idFor(label: string | undefined, timeUs: number): string {
    if (label === undefined) return uuidFrom(timeUs, this.n);
    if (isUuidV7(label)) return label;
    let id = this.labels.get(label);
    if (id === undefined) {
      id = uuidFrom(timeUs, this.n);
      this.labels.set(label, id);
    }
    return id;
  }
}

/** A UUIDv7 with the time's milliseconds and the event number in the random bits. */
function uuidFrom(timeUs: number, n: number): string {
  const ms = Math.max(0, Math.floor(timeUs / 1000));
  const t = ms.toString(16).padStart(12, '0').slice(-12);
  const c = n.toString(16).padStart(15, '0').slice(-15);
  return `${t.slice(0, 8)}-${t.slice(8)}-7${c.slice(0, 3)}-8${c.slice(3, 6)}-${c.slice(6)}000`;
}

function objectOf(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
  // null in a test removes a field the defaults set.
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null));
}

function substitute(patch: EventPatch, index: number): Record<string, unknown> {
  const sub = (v: unknown): unknown => {
    if (typeof v === 'string') return v.includes('{i}') ? v.replaceAll('{i}', String(index)) : v;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)]));
    return v;
  };
  return sub(patch) as Record<string, unknown>;
}

/** Required attributes from the example (or a placeholder), the test's own over them; numbers become text where the catalogue says string. */
function attrsFor(entry: CatalogueEntry | undefined, given: Record<string, unknown>): Record<string, unknown> {
  const attrs: Record<string, unknown> = {};
  if (entry !== undefined) {
    for (const [key, spec] of Object.entries(entry.attrs))
      if (spec.required && given[key] === undefined) attrs[key] = entry.example.attrs[key] ?? placeholderAttr(spec);
  }
  for (const [key, v] of Object.entries(given)) {
    const spec = entry?.attrs[key];
    attrs[key] = spec?.type === 'string' && (typeof v === 'number' || typeof v === 'boolean') ? String(v) : v;
  }
  return attrs;
}

function placeholderAttr(spec: AttrSpec): string | number | boolean {
  switch (spec.type) {
    case 'boolean':
      return false;
    case 'integer':
    case 'number':
      return spec.minimum ?? 0;
    case 'string':
      if (spec.enum !== undefined) return spec.enum[0]!;
      if (spec.format === 'ip') return '192.0.2.1';
      if (spec.format === 'sha256-hex') return ZERO_HASH_HEX;
      if (spec.format === 'date-time') return '2026-01-01T00:00:00.000000Z';
      return 'test';
  }
}

function fillRequired(event: Record<string, unknown>, path: string, entry: CatalogueEntry): void {
  const [obj, field] = path.split('.') as [string, string | undefined];
  if (field === undefined) {
    if (event[obj] === undefined) event[obj] = entry.example.message ?? PLACEHOLDER[path];
    return;
  }
  const container = (event[obj] ?? {}) as Record<string, unknown>;
  if (container[field] === undefined) {
    const example = (entry.example as unknown as Record<string, Record<string, unknown> | undefined>)[obj]?.[field];
    container[field] = example ?? PLACEHOLDER[path];
    event[obj] = container;
  }
}
