/**
 * Strict validation of records at the edges (SDK calls, ingest, decoders).
 *
 * Every violation is reported, not only the first, each as a path
 * (`attrs.reason`, `actor.ip`) and a rule name from a fixed vocabulary, so an
 * SDK user or an API client sees at once everything that is wrong. The rules
 * are the ones of the TypeBox schemas in schema.ts (a differential test keeps
 * the two in agreement); this walker exists because it is faster than a
 * generic validator on the hot path and can check what JSON Schema cannot:
 * UTF-8 byte limits, lone surrogates, impossible dates.
 */
import { canonicalize } from '../canon/jcs.js';
import { getCatalogueEntry } from '../catalogue/registry.js';
import type { AttrSpec, CatalogueEntry } from '../catalogue/types.js';
import { SeclogError } from '../errors.js';
import { findUnsafeChar, utf8ByteLength } from '../text/unsafe-chars.js';
import { dateTimeProblem } from '../time/rfc3339.js';
import { LIMITS } from './limits.js';
import { ATTR_KEY_RE, EVENT_TIME_RE, ID_RE, isIpAddress, NAME_RE, SHA256_HEX_RE, UUIDV7_RE } from './patterns.js';
import type { ChainedEvent, SecurityEvent } from './types.js';

/** One broken rule at one place of the record. */
export interface ValidationIssue {
  /** Dotted path from the record root (`attrs.reason`, `redacted[2]`); `` for the record itself. */
  path: string;
  /** The rule broken, from a fixed vocabulary (docs/events.md lists it). */
  rule: ValidationRule;
  message: string;
}

export type ValidationRule =
  | 'type'
  | 'required'
  | 'unknown-field'
  | 'enum'
  | 'const'
  | 'pattern'
  | 'max-bytes'
  | 'min-length'
  | 'control-char'
  | 'bidi-override'
  | 'lone-surrogate'
  | 'integer'
  | 'minimum'
  | 'maximum'
  | 'ip'
  | 'date-time'
  | 'uuidv7'
  | 'sha256-hex'
  | 'catalogue'
  | 'max-keys'
  | 'attr-key'
  | 'unique'
  | 'record-bytes';

export interface ValidateOptions {
  /** Also require the chain fields (stream, seq, boot, mono_ms, prev, tq): a record from a device stream. */
  chained?: boolean;
}

type Issues = ValidationIssue[];

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkText(out: Issues, path: string, v: unknown, maxBytes: number, allowNewlines = false): v is string {
  if (typeof v !== 'string') {
    out.push({ path, rule: 'type', message: `must be a string (got ${typeName(v)})` });
    return false;
  }
  const bad = findUnsafeChar(v, allowNewlines);
  if (bad) {
    const what =
      bad.kind === 'control-char'
        ? 'a control character'
        : bad.kind === 'bidi-override'
          ? 'a bidi override character'
          : 'a lone surrogate (not valid Unicode)';
    out.push({
      path,
      rule: bad.kind,
      message: `contains ${what} U+${bad.codePoint.toString(16).toUpperCase().padStart(4, '0')} at index ${bad.index}`,
    });
  }
  // Cheap pre-check: UTF-8 needs at most 3 bytes per UTF-16 unit.
  if (v.length * 3 > maxBytes) {
    const n = utf8ByteLength(v);
    if (n > maxBytes) out.push({ path, rule: 'max-bytes', message: `is ${n} UTF-8 bytes; the limit is ${maxBytes}` });
  }
  return true;
}

function checkId(out: Issues, path: string, v: unknown, maxChars: number = LIMITS.idChars): void {
  if (typeof v !== 'string') {
    out.push({ path, rule: 'type', message: `must be a string (got ${typeName(v)})` });
  } else if (v.length === 0) {
    out.push({ path, rule: 'min-length', message: 'must not be empty' });
  } else if (v.length > maxChars) {
    out.push({ path, rule: 'max-bytes', message: `is ${v.length} characters; the limit is ${maxChars}` });
  } else if (!ID_RE.test(v)) {
    out.push({
      path,
      rule: 'pattern',
      message: 'must be printable ASCII letters, digits and . _ : @ / + - (no spaces), starting with a letter or digit',
    });
  }
}

function checkInteger(out: Issues, path: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number') out.push({ path, rule: 'type', message: `must be an integer (got ${typeName(v)})` });
  else if (!Number.isInteger(v)) out.push({ path, rule: 'integer', message: `must be an integer (got ${v})` });
  else if (v < min) out.push({ path, rule: 'minimum', message: `must be ≥ ${min} (got ${v})` });
  else if (v > max) out.push({ path, rule: 'maximum', message: `must be ≤ ${max} (got ${v})` });
}

function checkEnum(out: Issues, path: string, v: unknown, allowed: readonly string[]): void {
  if (typeof v !== 'string' || !allowed.includes(v)) {
    out.push({ path, rule: 'enum', message: `must be one of ${allowed.join(', ')} (got ${quoteValue(v)})` });
  }
}

function checkClosed(out: Issues, path: string, obj: Record<string, unknown>, allowed: ReadonlySet<string>): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.has(k))
      out.push({ path: path ? `${path}.${k}` : k, rule: 'unknown-field', message: `is not a field of ${path || 'the record'}` });
  }
}

const DEVICE_FIELDS = new Set(['id', 'fw', 'model']);
const ACTOR_FIELDS = new Set(['user', 'ip', 'port', 'session', 'process']);
const TARGET_FIELDS = new Set(['resource', 'user', 'setting']);
const TQ_FIELDS = new Set(['synced', 'source', 'accuracy_ms', 'offset_ms']);
const RECORD_FIELDS = new Set([
  'v',
  'id',
  'name',
  'time',
  'severity',
  'outcome',
  'device',
  'actor',
  'target',
  'attrs',
  'message',
  'stream',
  'seq',
  'boot',
  'mono_ms',
  'prev',
  'tq',
  'redacted',
]);
const SEVERITY_VALUES = ['info', 'low', 'medium', 'high', 'critical'] as const;
const OUTCOME_VALUES = ['success', 'failure', 'unknown'] as const;
const TIME_SOURCE_VALUES = ['ntp', 'gnss', 'ptp', 'rtc', 'none', 'unknown'] as const;
const CHAIN_FIELDS = ['stream', 'seq', 'boot', 'mono_ms', 'prev', 'tq'] as const;

function checkAttr(out: Issues, path: string, v: unknown, spec: AttrSpec): void {
  switch (spec.type) {
    case 'string':
      if (spec.enum) {
        checkEnum(out, path, v, spec.enum);
        return;
      }
      if (!checkText(out, path, v, spec.maxBytes ?? LIMITS.fieldBytes)) return;
      if (spec.format === 'ip' && !isIpAddress(v))
        out.push({ path, rule: 'ip', message: `must be an IPv4 or IPv6 address (got ${quoteValue(v)})` });
      if (spec.format === 'sha256-hex' && !SHA256_HEX_RE.test(v))
        out.push({ path, rule: 'sha256-hex', message: 'must be 64 lowercase hex digits' });
      if (spec.format === 'date-time') {
        const p = dateTimeProblem(v);
        if (p) out.push({ path, rule: 'date-time', message: p });
      }
      return;
    case 'integer':
      checkInteger(out, path, v, spec.minimum ?? Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      return;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v))
        out.push({ path, rule: 'type', message: `must be a finite number (got ${typeName(v)})` });
      else if (spec.minimum !== undefined && v < spec.minimum)
        out.push({ path, rule: 'minimum', message: `must be ≥ ${spec.minimum} (got ${v})` });
      return;
    case 'boolean':
      if (typeof v !== 'boolean') out.push({ path, rule: 'type', message: `must be a boolean (got ${typeName(v)})` });
      return;
  }
}

function checkAttrs(out: Issues, v: unknown, entry: CatalogueEntry | undefined): void {
  if (!isPlainObject(v)) {
    out.push({ path: 'attrs', rule: 'type', message: `must be an object (got ${typeName(v)})` });
    return;
  }
  const keys = Object.keys(v);
  if (keys.length > LIMITS.attrsKeys)
    out.push({ path: 'attrs', rule: 'max-keys', message: `has ${keys.length} keys; the limit is ${LIMITS.attrsKeys}` });
  const specs = entry?.attrs ?? {};
  for (const key of keys) {
    const path = `attrs.${key}`;
    const value = v[key];
    const spec = specs[key];
    if (spec) {
      checkAttr(out, path, value, spec);
      continue;
    }
    if (!ATTR_KEY_RE.test(key)) {
      out.push({
        path,
        rule: 'attr-key',
        message: 'attrs keys must be lower snake case, start with a letter and have at most 48 characters',
      });
      continue;
    }
    if (typeof value === 'string') checkText(out, path, value, LIMITS.fieldBytes);
    else if (typeof value === 'number') {
      if (!Number.isFinite(value)) out.push({ path, rule: 'type', message: 'must be a finite number' });
    } else if (typeof value !== 'boolean') {
      out.push({ path, rule: 'type', message: `attrs values are flat scalars: string, number or boolean (got ${typeName(value)})` });
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    if (spec.required && !(key in v))
      out.push({ path: `attrs.${key}`, rule: 'required', message: `is required by ${entry?.name}: ${spec.description}` });
  }
}

function checkOptionalObject(
  out: Issues,
  record: Record<string, unknown>,
  field: 'actor' | 'target',
  allowed: ReadonlySet<string>,
  check: (out: Issues, obj: Record<string, unknown>) => void,
): void {
  const v = record[field];
  if (v === undefined) return;
  if (!isPlainObject(v)) {
    out.push({ path: field, rule: 'type', message: `must be an object (got ${typeName(v)})` });
    return;
  }
  checkClosed(out, field, v, allowed);
  check(out, v);
}

function checkActor(out: Issues, a: Record<string, unknown>): void {
  if (a.user !== undefined) checkText(out, 'actor.user', a.user, LIMITS.fieldBytes);
  if (a.ip !== undefined) {
    if (typeof a.ip !== 'string') out.push({ path: 'actor.ip', rule: 'type', message: `must be a string (got ${typeName(a.ip)})` });
    else if (!isIpAddress(a.ip))
      out.push({ path: 'actor.ip', rule: 'ip', message: `must be an IPv4 or IPv6 address (got ${JSON.stringify(a.ip.slice(0, 80))})` });
  }
  if (a.port !== undefined) checkInteger(out, 'actor.port', a.port, 0, 65535);
  if (a.session !== undefined) checkText(out, 'actor.session', a.session, LIMITS.fieldBytes);
  if (a.process !== undefined) checkText(out, 'actor.process', a.process, LIMITS.fieldBytes);
}

const TARGET_TEXT = ['resource', 'user', 'setting'] as const;

function checkTarget(out: Issues, t: Record<string, unknown>): void {
  for (const k of TARGET_TEXT) if (t[k] !== undefined) checkText(out, `target.${k}`, t[k], LIMITS.fieldBytes);
}

function checkTimeQuality(out: Issues, v: unknown): void {
  if (!isPlainObject(v)) {
    out.push({ path: 'tq', rule: 'type', message: `must be an object (got ${typeName(v)})` });
    return;
  }
  checkClosed(out, 'tq', v, TQ_FIELDS);
  if (typeof v.synced !== 'boolean')
    out.push({ path: 'tq.synced', rule: v.synced === undefined ? 'required' : 'type', message: 'must be a boolean' });
  checkEnum(out, 'tq.source', v.source, TIME_SOURCE_VALUES);
  if (v.accuracy_ms !== undefined && (typeof v.accuracy_ms !== 'number' || !(v.accuracy_ms >= 0) || !Number.isFinite(v.accuracy_ms))) {
    out.push({ path: 'tq.accuracy_ms', rule: 'type', message: 'must be a finite number ≥ 0' });
  }
  if (v.offset_ms !== undefined && (typeof v.offset_ms !== 'number' || !Number.isFinite(v.offset_ms))) {
    out.push({ path: 'tq.offset_ms', rule: 'type', message: 'must be a finite number' });
  }
}

/** Catalogue field paths (`actor.ip`) split once: [object, field]. */
const splitPaths = new Map<string, [string, string | undefined]>();

function requireField(out: Issues, record: Record<string, unknown>, path: string, entry: CatalogueEntry): void {
  let parts = splitPaths.get(path);
  if (parts === undefined) {
    parts = path.split('.') as [string, string | undefined];
    splitPaths.set(path, parts);
  }
  const [obj, field] = parts;
  const container = record[obj];
  const present = field === undefined ? container !== undefined : isPlainObject(container) && container[field] !== undefined;
  if (!present) out.push({ path, rule: 'required', message: `is required by ${entry.name}` });
}

/** Every rule `value` breaks as a seclog record; an empty array means valid. */
/**
 * `YYYY-MM-DDThh:mm:ss` of the last record time whose calendar check passed.
 * Records arrive in time order, many per second: a time of the same second
 * (its format already matched EVENT_TIME_RE, so only the fraction differs)
 * needs no second look at its date. The calendar check was about a sixth of
 * validating a typical record.
 */
let lastValidSecond = '';
const SECOND_PREFIX_CHARS = 19;

export function validateEvent(value: unknown, opts: ValidateOptions = {}): ValidationIssue[] {
  const out: Issues = [];
  if (!isPlainObject(value)) {
    out.push({ path: '', rule: 'type', message: `a record must be a JSON object (got ${typeName(value)})` });
    return out;
  }
  const r = value;
  checkClosed(out, '', r, RECORD_FIELDS);

  if (r.v !== 1)
    out.push({
      path: 'v',
      rule: r.v === undefined ? 'required' : 'const',
      message: `must be 1 (got ${r.v === undefined ? 'nothing' : quoteValue(r.v)})`,
    });
  if (typeof r.id !== 'string')
    out.push({ path: 'id', rule: r.id === undefined ? 'required' : 'type', message: 'must be a UUIDv7 string' });
  else if (!UUIDV7_RE.test(r.id))
    out.push({ path: 'id', rule: 'uuidv7', message: `must be a lowercase UUID version 7 (got ${JSON.stringify(r.id.slice(0, 40))})` });

  let entry: CatalogueEntry | undefined;
  if (typeof r.name !== 'string')
    out.push({ path: 'name', rule: r.name === undefined ? 'required' : 'type', message: 'must be a catalogue event name' });
  else if (r.name.length > LIMITS.nameChars || !NAME_RE.test(r.name))
    out.push({ path: 'name', rule: 'pattern', message: `must be lower snake case, at most ${LIMITS.nameChars} characters` });
  else {
    entry = getCatalogueEntry(r.name);
    if (!entry)
      out.push({
        path: 'name',
        rule: 'catalogue',
        message: `${r.name} is not in the catalogue and no vendor event of that name is registered`,
      });
  }

  if (typeof r.time !== 'string')
    out.push({ path: 'time', rule: r.time === undefined ? 'required' : 'type', message: 'must be an RFC 3339 UTC time string' });
  else if (!EVENT_TIME_RE.test(r.time))
    out.push({
      path: 'time',
      rule: 'date-time',
      message: 'must be RFC 3339 UTC with six fractional digits, e.g. 2026-11-27T13:33:43.123456Z',
    });
  else if (lastValidSecond === '' || !r.time.startsWith(lastValidSecond)) {
    const p = dateTimeProblem(r.time);
    if (p) out.push({ path: 'time', rule: 'date-time', message: p });
    else lastValidSecond = r.time.slice(0, SECOND_PREFIX_CHARS);
  }
  if (r.severity === undefined) out.push({ path: 'severity', rule: 'required', message: 'is required' });
  else checkEnum(out, 'severity', r.severity, SEVERITY_VALUES);
  if (r.outcome === undefined) out.push({ path: 'outcome', rule: 'required', message: 'is required' });
  else checkEnum(out, 'outcome', r.outcome, OUTCOME_VALUES);

  const dev = r.device;
  if (!isPlainObject(dev))
    out.push({ path: 'device', rule: dev === undefined ? 'required' : 'type', message: 'must be an object with at least id' });
  else {
    checkClosed(out, 'device', dev, DEVICE_FIELDS);
    if (dev.id === undefined) out.push({ path: 'device.id', rule: 'required', message: 'is required' });
    else checkId(out, 'device.id', dev.id);
    if (dev.fw !== undefined) checkText(out, 'device.fw', dev.fw, LIMITS.idChars);
    if (dev.model !== undefined) checkText(out, 'device.model', dev.model, LIMITS.idChars);
  }

  checkOptionalObject(out, r, 'actor', ACTOR_FIELDS, checkActor);
  checkOptionalObject(out, r, 'target', TARGET_FIELDS, checkTarget);

  if (r.attrs === undefined) out.push({ path: 'attrs', rule: 'required', message: 'is required (use {} when there is nothing to add)' });
  else checkAttrs(out, r.attrs, entry);
  if (r.message !== undefined) checkText(out, 'message', r.message, LIMITS.messageBytes, true);

  if (r.stream !== undefined) checkId(out, 'stream', r.stream);
  if (r.boot !== undefined) checkId(out, 'boot', r.boot);
  if (r.seq !== undefined) checkInteger(out, 'seq', r.seq, 1, Number.MAX_SAFE_INTEGER);
  if (r.mono_ms !== undefined) checkInteger(out, 'mono_ms', r.mono_ms, 0, Number.MAX_SAFE_INTEGER);
  if (r.prev !== undefined && (typeof r.prev !== 'string' || !SHA256_HEX_RE.test(r.prev))) {
    out.push({ path: 'prev', rule: 'sha256-hex', message: 'must be 64 lowercase hex digits' });
  }
  if (r.tq !== undefined) checkTimeQuality(out, r.tq);
  if (opts.chained) {
    for (const f of CHAIN_FIELDS)
      if (r[f] === undefined) out.push({ path: f, rule: 'required', message: 'is required in a device stream record' });
  }
  if (r.redacted !== undefined) {
    if (!Array.isArray(r.redacted)) out.push({ path: 'redacted', rule: 'type', message: 'must be an array of field paths' });
    else {
      const seen = new Set<string>();
      r.redacted.forEach((p, i) => {
        if (typeof p !== 'string' || !/^[a-z_.]{1,64}$/.test(p))
          out.push({ path: `redacted[${i}]`, rule: 'pattern', message: 'must be a field path such as attrs.api_key' });
        else if (seen.has(p)) out.push({ path: `redacted[${i}]`, rule: 'unique', message: `${p} is listed twice` });
        else seen.add(p);
      });
    }
  }

  if (entry) for (const path of entry.requiredFields) requireField(out, r, path, entry);

  // The whole record must stay under the record limit. Valid strings escape to
  // at most twice their bytes in JSON, so only large records pay for the exact count.
  if (out.length === 0 && roughSize(r) > LIMITS.recordBytes) {
    const n = utf8ByteLength(canonicalize(r));
    if (n > LIMITS.recordBytes)
      out.push({ path: '', rule: 'record-bytes', message: `the canonical record is ${n} bytes; the limit is ${LIMITS.recordBytes}` });
  }
  return out;
}

/** An upper bound of the canonical JSON size of a valid record (runs for every valid record: no allocation). */
function roughSize(r: Record<string, unknown>): number {
  return 512 + sizeBound(r);
}

function sizeBound(v: unknown): number {
  if (typeof v === 'string') return v.length * 6 + 2;
  if (Array.isArray(v)) {
    let n = 2;
    for (const x of v) n += sizeBound(x) + 1;
    return n;
  }
  if (isPlainObject(v)) {
    let n = 2;
    for (const k in v) n += k.length * 6 + 4 + sizeBound(v[k]);
    return n;
  }
  return 24;
}

/** Throw EVENT_INVALID (or EVENT_UNKNOWN_NAME, EVENT_TOO_LARGE) listing every issue in `details.errors`. */
export function assertValidEvent(value: unknown, opts?: { chained?: false }): asserts value is SecurityEvent;
export function assertValidEvent(value: unknown, opts: { chained: true }): asserts value is ChainedEvent;
export function assertValidEvent(value: unknown, opts: ValidateOptions = {}): void {
  const issues = validateEvent(value, opts);
  if (issues.length === 0) return;
  const code = issues.some((i) => i.rule === 'catalogue')
    ? 'EVENT_UNKNOWN_NAME'
    : issues.some((i) => i.rule === 'record-bytes')
      ? 'EVENT_TOO_LARGE'
      : 'EVENT_INVALID';
  throw new SeclogError(code, formatIssues(issues), { errors: issues });
}

/** `attrs.reason: required (…); actor.ip: ip (…)` — one line for humans. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  const shown = issues.slice(0, 10).map((i) => `${i.path || '(record)'}: ${i.rule} (${i.message})`);
  if (issues.length > 10) shown.push(`… and ${issues.length - 10} more`);
  return `invalid event: ${shown.join('; ')}`;
}

/**
 * A bounded rendering of an offending value for an error message: scalars as
 * JSON (strings cut to 80 characters), anything else by its type. Never
 * JSON.stringify a structure here: a value nested thousands deep would
 * overflow the stack, and a huge one would be echoed whole.
 */
function quoteValue(v: unknown): string {
  if (typeof v === 'string') return v.length > 80 ? `${JSON.stringify(v.slice(0, 80))}…` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return typeName(v);
}
