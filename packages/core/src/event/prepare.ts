/**
 * From an SDK call to a valid record: stamp, make text safe, redact, validate.
 *
 * Two kinds of bad input are treated differently on purpose:
 * - programmer errors (an unknown name, a missing required attr, a number
 *   where a string belongs) throw at once with every issue listed;
 * - hostile or odd *text* (a username typed at a login prompt with ANSI
 *   escapes, CR/LF, bidi overrides or 10 kB of padding) is neutralised and
 *   cut to the limits, and the result says which fields were touched. Refusing
 *   such an event would let an attacker keep their own attempt out of the log.
 */
import { setMember } from '../canon/jcs.js';
import { getCatalogueEntry } from '../catalogue/registry.js';
import { SeclogError } from '../errors.js';
import { type UuidV7Generator, uuidv7 } from '../id/uuidv7.js';
import { neutraliseText, truncateUtf8 } from '../text/unsafe-chars.js';
import { eventTimeNow } from '../time/rfc3339.js';
import { LIMITS } from './limits.js';
import { type RedactionNote, type RedactionOptions, redactEvent } from './redact.js';
import type { Actor, AttrValue, DeviceRef, Outcome, SecurityEvent, Severity, Target, TimeQuality } from './types.js';
import { assertValidEvent } from './validate.js';

/** What a caller of `log.event(name, fields)` supplies. */
export interface EventInput {
  outcome?: Outcome;
  severity?: Severity;
  actor?: Actor;
  target?: Target;
  attrs?: Record<string, AttrValue>;
  message?: string;
}

export interface PrepareContext {
  device: DeviceRef;
  redaction: RedactionOptions;
  /** Time quality to stamp, when the logger tracks it. */
  tq?: TimeQuality;
  /** Wall clock in (possibly fractional) milliseconds; default Date.now. */
  now?: () => number;
  newId?: UuidV7Generator;
}

export interface PreparedEvent {
  event: SecurityEvent;
  redacted: RedactionNote[];
  /** Paths whose text had unsafe characters replaced by visible escapes. */
  neutralised: string[];
  /** Paths whose text was cut to its byte limit. */
  truncated: string[];
}

interface TextFixes {
  neutralised: string[];
  truncated: string[];
}

function safeText(value: unknown, path: string, maxBytes: number, fixes: TextFixes, allowNewlines = false): unknown {
  if (typeof value !== 'string') return value; // the validator reports the type error
  let s = neutraliseText(value, allowNewlines);
  if (s !== value) fixes.neutralised.push(path);
  const cut = truncateUtf8(s, maxBytes);
  if (cut !== s) {
    fixes.truncated.push(path);
    s = cut;
  }
  return s;
}

function safeObject<T extends object>(obj: T | undefined, prefix: string, fields: readonly string[], fixes: TextFixes): T | undefined {
  if (obj === undefined || typeof obj !== 'object' || obj === null) return obj;
  const out = sortedCopy(obj as Record<string, unknown>);
  for (const f of fields) if (f in out) out[f] = safeText(out[f], `${prefix}.${f}`, LIMITS.fieldBytes, fixes);
  return out as T;
}

/**
 * A shallow copy with the members in RFC 8785 order (UTF-16 code units): the
 * copy is made anyway, and a record whose parts are already in order is
 * canonicalised without being rebuilt (canon/jcs.ts).
 */
function sortedCopy(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) setMember(out, k, obj[k]);
  return out;
}

/** Build the record for `name` from `input`; throws EVENT_UNKNOWN_NAME / EVENT_INVALID for programmer errors. */
export function prepareEvent(name: string, input: EventInput, ctx: PrepareContext): PreparedEvent {
  const entry = getCatalogueEntry(name);
  if (!entry) {
    throw new SeclogError('EVENT_UNKNOWN_NAME', `${name} is not in the catalogue and no vendor event of that name is registered`, {
      errors: [{ path: 'name', rule: 'catalogue', message: `${name} is unknown` }],
    });
  }
  const fixes: TextFixes = { neutralised: [], truncated: [] };
  let attrs: Record<string, unknown> | undefined = input.attrs;
  if (attrs !== undefined && typeof attrs === 'object' && attrs !== null) {
    attrs = sortedCopy(attrs);
    for (const [k, v] of Object.entries(attrs)) {
      const spec = entry.attrs[k];
      // Enumerations and formatted values are chosen by code, not typed by users: leave them for the validator.
      if (spec?.enum || spec?.format) continue;
      attrs[k] = safeText(v, `attrs.${k}`, LIMITS.fieldBytes, fixes);
    }
  }
  const now = ctx.now ?? Date.now;
  const record: Record<string, unknown> = {
    v: 1,
    id: (ctx.newId ?? uuidv7)(),
    name,
    time: eventTimeNow(now()),
    severity: input.severity ?? entry.defaultSeverity,
    outcome: input.outcome ?? entry.defaultOutcome,
    device: ctx.device,
    attrs: attrs ?? {},
  };
  const actor = safeObject(input.actor, 'actor', ['user', 'session', 'process'], fixes);
  if (actor !== undefined) record.actor = actor;
  const target = safeObject(input.target, 'target', ['resource', 'user', 'setting'], fixes);
  if (target !== undefined) record.target = target;
  if (input.message !== undefined) record.message = safeText(input.message, 'message', LIMITS.messageBytes, fixes, true);
  if (ctx.tq !== undefined) record.tq = ctx.tq;

  // Validate before redaction too, so a type error is reported against what the caller passed.
  assertValidEvent(record);
  const { event, redacted } = redactEvent(record as unknown as SecurityEvent, ctx.redaction);
  // Redaction replaces values (a hash for a secret, a dropped attr); when it touched nothing the record is the one just checked.
  if (event !== (record as unknown)) assertValidEvent(event);
  return { event, redacted, neutralised: fixes.neutralised, truncated: fixes.truncated };
}
