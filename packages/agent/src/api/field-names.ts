/**
 * Friendly field names of the typed methods and where each lands in the
 * record. `log.loginFailed({ user, sourceIp, method, reason })` puts `user`
 * in actor.user, `sourceIp` in actor.ip and the rest in attrs.
 *
 *   user        → actor.user        resource    → target.resource
 *   sourceIp    → actor.ip          targetUser  → target.user
 *   sourcePort  → actor.port        setting     → target.setting
 *   session     → actor.session     <attr_name> → attrs.<attr_name>, camelCased
 *   process     → actor.process     outcome, severity, message, attrs: as in log.event()
 *
 * An attribute wins its camelCase name; an actor or target field it would
 * shadow takes its qualified name instead (log_config_change has an attr
 * `setting`, so target.setting is `targetSetting` there). Docs and the
 * generated types come from the same function, so they cannot disagree.
 */
import type { AttrSpec, CatalogueEntry, RequiredField } from '@seclog/core';

export type FieldSlot = 'actor' | 'target' | 'attrs';

export interface TypedField {
  /** Name in the typed call, camelCase. */
  readonly name: string;
  readonly slot: FieldSlot;
  /** Key inside the slot (`ip`, `reason`). */
  readonly key: string;
  /** Dotted record path, as core's validation reports it (`actor.ip`, `attrs.reason`). */
  readonly path: string;
  readonly required: boolean;
  readonly type: 'string' | 'number' | 'boolean';
  /** Allowed values of a string. */
  readonly enum?: readonly string[];
  readonly description: string;
  /** Catalogue attribute spec, for attrs. */
  readonly attr?: AttrSpec;
}

/** Fields every typed method takes, with the meaning they have in `log.event()`. */
export const COMMON_FIELDS: readonly string[] = ['outcome', 'severity', 'message', 'attrs'];

export interface RecordField {
  slot: 'actor' | 'target';
  key: string;
  short: string;
  qualified: string;
  type: 'string' | 'number';
  description: string;
}

/** Actor and target fields in the order the docs list them. */
export const RECORD_FIELDS: readonly RecordField[] = [
  { slot: 'actor', key: 'user', short: 'user', qualified: 'actorUser', type: 'string', description: 'Who did it: the account name.' },
  { slot: 'actor', key: 'ip', short: 'sourceIp', qualified: 'actorIp', type: 'string', description: 'Address the actor came from.' },
  { slot: 'actor', key: 'port', short: 'sourcePort', qualified: 'actorPort', type: 'number', description: 'Source port of the actor.' },
  {
    slot: 'actor',
    key: 'session',
    short: 'session',
    qualified: 'actorSession',
    type: 'string',
    description: 'Session identifier; stored hashed.',
  },
  {
    slot: 'actor',
    key: 'process',
    short: 'process',
    qualified: 'actorProcess',
    type: 'string',
    description: 'Process or service acting.',
  },
  {
    slot: 'target',
    key: 'resource',
    short: 'resource',
    qualified: 'targetResource',
    type: 'string',
    description: 'What it was done to: a path, object or service.',
  },
  {
    slot: 'target',
    key: 'user',
    short: 'targetUser',
    qualified: 'targetUser',
    type: 'string',
    description: 'The account it was done to.',
  },
  {
    slot: 'target',
    key: 'setting',
    short: 'setting',
    qualified: 'targetSetting',
    type: 'string',
    description: 'The setting it was done to.',
  },
];

export function camelCase(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The typed fields of one event, attrs first in catalogue order, then actor and target. */
export function typedFieldsOf(entry: CatalogueEntry): TypedField[] {
  const required = new Set<RequiredField>(entry.requiredFields);
  const out: TypedField[] = [];
  const taken = new Set<string>(COMMON_FIELDS);
  for (const [key, spec] of Object.entries(entry.attrs)) {
    const name = camelCase(key);
    taken.add(name);
    out.push({
      name,
      slot: 'attrs',
      key,
      path: `attrs.${key}`,
      required: spec.required,
      type: spec.type === 'boolean' ? 'boolean' : spec.type === 'string' ? 'string' : 'number',
      ...(spec.enum ? { enum: spec.enum } : {}),
      description: spec.description,
      attr: spec,
    });
  }
  for (const f of RECORD_FIELDS) {
    const name = taken.has(f.short) ? f.qualified : f.short;
    taken.add(name);
    const path = `${f.slot}.${f.key}`;
    out.push({
      name,
      slot: f.slot,
      key: f.key,
      path,
      required: required.has(path as RequiredField),
      type: f.type,
      description: f.description,
    });
  }
  return out;
}
