/**
 * One poll of one server: resolve it once, take several samples a little
 * apart, and reduce them to one estimate.
 *
 * The reduction follows the idea of NTP's clock filter (RFC 5905 §10): a
 * sample whose packets queued somewhere has a long delay and an offset
 * skewed by up to half of it, so the samples with the *shortest* delays are
 * the trustworthy ones. We keep the shorter-delay half (at least one) and
 * take the median of their offsets, which also ignores one odd sample among
 * them.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerAddress } from './server-address.js';
import { type QueryOptions, querySntp, type ResolvedTarget, type SntpSample } from './sntp-query.js';
import type { SntpRejection } from './sntp-reply.js';

export interface ServerPollOptions extends QueryOptions {
  /** Exchanges per poll. */
  readonly samples: number;
  /** Pause between exchanges, ms (public servers rate-limit bursts). */
  readonly sampleSpacingMs: number;
  /** Resolution of the local wall clock, ms: T1 is read from it, so the offset is only as good. */
  readonly clockResolutionMs: number;
  /** Name resolution (tests replace it); default: the system resolver, first address in its order. */
  readonly resolve?: (host: string) => Promise<{ address: string; family: 4 | 6 }>;
}

/** What one server said in one poll. */
export interface ServerEstimate {
  /** Median offset of the shorter-delay samples, ms (server − local). */
  readonly offsetMs: number;
  /** Largest round-trip delay among the samples used, ms. */
  readonly delayMs: number;
  /**
   * Bound on the error of `offsetMs`, ms: half the delay, the server's root
   * distance (its own distance to the reference), the spread of the samples
   * used, and the local clock's resolution.
   */
  readonly errorMs: number;
  readonly stratum: number;
  readonly rootDelayMs: number;
  readonly rootDispersionMs: number;
  readonly samplesUsed: number;
}

export interface ServerPoll {
  /** The server as configured. */
  readonly server: string;
  /** The IP address polled, when the name resolved. */
  readonly address?: string;
  readonly samples: readonly SntpSample[];
  readonly estimate?: ServerEstimate;
  /** Kiss code when the server sent a kiss-o'-death (RATE, DENY, RSTR …). */
  readonly kiss?: string;
  /** Every packet or exchange not used, and why. */
  readonly rejections: readonly SntpRejection[];
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Reduce samples to one estimate (undefined when there are none). */
export function estimateFromSamples(samples: readonly SntpSample[], clockResolutionMs: number): ServerEstimate | undefined {
  if (samples.length === 0) return undefined;
  const byDelay = [...samples].sort((a, b) => a.delayMs - b.delayMs);
  const used = byDelay.slice(0, Math.ceil(byDelay.length / 2));
  const offsets = used.map((s) => s.offsetMs).sort((a, b) => a - b);
  const offsetMs = median(offsets);
  const delayMs = used[used.length - 1]!.delayMs;
  const best = used[0]!;
  const spreadMs = Math.max(...offsets.map((o) => Math.abs(o - offsetMs)));
  return {
    offsetMs,
    delayMs,
    errorMs: delayMs / 2 + best.rootDelayMs / 2 + best.rootDispersionMs + spreadMs + clockResolutionMs,
    stratum: best.stratum,
    rootDelayMs: best.rootDelayMs,
    rootDispersionMs: best.rootDispersionMs,
    samplesUsed: used.length,
  };
}

async function systemResolve(host: string): Promise<{ address: string; family: 4 | 6 }> {
  const fam = isIP(host);
  if (fam === 4 || fam === 6) return { address: host, family: fam };
  const r = await lookup(host);
  return { address: r.address, family: r.family === 6 ? 6 : 4 };
}

/** Poll one server. Never rejects: failures are in `rejections`. */
export async function pollServer(server: ServerAddress, opts: ServerPollOptions): Promise<ServerPoll> {
  const rejections: SntpRejection[] = [];
  let target: ResolvedTarget;
  try {
    const r = await (opts.resolve ?? systemResolve)(server.host);
    target = { address: r.address, family: r.family, port: server.port };
  } catch (err) {
    const got = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
    rejections.push({ reason: 'resolve-failed', field: 'address', rule: 'host name must resolve to an IP address', got });
    return { server: server.spec, samples: [], rejections };
  }
  const samples: SntpSample[] = [];
  let kiss: string | undefined;
  let bogus = false;
  for (let i = 0; i < opts.samples; i++) {
    if (i > 0 && opts.sampleSpacingMs > 0) {
      try {
        await sleep(opts.sampleSpacingMs, undefined, opts.signal ? { signal: opts.signal } : undefined);
      } catch {
        break; // aborted
      }
    }
    const r = await querySntp(target, opts);
    rejections.push(...r.ignored);
    if (r.outcome === 'sample') {
      samples.push(r.sample);
      continue;
    }
    if (r.outcome === 'aborted') break;
    rejections.push(r.rejection);
    if (r.outcome === 'kiss') {
      // RFC 4330 §8: whatever the code, send nothing more to this server in this poll.
      kiss = r.code;
      break;
    }
    // An unusable answer (LI 3, wrong mode …) will not improve within a poll; a lost packet might.
    if (r.outcome === 'rejected') {
      bogus = true;
      break;
    }
  }
  // A server that sent a kiss or a bogus answer in this poll is not believed for its other samples either.
  const estimate = kiss === undefined && !bogus ? estimateFromSamples(samples, opts.clockResolutionMs) : undefined;
  const out: { -readonly [K in keyof ServerPoll]: ServerPoll[K] } = { server: server.spec, address: target.address, samples, rejections };
  if (estimate) out.estimate = estimate;
  if (kiss !== undefined) out.kiss = kiss;
  return out;
}
