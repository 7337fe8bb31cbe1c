/** Alerts as the API shows them: times as RFC 3339, the rule as one object, evidence and history on the detail view. */
import { formatUs } from '@seclog/detect';
import type { StoredAlert, StoredAlertTransition } from '../store/alert-types.js';

const time = (us: number) => formatUs(us);

export function alertJson(a: StoredAlert) {
  return {
    id: a.id,
    key: a.key,
    rule: { id: a.ruleId, version: a.ruleVersion, title: a.ruleTitle, type: a.ruleType },
    severity: a.severity,
    tags: a.tags,
    group: a.group,
    groupKey: a.groupKey,
    device: a.device,
    count: a.count,
    windowStart: time(a.windowStartUs),
    windowEnd: time(a.windowEndUs),
    evidenceTotal: a.evidenceTotal,
    triggerEventId: a.triggerEventId,
    suppressed: a.suppressed,
    status: a.status,
    assignee: a.assignee,
    resolution: a.resolution,
    created: time(a.createdUs),
    updated: time(a.updatedUs),
    logLeafIndex: a.logPos,
  };
}

export function transitionJson(t: StoredAlertTransition) {
  return {
    from: t.from,
    to: t.to,
    assignee: t.assignee,
    resolution: t.resolution,
    comment: t.comment,
    actor: t.actor,
    at: time(t.atUs),
    logLeafIndex: t.logPos,
  };
}

export function alertDetailJson(a: StoredAlert, history: readonly StoredAlertTransition[]) {
  return { ...alertJson(a), evidence: a.evidence, transitions: history.map(transitionJson) };
}
