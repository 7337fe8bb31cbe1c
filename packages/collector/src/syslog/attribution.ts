/**
 * Which device a syslog message belongs to. Never the HOSTNAME the sender
 * wrote: that is text anyone can put in a message. In order:
 *
 * 1. certificate: the TLS client certificate verified against
 *    syslog.tls.caFile names an enrolled, unrevoked device in its subject CN
 *    or a DNS/URI subjectAltName;
 * 2. source_map: the peer address is in syslog.sourceMap, given as an
 *    address or as a host name resolved (forward DNS) at startup and again
 *    every syslog.sourceMapRefreshSeconds (SourceMapResolver);
 * 3. unauthenticated: the device id UNAUTHENTICATED_DEVICE, which enrolment
 *    cannot give out (it refuses '/'), so no device can be mistaken for it.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import type { SyslogAttribution } from '@seclog/core';
import type { DeviceRow, Store } from '../store/types.js';

/** The device id of syslog messages no certificate or source map attributes. */
export const UNAUTHENTICATED_DEVICE = 'syslog/unauthenticated';

export interface Attribution {
  device: string;
  kind: SyslogAttribution;
  /** The enrolled device, when there is one (seclog records need it). */
  row: DeviceRow | undefined;
  /** The peer address, without an IPv4-mapped IPv6 prefix. */
  sourceIp: string;
}

export interface SourceMapEntry {
  readonly source: string;
  readonly device: string;
}

/** `::ffff:192.0.2.1` is 192.0.2.1 (a dual-stack socket reports IPv4 peers so). */
export function plainAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Forward DNS: every address of a name (node:dns/promises lookup with `all`). */
export type LookupAll = (name: string) => Promise<readonly { address: string }[]>;

const dnsLookupAll: LookupAll = (name) => lookup(name, { all: true });

/**
 * syslog.sourceMap as address -> device id (the first entry for an address wins). Host names are
 * looked up on every resolve(), so a device that a DHCP lease moved keeps its attribution after the
 * next refresh. A name whose lookup fails now keeps the addresses it last resolved to (a DNS
 * outage must not turn mapped devices into unauthenticated ones), but they rank after every name
 * that resolved now, and a name the DNS says does not exist (ENOTFOUND) loses them; a name that
 * never resolved maps nothing, and its messages arrive as unauthenticated (docs/syslog.md).
 */
export class SourceMapResolver {
  /** The entries given as addresses, then those given as host names, each in list order. */
  readonly #addresses: readonly SourceMapEntry[];
  readonly #names: readonly SourceMapEntry[];
  readonly #lookup: LookupAll;
  /** Host name -> the addresses it last resolved to. */
  readonly #known = new Map<string, readonly string[]>();

  constructor(entries: readonly SourceMapEntry[], lookupAll: LookupAll = dnsLookupAll) {
    this.#addresses = entries.filter((e) => isIP(e.source) !== 0);
    this.#names = entries.filter((e) => isIP(e.source) === 0);
    this.#lookup = lookupAll;
  }

  /** True when some entry is a host name (so a periodic resolve() can change something). */
  get hasNames(): boolean {
    return this.#names.length > 0;
  }

  async resolve(): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    const add = (address: string, device: string) => {
      const key = plainAddress(address.toLowerCase());
      if (!map.has(key)) map.set(key, device);
    };
    for (const e of this.#addresses) add(e.source, e.device);
    const fresh: SourceMapEntry[] = [];
    const stale: SourceMapEntry[] = [];
    for (const e of this.#names) {
      try {
        const found = (await this.#lookup(e.source)).map((a) => a.address);
        if (found.length > 0) this.#known.set(e.source, found);
        fresh.push(e);
      } catch (err) {
        // The name is gone (its device retired): its old addresses may be someone else's now.
        if ((err as { code?: unknown }).code === 'ENOTFOUND') this.#known.delete(e.source);
        // Otherwise unresolvable now (DNS down): the last addresses it had, if any, stay.
        stale.push(e);
      }
    }
    // Fresh answers first: an address a name held before a DNS outage may have moved to another name since.
    for (const e of [...fresh, ...stale]) for (const a of this.#known.get(e.source) ?? []) add(a, e.device);
    return map;
  }
}

/** The names a client certificate gives: subject CN, then DNS and URI subjectAltNames. */
export function certificateNames(cert: PeerCertificate): string[] {
  const names: string[] = [];
  const cn = cert.subject?.CN;
  if (typeof cn === 'string') names.push(cn);
  else if (Array.isArray(cn)) names.push(...(cn as string[]));
  for (const part of (cert.subjectaltname ?? '').split(',')) {
    const m = /^\s*(DNS|URI):(.+)$/.exec(part);
    if (m?.[2] !== undefined) names.push(m[2].trim());
  }
  return names;
}

export class Attributor {
  readonly #store: Store;
  #map: ReadonlyMap<string, string>;

  constructor(store: Store, sourceMap: ReadonlyMap<string, string>) {
    this.#store = store;
    this.#map = sourceMap;
  }

  /** A freshly resolved source map: messages read from now on are attributed by it. */
  setSourceMap(sourceMap: ReadonlyMap<string, string>): void {
    this.#map = sourceMap;
  }

  /** The enrolled, unrevoked device a verified certificate names, if any. */
  certificateDevice(cert: PeerCertificate): DeviceRow | undefined {
    for (const name of certificateNames(cert)) {
      const row = this.#store.getDevice(name);
      if (row !== undefined && row.revokedUs === null) return row;
    }
    return undefined;
  }

  attribute(address: string | undefined, certDevice?: DeviceRow): Attribution {
    const sourceIp = plainAddress(address);
    if (certDevice !== undefined) return { device: certDevice.id, kind: 'certificate', row: certDevice, sourceIp };
    const mapped = this.#map.get(sourceIp.toLowerCase());
    if (mapped !== undefined) {
      const row = this.#store.getDevice(mapped);
      return { device: mapped, kind: 'source_map', row: row?.revokedUs === null ? row : undefined, sourceIp };
    }
    return { device: UNAUTHENTICATED_DEVICE, kind: 'unauthenticated', row: undefined, sourceIp };
  }
}
