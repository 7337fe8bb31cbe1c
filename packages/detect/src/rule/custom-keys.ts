/**
 * seclog's own rule keys. Sigma allows custom attributes; seclog's start with
 * `x-` so they can never collide with a future Sigma key.
 *
 * ```yaml
 * x-suppress: { by: [actor.ip], for: 15m }   # one open alert per key; repeats are counted on it
 * x-absence:  { by: [device.id], for: 10m }  # alert when a group that matched goes silent
 * x-absence:                                   # … or silent for 3 of the periods its last match names
 *   by: [device.id]
 *   for: 10m
 *   period: { from: attrs.epoch_start, to: attrs.epoch_end, times: 3 }
 * ```
 */
import { parseTimespan } from './duration.js';
import type { AbsencePeriod, AbsenceSpec, SuppressSpec } from './types.js';
import type { YNode } from './yaml-node.js';

export const SECLOG_KEYS: ReadonlySet<string> = new Set(['x-suppress', 'x-absence']);

/** Most times a period may count: more would make an absence rule that never fires. */
export const MAX_PERIOD_TIMES = 1000;

function readDurationAndBy(
  node: YNode,
  what: string,
  other?: { readonly keys: string; readonly read: (key: string, value: YNode) => boolean },
): { forUs: number; by: string[] } {
  let forUs: number | undefined;
  let by: string[] = [];
  for (const { key, keyNode, value } of node.entries()) {
    if (other?.read(key, value) === true) continue;
    if (key === 'for') {
      const text = value.string();
      const t = parseTimespan(text);
      if ('problem' in t) throw value.error('RULE_INVALID', t.problem);
      forUs = t.us;
    } else if (key === 'by') {
      by = value.stringList();
      if (new Set(by).size !== by.length) throw value.error('RULE_INVALID', 'a field is named twice');
    } else keyNode.fail('RULE_INVALID', `unknown key ${JSON.stringify(key)} in ${what} (expected by, for${other?.keys ?? ''})`);
  }
  if (forUs === undefined) throw node.error('RULE_INVALID', `${what} needs a duration: for: 15m`);
  return { forUs, by };
}

export function parseSuppress(node: YNode): SuppressSpec {
  const { forUs, by } = readDurationAndBy(node, 'x-suppress');
  return { by, forUs, pos: node.pos() };
}

export function parseAbsence(node: YNode): AbsenceSpec {
  let period: AbsencePeriod | undefined;
  const { forUs, by } = readDurationAndBy(node, 'x-absence', {
    keys: ', period',
    read: (key, value) => {
      if (key !== 'period') return false;
      period = parsePeriod(value);
      return true;
    },
  });
  return { by, forUs, period, pos: node.pos() };
}

function parsePeriod(node: YNode): AbsencePeriod {
  let from: string | undefined;
  let to: string | undefined;
  let times: number | undefined;
  for (const { key, keyNode, value } of node.entries()) {
    if (key === 'from') from = value.string();
    else if (key === 'to') to = value.string();
    else if (key === 'times') {
      const n = value.scalar();
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_PERIOD_TIMES)
        throw value.error('RULE_INVALID', `x-absence.period.times must be a whole number from 1 to ${MAX_PERIOD_TIMES}`);
      times = n;
    } else keyNode.fail('RULE_INVALID', `unknown key ${JSON.stringify(key)} in x-absence.period (expected from, to, times)`);
  }
  if (from === undefined || to === undefined || times === undefined)
    throw node.error(
      'RULE_INVALID',
      'x-absence.period needs from, to and times: { from: attrs.epoch_start, to: attrs.epoch_end, times: 3 }',
    );
  return { from, to, times };
}
