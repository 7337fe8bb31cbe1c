/**
 * seclog's own rule keys. Sigma allows custom attributes; seclog's start with
 * `x-` so they can never collide with a future Sigma key.
 *
 * ```yaml
 * x-suppress: { by: [actor.ip], for: 15m }   # one open alert per key; repeats are counted on it
 * x-absence:  { by: [device.id], for: 10m }  # alert when a group that matched goes silent
 * ```
 */
import { parseTimespan } from './duration.js';
import type { AbsenceSpec, SuppressSpec } from './types.js';
import type { YNode } from './yaml-node.js';

export const SECLOG_KEYS: ReadonlySet<string> = new Set(['x-suppress', 'x-absence']);

function readDurationAndBy(node: YNode, what: string): { forUs: number; by: string[] } {
  let forUs: number | undefined;
  let by: string[] = [];
  for (const { key, keyNode, value } of node.entries()) {
    if (key === 'for') {
      const text = value.string();
      const t = parseTimespan(text);
      if ('problem' in t) throw value.error('RULE_INVALID', t.problem);
      forUs = t.us;
    } else if (key === 'by') {
      by = value.stringList();
      if (new Set(by).size !== by.length) throw value.error('RULE_INVALID', 'a field is named twice');
    } else keyNode.fail('RULE_INVALID', `unknown key ${JSON.stringify(key)} in ${what} (expected by, for)`);
  }
  if (forUs === undefined) throw node.error('RULE_INVALID', `${what} needs a duration: for: 15m`);
  return { forUs, by };
}

export function parseSuppress(node: YNode): SuppressSpec {
  const { forUs, by } = readDurationAndBy(node, 'x-suppress');
  return { by, forUs, pos: node.pos() };
}

export function parseAbsence(node: YNode): AbsenceSpec {
  const { forUs, by } = readDurationAndBy(node, 'x-absence');
  return { by, forUs, pos: node.pos() };
}
