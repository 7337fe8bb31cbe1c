/**
 * `|cidr` matching for IPv4 and IPv6 without allocating per event: an address
 * is parsed into a reused four-word scratch array and compared under a mask
 * precomputed at rule load. IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`)
 * match IPv4 ranges and vice versa, since dual-stack sockets report them so.
 */

export interface CompiledCidr {
  readonly family: 4 | 6;
  /** Network address as four 32-bit words (IPv4 uses word 3 only). */
  readonly net: Uint32Array;
  readonly mask: Uint32Array;
  readonly text: string;
}

const scratch = new Uint32Array(4);
const groups = new Uint16Array(8);

/** Parse an IPv4 or IPv6 address into four words (IPv4 as ::ffff:a.b.c.d); 0 when it is not one. */
export function parseIpInto(text: string, out: Uint32Array): 0 | 4 | 6 {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.indexOf(':') < 0) {
    const v4 = parseIpv4(s, 0, s.length);
    if (v4 < 0) return 0;
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
    out[3] = v4;
    return 4;
  }
  if (!parseIpv6(s)) return 0;
  for (let i = 0; i < 4; i++) out[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  // An IPv4-mapped address is an IPv4 address for matching purposes.
  return out[0] === 0 && out[1] === 0 && out[2] === 0xffff ? 4 : 6;
}

/** Dotted quad in s[from, to) as an unsigned 32-bit number, or -1. */
function parseIpv4(s: string, from: number, to: number): number {
  let value = 0;
  let octets = 0;
  let i = from;
  while (i <= to) {
    let n = 0;
    let digits = 0;
    while (i < to) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      digits++;
      i++;
    }
    if (digits === 0 || digits > 3 || n > 255) return -1;
    value = value * 256 + n;
    octets++;
    if (i === to) break;
    if (s.charCodeAt(i) !== 46 || octets === 4) return -1;
    i++;
  }
  return octets === 4 ? value : -1;
}

function parseIpv6(s: string): boolean {
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return false;
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : '';
  const h = parseGroups(head, 0);
  if (h < 0) return false;
  if (dbl < 0) return h === 8;
  const tmp = new Uint16Array(groups.subarray(0, h));
  const t = parseGroups(tail, 0);
  if (t < 0 || h + t > 7) return false;
  const tailGroups = new Uint16Array(groups.subarray(0, t));
  groups.fill(0);
  groups.set(tmp, 0);
  groups.set(tailGroups, 8 - t);
  return true;
}

/** Colon-separated hex groups (an IPv4 tail counts as two) into `groups` from index `at`; count or -1. */
function parseGroups(s: string, at: number): number {
  if (s === '') return 0;
  let n = at;
  const parts = s.split(':');
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    if (p === parts.length - 1 && part.indexOf('.') >= 0) {
      const v4 = parseIpv4(part, 0, part.length);
      if (v4 < 0 || n > 6) return -1;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part) || n > 7) return -1;
    groups[n++] = Number.parseInt(part, 16);
  }
  return n - at;
}

/** A CIDR range (`10.0.0.0/8`, `2001:db8::/32`; a bare address is a single-host range), or a problem. */
export function compileCidr(text: string): CompiledCidr | { problem: string } {
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const net = new Uint32Array(4);
  const family = parseIpInto(addr, net);
  if (family === 0) return { problem: `${JSON.stringify(text)} is not an IPv4 or IPv6 CIDR range` };
  const v4Written = addr.indexOf(':') < 0;
  const max = v4Written ? 32 : 128;
  let len = max;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) return { problem: `${JSON.stringify(text)}: prefix length must be 0–${max}` };
    len = Number(lenText);
  }
  // IPv4 ranges live in the ::ffff:0:0/96 block so mapped addresses compare equal.
  const bits = v4Written ? 96 + len : len;
  const mask = new Uint32Array(4);
  for (let w = 0; w < 4; w++) {
    const inWord = Math.max(0, Math.min(32, bits - 32 * w));
    mask[w] = inWord === 0 ? 0 : (0xffffffff << (32 - inWord)) >>> 0;
    net[w] = (net[w]! & mask[w]!) >>> 0;
  }
  return { family: v4Written || family === 4 ? 4 : 6, net, mask, text };
}

/** Whether `value` is an address inside `cidr`. Non-addresses never match. */
export function cidrContains(cidr: CompiledCidr, value: string): boolean {
  if (parseIpInto(value, scratch) === 0) return false;
  for (let w = 0; w < 4; w++) if ((scratch[w]! & cidr.mask[w]!) >>> 0 !== cidr.net[w]) return false;
  return true;
}
