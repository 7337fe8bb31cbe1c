/**
 * POST /v1/logs: OTLP/HTTP logs in the JSON encoding (ExportLogsServiceRequest),
 * the path and shape an OpenTelemetry SDK's OTLP/HTTP exporter posts to
 * (docs/otlp.md).
 *
 * - Authentication: a device token; every record is attributed to its device
 *   (attribution `token`), whatever the body claims. API tokens are refused:
 *   they are operators' read credentials, and one that could post would write
 *   records attributed to any device. Refused credentials are recorded
 *   (./refused-tokens.ts), a revoked device's attempt always.
 *   The token is checked before the body is read.
 * - Mapping: core's decodeOtlpLogs; a record naming a catalogue event becomes
 *   it, the others `passthrough`. Foreign records are chained by the collector
 *   in `passthrough/otlp` of the device (ForeignStreams). A record carrying
 *   seclog's chain fields (seclog.stream, seclog.seq … as toOtlpLogs writes
 *   them) is a record of a device stream: it goes through the same ingest as
 *   /api/v1/ingest (chain, fork, gap, duplicate and seal checks).
 * - Answers (OTLP spec, "OTLP/HTTP Response"): 200 `{}` when every record was
 *   stored; 200 with `partialSuccess` {rejectedLogRecords, errorMessage} when
 *   some were rejected alone; a malformed body is 400 OTLP_INVALID naming the
 *   field, and nothing is stored. The answer is sent after the durable commit.
 */
import type { OtlpDecodeResult, SecurityEvent } from '@seclog/core';
import { decodeOtlpLogs, ERROR_CODES, isSeclogError, SeclogError } from '@seclog/core';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { markValidated } from '../ingest/chain-append.js';
import { hasChainFields } from '../ingest/foreign-stream.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';
import type { DeviceRow, Store } from '../store/types.js';
import { deviceOf, POLICY } from './access-control.js';
import { toSeclogError } from './errors.js';
import { jsonUploadPreParsing } from './json-upload.js';
import { ErrorSchema } from './schemas.js';

export interface OtlpRoutesOptions {
  store: Store;
  ingest: IngestService;
  /** False once shutdown began: new requests get 503 (retryable for an OTLP exporter). */
  accepting: () => boolean;
  /** Per-record outcomes (rejected, refused, duplicate); accepted ones are counted at commit. */
  metrics?: CollectorMetrics;
}

const SOURCE = 'otlp';
/** Rejections spelled out in errorMessage; the rest are counted. */
const MAX_REASONS = 5;

export const OtlpResponseSchema = Type.Object(
  {
    partialSuccess: Type.Optional(
      Type.Object({
        rejectedLogRecords: Type.Integer({ description: 'Log records not stored; the others were' }),
        errorMessage: Type.String({ description: 'Why, for the first few: the OTLP path of the record, the error code, the reason' }),
      }),
    ),
  },
  { description: 'ExportLogsServiceResponse: `{}` when every record was stored' },
);

/** Why one record (or a group of them) was not stored. */
interface Rejected {
  count: number;
  reason: string;
}

export const otlpRoutes: FastifyPluginAsync<OtlpRoutesOptions> = async (app, opts) => {
  const { ingest, metrics } = opts;
  /** Stores what was decoded; returns the records rejected on their own. */
  async function storeDecoded(row: DeviceRow, decoded: OtlpDecodeResult): Promise<Rejected[]> {
    const rejected: Rejected[] = decoded.rejected.map((r) => ({ count: 1, reason: `${r.path}: ${r.code}: ${r.message}` }));
    const foreign: SecurityEvent[] = [];
    const streams = new Map<string, SecurityEvent[]>();
    for (const e of decoded.events) {
      if (!hasChainFields(e)) foreign.push(e);
      else if (e.stream === undefined) {
        rejected.push({ count: 1, reason: `record ${e.id}: EVENT_INVALID: carries seclog chain fields without seclog.stream` });
      } else {
        const group = streams.get(e.stream);
        if (group === undefined) streams.set(e.stream, [e]);
        else group.push(e);
      }
    }
    // Before anything is stored: a 429 then leaves nothing behind for the retry to duplicate.
    ingest.admit(row.id, foreign.length);
    // Device-stream records first: a retryable failure of theirs fails the request before any
    // foreign record is stored, and the retry's device records are duplicates the cursor drops.
    for (const [stream, records] of streams) {
      try {
        const ack = await ingest.ingest(row, { device: row.id, stream, records }, SOURCE);
        metrics?.countRecords(SOURCE, 'duplicate', ack.duplicates);
      } catch (err) {
        const e = toSeclogError(err);
        if (retryable(e)) throw err;
        rejected.push({ count: records.length, reason: `seclog stream ${stream} (${records.length} records): ${e.code}: ${e.message}` });
      }
    }
    // A record that cannot be chained (too large with its chain fields) is rejected alone.
    // decodeOtlpLogs validated each event it returned: chaining need not do it again.
    let pending = markValidated(foreign);
    while (pending.length > 0) {
      try {
        await ingest.foreign.append({ device: row.id, source: SOURCE, events: pending, authenticated: true });
        break;
      } catch (err) {
        const index = isSeclogError(err) && err.code === 'EVENT_INVALID' ? err.details.index : undefined;
        if (typeof index !== 'number') throw err;
        const bad = pending[index] as SecurityEvent;
        rejected.push({ count: 1, reason: `record ${bad.id} (${bad.name}): EVENT_INVALID: ${(err as Error).message}` });
        pending = pending.filter((_, i) => i !== index);
      }
    }
    return rejected;
  }

  app.post(
    '/v1/logs',
    {
      config: { policy: POLICY.device('post OTLP logs', 'otlp') },
      schema: {
        summary: 'OTLP/HTTP JSON logs (ExportLogsServiceRequest) of the token’s device',
        description:
          'Content-Type application/json only (protobuf is 415), optionally gzip. Device bearer token. Records naming a catalogue event become it; the others are passthrough records (docs/otlp.md).',
        response: { 200: OtlpResponseSchema, '4xx': ErrorSchema, '5xx': ErrorSchema },
      },
      // Before the body is read: an unauthenticated sender costs no inflating or parsing.
      // After the policy hook (access-control.ts), which found the token's device before the body was read.
      onRequest: async () => {
        if (!opts.accepting()) throw new SeclogError('HTTP_SHUTTING_DOWN', 'the collector is shutting down', {});
      },
      preParsing: jsonUploadPreParsing,
    },
    async (req, reply) => {
      const row = deviceOf(req);
      const nowMs = Date.now();
      let decoded: OtlpDecodeResult;
      try {
        decoded = decodeOtlpLogs(req.body, {
          deviceId: row.id,
          attribution: 'token',
          receivedAt: { ms: nowMs, us: 0 },
          sourceIp: req.ip,
          maxRecords: ingest.maxBatchRecords,
        });
      } catch (err) {
        // The registry's other upload errors name the field as details.field; so does this one.
        if (isSeclogError(err) && err.code === 'OTLP_INVALID') {
          throw new SeclogError('OTLP_INVALID', err.message, { ...err.details, field: err.details.path });
        }
        throw err;
      }
      let rejected: Rejected[];
      try {
        rejected = await storeDecoded(row, decoded);
      } catch (err) {
        metrics?.countRecords(SOURCE, 'refused', decoded.events.length + decoded.rejected.length);
        // OTLP exporters wait as long as Retry-After says before they retry a 429.
        const wait = isSeclogError(err) && err.code === 'INGEST_RATE_LIMITED' ? err.details.retryAfterMs : undefined;
        if (typeof wait === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(wait / 1000))));
        throw err;
      }
      const count = rejected.reduce((n, r) => n + r.count, 0);
      if (count === 0) return {};
      metrics?.countRecords(SOURCE, 'rejected', count);
      const reasons = rejected.slice(0, MAX_REASONS).map((r) => r.reason);
      const more = rejected.length > MAX_REASONS ? `; and ${rejected.length - MAX_REASONS} more` : '';
      const stored = decoded.events.length + decoded.rejected.length - count;
      return {
        partialSuccess: {
          rejectedLogRecords: count,
          errorMessage: `${count} log records rejected, ${stored} stored: ${reasons.join('; ')}${more}`,
        },
      };
    },
  );
};

/** Failures an OTLP exporter retries (429, 5xx): the whole request fails, so it is sent again. */
function retryable(e: SeclogError): boolean {
  const status = ERROR_CODES[e.code].status;
  return status === 429 || status >= 500;
}
