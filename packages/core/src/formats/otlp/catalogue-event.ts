/**
 * An OTLP LogRecord that names a catalogue event becomes that event.
 *
 * Attributes are read by name:
 * - `seclog.<path>`: any record field (`seclog.id`, `seclog.seq`,
 *   `seclog.tq.source`, `seclog.attrs.reason`…), what toOtlpLogs writes;
 * - `<path>` without the prefix, for the fields that say what happened
 *   (outcome, severity, actor.*, target.*, message, attrs.*), so a plain OTel
 *   SDK can emit catalogue events; record metadata (id, seq, prev…) is only
 *   taken with the prefix, so a foreign `id` or `time` attribute cannot set it;
 * - semantic-convention aliases: user.name, client/source.address and
 *   client/source.port, process.executable.name;
 * - any other attribute becomes an attr, its key normalised to
 *   ^[a-z][a-z0-9_]{0,47}$ (lists and maps as JSON text).
 * Two attributes that set one field to different values are a conflict, and
 * so is `seclog.device.id` naming another device than the one attributed: the
 * record is rejected, never resolved by a guess. The result must pass
 * validateEvent; the first issue is reported at the OTLP path it came from.
 */
import type { CatalogueEntry } from '../../catalogue/types.js';
import { LIMITS } from '../../event/limits.js';
import type { SecurityEvent } from '../../event/types.js';
import { formatIssues, type ValidationIssue, validateEvent } from '../../event/validate.js';
import { uuidv7 } from '../../id/uuidv7.js';
import { neutraliseText, truncateUtf8 } from '../../text/unsafe-chars.js';
import { formatEventTime, type Instant } from '../../time/rfc3339.js';
import { type PlainValue, plainJson, type ReadAttribute, type ReadValue } from './any-value.js';
import { attributePath, type OtlpRecord, recordInstant } from './record.js';

export interface Rejection {
  path: string;
  code: string;
  message: string;
}

/** Fields that say what happened: a plain OTel attribute of that name sets them. */
const BARE_PATHS: ReadonlySet<string> = new Set([
  'outcome',
  'severity',
  'message',
  'actor.user',
  'actor.ip',
  'actor.port',
  'actor.session',
  'actor.process',
  'target.resource',
  'target.user',
  'target.setting',
]);
/** Every field a `seclog.` attribute may set (attrs.* aside). */
const PREFIXED_PATHS: ReadonlySet<string> = new Set([
  ...BARE_PATHS,
  ...['v', 'id', 'time', 'device.id', 'device.fw', 'device.model', 'stream', 'seq', 'boot', 'mono_ms', 'prev', 'redacted'],
  ...['tq.synced', 'tq.source', 'tq.accuracy_ms', 'tq.offset_ms'],
]);
const ALIASES: Readonly<Record<string, string>> = {
  'user.name': 'actor.user',
  'client.address': 'actor.ip',
  'source.address': 'actor.ip',
  'client.port': 'actor.port',
  'source.port': 'actor.port',
  'process.executable.name': 'actor.process',
};
/** Attributes that name the event: already used to pick it. */
const NAME_KEYS: ReadonlySet<string> = new Set(['event.name', 'seclog.name']);

/** `http.request.method` → `http_request_method`; a key with no ASCII letter left becomes `attr_<index>`. */
export function normaliseAttrKey(key: string, index: number): string {
  const k = key
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .slice(0, LIMITS.attrKeyChars)
    .replace(/_+$/, '');
  return k === '' ? `attr_${index}` : k;
}

function scalarAttr(v: ReadValue): string | number | boolean | undefined {
  if (v.kind === 'empty') return undefined;
  if (v.kind === 'array' || v.kind === 'kvlist') return plainJson(v.value);
  return v.value as string | number | boolean;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

class EventBuilder {
  readonly ev: Record<string, unknown>;
  /** Event path → OTLP path of the value that set it. */
  readonly from = new Map<string, string>();
  conflict?: Rejection;

  constructor(ev: Record<string, unknown>) {
    this.ev = ev;
  }

  /** attrs keys are taken whole (`attrs.a.b` is the key `a.b`), as the validator names them. */
  private static parts(path: string): string[] {
    return path.startsWith('attrs.') ? ['attrs', path.slice('attrs.'.length)] : path.split('.');
  }

  get(path: string): unknown {
    let o: unknown = this.ev;
    for (const part of EventBuilder.parts(path))
      o = typeof o === 'object' && o !== null && Object.hasOwn(o, part) ? (o as Record<string, unknown>)[part] : undefined;
    return o;
  }

  set(path: string, value: unknown, source: string): void {
    if (this.from.has(path)) {
      if (!same(this.get(path), value) && !this.conflict) {
        this.conflict = {
          path: source,
          code: 'EVENT_INVALID',
          message: `${path} is set twice with different values (also by ${this.from.get(path)})`,
        };
      }
      return;
    }
    const parts = EventBuilder.parts(path);
    let o = this.ev;
    for (const part of parts.slice(0, -1)) {
      if (typeof o[part] !== 'object' || o[part] === null) o[part] = {};
      o = o[part] as Record<string, unknown>;
    }
    // defineProperty: a sender's key "__proto__" must stay a key (and fail validation), not reach the prototype.
    Object.defineProperty(o, parts[parts.length - 1] as string, { value, enumerable: true, writable: true, configurable: true });
    this.from.set(path, source);
  }
}

/** The OTLP path to blame for a validation issue at `eventPath`. */
function blame(b: EventBuilder, rec: OtlpRecord, eventPath: string, devicePath: string | undefined): string {
  for (let p = eventPath; p !== ''; p = p.replace(/(\.[^.[]*|\[\d+\])$/, '')) {
    const src = b.from.get(p);
    if (src !== undefined) return src + eventPath.slice(p.length);
    if (!/[.[]/.test(p)) break;
  }
  if (eventPath === 'time') return `${rec.path}.timeUnixNano`;
  if (eventPath === 'name') return `${rec.path}.eventName`;
  if (eventPath === 'device.id') return devicePath ?? rec.path;
  if (eventPath === 'attrs') return `${rec.path}.attributes`;
  if (eventPath.startsWith('attrs.')) return attributePath(rec.path, eventPath.slice('attrs.'.length));
  if (eventPath === '') return rec.path;
  return attributePath(rec.path, BARE_PATHS.has(eventPath) ? eventPath : `seclog.${eventPath}`);
}

/** The catalogue event of a record, or why it was rejected. */
export function toCatalogueEvent(rec: OtlpRecord, entry: CatalogueEntry, receivedAt: Instant): SecurityEvent | Rejection {
  const device = rec.device.candidates[0] ?? { id: 'unattributed' };
  const b = new EventBuilder({
    v: 1,
    name: entry.name,
    time: formatEventTime(recordInstant(rec, receivedAt)),
    severity: entry.defaultSeverity,
    outcome: entry.defaultOutcome,
    device: { id: device.id },
    attrs: {},
  });
  const others: [ReadAttribute, number][] = [];
  for (const [index, a] of rec.attributes.entries()) {
    const at = attributePath(rec.path, a.key);
    const path = a.key.startsWith('seclog.') ? a.key.slice('seclog.'.length) : a.key;
    if (NAME_KEYS.has(a.key)) {
      if (a.value !== entry.name)
        b.conflict ??= { path: at, code: 'EVENT_INVALID', message: `${a.key} names ${JSON.stringify(a.value)}, not ${entry.name}` };
    } else if (path.startsWith('attrs.') && path.length > 'attrs.'.length) {
      const v = scalarAttr(a);
      if (v !== undefined) b.set(`attrs.${path.slice('attrs.'.length)}`, v, at);
    } else if (path !== a.key ? PREFIXED_PATHS.has(path) : BARE_PATHS.has(path)) {
      if (path === 'device.id' && a.value !== device.id) {
        b.conflict ??= {
          path: at,
          code: 'EVENT_INVALID',
          message: `names device ${JSON.stringify(a.value)}, but the record is attributed to ${device.id}`,
        };
      } else if (path !== 'device.id') b.set(path, a.kind === 'empty' ? null : (a.value as PlainValue), at);
    } else if (path !== a.key) {
      b.conflict ??= { path: at, code: 'EVENT_INVALID', message: `${a.key} is not a seclog field` };
    } else others.push([a, index]);
  }
  for (const [a, index] of others) {
    const at = attributePath(rec.path, a.key);
    const alias = ALIASES[a.key];
    if (alias !== undefined) b.set(alias, a.value, at);
    else {
      const v = scalarAttr(a);
      if (v !== undefined) b.set(`attrs.${normaliseAttrKey(a.key, index)}`, v, at);
    }
  }
  if (rec.body !== undefined && rec.body.kind !== 'empty') {
    // The body is free text from the sender: neutralised and cut like any foreign text.
    const text = rec.body.kind === 'string' ? (rec.body.value as string) : plainJson(rec.body.value);
    b.set('message', truncateUtf8(neutraliseText(text, true), LIMITS.messageBytes), `${rec.path}.body`);
  }
  if (b.conflict) return b.conflict;
  if (b.get('id') === undefined) b.set('id', uuidv7(receivedAt.ms), rec.path);

  const issues = validateEvent(b.ev);
  if (issues.length === 0) return b.ev as unknown as SecurityEvent;
  const located: ValidationIssue[] = issues.map((i) => ({ ...i, path: blame(b, rec, i.path, device.path) }));
  const code = issues.some((i) => i.rule === 'record-bytes') ? 'EVENT_TOO_LARGE' : 'EVENT_INVALID';
  return { path: (located[0] as ValidationIssue).path, code, message: formatIssues(located) };
}
