/**
 * OTLP/HTTP JSON logs (ExportLogsServiceRequest, opentelemetry-proto
 * logs/v1) to seclog records.
 *
 * Two kinds of failure, kept apart on purpose:
 * - a malformed body (not an object, resourceLogs not an array, a timestamp
 *   that is not decimal nanoseconds, an AnyValue with two values…) throws
 *   OTLP_INVALID with `details.path`: the sender is broken and the whole
 *   request is answered 400, as the OTLP spec has a receiver do;
 * - a well-formed record that does not make a valid catalogue event is
 *   rejected alone, with the OTLP path of the field at fault, and every other
 *   record is still decoded (the collector answers with partial success).
 *
 * Device attribution never comes from the record itself: the authenticated
 * source (ctx.deviceId) wins, then the resource attribute `device.id`, then
 * `service.instance.id`, else `unattributed`.
 */
import { getCatalogueEntry } from '../../catalogue/registry.js';
import { SeclogError } from '../../errors.js';
import type { SecurityEvent } from '../../event/types.js';
import type { Instant } from '../../time/rfc3339.js';
import { isObject, optArray, optObject, otlpError, type ReadAttribute, readKeyValues } from './any-value.js';
import { type Rejection, toCatalogueEvent } from './catalogue-event.js';
import { toPassthroughEvent } from './passthrough-event.js';
import { type DeviceClaim, type OtlpAttribution, type OtlpRecord, readLogRecord, readScope } from './record.js';

/** Records per request when the caller sets no limit: a batch of the OTel SDK default size (512) fits many times. */
export const OTLP_DEFAULT_MAX_RECORDS = 10_000;

export interface OtlpDecodeContext {
  /** The device the transport authenticated; it overrides whatever the body claims. */
  deviceId?: string;
  /** Receive time: the id clock of new records, and their time when the record has none. */
  receivedAt: Instant;
  /** At most this many log records per body (default OTLP_DEFAULT_MAX_RECORDS); more is OTLP_TOO_MANY_RECORDS. */
  maxRecords?: number;
  /** How deviceId was established, for passthrough records; `unauthenticated` when no deviceId is given. */
  attribution?: OtlpAttribution;
  /** Address the request came from, for passthrough records. */
  sourceIp?: string;
}

export type OtlpRejection = Rejection;

export interface OtlpDecodeResult {
  events: SecurityEvent[];
  rejected: OtlpRejection[];
}

function deviceClaim(ctx: OtlpDecodeContext, resource: readonly ReadAttribute[]): DeviceClaim {
  const candidates: DeviceClaim['candidates'] = [];
  if (ctx.deviceId !== undefined) candidates.push({ id: ctx.deviceId });
  for (const key of ['device.id', 'service.instance.id']) {
    const a = resource.find((x) => x.key === key);
    if (a?.kind === 'string' && a.value !== '') candidates.push({ id: a.value as string, path: a.path });
  }
  candidates.push({ id: 'unattributed' });
  return { candidates, authenticated: ctx.deviceId !== undefined };
}

/** The name a record gives itself: eventName, else the attribute event.name, else seclog.name. */
function claimedName(rec: OtlpRecord): string | undefined {
  if (rec.eventName !== undefined) return rec.eventName;
  for (const key of ['event.name', 'seclog.name']) {
    const a = rec.attributes.find((x) => x.key === key);
    if (a?.kind === 'string') return a.value as string;
  }
  return undefined;
}

/** Every LogRecord of the body, read for structure; throws OTLP_INVALID or OTLP_TOO_MANY_RECORDS. */
function readRecords(body: unknown, ctx: OtlpDecodeContext): OtlpRecord[] {
  if (!isObject(body)) throw otlpError('', 'must be a JSON object (ExportLogsServiceRequest)');
  const max = ctx.maxRecords ?? OTLP_DEFAULT_MAX_RECORDS;
  const resourceLogs = optArray(body, 'resourceLogs', 'resource_logs', '');
  // Count before reading anything deeper, so an oversized body costs little.
  let count = 0;
  for (const [i, rl] of resourceLogs.entries()) {
    if (!isObject(rl)) throw otlpError(`resourceLogs[${i}]`, 'must be a ResourceLogs object');
    for (const [j, sl] of optArray(rl, 'scopeLogs', 'scope_logs', `resourceLogs[${i}]`).entries()) {
      if (!isObject(sl)) throw otlpError(`resourceLogs[${i}].scopeLogs[${j}]`, 'must be a ScopeLogs object');
      count += optArray(sl, 'logRecords', 'log_records', `resourceLogs[${i}].scopeLogs[${j}]`).length;
    }
  }
  if (count > max) {
    throw new SeclogError('OTLP_TOO_MANY_RECORDS', `the body holds ${count} log records; the limit is ${max}`, { count, max });
  }
  const out: OtlpRecord[] = [];
  for (const [i, rl] of resourceLogs.entries()) {
    const rpath = `resourceLogs[${i}]`;
    const rlo = rl as Record<string, unknown>;
    const resource = optObject(rlo, 'resource', 'resource', rpath);
    const resAttrs = resource
      ? readKeyValues(optArray(resource, 'attributes', 'attributes', `${rpath}.resource`), `${rpath}.resource.attributes`)
      : [];
    const device = deviceClaim(ctx, resAttrs);
    for (const [j, sl] of optArray(rlo, 'scopeLogs', 'scope_logs', rpath).entries()) {
      const spath = `${rpath}.scopeLogs[${j}]`;
      const slo = sl as Record<string, unknown>;
      const scope = readScope(slo, spath);
      for (const [k, lr] of optArray(slo, 'logRecords', 'log_records', spath).entries()) {
        out.push(readLogRecord(lr, `${spath}.logRecords[${k}]`, resAttrs, scope, device));
      }
    }
  }
  return out;
}

/**
 * Decode an OTLP/HTTP JSON logs body. Records that name a catalogue event
 * (eventName, or the attribute event.name / seclog.name) become that event,
 * the others `passthrough` records; both in body order. Every returned event
 * passes validateEvent.
 */
export function decodeOtlpLogs(body: unknown, ctx: OtlpDecodeContext): OtlpDecodeResult {
  const result: OtlpDecodeResult = { events: [], rejected: [] };
  for (const rec of readRecords(body, ctx)) {
    const name = claimedName(rec);
    const entry = name === undefined ? undefined : getCatalogueEntry(name);
    const out = entry
      ? toCatalogueEvent(rec, entry, ctx.receivedAt)
      : toPassthroughEvent(rec, { receivedAt: ctx.receivedAt, attribution: ctx.attribution, sourceIp: ctx.sourceIp });
    if ('code' in out) result.rejected.push(out);
    else result.events.push(out);
  }
  return result;
}
