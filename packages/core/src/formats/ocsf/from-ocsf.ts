/**
 * The inverse of toOcsf: an OCSF event back to the seclog record. It reads
 * the same attributes toOcsf writes (mapping.ts holds the shared tables), so
 * any producer that follows the documented mapping can be read too.
 */
import type { Actor, SecurityEvent } from '../../event/types.js';
import { OUTCOME_BY_STATUS, readTarget, SEVERITY_BY_ID } from './mapping.js';
import {
  asObject,
  ocsfError,
  readAttrs,
  readInt,
  readOptInt,
  readOptObject,
  readOptString,
  readRedacted,
  readString,
  readTime,
  readTq,
} from './read.js';

/**
 * The seclog record of an OCSF event. Throws OCSF_INVALID naming the first
 * field that is missing or of the wrong type. The result is not checked
 * against the catalogue: call validateEvent before trusting it.
 */
export function fromOcsf(obj: unknown): SecurityEvent {
  const o = asObject(obj, '');
  const md = asObject(o.metadata, 'metadata');
  const severityId = readInt(o, 'severity_id', '');
  const severity = SEVERITY_BY_ID[severityId];
  if (severity === undefined) throw ocsfError('severity_id', `must be 1–5 (got ${severityId})`);
  const statusId = readInt(o, 'status_id', '');
  const outcome = OUTCOME_BY_STATUS[statusId];
  if (outcome === undefined) throw ocsfError('status_id', `must be 0, 1 or 2 (got ${statusId})`);
  const dev = asObject(o.device, 'device');
  const un = readOptObject(o, 'unmapped', '') ?? {};

  const ev: SecurityEvent = {
    v: 1,
    id: readString(md, 'uid', 'metadata'),
    name: readString(md, 'event_code', 'metadata'),
    time: readTime(o),
    severity,
    outcome,
    device: { id: readString(dev, 'uid', 'device') },
    attrs: readAttrs(un, 'unmapped'),
  };
  const fw = readOptString(readOptObject(dev, 'os', 'device'), 'version', 'device.os');
  if (fw !== undefined) ev.device.fw = fw;
  const model = readOptString(dev, 'model', 'device');
  if (model !== undefined) ev.device.model = model;

  const actor: Actor = {};
  const a = readOptObject(o, 'actor', '');
  const src = readOptObject(o, 'src_endpoint', '');
  const user = readOptString(readOptObject(a, 'user', 'actor'), 'name', 'actor.user');
  if (user !== undefined) actor.user = user;
  const ip = readOptString(src, 'ip', 'src_endpoint');
  if (ip !== undefined) actor.ip = ip;
  const port = readOptInt(src, 'port', 'src_endpoint');
  if (port !== undefined) actor.port = port;
  const session = readOptString(readOptObject(a, 'session', 'actor'), 'uid', 'actor.session');
  if (session !== undefined) actor.session = session;
  const process = readOptString(readOptObject(a, 'process', 'actor'), 'name', 'actor.process');
  if (process !== undefined) actor.process = process;
  if (Object.keys(actor).length > 0) ev.actor = actor;

  const target = readTarget(o, readInt(o, 'class_uid', ''), un);
  if (Object.keys(target).length > 0) ev.target = target;
  const message = readOptString(o, 'message', '');
  if (message !== undefined) ev.message = message;

  const stream = readOptString(md, 'log_name', 'metadata');
  if (stream !== undefined) ev.stream = stream;
  const seq = readOptInt(md, 'sequence', 'metadata');
  if (seq !== undefined) ev.seq = seq;
  const boot = readOptString(dev, 'boot_uid', 'device');
  if (boot !== undefined) ev.boot = boot;
  const mono = readOptInt(un, 'mono_ms', 'unmapped');
  if (mono !== undefined) ev.mono_ms = mono;
  const prev = readOptString(un, 'prev', 'unmapped');
  if (prev !== undefined) ev.prev = prev;
  const tq = readTq(un, 'unmapped');
  if (tq !== undefined) ev.tq = tq;
  const redacted = readRedacted(un, 'unmapped');
  if (redacted !== undefined) ev.redacted = redacted;
  return ev;
}
