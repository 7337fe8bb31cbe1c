/**
 * The user opt-out the CRA allows (Annex I §1(2)(l) asks for logging "with an
 * opt-out mechanism for the user"): optional events can be switched off, the
 * mandatory ones (policy/event-class.ts) never. Every effective change is
 * itself an event, `log_config_change` with `opt_out: true` when events are
 * switched off, which is mandatory and so can never be hidden by the change
 * it records.
 *
 * Pure functions over the set of disabled event names; the logger persists
 * the set and appends the returned events.
 */
import type { Actor, EventGroup, EventInput } from '@seclog/core';
import { catalogueEntries, getCatalogueEntry, SeclogError } from '@seclog/core';
import { classOfEntry, isAppEvent } from './event-class.js';

/** Who changed the setting; becomes the event's actor. */
export interface ChangedBy {
  user?: string;
  ip?: string;
}

export interface LogConfigChange {
  name: 'log_config_change';
  input: EventInput;
}

export interface OptOutResult {
  /** The disabled event names after the change. */
  disabled: ReadonlySet<string>;
  /** One `log_config_change` per selector whose state changed; none when nothing changed. */
  events: LogConfigChange[];
}

/** Event names a device may log, in catalogue order: what a selector can reach. */
function deviceEvents(): { name: string; group: EventGroup; mandatory: boolean }[] {
  const out: { name: string; group: EventGroup; mandatory: boolean }[] = [];
  for (const e of catalogueEntries()) {
    if (isAppEvent(e)) out.push({ name: e.name, group: e.group, mandatory: classOfEntry(e).mandatory });
  }
  return out;
}

/** The events the user may switch off, in catalogue order. */
export function optionalEventNames(): string[] {
  return deviceEvents()
    .filter((e) => !e.mandatory)
    .map((e) => e.name);
}

/** False only for an optional event the user switched off; mandatory events are always on. */
export function isEventEnabled(disabled: ReadonlySet<string>, name: string): boolean {
  if (!disabled.has(name)) return true;
  const entry = getCatalogueEntry(name);
  return entry === undefined || classOfEntry(entry).mandatory;
}

interface Resolved {
  selector: string;
  setting: string;
  names: string[];
}

/** A selector is an event name or, failing that, a group name (`session` = session_start and session_end). */
function resolve(selectors: readonly string[]): Resolved[] {
  const events = deviceEvents();
  const out: Resolved[] = [];
  const unknown: string[] = [];
  for (const selector of selectors) {
    const one = events.find((e) => e.name === selector);
    const members = one !== undefined ? [one] : events.filter((e) => e.group === selector);
    if (members.length === 0) {
      unknown.push(selector);
      continue;
    }
    out.push({ selector, setting: one !== undefined ? `events.${selector}` : `groups.${selector}`, names: members.map((m) => m.name) });
  }
  if (unknown.length > 0) {
    throw new SeclogError('EVENT_UNKNOWN_NAME', `not an event or group a device logs: ${unknown.join(', ')}`, {
      errors: unknown.map((s) => ({ path: s, rule: 'catalogue', message: `${s} is neither a device event nor an event group` })),
    });
  }
  return out;
}

function stateOf(disabled: ReadonlySet<string>, names: readonly string[]): 'on' | 'off' | 'partly' {
  const off = names.filter((n) => disabled.has(n)).length;
  return off === 0 ? 'on' : off === names.length ? 'off' : 'partly';
}

function changeEvent(r: Resolved, from: string, to: string, optOut: boolean, by: ChangedBy | undefined): LogConfigChange {
  const input: EventInput = {
    attrs: { setting: r.setting, old_value: from, new_value: to, opt_out: optOut },
    message: `${by?.user ?? 'the user'} switched ${to === 'off' ? 'off' : 'on'} logging of ${r.names.join(', ')}`,
  };
  const actor: Actor = {};
  if (by?.user !== undefined) actor.user = by.user;
  if (by?.ip !== undefined) actor.ip = by.ip;
  if (Object.keys(actor).length > 0) input.actor = actor;
  return { name: 'log_config_change', input };
}

/**
 * Switch off the events named by `selectors` (event or group names). Refuses,
 * changing nothing, when any selected event is mandatory: AGENT_EVENT_MANDATORY
 * names each one, and EVENT_UNKNOWN_NAME names selectors that match nothing.
 */
export function optOut(disabled: ReadonlySet<string>, selectors: readonly string[], by?: ChangedBy): OptOutResult {
  const resolved = resolve(selectors);
  const mandatory = [...new Set(resolved.flatMap((r) => r.names.filter(isMandatory)))];
  if (mandatory.length > 0) {
    throw new SeclogError(
      'AGENT_EVENT_MANDATORY',
      `cannot switch off mandatory events: ${mandatory.join(', ')}. The opt-out covers only: ${optionalEventNames().join(', ')}`,
      { names: mandatory, optional: optionalEventNames() },
    );
  }
  const next = new Set(disabled);
  const events: LogConfigChange[] = [];
  for (const r of resolved) {
    const from = stateOf(next, r.names);
    for (const n of r.names) next.add(n);
    if (from !== 'off') events.push(changeEvent(r, from, 'off', true, by));
  }
  return { disabled: next, events };
}

/** Switch the selected events back on; the change is logged with `opt_out: false`. */
export function optIn(disabled: ReadonlySet<string>, selectors: readonly string[], by?: ChangedBy): OptOutResult {
  const resolved = resolve(selectors);
  const next = new Set(disabled);
  const events: LogConfigChange[] = [];
  for (const r of resolved) {
    const from = stateOf(next, r.names);
    for (const n of r.names) next.delete(n);
    if (from !== 'on') events.push(changeEvent(r, from, 'on', false, by));
  }
  return { disabled: next, events };
}

function isMandatory(name: string): boolean {
  const entry = getCatalogueEntry(name);
  return entry !== undefined && classOfEntry(entry).mandatory;
}
