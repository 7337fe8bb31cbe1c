/**
 * What the catalogue says about each event name. One entry is the single
 * source for the event's schema, its SDK defaults, its mappings to OCSF and
 * ECS, and the requirements it serves; docs/events.md and
 * docs/event-schema.json are generated from these entries.
 */
import type { Outcome, Severity } from '../event/types.js';

/** Functional area of an event; also the unit of retention policies and review summaries. */
export type EventGroup =
  | 'authentication'
  | 'account'
  | 'access_control'
  | 'session'
  | 'configuration'
  | 'update'
  | 'system'
  | 'boot'
  | 'crypto'
  | 'enrolment'
  | 'network'
  | 'time'
  | 'logging'
  | 'detection'
  | 'review'
  | 'passthrough';

export type AttrType = 'string' | 'integer' | 'number' | 'boolean';

/** A documented attribute of an event. */
export interface AttrSpec {
  readonly type: AttrType;
  readonly required: boolean;
  readonly description: string;
  /** Allowed values, for a string attribute. */
  readonly enum?: readonly string[];
  /** Extra rule for a string: an IP address, a 64-hex SHA-256 digest, an RFC 3339 time. */
  readonly format?: 'ip' | 'sha256-hex' | 'date-time';
  /** Inclusive lower bound, for a numeric attribute. */
  readonly minimum?: number;
  /** Byte limit of a string attribute when it differs from LIMITS.fieldBytes (at most LIMITS.messageBytes). */
  readonly maxBytes?: number;
}

/** Record fields outside attrs that an event requires (EN 304 621: actor and object in every record). */
export type RequiredField = 'actor.user' | 'actor.ip' | 'actor.process' | 'target.resource' | 'target.user' | 'target.setting' | 'message';

/** OCSF 1.x class and activity: `type_uid = class_uid * 100 + activity_id`. */
export interface OcsfMapping {
  readonly categoryUid: number;
  readonly categoryName: string;
  readonly classUid: number;
  readonly className: string;
  readonly activityId: number;
  readonly activityName: string;
}

/** OCSF Base Event, activity Other: for records without a better class (passthrough, unregistered vendor mappings). */
export const OCSF_BASE_EVENT: OcsfMapping = Object.freeze({
  categoryUid: 0,
  categoryName: 'Uncategorized',
  classUid: 0,
  className: 'Base Event',
  activityId: 99,
  activityName: 'Other',
});

/** ECS 8.x categorisation fields. */
export interface EcsMapping {
  readonly kind: 'event' | 'alert';
  readonly category: readonly string[];
  readonly type: readonly string[];
}

/** IEC 62443-4-2 CR 2.8 (auditable events) categories. */
export type Iec62443Category =
  | 'access control'
  | 'request errors'
  | 'control system events'
  | 'backup and restore'
  | 'configuration changes'
  | 'audit log events';

/**
 * Topics of the draft ETSI EN 304 621 logging requirements (REQ-LOG) that an
 * event covers. Named by topic, not by clause number, because the draft's
 * numbering is not stable.
 */
export type En304621Topic =
  | 'authentication'
  | 'sessions'
  | 'privilege and role'
  | 'configuration'
  | 'enrolment'
  | 'trust anchors'
  | 'policy'
  | 'credentials'
  | 'boot and component verification'
  | 'log protection';

/** Which requirement each event serves; every catalogue event serves CRA Annex I §1(2)(l) and BSI TR-03183-1 REQ_ER 13. */
export interface RequirementRefs {
  readonly iec62443: Iec62443Category;
  readonly en304621: readonly En304621Topic[];
  /** ETSI EN 303 645 provisions, e.g. "5.10-1". */
  readonly en303645: readonly string[];
}

/** The fields a caller supplies for an event; the logger stamps the rest. */
export interface EventExample {
  readonly outcome?: Outcome;
  readonly severity?: Severity;
  readonly actor?: Readonly<Record<string, string | number>>;
  readonly target?: Readonly<Record<string, string>>;
  readonly attrs: Readonly<Record<string, string | number | boolean>>;
  readonly message?: string;
}

export interface CatalogueEntry {
  readonly name: string;
  /** A few words for tables. */
  readonly title: string;
  /** When to emit it, one or two sentences. */
  readonly when: string;
  readonly group: EventGroup;
  /** Who emits it: the device SDK, the collector about itself, or either. */
  readonly origin: 'device' | 'collector' | 'any';
  readonly defaultSeverity: Severity;
  /** The outcome when the caller does not give one. */
  readonly defaultOutcome: Outcome;
  /** Cannot be switched off by the user opt-out the CRA allows (authentication, config, access control, update, fault, logging). */
  readonly mandatory: boolean;
  /** Made durable before the SDK call resolves. */
  readonly critical: boolean;
  /** Name of the typed SDK method (`log.loginFailed(…)`). */
  readonly sdkMethod: string;
  readonly requiredFields: readonly RequiredField[];
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  readonly ocsf: OcsfMapping;
  readonly ecs: EcsMapping;
  readonly requirements: RequirementRefs;
  /** A realistic example that validates; used by tests and docs. */
  readonly example: EventExample;
}
