/**
 * The fixed parts of the OCSF mapping, shared by the encoder and the decoder
 * so both read the same table: enum ids, and which classes have a native
 * attribute for seclog's `target.user` and `target.resource`.
 */
import { OCSF_BASE_EVENT, type OcsfMapping } from '../../catalogue/types.js';
import type { Outcome, SecurityEvent, Severity, Target } from '../../event/types.js';
import { type JsonObject, ocsfError, readOptObject, readOptString } from './read.js';

/**
 * The OCSF schema version written to `metadata.version`: the oldest 1.x with
 * `device.model` (1.4.0) and `device.boot_uid` (1.5.0).
 */
export const OCSF_VERSION = '1.5.0';

/** Events without a catalogue entry map to OCSF Base Event, activity Other. */
export const BASE_EVENT: OcsfMapping = OCSF_BASE_EVENT;

export const SEVERITY_IDS: Readonly<Record<Severity, number>> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
export const SEVERITY_CAPTIONS: readonly string[] = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical'];
export const SEVERITY_BY_ID: readonly (Severity | undefined)[] = [undefined, 'info', 'low', 'medium', 'high', 'critical'];
export const STATUS_IDS: Readonly<Record<Outcome, number>> = { unknown: 0, success: 1, failure: 2 };
export const STATUS_CAPTIONS: readonly string[] = ['Unknown', 'Success', 'Failure'];
export const OUTCOME_BY_STATUS: readonly (Outcome | undefined)[] = ['unknown', 'success', 'failure'];
/** `device.type_id` 7 is IOT. */
export const DEVICE_TYPE_IOT = 7;

/** How a class holds the account an activity is about and the object it acts on. */
interface ClassHomes {
  /** The class has a `user` attribute; `required` when OCSF requires it. */
  user?: 'optional' | 'required';
  /** The attribute for the object acted on: an array of resource_details, or a single managed_entity. */
  resource?: 'resources' | 'entity';
}

/**
 * From the OCSF 1.5.0 class definitions. A class not listed keeps target.user
 * and target.resource in `unmapped.target`.
 */
const CLASS_HOMES: ReadonlyMap<number, ClassHomes> = new Map<number, ClassHomes>([
  [3001, { user: 'required' }], // Account Change
  [3002, { user: 'required' }], // Authentication
  [3003, { user: 'required' }], // Authorize Session
  [3004, { resource: 'entity' }], // Entity Management
  [3005, { user: 'required', resource: 'resources' }], // User Access Management
  [3006, { user: 'optional', resource: 'resources' }], // Group Management
  [6003, { resource: 'resources' }], // API Activity
  [2004, { resource: 'resources' }], // Detection Finding
]);

export interface TargetPlacement {
  /** What has no native home in the class, for `unmapped.target`. */
  unmapped?: Target;
  /**
   * `user` was copied from actor.user because the class requires it (the
   * account that logged on is the actor's own) and the record has no
   * target.user; the decoder must not read it back as target.user.
   */
  userFromActor: boolean;
}

/** Write target.user and target.resource into their class attributes; return what did not fit. */
export function writeTarget(out: JsonObject, classUid: number, ev: SecurityEvent): TargetPlacement {
  const homes = CLASS_HOMES.get(classUid) ?? {};
  const t = ev.target ?? {};
  const rest: Target = {};
  let userFromActor = false;
  if (homes.user && t.user !== undefined) out.user = { name: t.user };
  else if (homes.user === 'required' && ev.actor?.user !== undefined) {
    out.user = { name: ev.actor.user };
    userFromActor = true;
  }
  if (!homes.user && t.user !== undefined) rest.user = t.user;
  if (t.resource !== undefined) {
    if (homes.resource === 'resources') out.resources = [{ name: t.resource }];
    else if (homes.resource === 'entity') out.entity = { name: t.resource };
    else rest.resource = t.resource;
  }
  if (t.setting !== undefined) rest.setting = t.setting;
  return Object.keys(rest).length > 0 ? { unmapped: rest, userFromActor } : { userFromActor };
}

function nativeResource(o: JsonObject, homes: ClassHomes): string | undefined {
  if (homes.resource === 'entity') return readOptString(readOptObject(o, 'entity', ''), 'name', 'entity');
  if (homes.resource !== 'resources' || o.resources === undefined) return undefined;
  const list = o.resources;
  if (!Array.isArray(list)) throw ocsfError('resources', 'must be an array');
  if (list.length === 0) return undefined;
  if (list.length > 1) throw ocsfError('resources', 'a seclog event acts on one resource');
  return readOptString(readOptObject({ r: list[0] }, 'r', 'resources[0]'), 'name', 'resources[0]');
}

/** The inverse of writeTarget. */
export function readTarget(o: JsonObject, classUid: number, unmapped: JsonObject): Target {
  const homes = CLASS_HOMES.get(classUid) ?? {};
  const extra = readOptObject(unmapped, 'target', 'unmapped') ?? {};
  const out: Target = {};
  const resource = homes.resource ? nativeResource(o, homes) : readOptString(extra, 'resource', 'unmapped.target');
  if (resource !== undefined) out.resource = resource;
  let user: string | undefined;
  if (homes.user) {
    if (unmapped.user_from_actor !== undefined && typeof unmapped.user_from_actor !== 'boolean') {
      throw ocsfError('unmapped.user_from_actor', 'must be a boolean');
    }
    if (unmapped.user_from_actor !== true) user = readOptString(readOptObject(o, 'user', ''), 'name', 'user');
  } else user = readOptString(extra, 'user', 'unmapped.target');
  if (user !== undefined) out.user = user;
  const setting = readOptString(extra, 'setting', 'unmapped.target');
  if (setting !== undefined) out.setting = setting;
  return out;
}
