/**
 * The syslog listeners' Prometheus counters, registered in the collector's
 * registry (metrics/collector-metrics.ts). Labels are bounded: the transport
 * is tcp, tls or udp, outcomes and reasons come from the fixed lists below;
 * no peer address or device id is ever a label.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type SyslogTransport = 'tcp' | 'tls' | 'udp';

/** What became of one message. */
export type MessageOutcome = 'stored' | 'duplicate' | 'refused' | 'dropped';

/**
 * Why a message, a datagram or a connection was refused or dropped:
 * frame_invalid / too_long (RFC 6587 framing or size; the connection is closed),
 * seclog_invalid (a seclog-encoded message whose index and body disagree, or whose record does not validate),
 * unauthenticated / device_mismatch (a seclog record from a sender not authenticated as its device),
 * ingest_refused (the ingest pipeline refused a seclog record: fork, broken chain, …),
 * store_failed (the commit failed), rate_limited (UDP over connectionRatePerSec), storage_full (UDP while the
 * collector's storage refuses records, retention/capacity.ts; TCP and TLS wait instead),
 * overloaded (UDP while too much is waiting for commit), connection_limit (maxConnections),
 * tls_failed (handshake or client certificate refused), shutdown (the collector was stopping).
 */
export const SYSLOG_REASONS = [
  'frame_invalid',
  'too_long',
  'seclog_invalid',
  'unauthenticated',
  'device_mismatch',
  'ingest_refused',
  'store_failed',
  'rate_limited',
  'storage_full',
  'overloaded',
  'connection_limit',
  'tls_failed',
  'shutdown',
] as const;
export type SyslogReason = (typeof SYSLOG_REASONS)[number];

export class SyslogMetrics {
  readonly #messages: Counter<'transport' | 'outcome'>;
  readonly #errors: Counter<'transport' | 'reason'>;
  readonly #connections: Counter<'transport'>;
  readonly #open: Gauge<'transport'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#messages = new Counter({
      name: 'seclog_syslog_messages_total',
      help: 'Syslog messages received, by transport and outcome (stored: durable; duplicate: a seclog record already stored; refused; dropped)',
      labelNames: ['transport', 'outcome'],
      registers,
    });
    this.#errors = new Counter({
      name: 'seclog_syslog_errors_total',
      help: 'Syslog messages, datagrams or connections refused or dropped, by transport and reason (docs/syslog.md)',
      labelNames: ['transport', 'reason'],
      registers,
    });
    this.#connections = new Counter({
      name: 'seclog_syslog_connections_total',
      help: 'Syslog TCP/TLS connections accepted, by transport',
      labelNames: ['transport'],
      registers,
    });
    this.#open = new Gauge({
      name: 'seclog_syslog_open_connections',
      help: 'Syslog TCP/TLS connections open now, by transport',
      labelNames: ['transport'],
      registers,
    });
    for (const t of ['tcp', 'tls', 'udp'] as const) {
      for (const o of ['stored', 'duplicate', 'refused', 'dropped'] as const) this.#messages.labels(t, o).inc(0);
      for (const r of SYSLOG_REASONS) this.#errors.labels(t, r).inc(0);
    }
  }

  messages(transport: SyslogTransport, outcome: MessageOutcome, n = 1): void {
    if (n > 0) this.#messages.labels(transport, outcome).inc(n);
  }

  error(transport: SyslogTransport, reason: SyslogReason, n = 1): void {
    if (n > 0) this.#errors.labels(transport, reason).inc(n);
  }

  opened(transport: SyslogTransport): void {
    this.#connections.labels(transport).inc();
    this.#open.labels(transport).inc();
  }

  closed(transport: SyslogTransport): void {
    this.#open.labels(transport).dec();
  }
}
