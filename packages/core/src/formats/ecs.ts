/**
 * Elastic Common Schema 8.x JSON: one seclog record as one ECS document.
 *
 * Native homes: `@timestamp` (RFC 3339, microseconds kept), `event.id` = id,
 * `event.action` = name, `event.kind/category/type` from the catalogue entry,
 * `event.outcome` (its allowed values are seclog's), `event.severity` (a long
 * in ECS: the OCSF severity_id 1–5, as DESIGN.md §4 numbers severities),
 * `event.sequence` = seq, `device.id`, `device.model.identifier` (the beta
 * device fields, from the OTel device namespace), `host.name` = device.id,
 * `host.os.version` = firmware (ECS has no firmware field; on an embedded
 * product the firmware image is its OS), `user.name`, `user.target.name`,
 * `source.ip/port`, `process.name`, `message`.
 *
 * Everything else (attrs, stream, boot, mono_ms, prev, tq, redacted,
 * actor.session, target.resource, target.setting) sits under a `seclog`
 * object in the shape of the record, so `fromEcs(toEcs(e))` deep-equals `e`.
 * fromEcs also accepts flattened documents (`"event.id": …`), as Elasticsearch
 * returns them when a mapping uses dotted names.
 */
import { getCatalogueEntry } from '../catalogue/registry.js';
import type { EcsMapping } from '../catalogue/types.js';
import { SeclogError } from '../errors.js';
import {
  type Actor,
  type Attrs,
  type SecurityEvent,
  type Severity,
  type Target,
  TIME_SOURCES,
  type TimeQuality,
  type TimeSource,
} from '../event/types.js';
import { toEventTime } from '../time/rfc3339.js';

export const ECS_VERSION = '8.17.0';
const DEFAULT_ECS: EcsMapping = { kind: 'event', category: ['host'], type: ['info'] };
const SEVERITY_NUMBERS: Readonly<Record<Severity, number>> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
const SEVERITY_BY_NUMBER: readonly (Severity | undefined)[] = [undefined, 'info', 'low', 'medium', 'high', 'critical'];
const OUTCOMES = ['success', 'failure', 'unknown'] as const;

type JsonObject = Record<string, unknown>;

function put(o: JsonObject, key: string, v: unknown): void {
  if (v !== undefined) o[key] = v;
}

function nonEmpty(o: JsonObject): JsonObject | undefined {
  return Object.keys(o).length > 0 ? o : undefined;
}

/** The ECS document of a seclog record (a plain JSON object). */
export function toEcs(ev: SecurityEvent): Record<string, unknown> {
  const m = getCatalogueEntry(ev.name)?.ecs ?? DEFAULT_ECS;
  const event: JsonObject = {
    id: ev.id,
    kind: m.kind,
    category: [...m.category],
    type: [...m.type],
    action: ev.name,
    outcome: ev.outcome,
    severity: SEVERITY_NUMBERS[ev.severity],
    dataset: 'seclog.events',
    module: 'seclog',
  };
  put(event, 'sequence', ev.seq);
  const host: JsonObject = { name: ev.device.id };
  if (ev.device.fw !== undefined) host.os = { version: ev.device.fw };
  const device: JsonObject = { id: ev.device.id };
  if (ev.device.model !== undefined) device.model = { identifier: ev.device.model };

  const out: JsonObject = { '@timestamp': ev.time, ecs: { version: ECS_VERSION }, event, host, device };
  const a = ev.actor ?? {};
  const t = ev.target ?? {};
  const user: JsonObject = {};
  put(user, 'name', a.user);
  if (t.user !== undefined) user.target = { name: t.user };
  put(out, 'user', nonEmpty(user));
  const source: JsonObject = {};
  put(source, 'ip', a.ip);
  put(source, 'port', a.port);
  put(out, 'source', nonEmpty(source));
  if (a.process !== undefined) out.process = { name: a.process };
  put(out, 'message', ev.message);

  const seclog: JsonObject = { attrs: { ...ev.attrs } };
  put(seclog, 'stream', ev.stream);
  put(seclog, 'boot', ev.boot);
  put(seclog, 'mono_ms', ev.mono_ms);
  put(seclog, 'prev', ev.prev);
  put(seclog, 'tq', ev.tq && { ...ev.tq });
  put(seclog, 'redacted', ev.redacted && [...ev.redacted]);
  if (a.session !== undefined) seclog.actor = { session: a.session };
  const target: JsonObject = {};
  put(target, 'resource', t.resource);
  put(target, 'setting', t.setting);
  put(seclog, 'target', nonEmpty(target));
  out.seclog = seclog;
  return out;
}

function ecsError(path: string, what: string): SeclogError {
  return new SeclogError('ECS_INVALID', `ECS ${path || '(document)'}: ${what}`, { path });
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `a.b.c` nested, flattened (`"a.b.c"`) or any mix of the two. */
function lookup(o: JsonObject, path: string): unknown {
  if (Object.hasOwn(o, path)) return o[path];
  for (let i = path.indexOf('.'); i !== -1; i = path.indexOf('.', i + 1)) {
    const head = o[path.slice(0, i)];
    if (Object.hasOwn(o, path.slice(0, i)) && isObject(head)) {
      const v = lookup(head, path.slice(i + 1));
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

function optString(o: JsonObject, path: string): string | undefined {
  const v = lookup(o, path);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw ecsError(path, 'must be a string');
  return v;
}

function reqString(o: JsonObject, path: string): string {
  const v = optString(o, path);
  if (v === undefined) throw ecsError(path, 'is required');
  return v;
}

function optNumber(o: JsonObject, path: string, integer: boolean): number | undefined {
  const v = lookup(o, path);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(integer ? Number.isSafeInteger(v) : Number.isFinite(v))) {
    throw ecsError(path, integer ? 'must be an integer' : 'must be a finite number');
  }
  return v;
}

function readAttrs(o: JsonObject): Attrs {
  const v = lookup(o, 'seclog.attrs');
  if (v === undefined) return {};
  if (!isObject(v)) throw ecsError('seclog.attrs', 'must be an object');
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string' && typeof x !== 'boolean' && (typeof x !== 'number' || !Number.isFinite(x))) {
      throw ecsError(`seclog.attrs.${k}`, 'attrs values must be strings, finite numbers or booleans');
    }
  }
  return { ...(v as Attrs) };
}

function readTq(o: JsonObject): TimeQuality | undefined {
  const v = lookup(o, 'seclog.tq');
  if (v === undefined) return undefined;
  if (!isObject(v)) throw ecsError('seclog.tq', 'must be an object');
  if (typeof v.synced !== 'boolean') throw ecsError('seclog.tq.synced', 'must be a boolean');
  if (typeof v.source !== 'string' || !(TIME_SOURCES as readonly string[]).includes(v.source)) {
    throw ecsError('seclog.tq.source', `must be one of ${TIME_SOURCES.join(', ')}`);
  }
  const tq: TimeQuality = { synced: v.synced, source: v.source as TimeSource };
  const accuracy = optNumber(v, 'accuracy_ms', false);
  if (accuracy !== undefined) tq.accuracy_ms = accuracy;
  const offset = optNumber(v, 'offset_ms', false);
  if (offset !== undefined) tq.offset_ms = offset;
  return tq;
}

function readActor(o: JsonObject): Actor {
  const a: Actor = {};
  const user = optString(o, 'user.name');
  if (user !== undefined) a.user = user;
  const ip = optString(o, 'source.ip');
  if (ip !== undefined) a.ip = ip;
  const port = optNumber(o, 'source.port', true);
  if (port !== undefined) a.port = port;
  const session = optString(o, 'seclog.actor.session');
  if (session !== undefined) a.session = session;
  const process = optString(o, 'process.name');
  if (process !== undefined) a.process = process;
  return a;
}

function readTarget(o: JsonObject): Target {
  const t: Target = {};
  const resource = optString(o, 'seclog.target.resource');
  if (resource !== undefined) t.resource = resource;
  const user = optString(o, 'user.target.name');
  if (user !== undefined) t.user = user;
  const setting = optString(o, 'seclog.target.setting');
  if (setting !== undefined) t.setting = setting;
  return t;
}

/**
 * The seclog record of an ECS document written by toEcs. Throws ECS_INVALID
 * naming the first field that is missing or of the wrong type. The result is
 * not checked against the catalogue: call validateEvent before trusting it.
 */
export function fromEcs(obj: unknown): SecurityEvent {
  if (!isObject(obj)) throw ecsError('', 'must be a JSON object');
  const stamp = reqString(obj, '@timestamp');
  let time: string;
  try {
    time = toEventTime(stamp, true);
  } catch {
    throw ecsError('@timestamp', 'must be an RFC 3339 date-time');
  }
  const sevNumber = optNumber(obj, 'event.severity', true);
  const severity = sevNumber === undefined ? undefined : SEVERITY_BY_NUMBER[sevNumber];
  if (severity === undefined) throw ecsError('event.severity', 'must be 1–5 (info … critical)');
  const outcome = reqString(obj, 'event.outcome');
  if (!(OUTCOMES as readonly string[]).includes(outcome)) throw ecsError('event.outcome', 'must be success, failure or unknown');

  const ev: SecurityEvent = {
    v: 1,
    id: reqString(obj, 'event.id'),
    name: reqString(obj, 'event.action'),
    time,
    severity,
    outcome: outcome as SecurityEvent['outcome'],
    device: { id: optString(obj, 'device.id') ?? reqString(obj, 'host.name') },
    attrs: readAttrs(obj),
  };
  const fw = optString(obj, 'host.os.version');
  if (fw !== undefined) ev.device.fw = fw;
  const model = optString(obj, 'device.model.identifier');
  if (model !== undefined) ev.device.model = model;
  const actor = readActor(obj);
  if (Object.keys(actor).length > 0) ev.actor = actor;
  const target = readTarget(obj);
  if (Object.keys(target).length > 0) ev.target = target;
  const message = optString(obj, 'message');
  if (message !== undefined) ev.message = message;

  const stream = optString(obj, 'seclog.stream');
  if (stream !== undefined) ev.stream = stream;
  const seq = optNumber(obj, 'event.sequence', true);
  if (seq !== undefined) ev.seq = seq;
  const boot = optString(obj, 'seclog.boot');
  if (boot !== undefined) ev.boot = boot;
  const mono = optNumber(obj, 'seclog.mono_ms', true);
  if (mono !== undefined) ev.mono_ms = mono;
  const prev = optString(obj, 'seclog.prev');
  if (prev !== undefined) ev.prev = prev;
  const tq = readTq(obj);
  if (tq !== undefined) ev.tq = tq;
  const redacted = lookup(obj, 'seclog.redacted');
  if (redacted !== undefined) {
    if (!Array.isArray(redacted) || !redacted.every((p) => typeof p === 'string'))
      throw ecsError('seclog.redacted', 'must be an array of strings');
    ev.redacted = [...redacted];
  }
  return ev;
}
