/** Shared inputs of the format tests: catalogue events, hostile strings, fast-check arbitraries. */
import fc from 'fast-check';
import { catalogueEntries } from '../src/catalogue/registry.js';
import { OUTCOMES, SEVERITIES, type SecurityEvent, TIME_SOURCES } from '../src/event/types.js';
import { formatEventTime } from '../src/time/rfc3339.js';
import { chainedFromExample, eventFromExample } from './support/events.js';

/** Every catalogue entry's example as a full record: with chain fields, and without. */
export function catalogueEvents(): { name: string; chained: SecurityEvent; bare: SecurityEvent }[] {
  return catalogueEntries().map((entry, i) => ({
    name: entry.name,
    chained: chainedFromExample(entry, i + 1),
    bare: eventFromExample(entry),
  }));
}

/** Strings that try to split a record or forge a field in some format. */
export const HOSTILE: readonly [name: string, value: string][] = [
  ['CR', 'a\rb'],
  ['LF', 'a\nb'],
  ['CRLF then a forged syslog line', 'x\r\n<13>1 - - - - - - forged'],
  ['pipe', 'a|b|c'],
  ['equals', 'a=b'],
  ['forged CEF key', 'x cs1=forged suser=root'],
  ['backslash', 'a\\b\\'],
  ['escaped pipe lookalike', 'a\\|b'],
  ['quote', 'a"b'],
  ['bracket', 'a]b'],
  ['forged JSON', '","name":"forged'],
  ['ANSI colour', '\u001b[31mred\u001b[0m'],
  ['C1 CSI', 'x\u009b2J'],
  ['bidi override', 'abc\u202efdp.exe'],
  ['bidi isolate', '\u2066x\u2069'],
  ['NUL', 'a\u0000b'],
  ['NEL', 'a\u0085b'],
  ['line separator', 'a\u2028b'],
];

const nastyUnit = fc.constantFrom(
  '\r',
  '\n',
  '|',
  '=',
  '\\',
  '"',
  ']',
  '[',
  ' ',
  '\t',
  '\u001b',
  '\u009b',
  '\u202e',
  '\u2066',
  '\u0000',
  'a',
  'é',
  '😀',
  '\ud800',
  '\udc00',
);
/** Any string at all, weighted towards the characters formats care about. */
export const anyString = fc.oneof(fc.string(), fc.string({ unit: nastyUnit }), fc.string({ unit: 'binary' }));

const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0));
const scalar = fc.oneof(anyString, fc.integer(), finite, fc.boolean());

/** Record times OTLP can carry too: after the Unix epoch (fixed64 nanoseconds), before year 10000. */
export const eventTime = fc
  .tuple(fc.integer({ min: 1, max: 253402300799999 }), fc.integer({ min: 0, max: 999 }))
  .map(([ms, us]) => formatEventTime({ ms, us }));

function dropEmpty<T extends object>(o: T | undefined): T | undefined {
  return o !== undefined && Object.keys(o).length > 0 ? o : undefined;
}

function pruned(ev: SecurityEvent): SecurityEvent {
  const out = { ...ev };
  const actor = dropEmpty(ev.actor);
  const target = dropEmpty(ev.target);
  if (actor) out.actor = actor;
  else delete out.actor;
  if (target) out.target = target;
  else delete out.target;
  return out;
}

const names = catalogueEntries().map((e) => e.name);

/** Records with arbitrary strings in every string field (not necessarily valid). */
export const anyEvent: fc.Arbitrary<SecurityEvent> = fc
  .record(
    {
      v: fc.constant(1 as const),
      id: anyString,
      name: fc.oneof(fc.constantFrom(...names), anyString),
      time: eventTime,
      severity: fc.constantFrom(...SEVERITIES),
      outcome: fc.constantFrom(...OUTCOMES),
      device: fc.record({ id: anyString, fw: anyString, model: anyString }, { requiredKeys: ['id'] }),
      actor: fc.record(
        { user: anyString, ip: anyString, port: fc.integer({ min: 0, max: 65535 }), session: anyString, process: anyString },
        { requiredKeys: [] },
      ),
      target: fc.record({ resource: anyString, user: anyString, setting: anyString }, { requiredKeys: [] }),
      attrs: fc.dictionary(anyString, scalar, { maxKeys: 6 }),
      message: anyString,
      stream: anyString,
      seq: fc.nat(),
      boot: anyString,
      mono_ms: fc.nat(),
      prev: anyString,
      tq: fc.record(
        { synced: fc.boolean(), source: fc.constantFrom(...TIME_SOURCES), accuracy_ms: finite, offset_ms: finite },
        { requiredKeys: ['synced', 'source'] },
      ),
      redacted: fc.array(anyString, { maxLength: 3 }),
    },
    { requiredKeys: ['v', 'id', 'name', 'time', 'severity', 'outcome', 'device', 'attrs'] },
  )
  // fast-check builds records without a prototype; consumers of a format get plain JSON objects.
  .map((ev) => pruned(viaJson(ev) as SecurityEvent));

/** JSON text and back: what a consumer of the format sees. */
export function viaJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** A copy of `o` (plain JSON) with the value at each dotted path replaced; `undefined` removes the field. */
export function withFields(o: unknown, changes: Record<string, unknown>): unknown {
  const copy = viaJson(o) as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) {
    const parts = path.split('.');
    let at = copy;
    for (const p of parts.slice(0, -1)) at = at[p] as Record<string, unknown>;
    const last = parts[parts.length - 1] as string;
    if (value === undefined) delete at[last];
    else at[last] = value;
  }
  return copy;
}
