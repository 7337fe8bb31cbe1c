/**
 * RFC 8785 (JCS) canonical JSON of a parsed JSON value: what the record digest
 * covers. JCS serialises numbers and strings exactly as ECMAScript's
 * JSON.stringify does, and sorts object keys by UTF-16 code units, which is
 * what the default string sort compares.
 */
export function canonicalize(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('JCS: a number is not finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(obj[k])}`).join(',')}}`;
  }
  throw new Error(`JCS: cannot serialise a ${typeof value}`);
}
