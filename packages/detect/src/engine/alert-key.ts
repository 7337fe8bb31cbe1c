/**
 * Deterministic alert keys. The inputs are things a replay reproduces
 * exactly: the rule's key (not its version, so re-deploying an unchanged
 * rule keeps its keys), the group, the window start and the first event of
 * the window. Two alerts of one rule and group never share the first event,
 * since windows are consumed when they fire.
 */
import { createHash } from 'node:crypto';

export function alertKey(kind: string, ruleId: string, groupJson: string, startUs: number, firstId: string): string {
  return createHash('sha256')
    .update(JSON.stringify([kind, ruleId, groupJson, startUs, firstId]))
    .digest('hex')
    .slice(0, 32);
}
