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

/** inOrder's answer for a value JSON.stringify cannot serialise canonically even after reordering. */
const SLOW: unique symbol = Symbol('slow');

/**
 * `v` itself when JSON.stringify already serialises it exactly as RFC 8785
 * does; else a copy in which only the objects that need it are rebuilt with
 * their members in canonical order (and members whose value is undefined
 * left out, as JSON.stringify would); SLOW when no reordering is enough:
 * a non-finite number, something JSON.stringify treats specially (toJSON, undefined in an array, a binary
 * buffer), or an index-like key ("0", "12"), which JS objects always
 * enumerate first whatever the insertion order.
 *
 * One pass: a record already in canonical order (the SDK builds its own so)
 * costs a walk and no allocation; one that is not costs a copy of the parts
 * out of order, not a second walk.
 */
function inOrder(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
      return v; // surrogates: see canonicalize
    case 'number':
      return Number.isFinite(v) ? v : SLOW;
    case 'boolean':
      return v;
    case 'object':
      break;
    default:
      return SLOW;
  }
  if (v === null) return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (item === undefined) return SLOW;
      const o = inOrder(item);
      if (o === SLOW) return SLOW;
      if (o !== item && copy === undefined) copy = v.slice(0, i);
      if (copy !== undefined) copy.push(o);
    }
    return copy ?? v;
  }
  if (ArrayBuffer.isView(v) || typeof (v as { toJSON?: unknown }).toJSON === 'function') return SLOW;
  const obj = v as Record<string, unknown>;
  // Filled from the first member that needs a change on: the members before it are kept as they are.
  let keys: string[] | undefined;
  let vals: unknown[] | undefined;
  let unsorted = false;
  let prev = '';
  let n = 0;
  for (const k in obj) {
    const c = k.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39) return SLOW;
    const item = obj[k];
    const o = item === undefined ? undefined : inOrder(item);
    if (o === SLOW) return SLOW;
    const outOfOrder = k < prev;
    prev = k;
    if (keys === undefined && (outOfOrder || o !== item || item === undefined)) {
      keys = [];
      vals = [];
      let j = 0;
      for (const before in obj) {
        if (j++ === n) break;
        keys.push(before);
        vals.push(obj[before]);
      }
    }
    if (outOfOrder) unsorted = true;
    if (keys !== undefined && o !== undefined) {
      keys.push(k);
      (vals as unknown[]).push(o);
    }
    n++;
  }
  if (keys === undefined) return obj;
  const values = vals as unknown[];
  const out: Record<string, unknown> = {};
  if (!unsorted) {
    for (let i = 0; i < keys.length; i++) setMember(out, keys[i] as string, values[i]);
    return out;
  }
  // Default sort compares UTF-16 code units, as §3.2.3 requires.
  const order = keys.map((_, i) => i).sort((a, b) => ((keys[a] as string) < (keys[b] as string) ? -1 : 1));
  for (const i of order) setMember(out, keys[i] as string, values[i]);
  return out;
}

/** obj[key] = value, also for the key "__proto__", which an assignment would take as the prototype instead of a member. */
export function setMember(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** The RFC 8785 canonical JSON text of `value`. Throws JCS_UNSUPPORTED_VALUE naming the path. */
export function canonicalize(value: unknown): string {
  // JSON.stringify implements RFC 8785's number (ES Number::toString) and
  // string (ES2019 well-formed JSON.stringify) rules natively, so once member
  // order and the refusals are checked it gives the canonical text. Records
  // built in canonical order (the SDK's) take the fastest path; bench/core.ts
  // measures both orders.
  const ordered = inOrder(value);
  if (ordered !== SLOW) {
    const text = JSON.stringify(ordered);
    // Well-formed JSON.stringify writes a lone surrogate (in a value or a
    // name) as the escape \udxxx and a valid pair as itself, so one scan of
    // the output finds what I-JSON forbids without testing every string. A
    // hit is not always one (a literal backslash before "ud" is written
    // "\\ud"): the exact serialiser decides, and names the path.
    if (!text.includes('\\ud')) return text;
  }
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
