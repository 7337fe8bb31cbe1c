/**
 * The typed API at run time: one method per catalogue event a device logs,
 * built from the catalogue (built-in and registered vendor events), mapping
 * friendly fields to record paths (api/field-names.ts). The logger installs
 * the methods with installTypedEvents; their types are generated into
 * api/event-methods.generated.ts from the same tables.
 *
 * Unknown fields throw EVENT_INVALID at once, naming the field (rule
 * `unknown-field`); everything else (missing attrs, wrong types, bad IPs) is
 * left to core's validation in the logger's `event()`, which names the record
 * path (`attrs.reason`) and rule.
 */
import type { AttrValue, CatalogueEntry, EventInput, ValidationIssue } from '@seclog/core';
import { catalogueEntries, SeclogError } from '@seclog/core';
import { isAppEvent } from '../policy/event-class.js';
import type { TypedEvents, TypedMethodName } from './event-methods.generated.js';
import { type TypedField, typedFieldsOf } from './field-names.js';

export interface TypedMethod {
  /** camelCase method name (`loginFailed`). */
  readonly method: string;
  /** Catalogue name (`authn_login_fail`). */
  readonly event: string;
  readonly entry: CatalogueEntry;
  /** Friendly name → field. */
  readonly fields: ReadonlyMap<string, TypedField>;
}

export interface EventCall {
  name: string;
  input: EventInput;
}

/** Whether the event gets a typed method: the events product code logs (policy/event-class.ts isAppEvent). */
export function hasTypedMethod(entry: CatalogueEntry): boolean {
  return isAppEvent(entry);
}

let cache:
  | { size: number; last: CatalogueEntry | undefined; byMethod: Map<string, TypedMethod>; byEvent: Map<string, TypedMethod> }
  | undefined;

function tables(): NonNullable<typeof cache> {
  // Vendor events are only ever appended (or all cleared, in tests): the
  // count and the last entry identify the catalogue's state.
  const entries = catalogueEntries();
  const last = entries.at(-1);
  if (cache !== undefined && cache.size === entries.length && cache.last === last) return cache;
  const byMethod = new Map<string, TypedMethod>();
  const byEvent = new Map<string, TypedMethod>();
  for (const entry of entries) {
    if (!hasTypedMethod(entry)) continue;
    const fields = new Map(typedFieldsOf(entry).map((f) => [f.name, f]));
    const m: TypedMethod = { method: entry.sdkMethod, event: entry.name, entry, fields };
    byMethod.set(m.method, m);
    byEvent.set(m.event, m);
  }
  cache = { size: entries.length, last, byMethod, byEvent };
  return cache;
}

/** Every typed method, in catalogue order (vendor events after the built-in ones). */
export function typedMethods(): readonly TypedMethod[] {
  return [...tables().byMethod.values()];
}

/** The typed method for a method name (`loginFailed`) or an event name (`authn_login_fail`). */
export function typedMethod(nameOrMethod: string): TypedMethod | undefined {
  const t = tables();
  return t.byMethod.get(nameOrMethod) ?? t.byEvent.get(nameOrMethod);
}

function invalid(method: string, issues: ValidationIssue[]): SeclogError {
  return new SeclogError('EVENT_INVALID', `${method}(): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
    errors: issues,
  });
}

const loose = (s: string): string => s.replace(/_/g, '').toLowerCase();

function unknownField(m: TypedMethod, key: string): ValidationIssue {
  const near = [...m.fields.keys(), 'outcome', 'severity', 'message', 'attrs'].find((k) => loose(k) === loose(key));
  const hint =
    near !== undefined ? `; did you mean ${near}?` : `; it takes ${[...m.fields.keys()].join(', ')}, outcome, severity, message, attrs`;
  return { path: key, rule: 'unknown-field', message: `${m.method}() has no field ${key}${hint}` };
}

/** Map a typed call's fields to `log.event()` input. */
export function toEventInput(m: TypedMethod, fields: unknown): EventInput {
  if (fields === undefined) fields = {};
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw invalid(m.method, [
      { path: '', rule: 'type', message: `takes one object of fields (got ${fields === null ? 'null' : typeof fields})` },
    ]);
  }
  const input: EventInput = {};
  const issues: ValidationIssue[] = [];
  let actor: Record<string, unknown> | undefined;
  let target: Record<string, unknown> | undefined;
  let attrs: Record<string, unknown> | undefined;
  let extra: unknown;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (key === 'outcome' || key === 'severity' || key === 'message') {
      (input as Record<string, unknown>)[key] = value;
      continue;
    }
    if (key === 'attrs') {
      extra = value;
      continue;
    }
    const f = m.fields.get(key);
    if (f === undefined) {
      issues.push(unknownField(m, key));
    } else if (f.slot === 'attrs') {
      attrs ??= {};
      attrs[f.key] = value;
    } else if (f.slot === 'actor') {
      actor ??= {};
      actor[f.key] = value;
    } else {
      target ??= {};
      target[f.key] = value;
    }
  }
  if (extra !== undefined) {
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
      issues.push({ path: 'attrs', rule: 'type', message: 'must be an object of extra attributes' });
    } else {
      for (const [key, value] of Object.entries(extra)) {
        if (attrs !== undefined && key in attrs) {
          const typed = [...m.fields.values()].find((f) => f.slot === 'attrs' && f.key === key)?.name ?? key;
          issues.push({ path: `attrs.${key}`, rule: 'unique', message: `is given twice, as ${typed} and in attrs` });
        } else {
          attrs ??= {};
          attrs[key] = value;
        }
      }
    }
  }
  if (issues.length > 0) throw invalid(m.method, issues);
  if (actor !== undefined) input.actor = actor;
  if (target !== undefined) input.target = target;
  if (attrs !== undefined) input.attrs = attrs as Record<string, AttrValue>;
  return input;
}

/**
 * `{ name, input }` for `log.event(name, input)` from a typed call, given the
 * method name (`loginFailed`) or the event name. EVENT_UNKNOWN_NAME when
 * neither has a typed method; EVENT_INVALID for unknown fields.
 */
export function buildEventInput(nameOrMethod: string, fields: unknown): EventCall {
  const m = typedMethod(nameOrMethod);
  if (m === undefined) {
    throw new SeclogError('EVENT_UNKNOWN_NAME', `${nameOrMethod} is not a typed method or an event a device logs`, {
      errors: [{ path: 'name', rule: 'catalogue', message: `${nameOrMethod} is unknown` }],
    });
  }
  return { name: m.event, input: toEventInput(m, fields) };
}

/**
 * Define one method per typed event on `target` (an instance or a class
 * prototype): `target.loginFailed(fields)` calls `emit.call(target, name,
 * input)` and returns what it returns. Vendor events registered before the
 * call get methods too (untyped: declare them yourself or use `event()`).
 * Refuses (AGENT_API_CONFLICT) to shadow a property the target already has.
 */
export function installTypedEvents<T extends object, R>(
  target: T,
  emit: (this: T, name: string, input: EventInput) => R,
): asserts target is T & TypedEvents<R> {
  const methods = typedMethods();
  const clash = methods.filter((m) => m.method in target).map((m) => m.method);
  if (clash.length > 0) {
    throw new SeclogError('AGENT_API_CONFLICT', `the target already has ${clash.join(', ')}; typed event methods would shadow them`, {
      names: clash,
    });
  }
  for (const m of methods) {
    const method = function (this: T, fields?: unknown): R {
      return emit.call(this, m.event, toEventInput(m, fields));
    };
    Object.defineProperty(method, 'name', { value: m.method });
    Object.defineProperty(target, m.method, { value: method, writable: true, configurable: true, enumerable: false });
  }
}

/** The fields object of typed method `M` (`FieldsOf<'loginFailed'>`). */
export type FieldsOf<M extends TypedMethodName> = NonNullable<Parameters<TypedEvents<unknown>[M]>[0]>;
