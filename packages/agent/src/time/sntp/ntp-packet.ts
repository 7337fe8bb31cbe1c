/**
 * The NTP packet header (RFC 5905 §7.3, the same 48 bytes as RFC 4330 §4),
 * without extension fields or MAC, which SNTP clients neither send nor need:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |LI | VN  |Mode |    Stratum    |     Poll      |   Precision   |  0
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                   Root Delay (16.16 s)                        |  4
 *   |                 Root Dispersion (16.16 s)                     |  8
 *   |            Reference ID (kiss code when stratum 0)            | 12
 *   |                  Reference Timestamp (64)                     | 16
 *   |                  Originate Timestamp (64)   T1 echoed         | 24
 *   |                  Receive Timestamp (64)     T2                | 32
 *   |                  Transmit Timestamp (64)    T3                | 40
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The codec is exact (timestamps stay as their two 32-bit words); turning
 * them into milliseconds, with the era choice, is ntp-timestamp.ts's job.
 */
import type { NtpTimestamp } from './ntp-timestamp.js';

export const NTP_PACKET_BYTES = 48;

export const NTP_MODE = { client: 3, server: 4, broadcast: 5 } as const;
/** Leap indicator 3: "clock unsynchronised" (alarm condition). */
export const LEAP_UNSYNCHRONISED = 3;

export interface NtpPacket {
  /** Leap indicator, 0–3. */
  readonly leap: number;
  /** Version number, 0–7. */
  readonly version: number;
  /** Association mode, 0–7 (3 client, 4 server). */
  readonly mode: number;
  /** 0 kiss-o'-death, 1 primary, 2–15 secondary, 16 unsynchronised. */
  readonly stratum: number;
  /** Poll exponent, signed. */
  readonly poll: number;
  /** Precision exponent (log2 seconds), signed. */
  readonly precision: number;
  /** Signed 16.16 seconds, here in milliseconds. */
  readonly rootDelayMs: number;
  /** Unsigned 16.16 seconds, here in milliseconds. */
  readonly rootDispersionMs: number;
  /** The four reference-ID bytes. */
  readonly referenceId: Uint8Array;
  readonly reference: NtpTimestamp;
  readonly originate: NtpTimestamp;
  readonly receive: NtpTimestamp;
  readonly transmit: NtpTimestamp;
}

const ZERO: NtpTimestamp = { seconds: 0, fraction: 0 };

/** Fields of a packet to encode; omitted ones are zero. */
export type NtpPacketFields = Partial<NtpPacket>;

function writeTimestamp(buf: Buffer, offset: number, ts: NtpTimestamp): void {
  buf.writeUInt32BE(ts.seconds >>> 0, offset);
  buf.writeUInt32BE(ts.fraction >>> 0, offset + 4);
}

function readTimestamp(buf: Buffer, offset: number): NtpTimestamp {
  return { seconds: buf.readUInt32BE(offset), fraction: buf.readUInt32BE(offset + 4) };
}

/** 16.16 fixed point in milliseconds, rounded to the nearest unit (1/65536 s). */
function toShortFormat(ms: number): number {
  return Math.round((ms / 1000) * 65536);
}

/** Encode a 48-byte NTP header (used for requests, and by tests to play a server). */
export function encodeNtpPacket(p: NtpPacketFields): Buffer {
  const buf = Buffer.alloc(NTP_PACKET_BYTES);
  buf[0] = (((p.leap ?? 0) & 3) << 6) | (((p.version ?? 4) & 7) << 3) | ((p.mode ?? 0) & 7);
  buf[1] = (p.stratum ?? 0) & 0xff;
  buf.writeInt8(p.poll ?? 0, 2);
  buf.writeInt8(p.precision ?? 0, 3);
  buf.writeInt32BE(toShortFormat(p.rootDelayMs ?? 0) | 0, 4);
  buf.writeUInt32BE(toShortFormat(p.rootDispersionMs ?? 0) >>> 0, 8);
  if (p.referenceId) Buffer.from(p.referenceId.subarray(0, 4)).copy(buf, 12);
  writeTimestamp(buf, 16, p.reference ?? ZERO);
  writeTimestamp(buf, 24, p.originate ?? ZERO);
  writeTimestamp(buf, 32, p.receive ?? ZERO);
  writeTimestamp(buf, 40, p.transmit ?? ZERO);
  return buf;
}

/**
 * A client-mode request (RFC 4330 §5): everything zero except LI 0, the
 * version, mode 3 and the transmit timestamp, which the server echoes as
 * its originate timestamp. The caller passes 8 random bytes there rather
 * than its clock, so the request reveals nothing and an off-path attacker
 * cannot guess what a genuine reply must echo.
 */
export function encodeClientRequest(transmit: Uint8Array, version = 4): Buffer {
  if (transmit.length !== 8) throw new RangeError(`transmit timestamp must be 8 bytes (got ${transmit.length})`);
  const buf = Buffer.alloc(NTP_PACKET_BYTES);
  buf[0] = (version << 3) | NTP_MODE.client;
  Buffer.from(transmit).copy(buf, 40);
  return buf;
}

/** Decode the 48-byte header; undefined when the packet is shorter (longer ones carry extensions we ignore). */
export function decodeNtpPacket(bytes: Uint8Array): NtpPacket | undefined {
  if (bytes.length < NTP_PACKET_BYTES) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const b0 = buf[0] ?? 0;
  return {
    leap: b0 >> 6,
    version: (b0 >> 3) & 7,
    mode: b0 & 7,
    stratum: buf[1] ?? 0,
    poll: buf.readInt8(2),
    precision: buf.readInt8(3),
    rootDelayMs: (buf.readInt32BE(4) / 65536) * 1000,
    rootDispersionMs: (buf.readUInt32BE(8) / 65536) * 1000,
    referenceId: Uint8Array.from(buf.subarray(12, 16)),
    reference: readTimestamp(buf, 16),
    originate: readTimestamp(buf, 24),
    receive: readTimestamp(buf, 32),
    transmit: readTimestamp(buf, 40),
  };
}

/** The kiss code of a stratum-0 packet: the reference ID as four ASCII letters, trailing NULs cut, anything else escaped. */
export function kissCode(packet: NtpPacket): string {
  let s = '';
  for (const b of packet.referenceId) {
    if (b === 0) break;
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}
