/**
 * A small NTP server for tests: answers each request through a callback that
 * decides what to send, and from where (this socket, another port, another
 * loopback address), so tests can play honest, skewed, broken and malicious
 * servers.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { decodeNtpPacket, encodeNtpPacket, type NtpPacket, type NtpPacketFields } from '../src/time/sntp/ntp-packet.js';
import { ntpFromUnixMs } from '../src/time/sntp/ntp-timestamp.js';

export interface FakeRequest {
  readonly bytes: Buffer;
  /** Undefined when the request itself was not a 48-byte packet. */
  readonly packet: NtpPacket | undefined;
  readonly rinfo: RemoteInfo;
  /** Index of the request, from 0. */
  readonly n: number;
}

export type Via = 'self' | 'other-port' | 'other-address';
export interface FakeReply {
  readonly bytes: Buffer;
  readonly via?: Via;
  /** Send after this many ms (the server's timestamps are taken when the reply is built). */
  readonly delayMs?: number;
}
export type Answer = (req: FakeRequest) => FakeReply | readonly FakeReply[] | undefined;

export interface FakeNtpServer {
  readonly host: string;
  readonly port: number;
  /** The address as a server spec (`127.0.0.1:port` or `[::1]:port`). */
  readonly spec: string;
  readonly requests: FakeRequest[];
  answer: Answer;
  close(): Promise<void>;
}

export interface HonestOptions {
  skewMs?: number;
  /** Overrides of the reply's header fields (mode, version, stratum, leap, referenceId, root delay …). */
  fields?: NtpPacketFields;
  /** Echo the request's transmit timestamp as originate (default true). */
  echo?: boolean;
}

/** What an honest server at `skewMs` from our clock would answer. */
export function honestReply(req: FakeRequest, o: HonestOptions = {}): Buffer {
  const t = Date.now() + (o.skewMs ?? 0);
  const ts = ntpFromUnixMs(t);
  return encodeNtpPacket({
    leap: 0,
    version: 4,
    mode: 4,
    stratum: 2,
    poll: 6,
    precision: -20,
    rootDelayMs: 2,
    rootDispersionMs: 3,
    referenceId: Uint8Array.from([192, 0, 2, 1]),
    reference: ts,
    originate: o.echo === false ? ntpFromUnixMs(123_456_789) : req.packet?.transmit,
    receive: ts,
    transmit: ts,
    ...o.fields,
  });
}

export function honest(o: HonestOptions = {}): Answer {
  return (req) => ({ bytes: honestReply(req, o) });
}

function bindSocket(type: 'udp4' | 'udp6', host: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket(type);
    s.once('error', reject);
    s.bind(0, host, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

export async function startFakeNtp(opts: { family?: 4 | 6; answer?: Answer } = {}): Promise<FakeNtpServer> {
  const type = opts.family === 6 ? 'udp6' : 'udp4';
  const host = opts.family === 6 ? '::1' : '127.0.0.1';
  const main = await bindSocket(type, host);
  const otherPort = await bindSocket(type, host);
  const otherAddress = opts.family === 6 ? undefined : await bindSocket(type, '127.0.0.2');
  const timers = new Set<NodeJS.Timeout>();
  const server: FakeNtpServer = {
    host,
    port: main.address().port,
    spec: opts.family === 6 ? `[${host}]:${main.address().port}` : `${host}:${main.address().port}`,
    requests: [],
    answer: opts.answer ?? honest(),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await Promise.all([main, otherPort, otherAddress].map((s) => (s ? new Promise<void>((r) => s.close(() => r())) : undefined)));
    },
  };
  main.on('message', (bytes, rinfo) => {
    const req: FakeRequest = { bytes, packet: decodeNtpPacket(bytes), rinfo, n: server.requests.length };
    server.requests.push(req);
    const out = server.answer(req);
    const replies = out === undefined ? [] : Array.isArray(out) ? out : [out as FakeReply];
    for (const r of replies) {
      const sock = r.via === 'other-port' ? otherPort : r.via === 'other-address' ? otherAddress : main;
      if (!sock) throw new Error(`no socket for ${r.via}`);
      const send = () => sock.send(r.bytes, rinfo.port, rinfo.address);
      if (r.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, r.delayMs);
        timers.add(t);
      } else send();
    }
  });
  return server;
}
