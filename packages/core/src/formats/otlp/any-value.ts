/**
 * OTLP/JSON common types (opentelemetry-proto common/v1 in the proto3 JSON
 * mapping of the OTLP spec): AnyValue and KeyValue lists, read from untrusted
 * JSON into plain values, and written back.
 *
 * Read rules: field names in lowerCamelCase or the proto names (the proto3
 * JSON mapping accepts both); `null` is an absent field; unknown fields are
 * ignored (OTLP/JSON receivers must ignore them); int64 as a decimal string
 * or a JSON number; doubles as numbers or "NaN"/"Infinity"/"-Infinity";
 * bytes as base64. Anything else is a malformed body: OTLP_INVALID with the
 * JSON path of the offending field.
 */
import { canonicalize } from '../../canon/jcs.js';
import { SeclogError } from '../../errors.js';

/** An AnyValue as plain data: bytes as base64 text, an int64 beyond ±2^53 as its decimal text. */
export type PlainValue = string | number | boolean | null | PlainValue[] | { [key: string]: PlainValue };

export type AnyValueKind = 'string' | 'bool' | 'int' | 'double' | 'bytes' | 'array' | 'kvlist' | 'empty';

export interface ReadValue {
  kind: AnyValueKind;
  value: PlainValue;
}

export interface ReadAttribute extends ReadValue {
  key: string;
  /** JSON path of the KeyValue, for errors. */
  path: string;
}

export type JsonObject = Record<string, unknown>;

/** Nesting beyond this is refused: a crafted body must not exhaust the stack. */
const MAX_DEPTH = 16;
const INT64 = /^-?(0|[1-9][0-9]{0,18})$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function otlpError(path: string, what: string): SeclogError {
  return new SeclogError('OTLP_INVALID', `OTLP ${path || 'body'}: ${what}`, { path });
}

function at(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field by its JSON name or its proto name; `null` counts as absent. */
export function field(o: JsonObject, camel: string, snake: string): unknown {
  const v = Object.hasOwn(o, camel) ? o[camel] : Object.hasOwn(o, snake) ? o[snake] : undefined;
  return v === null ? undefined : v;
}

export function optObject(o: JsonObject, camel: string, snake: string, path: string): JsonObject | undefined {
  const v = field(o, camel, snake);
  if (v === undefined) return undefined;
  if (!isObject(v)) throw otlpError(at(path, camel), 'must be an object');
  return v;
}

export function optArray(o: JsonObject, camel: string, snake: string, path: string): unknown[] {
  const v = field(o, camel, snake);
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw otlpError(at(path, camel), 'must be an array');
  return v;
}

export function optString(o: JsonObject, camel: string, snake: string, path: string): string | undefined {
  const v = field(o, camel, snake);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw otlpError(at(path, camel), 'must be a string');
  return v;
}

function readInt(v: unknown, path: string): number | string {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw otlpError(path, 'must be an integer');
    return v;
  }
  if (typeof v !== 'string' || !INT64.test(v)) throw otlpError(path, 'must be a decimal int64 (as a string or a number)');
  const big = BigInt(v);
  if (big > 9223372036854775807n || big < -9223372036854775808n) throw otlpError(path, 'is outside the int64 range');
  // Beyond 2^53 a JS number would silently change the value: keep the digits.
  return Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

function readDouble(v: unknown, path: string): number | string {
  if (typeof v === 'number') return v;
  // Non-finite doubles have no JSON number form; keep them as their proto3 JSON text.
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw otlpError(path, 'must be a number');
}

const VALUE_FIELDS: readonly [camel: string, snake: string, kind: AnyValueKind][] = [
  ['stringValue', 'string_value', 'string'],
  ['boolValue', 'bool_value', 'bool'],
  ['intValue', 'int_value', 'int'],
  ['doubleValue', 'double_value', 'double'],
  ['arrayValue', 'array_value', 'array'],
  ['kvlistValue', 'kvlist_value', 'kvlist'],
  ['bytesValue', 'bytes_value', 'bytes'],
];

/** An AnyValue (`oneof value`); an empty AnyValue is null. */
export function readAnyValue(v: unknown, path: string, depth = 0): ReadValue {
  if (depth > MAX_DEPTH) throw otlpError(path, `nests deeper than ${MAX_DEPTH} levels`);
  if (!isObject(v)) throw otlpError(path, 'must be an AnyValue object');
  let found: [string, AnyValueKind, unknown] | undefined;
  for (const [camel, snake, kind] of VALUE_FIELDS) {
    const x = field(v, camel, snake);
    if (x === undefined) continue;
    if (found) throw otlpError(path, `sets both ${found[0]} and ${camel}; an AnyValue holds one value`);
    found = [camel, kind, x];
  }
  if (!found) return { kind: 'empty', value: null };
  const [name, kind, x] = found;
  const vpath = `${path}.${name}`;
  switch (kind) {
    case 'string':
      if (typeof x !== 'string') throw otlpError(vpath, 'must be a string');
      return { kind, value: x };
    case 'bool':
      if (typeof x !== 'boolean') throw otlpError(vpath, 'must be a boolean');
      return { kind, value: x };
    case 'int':
      return { kind, value: readInt(x, vpath) };
    case 'double':
      return { kind, value: readDouble(x, vpath) };
    case 'bytes':
      if (typeof x !== 'string' || x.length % 4 !== 0 || !BASE64.test(x)) throw otlpError(vpath, 'must be base64');
      return { kind, value: x };
    case 'array': {
      if (!isObject(x)) throw otlpError(vpath, 'must be an object with values');
      const values = optArray(x, 'values', 'values', vpath);
      return { kind, value: values.map((item, i) => readAnyValue(item, `${vpath}.values[${i}]`, depth + 1).value) };
    }
    default: {
      if (!isObject(x)) throw otlpError(vpath, 'must be an object with values');
      const pairs = readKeyValues(optArray(x, 'values', 'values', vpath), `${vpath}.values`, depth + 1).map((a) => [a.key, a.value]);
      return { kind, value: Object.fromEntries(pairs) };
    }
  }
}

/** A KeyValue list; a repeated key breaks the spec's MUST ("keys MUST be unique") and is refused. */
export function readKeyValues(list: unknown[], path: string, depth = 0): ReadAttribute[] {
  const seen = new Set<string>();
  return list.map((kv, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(kv)) throw otlpError(at, 'must be a KeyValue object');
    const key = field(kv, 'key', 'key');
    if (typeof key !== 'string') throw otlpError(`${at}.key`, 'must be a string');
    if (seen.has(key)) throw otlpError(`${at}.key`, `repeats the key ${JSON.stringify(key)}; attribute keys must be unique`);
    seen.add(key);
    const raw = field(kv, 'value', 'value');
    const read = raw === undefined ? { kind: 'empty' as const, value: null } : readAnyValue(raw, `${at}.value`, depth);
    return { key, path: at, ...read };
  });
}

/** The AnyValue of a scalar or a list of strings (what toOtlpLogs writes). */
export function anyValueOf(v: string | number | boolean | readonly string[]): JsonObject {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0) ? { intValue: String(v) } : { doubleValue: v };
  return { arrayValue: { values: v.map((s) => ({ stringValue: s })) } };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function wellFormed(v: PlainValue): PlainValue {
  if (typeof v === 'string') return v.replace(LONE_SURROGATE, '\ufffd');
  if (Array.isArray(v)) return v.map(wellFormed);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(LONE_SURROGATE, '\ufffd'), wellFormed(x)]));
  }
  return v;
}

/**
 * RFC 8785 JSON text of a plain value. A lone surrogate has no JSON form
 * (I-JSON), so it becomes U+FFFD: foreign text is kept, not refused.
 */
export function plainJson(v: PlainValue): string {
  return canonicalize(wellFormed(v));
}
