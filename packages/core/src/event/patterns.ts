/**
 * Lexical rules of record fields, shared by the TypeBox schemas (and so the
 * published JSON Schema) and the hand-written validator, so both say the same.
 */

/** Identifiers (device.id, stream, boot): printable ASCII without space or quotes, valid as an RFC 5424 HOSTNAME. */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@/+-]*$';
/** Catalogue names and vendor names. */
export const NAME_PATTERN = '^[a-z][a-z0-9_]*$';
/** attrs keys: flat, lower snake case. */
export const ATTR_KEY_PATTERN = '^[a-z][a-z0-9_]{0,47}$';
export const UUIDV7_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
/** Record time: UTC, exactly six fractional digits. */
export const EVENT_TIME_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$';
export const SHA256_HEX_PATTERN = '^[0-9a-f]{64}$';
/** No C0/C1 controls, DEL or bidi embedding/override/isolate characters (see text/unsafe-chars.ts). */
export const SAFE_TEXT_PATTERN = '^[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$';
/** Free text (message): as SAFE_TEXT but TAB and LF allowed. */
export const SAFE_MESSAGE_PATTERN = '^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$';

export const ID_RE = new RegExp(ID_PATTERN);
export const NAME_RE = new RegExp(NAME_PATTERN);
export const ATTR_KEY_RE = new RegExp(ATTR_KEY_PATTERN);
export const UUIDV7_RE = new RegExp(UUIDV7_PATTERN);
export const EVENT_TIME_RE = new RegExp(EVENT_TIME_PATTERN);
export const SHA256_HEX_RE = new RegExp(SHA256_HEX_PATTERN);

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEXTET_RE = /^[0-9a-fA-F]{1,4}$/;

/** IPv4 dotted quad, or IPv6 (RFC 4291 §2.2 text forms, optional %zone, embedded IPv4 tail). */
export function isIpAddress(s: string): boolean {
  if (s.length > 64) return false;
  if (IPV4_RE.test(s)) return true;
  let addr = s;
  const zone = addr.indexOf('%');
  if (zone !== -1) {
    if (zone === addr.length - 1 || !/^[A-Za-z0-9._-]+$/.test(addr.slice(zone + 1))) return false;
    addr = addr.slice(0, zone);
  }
  if (!addr.includes(':')) return false;
  let groups = 8;
  const lastColon = addr.lastIndexOf(':');
  const tail = addr.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!IPV4_RE.test(tail)) return false;
    addr = `${addr.slice(0, lastColon + 1)}0`;
    groups = 7;
  }
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  const parse = (part: string): number | undefined => {
    if (part === '') return 0;
    const hs = part.split(':');
    return hs.every((h) => HEXTET_RE.test(h)) ? hs.length : undefined;
  };
  if (halves.length === 1) return parse(addr) === groups;
  const a = parse(halves[0] as string);
  const b = parse(halves[1] as string);
  return a !== undefined && b !== undefined && a + b < groups;
}
