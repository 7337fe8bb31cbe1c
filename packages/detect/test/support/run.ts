/** Feeding engines in tests: a stream of events (with fixed leaf indexes) and sweeps. */
import type { SecurityEvent } from '@seclog/core';
import {
  type AlertCandidate,
  createDetectionEngine,
  type DetectionEngine,
  type EngineOptions,
  type EngineOutput,
  loadRuleSet,
  type RuleSet,
} from '../../src/index.js';
import { S, T0_US } from './events.js';

export type Step = { readonly event: SecurityEvent; readonly leaf: number } | { readonly sweepAt: number };

/** Number events by position: leaf i for the i-th event. */
export function steps(items: readonly (SecurityEvent | { sweepAt: number })[]): Step[] {
  let leaf = 0;
  return items.map((x) => ('sweepAt' in x ? x : { event: x, leaf: leaf++ }));
}

export function feed(engine: DetectionEngine, stream: readonly Step[]): EngineOutput[] {
  const out: EngineOutput[] = [];
  for (const s of stream) {
    if ('sweepAt' in s) out.push(...engine.sweep(T0_US + s.sweepAt * S));
    else out.push(...engine.push(s.event, s.leaf));
  }
  return out;
}

const ruleSets = new Map<string, RuleSet>();

/** An engine over the rules in `yaml` (parsed once per text: property tests build many engines). */
export function engineFor(yaml: string, options: EngineOptions = {}): DetectionEngine {
  let rs = ruleSets.get(yaml);
  if (rs === undefined) {
    rs = loadRuleSet([{ text: yaml, source: 'test.yml' }]);
    ruleSets.set(yaml, rs);
  }
  return createDetectionEngine(rs, options);
}

export function alerts(out: readonly EngineOutput[], ruleId?: string): AlertCandidate[] {
  return out.flatMap((o) => (o.kind === 'alert' && (ruleId === undefined || o.alert.ruleId === ruleId) ? [o.alert] : []));
}

/** Feed plain events (leaf = position) and return the alerts of `ruleId`. */
export function alertsFor(yaml: string, events: readonly SecurityEvent[], ruleId: string, options: EngineOptions = {}): AlertCandidate[] {
  return alerts(feed(engineFor(yaml, options), steps(events)), ruleId);
}
