/**
 * Time server addresses as configured: `host`, `host:port`, `1.2.3.4:port`,
 * `::1`, `[::1]` or `[::1]:port`. The default port is 123.
 */
import { isIP } from 'node:net';

export const NTP_PORT = 123;

export interface ServerAddress {
  /** The entry as configured, used to name the server in reports and events. */
  readonly spec: string;
  /** Host name or IP literal (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function parsePort(s: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** Parse one entry; the result is a problem description when it is not a valid address. */
export function parseServerAddress(spec: string): ServerAddress | { problem: string } {
  const s = spec.trim();
  let host: string;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return { problem: 'has "[" without "]"' };
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return { problem: 'has text after "]" that is not ":port"' };
      portText = rest.slice(1);
    }
    if (isIP(host) !== 6) return { problem: 'brackets must hold an IPv6 address' };
  } else if (isIP(s) === 6) {
    host = s; // a bare IPv6 literal: its colons are not a port separator
  } else {
    const colon = s.lastIndexOf(':');
    host = colon < 0 ? s : s.slice(0, colon);
    portText = colon < 0 ? undefined : s.slice(colon + 1);
    if (isIP(host) === 0 && !HOST_NAME.test(host)) return { problem: 'is not a host name, an IPv4 address or a bracketed IPv6 address' };
  }
  let port = NTP_PORT;
  if (portText !== undefined) {
    const p = parsePort(portText);
    if (p === undefined) return { problem: `port ${JSON.stringify(portText)} is not an integer 1–65535` };
    port = p;
  }
  return { spec, host, port };
}
