/**
 * OCSF 1.x JSON (https://schema.ocsf.io/1.5.0): one seclog record as one OCSF
 * event of the class and activity its catalogue entry names.
 *
 * Native homes: `metadata.uid` = id, `metadata.event_code` = name,
 * `metadata.log_name` = stream, `metadata.sequence` = seq, `time` (epoch ms)
 * plus `time_dt` (datetime profile, exact to the microsecond), `device.uid`,
 * `device.model`, `device.boot_uid` = boot; firmware has no OCSF attribute of
 * its own and, the firmware image being the operating system of an embedded
 * product, goes to `device.os.version`. `actor.user.name`,
 * `actor.session.uid`, `actor.process.name`, `src_endpoint.ip/port`,
 * `message`, and `user` / `resources` / `entity` where the class has them.
 *
 * Everything else (attrs, mono_ms, prev, tq, redacted, target.setting) goes
 * to `unmapped`, OCSF's object for source fields without a schema attribute,
 * in the shape of the seclog record, so `fromOcsf(toOcsf(e))` deep-equals `e`.
 */
import { getCatalogueEntry } from '../../catalogue/registry.js';
import type { Actor, SecurityEvent } from '../../event/types.js';
import { parseDateTime } from '../../time/rfc3339.js';
import {
  BASE_EVENT,
  DEVICE_TYPE_IOT,
  OCSF_VERSION,
  SEVERITY_CAPTIONS,
  SEVERITY_IDS,
  STATUS_CAPTIONS,
  STATUS_IDS,
  writeTarget,
} from './mapping.js';
import type { JsonObject } from './read.js';

function ocsfActor(a: Actor): JsonObject | undefined {
  const out: JsonObject = {};
  if (a.user !== undefined) out.user = { name: a.user };
  if (a.session !== undefined) out.session = { uid: a.session };
  if (a.process !== undefined) out.process = { name: a.process };
  return Object.keys(out).length > 0 ? out : undefined;
}

function ocsfDevice(ev: SecurityEvent): JsonObject {
  const device: JsonObject = { uid: ev.device.id, type_id: DEVICE_TYPE_IOT, type: 'IOT' };
  if (ev.device.model !== undefined) device.model = ev.device.model;
  // os.name and os.type_id are required by the os object; 99 is Other.
  if (ev.device.fw !== undefined) device.os = { name: 'firmware', type_id: 99, type: 'Other', version: ev.device.fw };
  if (ev.boot !== undefined) device.boot_uid = ev.boot;
  return device;
}

/** The OCSF event of a seclog record (a plain JSON object). */
export function toOcsf(ev: SecurityEvent): Record<string, unknown> {
  const m = getCatalogueEntry(ev.name)?.ocsf ?? BASE_EVENT;
  const severityId = SEVERITY_IDS[ev.severity];
  const statusId = STATUS_IDS[ev.outcome];
  const metadata: JsonObject = {
    version: OCSF_VERSION,
    product: { name: 'seclog', vendor_name: 'seclog' },
    profiles: ['host', 'datetime'],
    uid: ev.id,
    event_code: ev.name,
  };
  if (ev.stream !== undefined) metadata.log_name = ev.stream;
  if (ev.seq !== undefined) metadata.sequence = ev.seq;

  const out: JsonObject = {
    category_uid: m.categoryUid,
    category_name: m.categoryName,
    class_uid: m.classUid,
    class_name: m.className,
    activity_id: m.activityId,
    activity_name: m.activityName,
    type_uid: m.classUid * 100 + m.activityId,
    type_name: `${m.className}: ${m.activityName}`,
    severity_id: severityId,
    severity: SEVERITY_CAPTIONS[severityId],
    status_id: statusId,
    status: STATUS_CAPTIONS[statusId],
    time: parseDateTime(ev.time).ms,
    time_dt: ev.time,
    metadata,
    device: ocsfDevice(ev),
  };
  const actor = ev.actor && ocsfActor(ev.actor);
  if (actor) out.actor = actor;
  if (ev.actor?.ip !== undefined || ev.actor?.port !== undefined) {
    const src: JsonObject = {};
    if (ev.actor.ip !== undefined) src.ip = ev.actor.ip;
    if (ev.actor.port !== undefined) src.port = ev.actor.port;
    out.src_endpoint = src;
  }
  const placed = writeTarget(out, m.classUid, ev);
  if (ev.message !== undefined) out.message = ev.message;

  const unmapped: JsonObject = { attrs: { ...ev.attrs } };
  if (ev.mono_ms !== undefined) unmapped.mono_ms = ev.mono_ms;
  if (ev.prev !== undefined) unmapped.prev = ev.prev;
  if (ev.tq !== undefined) unmapped.tq = { ...ev.tq };
  if (ev.redacted !== undefined) unmapped.redacted = [...ev.redacted];
  if (placed.unmapped) unmapped.target = placed.unmapped;
  if (placed.userFromActor) unmapped.user_from_actor = true;
  out.unmapped = unmapped;
  return out;
}
