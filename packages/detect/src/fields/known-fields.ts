/**
 * The seclog paths a rule can name (DESIGN.md §4). The top level of a record
 * is closed, so a field outside this list (and outside `attrs.*`) can never
 * hold a value: rules naming one are linted.
 */
import { FIELD_ALIASES, resolveFieldPath } from '../field-aliases.js';

export const KNOWN_PATHS: ReadonlySet<string> = new Set([
  'v',
  'id',
  'name',
  'time',
  'severity',
  'outcome',
  'device',
  'device.id',
  'device.fw',
  'device.model',
  'actor',
  'actor.user',
  'actor.ip',
  'actor.port',
  'actor.session',
  'actor.process',
  'target',
  'target.resource',
  'target.user',
  'target.setting',
  'attrs',
  'message',
  'tq',
  'tq.synced',
  'tq.source',
  'tq.accuracy_ms',
  'tq.offset_ms',
  'redacted',
  'stream',
  'seq',
  'boot',
  'mono_ms',
  'prev',
]);

/** Whether a rule field (a seclog path or a built-in alias) can address a record value. */
export function isKnownField(field: string): boolean {
  const path = resolveFieldPath(field);
  return KNOWN_PATHS.has(path) || (path.startsWith('attrs.') && path.length > 'attrs.'.length);
}

/** Close matches for a did-you-mean in lint messages. */
export function suggestField(field: string): string | undefined {
  const lower = field.toLowerCase();
  for (const p of [...KNOWN_PATHS, ...Object.keys(FIELD_ALIASES)]) if (p.toLowerCase() === lower) return p;
  const last = lower.split('.').pop() ?? lower;
  for (const p of KNOWN_PATHS) if (p.endsWith(`.${last}`)) return p;
  return undefined;
}

/**
 * Fields a keyword search (a list of plain values with no field name) looks
 * in: the text a person would search, not ids, hashes or chain fields.
 * Every `attrs` value is searched too.
 */
export const KEYWORD_PATHS: readonly string[] = [
  'name',
  'message',
  'device.id',
  'device.fw',
  'device.model',
  'actor.user',
  'actor.ip',
  'actor.process',
  'target.resource',
  'target.user',
  'target.setting',
];
