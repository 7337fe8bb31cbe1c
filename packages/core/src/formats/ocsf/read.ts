/**
 * Typed reads from an untrusted OCSF object. Every failure is an OCSF_INVALID
 * naming the field's path, so a producer with a broken mapping sees at once
 * which attribute to fix.
 */
import { SeclogError } from '../../errors.js';
import { type Attrs, TIME_SOURCES, type TimeQuality, type TimeSource } from '../../event/types.js';
import { formatEventTime, toEventTime } from '../../time/rfc3339.js';

export type JsonObject = Record<string, unknown>;

export function ocsfError(path: string, what: string): SeclogError {
  return new SeclogError('OCSF_INVALID', `OCSF ${path || '(event)'}: ${what}`, { path });
}

function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asObject(v: unknown, path: string): JsonObject {
  if (!isObject(v)) throw ocsfError(path, v === undefined ? 'is required' : 'must be an object');
  return v;
}

export function readOptObject(o: JsonObject | undefined, key: string, parent: string): JsonObject | undefined {
  const v = o?.[key];
  return v === undefined ? undefined : asObject(v, join(parent, key));
}

export function readOptString(o: JsonObject | undefined, key: string, parent: string): string | undefined {
  const v = o?.[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw ocsfError(join(parent, key), 'must be a string');
  return v;
}

export function readString(o: JsonObject, key: string, parent: string): string {
  const v = readOptString(o, key, parent);
  if (v === undefined) throw ocsfError(join(parent, key), 'is required');
  return v;
}

export function readOptInt(o: JsonObject | undefined, key: string, parent: string): number | undefined {
  const v = o?.[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw ocsfError(join(parent, key), 'must be an integer');
  return v;
}

export function readInt(o: JsonObject, key: string, parent: string): number {
  const v = readOptInt(o, key, parent);
  if (v === undefined) throw ocsfError(join(parent, key), 'is required');
  return v;
}

function readOptNumber(o: JsonObject, key: string, parent: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw ocsfError(join(parent, key), 'must be a finite number');
  return v;
}

/** `time_dt` (the datetime profile) keeps microseconds; `time` alone is epoch milliseconds. */
export function readTime(o: JsonObject): string {
  const dt = readOptString(o, 'time_dt', '');
  if (dt !== undefined) {
    try {
      return toEventTime(dt, true);
    } catch {
      throw ocsfError('time_dt', 'must be an RFC 3339 date-time');
    }
  }
  const ms = readInt(o, 'time', '');
  try {
    return formatEventTime({ ms, us: 0 });
  } catch {
    throw ocsfError('time', 'is outside years 0000–9999');
  }
}

export function readAttrs(o: JsonObject, parent: string): Attrs {
  const v = readOptObject(o, 'attrs', parent);
  if (v === undefined) return {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string' && typeof x !== 'boolean' && (typeof x !== 'number' || !Number.isFinite(x))) {
      throw ocsfError(join(join(parent, 'attrs'), k), 'attrs values must be strings, finite numbers or booleans');
    }
  }
  // fromEntries defines keys (a key "__proto__" stays a key), where assignment would not.
  return Object.fromEntries(Object.entries(v)) as Attrs;
}

export function readTq(o: JsonObject, parent: string): TimeQuality | undefined {
  const tq = readOptObject(o, 'tq', parent);
  if (tq === undefined) return undefined;
  const path = join(parent, 'tq');
  if (typeof tq.synced !== 'boolean') throw ocsfError(`${path}.synced`, 'must be a boolean');
  const source = readString(tq, 'source', path);
  if (!(TIME_SOURCES as readonly string[]).includes(source)) throw ocsfError(`${path}.source`, `must be one of ${TIME_SOURCES.join(', ')}`);
  const out: TimeQuality = { synced: tq.synced, source: source as TimeSource };
  const accuracy = readOptNumber(tq, 'accuracy_ms', path);
  if (accuracy !== undefined) out.accuracy_ms = accuracy;
  const offset = readOptNumber(tq, 'offset_ms', path);
  if (offset !== undefined) out.offset_ms = offset;
  return out;
}

export function readRedacted(o: JsonObject, parent: string): string[] | undefined {
  const v = o.redacted;
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((p) => typeof p === 'string')) throw ocsfError(join(parent, 'redacted'), 'must be an array of strings');
  return [...v];
}
