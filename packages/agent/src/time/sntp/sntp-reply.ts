/**
 * Which replies an SNTP client may believe (RFC 4330 §5 and §8, RFC 5905
 * §8 "bogus packet" tests). Nothing here throws: each refusal is a value
 * naming the field and the rule, so the tracker can report it as data.
 *
 * Replies fall in three groups, because they call for different reactions:
 * - not an answer to our request (wrong source, too short, does not echo our
 *   transmit timestamp): ignore it and keep waiting, so an off-path attacker
 *   spraying packets cannot make us give up on the genuine answer;
 * - a kiss-o'-death (stratum 0) that does echo us: obey it (back off or stop);
 * - an answer that echoes us but is unusable (wrong mode or version,
 *   unsynchronised, implausible): the server has spoken; end the exchange.
 */
import { decodeNtpPacket, kissCode, LEAP_UNSYNCHRONISED, NTP_MODE, NTP_PACKET_BYTES, type NtpPacket } from './ntp-packet.js';
import { isZeroTimestamp } from './ntp-timestamp.js';

export type RejectReason =
  // not an answer to our request
  | 'wrong-source'
  | 'short-packet'
  | 'originate-mismatch'
  // the server's answer, unusable
  | 'mode'
  | 'version'
  | 'kiss-o-death'
  | 'leap-unsynchronised'
  | 'stratum'
  | 'transmit-zero'
  | 'receive-zero'
  | 'root-delay'
  | 'root-distance'
  | 'timestamps-inverted'
  | 'delay-negative'
  // no answer at all
  | 'timeout'
  | 'resolve-failed'
  | 'socket-error';

/** Why one packet (or one exchange) was not used. */
export interface SntpRejection {
  readonly reason: RejectReason;
  /** The packet field concerned (`mode`, `originate`, `rootDispersion` …), or `source`, `length`, `answer`, `address`. */
  readonly field: string;
  /** The rule that was broken, in words. */
  readonly rule: string;
  /** What the packet carried, when that helps. */
  readonly got?: string | number;
  /** `address:port` the packet came from. */
  readonly from?: string;
}

export type ReplyVerdict =
  | { readonly kind: 'foreign'; readonly rejection: SntpRejection }
  | { readonly kind: 'kiss'; readonly code: string; readonly rejection: SntpRejection }
  | { readonly kind: 'rejected'; readonly rejection: SntpRejection }
  | { readonly kind: 'valid'; readonly packet: NtpPacket };

export interface ReplyExpectation {
  /** The server address and port the request went to. */
  readonly address: string;
  readonly port: number;
  /** The 8 transmit-timestamp bytes of our request. */
  readonly transmit: Uint8Array;
  /** Largest acceptable root distance (root delay / 2 + root dispersion), in ms. */
  readonly maxRootDistanceMs: number;
}

/** Compare IP literals as the socket reports them (IPv6 case-insensitively, IPv4-mapped IPv6 as IPv4). */
export function sameAddress(a: string, b: string): boolean {
  const norm = (s: string) => {
    const l = s.toLowerCase();
    return l.startsWith('::ffff:') && l.includes('.') ? l.slice(7) : l;
  };
  return norm(a) === norm(b);
}

/** `address:port`, with IPv6 in brackets. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Judge one datagram received on the request's socket. */
export function checkReply(bytes: Uint8Array, from: { address: string; port: number }, want: ReplyExpectation): ReplyVerdict {
  const src = formatEndpoint(from.address, from.port);
  const reject = (reason: RejectReason, field: string, rule: string, got?: string | number): SntpRejection =>
    got === undefined ? { reason, field, rule, from: src } : { reason, field, rule, got, from: src };

  if (!sameAddress(from.address, want.address) || from.port !== want.port) {
    return {
      kind: 'foreign',
      rejection: reject('wrong-source', 'source', `must come from ${formatEndpoint(want.address, want.port)}, where the request went`, src),
    };
  }
  const packet = decodeNtpPacket(bytes);
  if (!packet) {
    return { kind: 'foreign', rejection: reject('short-packet', 'length', `must be at least ${NTP_PACKET_BYTES} bytes`, bytes.length) };
  }
  if (Buffer.compare(Buffer.from(bytes.subarray(24, 32)), Buffer.from(want.transmit)) !== 0) {
    return {
      kind: 'foreign',
      rejection: reject(
        'originate-mismatch',
        'originate',
        "must echo our request's transmit timestamp",
        Buffer.from(bytes.subarray(24, 32)).toString('hex'),
      ),
    };
  }
  if (packet.mode !== NTP_MODE.server) {
    return { kind: 'rejected', rejection: reject('mode', 'mode', 'must be 4 (server)', packet.mode) };
  }
  if (packet.version !== 3 && packet.version !== 4) {
    return { kind: 'rejected', rejection: reject('version', 'version', 'must be 3 or 4', packet.version) };
  }
  if (packet.stratum === 0) {
    const code = kissCode(packet);
    return {
      kind: 'kiss',
      code,
      rejection: reject('kiss-o-death', 'stratum', "0 is a kiss-o'-death; the reference ID holds its code", code),
    };
  }
  if (packet.leap === LEAP_UNSYNCHRONISED) {
    return {
      kind: 'rejected',
      rejection: reject('leap-unsynchronised', 'leap', 'must not be 3 (server clock unsynchronised)', packet.leap),
    };
  }
  if (packet.stratum > 15) {
    return { kind: 'rejected', rejection: reject('stratum', 'stratum', 'must be 1–15 (16 and above: unsynchronised)', packet.stratum) };
  }
  if (isZeroTimestamp(packet.transmit)) {
    return { kind: 'rejected', rejection: reject('transmit-zero', 'transmit', 'must not be zero') };
  }
  if (isZeroTimestamp(packet.receive)) {
    return { kind: 'rejected', rejection: reject('receive-zero', 'receive', 'must not be zero') };
  }
  if (packet.rootDelayMs < 0) {
    return { kind: 'rejected', rejection: reject('root-delay', 'rootDelay', 'must not be negative', packet.rootDelayMs) };
  }
  const rootDistanceMs = packet.rootDelayMs / 2 + packet.rootDispersionMs;
  if (rootDistanceMs > want.maxRootDistanceMs) {
    return {
      kind: 'rejected',
      rejection: reject(
        'root-distance',
        'rootDispersion',
        `root delay / 2 + root dispersion must be at most ${want.maxRootDistanceMs} ms`,
        Math.round(rootDistanceMs * 1000) / 1000,
      ),
    };
  }
  return { kind: 'valid', packet };
}
