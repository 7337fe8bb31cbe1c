/**
 * One SNTP exchange over UDP (RFC 4330 §5): send a client request, wait for
 * the genuine answer or a timeout, and turn the four timestamps into an
 * offset and a round-trip delay (RFC 5905 §8):
 *
 *   T1 our send time   T2 server receive   T3 server transmit   T4 our receive
 *   offset = ((T2 − T1) + (T3 − T4)) / 2      delay = (T4 − T1) − (T3 − T2)
 *
 * T4 is T1 plus the elapsed *monotonic* time, so a step of the wall clock
 * during the exchange cannot distort the delay. A fresh socket per exchange
 * gets a fresh random source port, which, with the random transmit
 * timestamp, leaves an off-path attacker 80 bits to guess.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readClockPair } from '../clock-pair.js';
import { encodeClientRequest, kissCode, type NtpPacket } from './ntp-packet.js';
import { unixMsFromNtp } from './ntp-timestamp.js';
import { checkReply, formatEndpoint, type SntpRejection } from './sntp-reply.js';

/** A server address already resolved to an IP literal. */
export interface ResolvedTarget {
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
}

export interface QueryOptions {
  readonly timeoutMs: number;
  readonly maxRootDistanceMs: number;
  /** Wall clock, Unix milliseconds. */
  readonly now: () => number;
  /** Monotonic clock, milliseconds. */
  readonly mono: () => number;
  readonly signal?: AbortSignal;
  /** Source of the random transmit timestamp (tests pin it). */
  readonly random?: (n: number) => Uint8Array;
}

/** One usable measurement against one server. */
export interface SntpSample {
  /** Server clock minus local clock, ms. */
  readonly offsetMs: number;
  /** Round-trip network delay, ms. */
  readonly delayMs: number;
  readonly stratum: number;
  readonly leap: number;
  readonly version: number;
  readonly rootDelayMs: number;
  readonly rootDispersionMs: number;
  /** Reference ID: four ASCII letters at stratum 1, an IPv4 address (or IPv6 hash) above. */
  readonly referenceId: string;
  /** Local wall-clock time the request was sent (T1), ms. */
  readonly sentAtMs: number;
}

export type QueryResult =
  | { readonly outcome: 'sample'; readonly sample: SntpSample; readonly ignored: readonly SntpRejection[] }
  | { readonly outcome: 'kiss'; readonly code: string; readonly rejection: SntpRejection; readonly ignored: readonly SntpRejection[] }
  | { readonly outcome: 'rejected' | 'timeout' | 'error'; readonly rejection: SntpRejection; readonly ignored: readonly SntpRejection[] }
  | { readonly outcome: 'aborted'; readonly ignored: readonly SntpRejection[] };

/** Forged or stray packets reported per exchange; the rest are dropped uncounted, so a flood cannot grow memory. */
export const MAX_IGNORED_REPORTED = 32;

function referenceIdText(p: NtpPacket): string {
  if (p.stratum <= 1) return kissCode(p);
  return p.referenceId.join('.');
}

/** Offset and delay from a checked reply; a rejection when the timestamps themselves are implausible. */
export function sampleFromReply(p: NtpPacket, t1: number, t4: number): SntpSample | SntpRejection {
  const t2 = unixMsFromNtp(p.receive, t1);
  const t3 = unixMsFromNtp(p.transmit, t1);
  if (t3 < t2) {
    return { reason: 'timestamps-inverted', field: 'transmit', rule: 'must not be earlier than the receive timestamp', got: t3 - t2 };
  }
  const delayMs = t4 - t1 - (t3 - t2);
  if (delayMs < 0) {
    return {
      reason: 'delay-negative',
      field: 'transmit',
      rule: 'server processing time (T3 − T2) must not exceed the round trip (T4 − T1)',
      got: delayMs,
    };
  }
  return {
    offsetMs: (t2 - t1 + (t3 - t4)) / 2,
    delayMs,
    stratum: p.stratum,
    leap: p.leap,
    version: p.version,
    rootDelayMs: p.rootDelayMs,
    rootDispersionMs: p.rootDispersionMs,
    referenceId: referenceIdText(p),
    sentAtMs: t1,
  };
}

/** Run one exchange with `target`. Never rejects: every failure is a result. */
export function querySntp(target: ResolvedTarget, opts: QueryOptions): Promise<QueryResult> {
  return new Promise((resolve) => {
    const ignored: SntpRejection[] = [];
    if (opts.signal?.aborted) {
      resolve({ outcome: 'aborted', ignored });
      return;
    }
    const transmit = (opts.random ?? randomBytes)(8);
    let socket: Socket | undefined;
    let timer: NodeJS.Timeout | undefined;
    let t1 = 0;
    let m1 = 0;
    let done = false;
    const finish = (r: QueryResult) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      try {
        socket?.close();
      } catch {
        // already closed after an error
      }
      resolve(r);
    };
    const onAbort = () => finish({ outcome: 'aborted', ignored });
    const onMessage = (msg: Buffer, rinfo: RemoteInfo) => {
      const m4 = opts.mono();
      const verdict = checkReply(msg, rinfo, {
        address: target.address,
        port: target.port,
        transmit,
        maxRootDistanceMs: opts.maxRootDistanceMs,
      });
      switch (verdict.kind) {
        case 'foreign':
          if (ignored.length < MAX_IGNORED_REPORTED) ignored.push(verdict.rejection);
          return;
        case 'kiss':
          finish({ outcome: 'kiss', code: verdict.code, rejection: verdict.rejection, ignored });
          return;
        case 'rejected':
          finish({ outcome: 'rejected', rejection: verdict.rejection, ignored });
          return;
        case 'valid': {
          const s = sampleFromReply(verdict.packet, t1, t1 + (m4 - m1));
          if ('reason' in s) finish({ outcome: 'rejected', rejection: { ...s, from: formatEndpoint(rinfo.address, rinfo.port) }, ignored });
          else finish({ outcome: 'sample', sample: s, ignored });
        }
      }
    };
    try {
      socket = createSocket(target.family === 6 ? 'udp6' : 'udp4');
      socket.on('message', onMessage);
      socket.on('error', (err) =>
        finish({
          outcome: 'error',
          rejection: { reason: 'socket-error', field: 'socket', rule: 'must send and receive', got: err.message },
          ignored,
        }),
      );
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(
        () =>
          finish({
            outcome: 'timeout',
            rejection: { reason: 'timeout', field: 'answer', rule: `must arrive within ${opts.timeoutMs} ms` },
            ignored,
          }),
        opts.timeoutMs,
      );
      const request = encodeClientRequest(transmit);
      const pair = readClockPair(opts.now, opts.mono);
      t1 = pair.wall;
      m1 = pair.mono;
      socket.send(request, target.port, target.address, (err) => {
        if (err)
          finish({
            outcome: 'error',
            rejection: { reason: 'socket-error', field: 'socket', rule: 'must send the request', got: err.message },
            ignored,
          });
      });
    } catch (err) {
      finish({
        outcome: 'error',
        rejection: {
          reason: 'socket-error',
          field: 'socket',
          rule: 'must open a UDP socket',
          got: err instanceof Error ? err.message : String(err),
        },
        ignored,
      });
    }
  });
}
