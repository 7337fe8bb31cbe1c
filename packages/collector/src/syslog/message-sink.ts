/**
 * Where decoded syslog messages go, for one read chunk of a connection or one
 * datagram at a time, with the sender's attribution:
 *
 * - seclog records (seclog's own RFC 5424 encoding) go through
 *   IngestService.ingest as the authenticated device, one call per run of
 *   consecutive records of one stream, so the chain, gap, fork and seal
 *   checks are those of HTTP ingest. A sender not authenticated as the
 *   record's device (no certificate or source-mapped enrolled device, or
 *   another device) is refused and recorded as authz_fail;
 * - foreign messages become `passthrough` records attributed to the device
 *   and are appended to its `passthrough/syslog` stream (ForeignBatcher).
 *
 * `handle` resolves when everything it was given is durable or refused; it
 * never rejects (a store failure is counted and recorded).
 */
import type { SecurityEvent } from '@seclog/core';
import { SeclogError, syslogToPassthrough } from '@seclog/core';
import { markValidated } from '../ingest/chain-append.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Attribution } from './attribution.js';
import type { SyslogDiagnostics } from './diagnostics.js';
import type { ForeignBatcher } from './foreign-batcher.js';
import { decodeMessage } from './message-decode.js';
import type { SyslogMetrics, SyslogTransport } from './syslog-metrics.js';

export interface SinkOptions {
  ingest: IngestService;
  batcher: ForeignBatcher;
  metrics: SyslogMetrics;
  diagnostics: SyslogDiagnostics;
  maxMessageBytes: number;
  /** Records per IngestService.ingest call (config ingest.maxBatchRecords). */
  maxBatchRecords: number;
  /**
   * Records over the per-device ingest rate, or refused while the collector's storage is full: wait and
   * retry (TCP, TLS: the connection stops reading meanwhile, so the sender keeps them) or drop (UDP).
   */
  retryRateLimited: (transport: SyslogTransport) => boolean;
  /** False once the collector is stopping: rate-limit retries give up. */
  running: () => boolean;
  log?: (obj: Record<string, unknown>, msg: string) => void;
}

interface Run {
  device: string;
  stream: string;
  records: SecurityEvent[];
}

const CHAIN_KEYS = ['stream', 'seq', 'boot', 'mono_ms', 'prev'] as const;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** How often a waiting stream connection asks the storage gate again. */
const STORAGE_WAIT_MS = 500;

export class MessageSink {
  readonly #o: SinkOptions;

  constructor(options: SinkOptions) {
    this.#o = options;
  }

  async handle(frames: readonly Uint8Array[], who: Attribution, transport: SyslogTransport, port: number): Promise<void> {
    const o = this.#o;
    const now = new Date();
    const receivedAt = { ms: now.getTime(), us: 0 };
    const foreign: SecurityEvent[] = [];
    const runs: Run[] = [];
    for (const frame of frames) {
      try {
        this.#classify(frame, now, receivedAt, who, transport, port, foreign, runs);
      } catch (err) {
        // Core's decoders only throw their own errors, and those are caught inside; this is the last line against a crash.
        o.metrics.messages(transport, 'refused');
        o.metrics.error(transport, 'frame_invalid');
        o.log?.({ err }, 'syslog: a message could not be decoded');
      }
    }
    const work: Promise<void>[] = [];
    if (foreign.length > 0) work.push(this.#appendForeign(foreign, who, transport));
    if (runs.length > 0) work.push(this.#ingestRuns(runs, who, transport));
    await Promise.all(work);
  }

  #classify(
    frame: Uint8Array,
    now: Date,
    receivedAt: { ms: number; us: number },
    who: Attribution,
    transport: SyslogTransport,
    port: number,
    foreign: SecurityEvent[],
    runs: Run[],
  ): void {
    const o = this.#o;
    const d = decodeMessage(frame, o.maxMessageBytes, now);
    if (d.kind === 'invalid') {
      o.metrics.messages(transport, 'refused');
      o.metrics.error(transport, d.reason);
      this.#malformed(who, transport, port, d.code, d.error);
    } else if (d.kind === 'foreign') {
      foreign.push(
        syslogToPassthrough(d.message, {
          deviceId: who.device,
          receivedAt,
          attribution: who.kind,
          ...(who.sourceIp ? { sourceIp: who.sourceIp } : {}),
        }),
      );
    } else {
      const ev = d.event;
      if (CHAIN_KEYS.every((k) => ev[k] === undefined)) {
        // An unchained catalogue event (chain fields are checked when present): the collector chains it like foreign input.
        if (who.kind !== 'unauthenticated' && who.device === ev.device.id) {
          // decodeEventSyslog validated it (it refuses what does not pass): chaining need not repeat that.
          markValidated([ev]);
          foreign.push(ev);
          return;
        }
      } else if (who.row !== undefined && who.row.id === ev.device.id) {
        const last = runs.at(-1);
        const stream = ev.stream ?? '';
        if (last !== undefined && last.stream === stream && last.records.length < o.maxBatchRecords) last.records.push(ev);
        else runs.push({ device: ev.device.id, stream, records: [ev] });
        return;
      }
      o.metrics.messages(transport, 'refused');
      o.metrics.error(transport, who.kind === 'unauthenticated' ? 'unauthenticated' : 'device_mismatch');
      this.#denied(who, transport, ev.device.id);
    }
  }

  async #appendForeign(events: SecurityEvent[], who: Attribution, transport: SyslogTransport): Promise<void> {
    const o = this.#o;
    if (!(await this.#storageAdmits(events, transport))) {
      o.metrics.messages(transport, 'dropped', events.length);
      o.metrics.error(transport, 'storage_full', events.length);
      return;
    }
    try {
      await o.batcher.add(who.device, events, who.kind === 'certificate');
      o.metrics.messages(transport, 'stored', events.length);
    } catch (err) {
      o.metrics.messages(transport, 'dropped', events.length);
      o.metrics.error(transport, 'store_failed', events.length);
      o.log?.({ err, device: who.device, count: events.length }, 'syslog: storing passthrough records failed');
    }
  }

  /**
   * Whether the storage gate takes `events` (retention/capacity.ts): a stream transport waits while it
   * refuses (STORAGE_WAIT_MS between asks) until it takes them or the collector stops; UDP does not wait.
   */
  async #storageAdmits(events: readonly SecurityEvent[], transport: SyslogTransport): Promise<boolean> {
    const o = this.#o;
    for (;;) {
      try {
        o.ingest.admitStorage(events);
        return true;
      } catch (err) {
        if (!(err instanceof SeclogError && err.code === 'STORAGE_FULL')) throw err;
        if (!o.retryRateLimited(transport) || !o.running()) return false;
        await sleep(STORAGE_WAIT_MS);
      }
    }
  }

  /** Runs in order: a later run of a stream may continue an earlier one. */
  async #ingestRuns(runs: readonly Run[], who: Attribution, transport: SyslogTransport): Promise<void> {
    const o = this.#o;
    const row = who.row;
    if (row === undefined) return;
    for (const run of runs) {
      for (;;) {
        try {
          const ack = await o.ingest.ingest(row, { device: run.device, stream: run.stream, records: run.records }, 'syslog');
          o.metrics.messages(transport, 'stored', ack.accepted);
          o.metrics.messages(transport, 'duplicate', ack.duplicates);
          break;
        } catch (err) {
          const code = err instanceof SeclogError ? err.code : undefined;
          if (code === 'INGEST_RATE_LIMITED' && o.retryRateLimited(transport) && o.running()) {
            const wait = Number((err as SeclogError).details?.retryAfterMs ?? 100);
            await sleep(Math.min(Math.max(wait, 10), 5000));
            continue;
          }
          if (code === 'STORAGE_FULL' && o.retryRateLimited(transport) && o.running()) {
            await sleep(STORAGE_WAIT_MS);
            continue;
          }
          o.metrics.messages(transport, 'refused', run.records.length);
          o.metrics.error(
            transport,
            code === 'INGEST_RATE_LIMITED'
              ? 'rate_limited'
              : code === 'STORAGE_FULL'
                ? 'storage_full'
                : code === undefined
                  ? 'store_failed'
                  : 'ingest_refused',
            run.records.length,
          );
          o.log?.({ err, device: run.device, stream: run.stream, count: run.records.length }, 'syslog: seclog records refused');
          break;
        }
      }
    }
  }

  #malformed(who: Attribution, transport: SyslogTransport, port: number, code: string, error: string): void {
    this.#o.diagnostics.report({
      name: 'net_conn_fail',
      kind: code,
      peer: who.sourceIp,
      input: {
        ...(who.sourceIp ? { actor: { ip: who.sourceIp } } : {}),
        attrs: {
          peer: who.sourceIp || 'unknown',
          reason: 'other',
          direction: 'inbound',
          port,
          protocol: `syslog-${transport}`,
          error: code,
        },
        message: `syslog ${transport} message from ${who.sourceIp || 'unknown'} refused: ${error.slice(0, 200)}`,
      },
    });
  }

  #denied(who: Attribution, transport: SyslogTransport, claimed: string): void {
    this.#o.diagnostics.report({
      name: 'authz_fail',
      kind: claimed,
      peer: who.sourceIp,
      input: {
        actor: { user: who.row?.id ?? 'anonymous', ...(who.sourceIp ? { ip: who.sourceIp } : {}) },
        target: { resource: `syslog/${claimed}` },
        attrs: { action: 'ingest', interface: 'syslog' },
        message:
          who.row === undefined
            ? `a seclog record of device ${claimed} arrived over syslog ${transport} from ${who.sourceIp || 'unknown'}, which is not authenticated as an enrolled device; refused`
            : `device ${who.row.id} sent a seclog record of device ${claimed} over syslog ${transport}; refused`,
      },
    });
  }
}
