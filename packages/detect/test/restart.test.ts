/**
 * Restart equivalence: an engine that exports its state, is thrown away, and
 * is rebuilt from the state then fed the rest of the stream produces exactly
 * the outputs of one engine fed the whole stream: no alert lost, none twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecurityEvent } from '@seclog/core';
import fc from 'fast-check';
import { createDetectionEngine, type EngineOptions, type EngineState, loadRuleSet } from '../src/index.js';
import { ev, S } from './support/events.js';
import { alerts, feed, type Step } from './support/run.js';

const PACK = `title: Failed login
name: failed_login
id: fl
detection:
  sel:
    name: authn_login_fail
  condition: sel
x-suppress:
  by: [source.ip]
  for: 20s
---
title: Successful login
name: ok_login
detection:
  sel:
    name: authn_login_success
  condition: sel
---
title: Brute force
name: brute
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 10s
  condition: {gt: 3}
---
title: Spraying
id: spray
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 30s
  condition: {field: user.name, gte: 3}
  generate: true
---
title: Login after brute force
id: bf-success
correlation:
  type: temporal_ordered
  rules: [brute, ok_login]
  group-by: [source.ip]
  timespan: 60s
  generate: true
---
title: Exactly two failures per user
id: two
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [user.name]
  timespan: 20s
  condition: {eq: 2}
---
title: Config and update
name: cfg
detection:
  sel:
    name: config_change
  condition: sel
---
title: Update
name: upd
detection:
  sel:
    name: fw_update_start
  condition: sel
---
title: Config and update together
id: together
correlation:
  type: temporal
  rules: [cfg, upd]
  group-by: [device.id]
  timespan: 15s
---
title: Device silent
id: silent
detection:
  any:
    device.id|exists: true
  condition: any
x-absence: {by: [device.id], for: 30s}
`;

const rules = loadRuleSet([{ text: PACK, source: 'pack.yml' }]);

type Item =
  | { kind: 'event'; name: string; ip: number; user: number; dev: number; gapMs: number; back: boolean }
  | { kind: 'dup'; pick: number }
  | { kind: 'sweep'; aheadS: number };

const item: fc.Arbitrary<Item> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('event' as const),
      name: fc.constantFrom(
        'authn_login_fail',
        'authn_login_fail',
        'authn_login_fail',
        'authn_login_success',
        'config_change',
        'fw_update_start',
      ),
      ip: fc.integer({ min: 0, max: 2 }),
      user: fc.integer({ min: 0, max: 3 }),
      dev: fc.integer({ min: 0, max: 2 }),
      gapMs: fc.integer({ min: 0, max: 4000 }),
      // One event in five goes back in time (up to 25 s, past the 15 s lateness).
      back: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dup' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), aheadS: fc.integer({ min: 0, max: 45 }) }) },
);

/** Turn generated items into a stream with fixed leaf indexes; some events go back in time, some repeat an earlier id. */
function build(items: readonly Item[]): Step[] {
  const out: Step[] = [];
  const sent: SecurityEvent[] = [];
  let t = 0;
  let leaf = 0;
  let n = 0;
  for (const it of items) {
    if (it.kind === 'sweep') {
      out.push({ sweepAt: t / S + it.aheadS });
      continue;
    }
    if (it.kind === 'dup') {
      if (sent.length > 0) out.push({ event: sent[it.pick % sent.length]!, leaf: leaf++ });
      continue;
    }
    t += it.gapMs * 1000;
    const at = it.back ? Math.max(0, t - 25 * S) : t;
    const e = ev({
      id: `e${n++}`,
      atUs: at,
      name: it.name,
      outcome: it.name === 'authn_login_success' ? 'success' : 'failure',
      actor: { ip: `192.0.2.${it.ip}`, user: `u${it.user}` },
      device: { id: `dev-${it.dev}` },
    });
    sent.push(e);
    out.push({ event: e, leaf: leaf++ });
  }
  return out;
}

test('property: export at one point, restart from it, replay the rest = one uninterrupted run', () => {
  fc.assert(
    fc.property(
      fc.array(item, { minLength: 1, maxLength: 120, size: 'max' }),
      fc.nat(),
      fc.nat(),
      fc.constantFrom(2, 1000),
      (items, a, b, maxGroups) => {
        const options: EngineOptions = { allowedLatenessUs: 15 * S, maxGroupsPerRule: maxGroups, maxEvidence: 5 };
        const stream = build(items);
        const whole = feed(createDetectionEngine(rules, options), stream);
        // No alert twice in one run, except one case the engine cannot tell from a new event: an alert raised
        // again, with the same key, for a copy of a record delivered after its id left the de-duplication
        // horizon (watermark − lateness − longest timespan): a single-event match, or a device's last sign of life.
        const seenKeys = new Map<string, number>();
        for (const x of alerts(whole)) {
          const times = (seenKeys.get(x.key) ?? 0) + 1;
          seenKeys.set(x.key, times);
          if (times > 1) {
            assert.ok(x.ruleType === 'detection' || x.ruleType === 'absence', `alert ${x.key} of ${x.ruleId} twice`);
            const copies = stream.filter((s) => !('sweepAt' in s) && s.event.id === x.evidence[0]).length;
            assert.ok(copies > 1, 'only for a record delivered more than once');
          }
        }

        // Snapshot at j, crash at k ≥ j, restart from the snapshot and replay from j.
        const j = a % (stream.length + 1);
        const k = j + (b % (stream.length - j + 1));
        const first = createDetectionEngine(rules, options);
        const beforeSnap = feed(first, stream.slice(0, j));
        const state = JSON.parse(JSON.stringify(first.exportState())) as EngineState;
        const doomed = feed(first, stream.slice(j, k));

        const second = createDetectionEngine(rules, { ...options, state });
        assert.deepEqual(second.droppedState, []);
        // The collector may replay from further back than the snapshot: those leaves are skipped.
        const replayedEarly = feed(
          second,
          stream.slice(0, j).filter((s) => !('sweepAt' in s)),
        );
        assert.deepEqual(replayedEarly, []);
        const after = feed(second, stream.slice(j));

        assert.deepEqual([...beforeSnap, ...after], whole, 'the restarted run continues exactly');
        // What the crashed engine emitted after the snapshot comes again, identically (same keys): a store keyed by
        // alert key keeps each once.
        assert.deepEqual(after.slice(0, doomed.length), doomed);
      },
    ),
    { numRuns: 250 },
  );
});

test('the generated streams exercise the rules (the property is not vacuous)', () => {
  const seen = new Set<string>();
  let suppressed = 0;
  let late = 0;
  for (const items of fc.sample(fc.array(item, { minLength: 60, maxLength: 120, size: 'max' }), { numRuns: 60, seed: 7 })) {
    const out = feed(createDetectionEngine(rules, { allowedLatenessUs: 15 * S }), build(items));
    for (const a of alerts(out)) seen.add(a.ruleId);
    suppressed += out.filter((o) => o.kind === 'suppressed').length;
    late += out.filter((o) => o.kind === 'late').length;
  }
  assert.deepEqual([...seen].sort(), ['bf-success', 'brute', 'fl', 'ok_login', 'silent', 'spray', 'together', 'two']);
  assert.ok(suppressed > 0 && late > 0, `suppressed ${suppressed}, late ${late}`);
});
