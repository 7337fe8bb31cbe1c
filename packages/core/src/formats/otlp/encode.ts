/**
 * seclog records as an OTLP/HTTP JSON logs body, for forwarding to any OTLP
 * receiver; decodeOtlpLogs reads it back to the same records.
 *
 * One ResourceLogs per run of consecutive records of one device (resource
 * attributes `device.id`, `service.name` "seclog"), so the order of the
 * records survives. Each LogRecord has `eventName` = name, `timeUnixNano` =
 * time (nanoseconds hold microseconds exactly; a time
 * outside 1970–2554, which fixed64 cannot hold, goes to `seclog.time`), `body` = message, and every
 * other field as a `seclog.<path>` attribute (`seclog.actor.ip`,
 * `seclog.attrs.reason`, `seclog.tq.source`…). `severityText` is the seclog
 * severity and `severityNumber` an OTel level that severityOfOtlp maps back
 * to it; the decoder takes the severity from `seclog.severity`, because a log
 * level is not a security severity.
 */
import type { SecurityEvent, Severity } from '../../event/types.js';
import { parseDateTime, unixNanosFromInstant } from '../../time/rfc3339.js';
import { anyValueOf, type JsonObject } from './any-value.js';

/** fixed64 nanoseconds end in 2554; a later record time (or one before 1970) travels as `seclog.time`. */
const UINT64_MAX = 18446744073709551615n;

/** INFO, WARN, ERROR, ERROR3, FATAL. */
const SEVERITY_NUMBERS: Readonly<Record<Severity, number>> = { info: 9, low: 13, medium: 17, high: 19, critical: 21 };

function logRecord(ev: SecurityEvent): JsonObject {
  const attributes: JsonObject[] = [];
  const add = (path: string, v: string | number | boolean | readonly string[] | undefined): void => {
    if (v !== undefined) attributes.push({ key: `seclog.${path}`, value: anyValueOf(v) });
  };
  add('v', ev.v);
  add('id', ev.id);
  add('severity', ev.severity);
  add('outcome', ev.outcome);
  add('device.fw', ev.device.fw);
  add('device.model', ev.device.model);
  for (const k of ['user', 'ip', 'port', 'session', 'process'] as const) add(`actor.${k}`, ev.actor?.[k]);
  for (const k of ['resource', 'user', 'setting'] as const) add(`target.${k}`, ev.target?.[k]);
  add('stream', ev.stream);
  add('seq', ev.seq);
  add('boot', ev.boot);
  add('mono_ms', ev.mono_ms);
  add('prev', ev.prev);
  if (ev.tq) {
    add('tq.synced', ev.tq.synced);
    add('tq.source', ev.tq.source);
    add('tq.accuracy_ms', ev.tq.accuracy_ms);
    add('tq.offset_ms', ev.tq.offset_ms);
  }
  add('redacted', ev.redacted);
  for (const [k, v] of Object.entries(ev.attrs)) add(`attrs.${k}`, v);

  const nanos = unixNanosFromInstant(parseDateTime(ev.time));
  if (nanos <= 0n || nanos > UINT64_MAX) add('time', ev.time);
  const rec: JsonObject = {
    timeUnixNano: nanos > 0n && nanos <= UINT64_MAX ? nanos.toString() : '0',
    severityNumber: SEVERITY_NUMBERS[ev.severity],
    severityText: ev.severity,
    eventName: ev.name,
    attributes,
  };
  if (ev.message !== undefined) rec.body = { stringValue: ev.message };
  return rec;
}

/** An ExportLogsServiceRequest in OTLP/JSON for `events`. */
export function toOtlpLogs(events: readonly SecurityEvent[]): { resourceLogs: JsonObject[] } {
  const resourceLogs: JsonObject[] = [];
  let device: string | undefined;
  let records: JsonObject[] = [];
  for (const ev of events) {
    if (ev.device.id !== device || resourceLogs.length === 0) {
      device = ev.device.id;
      records = [];
      resourceLogs.push({
        resource: {
          attributes: [
            { key: 'device.id', value: { stringValue: device } },
            { key: 'service.name', value: { stringValue: 'seclog' } },
          ],
        },
        scopeLogs: [{ scope: { name: 'seclog', version: '1' }, logRecords: records }],
      });
    }
    records.push(logRecord(ev));
  }
  return { resourceLogs };
}
