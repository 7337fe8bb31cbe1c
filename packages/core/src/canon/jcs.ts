/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * The canonical form is what the device chain hashes (DESIGN.md §5), so two
 * implementations must agree byte for byte:
 * - object members sorted by their names as arrays of UTF-16 code units (§3.2.3),
 *   which is what JS string comparison `<` does, not localeCompare;
 * - numbers serialised as ECMAScript Number.prototype.toString (§3.2.2.3):
 *   -0 becomes 0, 1e21 stays 1e+21, 5e-324 stays 5e-324;
 * - strings escaped minimally (§3.2.2.2): only `"`, `\` and U+0000–U+001F,
 *   using the two-character forms \b \t \n \f \r where they exist;
 * - no whitespace.
 * JSON.stringify already implements the string and number rules of ES2019+
 * (well-formed JSON.stringify escapes lone surrogates, which I-JSON forbids, so
 * those are rejected before).
 */
import { SeclogError } from '../errors.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function fail(path: string, what: string): never {
  throw new SeclogError('JCS_UNSUPPORTED_VALUE', `${path}: ${what} cannot be canonicalised (RFC 8785)`, { path });
}

function serialiseString(s: string, path: string): string {
  if (LONE_SURROGATE.test(s)) fail(path, 'a string with a lone surrogate');
  return JSON.stringify(s);
}

function serialise(value: unknown, path: string): string {
  switch (typeof value) {
    case 'string':
      return serialiseString(value, path);
    case 'number':
      if (!Number.isFinite(value)) fail(path, String(value));
      // ES Number::toString is exactly RFC 8785 §3.2.2.3; Object.is(-0) → "0" is what toString gives.
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item = value[i];
          if (item === undefined) fail(`${path}[${i}]`, 'undefined');
          out += serialise(item, `${path}[${i}]`);
        }
        return `${out}]`;
      }
      if (ArrayBuffer.isView(value)) fail(path, 'a binary buffer');
      const obj = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, as §3.2.3 requires.
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        // Like JSON.stringify, a member whose value is undefined is absent.
        if (v === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${serialiseString(k, path)}:${serialise(v, `${path}.${k}`)}`;
      }
      return `${out}}`;
    }
    default:
      return fail(path, typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`);
  }
}

const SURROGATE = /[\ud800-\udfff]/;

/** What the fast path found: JSON.stringify of the value is canonical as is, after sorting, or not safely at all. */
const Shape = { Slow: 0, Canonical: 1, Unsorted: 2 } as const;
type Shape = (typeof Shape)[keyof typeof Shape];

/**
 * Whether JSON.stringify serialises `v` exactly as RFC 8785 does: members in
 * canonical order, every number finite, no surrogate in any string (a
 * well-formed pair is fine but is left to the exact serialiser to tell from a
 * lone one), nothing JSON.stringify treats specially (toJSON, undefined in an
 * array). Index-like keys ("0", "12") go the slow way too: JS objects always
 * enumerate them first, whatever the insertion order.
 */
function shapeOf(v: unknown): Shape {
  if (typeof v === 'string') return SURROGATE.test(v) ? Shape.Slow : Shape.Canonical;
  if (typeof v === 'number') return Number.isFinite(v) ? Shape.Canonical : Shape.Slow;
  if (typeof v === 'boolean' || v === null) return Shape.Canonical;
  if (typeof v !== 'object') return Shape.Slow;
  let shape: Shape = Shape.Canonical;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (item === undefined) return Shape.Slow;
      const s = shapeOf(item);
      if (s === Shape.Slow) return Shape.Slow;
      if (s === Shape.Unsorted) shape = Shape.Unsorted;
    }
    return shape;
  }
  if (ArrayBuffer.isView(v) || typeof (v as { toJSON?: unknown }).toJSON === 'function') return Shape.Slow;
  let prev = '';
  for (const k in v) {
    const c = k.charCodeAt(0);
    if ((c >= 0x30 && c <= 0x39) || SURROGATE.test(k)) return Shape.Slow;
    if (k < prev) shape = Shape.Unsorted;
    prev = k;
    const item = (v as Record<string, unknown>)[k];
    if (item === undefined) {
      shape = Shape.Unsorted; // dropped by the copy, as JSON.stringify would
      continue;
    }
    const s = shapeOf(item);
    if (s === Shape.Slow) return Shape.Slow;
    if (s === Shape.Unsorted) shape = Shape.Unsorted;
  }
  return shape;
}

/** A copy with every object's members inserted in canonical order (only called on values shapeOf accepted). */
function sortedCopy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(sortedCopy);
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) {
    const item = obj[k];
    if (item !== undefined) out[k] = sortedCopy(item);
  }
  return out;
}

/** The RFC 8785 canonical JSON text of `value`. Throws JCS_UNSUPPORTED_VALUE naming the path. */
export function canonicalize(value: unknown): string {
  // JSON.stringify implements RFC 8785's number (ES Number::toString) and
  // string (ES2019 well-formed JSON.stringify) rules natively, so once member
  // order and the refusals are checked it gives the canonical text. Records
  // built in canonical order (the SDK's, and what devices send) take the
  // fastest path; bench/core.ts measures both orders.
  const shape = shapeOf(value);
  if (shape === Shape.Canonical) return JSON.stringify(value);
  if (shape === Shape.Unsorted) return JSON.stringify(sortedCopy(value));
  return serialise(value, '$');
}

/** The exact serialiser alone (no fast path); tests compare the two. */
export function canonicalizeExact(value: unknown): string {
  return serialise(value, '$');
}

const encoder = new TextEncoder();

/** The UTF-8 bytes of the canonical JSON text: what is hashed. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}
