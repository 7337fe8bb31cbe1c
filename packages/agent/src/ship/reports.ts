/**
 * What the shipper tells the logger. Nothing here is thrown into product
 * code; the logger turns the reports that matter for security into local
 * records (shipReportEvent) and may expose the rest as status. Reports come
 * once per condition (the first failure of an outage, not every retry):
 * STYLE.md says never to log one's own shipping traffic into the stream one
 * ships.
 */
import type { EventInput } from '@seclog/core';

export type ShipReport =
  /** The collector refused the device token (401) or the device (403): shipping stops until setToken(). */
  | { kind: 'unauthorized'; status: number; code: string; message: string }
  /** A record the collector refuses was isolated and skipped: a bug report (the collector records a gap). */
  | { kind: 'record-rejected'; seq: number; status: number; code: string; message: string; details: Record<string, unknown> }
  /** The TLS handshake failed on the collector's certificate (pin mismatch, unknown CA, expired, name mismatch). */
  | {
      kind: 'tls-failed';
      peer: string;
      port: number;
      reason: string;
      code: string;
      message: string;
      fingerprint?: string;
      subject?: string;
    }
  /** First failure of an outage: network error, timeout or 5xx. */
  | { kind: 'collector-unreachable'; code: string; message: string }
  /** Shipping works again after failures. */
  | { kind: 'collector-reachable'; outageMs: number; failures: number }
  /** Every batch is refused the same way (wrong URL path, a proxy answering 404 or 415): backing off, nothing skipped. */
  | { kind: 'collector-misconfigured'; status: number; code: string; message: string }
  /** The collector refused the batch size (413); batches are now at most `maxRecords`. */
  | { kind: 'batch-too-large'; records: number; maxRecords: number }
  /** The collector refused gzip bodies (415); bodies go uncompressed from now on. */
  | { kind: 'gzip-refused' }
  /** The collector holds more of the stream than the source: the device lost records it had shipped, or two devices share a stream. */
  | { kind: 'cursor-ahead'; collectorSeq: number; lastSeq: number }
  /** A gap the collector reported was filled from the source. */
  | { kind: 'gap-filled'; from: number; to: number }
  /** A gap the collector reported cannot be filled (the source no longer has the records, or the collector refused them). */
  | { kind: 'gap-unfillable'; from: number; to: number; reason: string }
  /** Many records in a row were refused and skipped; shipping slows down to the longest backoff so an operator can look. */
  | { kind: 'refusal-storm'; skipped: number }
  /** The source failed to read (e.g. an I/O error of the ring); retried with backoff. */
  | { kind: 'source-failed'; message: string };

/**
 * The local record for a report, if it deserves one: a skipped record is a
 * loss (`log_dropped`, reason rejected), a refused certificate is `tls_fail`,
 * and refused credentials stop shipping (`sys_fault`).
 */
export function shipReportEvent(report: ShipReport): { name: string; input: EventInput } | undefined {
  switch (report.kind) {
    case 'record-rejected':
      return {
        name: 'log_dropped',
        input: {
          attrs: { from_seq: report.seq, to_seq: report.seq, count: 1, reason: 'rejected' },
          message: `the collector refused record ${report.seq} (${report.status} ${report.code}: ${report.message}); skipped`,
        },
      };
    case 'tls-failed':
      return {
        name: 'tls_fail',
        input: {
          attrs: {
            peer: report.peer,
            reason: report.reason,
            direction: 'outbound',
            port: report.port,
            ...(report.fingerprint ? { cert_fingerprint: report.fingerprint } : {}),
            ...(report.subject ? { cert_subject: report.subject } : {}),
          },
          message: `TLS to the collector failed: ${report.message}`,
        },
      };
    case 'unauthorized':
      return {
        name: 'sys_fault',
        input: {
          attrs: { fault: 'collector_credentials_refused', component: 'seclog.shipper' },
          message: `the collector refused the device credentials (${report.status} ${report.code}); shipping is paused`,
        },
      };
    default:
      return undefined;
  }
}
