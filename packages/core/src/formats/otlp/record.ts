/**
 * One OTLP LogRecord, read and checked for structure, with what the decoder
 * needs around it (its resource, scope and device attribution).
 */
import { type Instant, instantFromUnixNanos } from '../../time/rfc3339.js';
import {
  field,
  isObject,
  optArray,
  optObject,
  optString,
  otlpError,
  type ReadAttribute,
  type ReadValue,
  readAnyValue,
  readKeyValues,
} from './any-value.js';

export interface OtlpScope {
  name?: string;
  version?: string;
}

/** How the collector tied the record to its device (the passthrough entry's `attribution`). */
export type OtlpAttribution = 'certificate' | 'source_map' | 'token' | 'unauthenticated';

/** Which device the records of one ResourceLogs belong to. */
export interface DeviceClaim {
  /** Candidates in order of trust: the authenticated source, then resource `device.id`, then `service.instance.id`. */
  candidates: { id: string; path?: string }[];
  /** Set when the context named the device: an authenticated source. */
  authenticated: boolean;
}

export interface OtlpRecord {
  /** `resourceLogs[i].scopeLogs[j].logRecords[k]`. */
  path: string;
  timeNanos?: bigint;
  observedNanos?: bigint;
  severityNumber?: number;
  severityText?: string;
  body?: ReadValue;
  attributes: ReadAttribute[];
  eventName?: string;
  traceId?: string;
  spanId?: string;
  resource: ReadAttribute[];
  scope: OtlpScope;
  device: DeviceClaim;
}

const UINT64_MAX = 18446744073709551615n;
const SEVERITY_NAMES = [
  'UNSPECIFIED',
  'TRACE',
  'TRACE2',
  'TRACE3',
  'TRACE4',
  'DEBUG',
  'DEBUG2',
  'DEBUG3',
  'DEBUG4',
  'INFO',
  'INFO2',
  'INFO3',
  'INFO4',
].concat(['WARN', 'ERROR', 'FATAL'].flatMap((s) => [s, `${s}2`, `${s}3`, `${s}4`]));

/** fixed64 nanoseconds: decimal digits (proto3 JSON) or a JSON number; 0 means unset. */
function readNanos(o: Record<string, unknown>, camel: string, snake: string, path: string): bigint | undefined {
  const v = field(o, camel, snake);
  if (v === undefined) return undefined;
  let n: bigint;
  if (typeof v === 'string' && /^[0-9]{1,20}$/.test(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) n = BigInt(v);
  else throw otlpError(`${path}.${camel}`, 'must be unsigned decimal nanoseconds since the epoch');
  if (n > UINT64_MAX) throw otlpError(`${path}.${camel}`, 'is outside the fixed64 range');
  return n === 0n ? undefined : n;
}

function readSeverityNumber(o: Record<string, unknown>, path: string): number | undefined {
  const v = field(o, 'severityNumber', 'severity_number');
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 24) return v;
  // The proto3 JSON mapping also allows an enum by its name.
  if (typeof v === 'string' && v.startsWith('SEVERITY_NUMBER_')) {
    const i = SEVERITY_NAMES.indexOf(v.slice('SEVERITY_NUMBER_'.length));
    if (i !== -1) return i;
  }
  throw otlpError(`${path}.severityNumber`, 'must be a SeverityNumber, 0–24');
}

const HEX_ID: Readonly<Record<number, RegExp>> = { 16: /^[0-9a-fA-F]{16}$/, 32: /^[0-9a-fA-F]{32}$/ };

function readHexId(o: Record<string, unknown>, camel: string, snake: string, hexDigits: 16 | 32, path: string): string | undefined {
  const v = optString(o, camel, snake, path);
  if (v === undefined || v === '') return undefined;
  // OTLP/JSON writes trace and span ids as hex, not base64 (OTLP spec, JSON Protobuf Encoding).
  if (!HEX_ID[hexDigits]?.test(v)) throw otlpError(`${path}.${camel}`, `must be ${hexDigits} hex digits`);
  return v.toLowerCase();
}

/** Read one LogRecord; throws OTLP_INVALID for anything malformed. */
export function readLogRecord(v: unknown, path: string, resource: ReadAttribute[], scope: OtlpScope, device: DeviceClaim): OtlpRecord {
  if (!isObject(v)) throw otlpError(path, 'must be a LogRecord object');
  const rec: OtlpRecord = {
    path,
    attributes: readKeyValues(optArray(v, 'attributes', 'attributes', path), `${path}.attributes`),
    resource,
    scope,
    device,
  };
  const time = readNanos(v, 'timeUnixNano', 'time_unix_nano', path);
  if (time !== undefined) rec.timeNanos = time;
  const observed = readNanos(v, 'observedTimeUnixNano', 'observed_time_unix_nano', path);
  if (observed !== undefined) rec.observedNanos = observed;
  const severity = readSeverityNumber(v, path);
  if (severity !== undefined) rec.severityNumber = severity;
  const severityText = optString(v, 'severityText', 'severity_text', path);
  if (severityText !== undefined) rec.severityText = severityText;
  const body = field(v, 'body', 'body');
  if (body !== undefined) rec.body = readAnyValue(body, `${path}.body`);
  const eventName = optString(v, 'eventName', 'event_name', path);
  if (eventName !== undefined && eventName !== '') rec.eventName = eventName;
  const traceId = readHexId(v, 'traceId', 'trace_id', 32, path);
  if (traceId !== undefined) rec.traceId = traceId;
  const spanId = readHexId(v, 'spanId', 'span_id', 16, path);
  if (spanId !== undefined) rec.spanId = spanId;
  return rec;
}

export function readScope(sl: Record<string, unknown>, path: string): OtlpScope {
  const s = optObject(sl, 'scope', 'scope', path);
  if (!s) return {};
  const out: OtlpScope = {};
  const name = optString(s, 'name', 'name', `${path}.scope`);
  if (name) out.name = name;
  const version = optString(s, 'version', 'version', `${path}.scope`);
  if (version) out.version = version;
  readKeyValues(optArray(s, 'attributes', 'attributes', `${path}.scope`), `${path}.scope.attributes`);
  return out;
}

/** The record's own time, else when it was observed, else when the collector received it. */
export function recordInstant(rec: OtlpRecord, receivedAt: Instant): Instant {
  const nanos = rec.timeNanos ?? rec.observedNanos;
  return nanos === undefined ? receivedAt : instantFromUnixNanos(nanos);
}

/** `attributes.reason`, or `attributes["client.address"]` when the key is not a plain name. */
export function attributePath(recordPath: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${recordPath}.attributes.${key}` : `${recordPath}.attributes[${JSON.stringify(key)}]`;
}
