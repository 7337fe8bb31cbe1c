/**
 * A collector seeded for the review tests: three devices (cam-1 synced, cam-2 silent, cam-3
 * unsynced), nine failed logins, three alerts (one closed by triage in the period, one open, one
 * opened ten days ago and still open), and a signed checkpoint after it all.
 */
import assert from 'node:assert/strict';
import type { Principal } from '../src/auth/principal.js';
import type { OwnEvent } from '../src/ingest/own-stream.js';
import type { ReviewsConfig } from '../src/review/config-schema.js';
import { ReviewService, type ReviewServiceOptions } from '../src/review/review-service.js';
import type { NewAlert } from '../src/store/alert-types.js';
import { deviceChain, startTestCollector, type TestCollector } from './ingest-fixtures.js';

export const DAY_US = 86_400_000_000;

/** A ReviewService on a test collector's store, log key and tree; `append` defaults to its own stream. */
export function reviewServiceOf(
  t: TestCollector,
  config: ReviewsConfig,
  extra: Partial<Pick<ReviewServiceOptions, 'append' | 'now' | 'onAlertStored'>> = {},
): ReviewService {
  const c = t.c;
  return new ReviewService({
    store: c.data.store,
    origin: c.data.key.origin,
    verifierKey: c.data.key.verifierKey,
    signer: c.data.key.signer,
    tree: () => c.integrator.tree,
    append: (events: OwnEvent[]) => c.ingest.own.append(...events),
    config,
    ...extra,
  });
}

export const ADMIN: Principal = { kind: 'api-token', id: 'tok-admin', name: 'admin', role: 'admin' };

export function seedAlert(id: string, createdUs: number): NewAlert {
  return {
    id: `alr-${id.padStart(32, '0')}`,
    key: id.padStart(32, '0'),
    ruleId: 'test.rule',
    ruleVersion: '1',
    ruleTitle: 'Test rule',
    ruleType: 'detection',
    severity: 'high',
    tags: [],
    group: {},
    groupKey: '',
    device: 'cam-1',
    count: 1,
    windowStartUs: createdUs,
    windowEndUs: createdUs,
    evidence: [],
    evidenceTotal: 0,
    triggerEventId: null,
    triggerLeaf: null,
    createdUs,
  };
}

export interface Seeded {
  t: TestCollector;
  /** Before the first seeded record (µs). */
  startUs: number;
  /** After the last one; the period [startUs, endUs) holds them all. */
  endUs: number;
  alerts: { closed: string; open: string; old: string };
}

async function ingest(t: TestCollector, token: string, device: string, records: unknown[]): Promise<void> {
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    payload: JSON.stringify({ device, stream: (records[0] as { stream: string }).stream, records }),
  });
  assert.equal(res.statusCode, 200, res.body);
}

export async function seededCollector(overrides: Record<string, unknown> = {}): Promise<Seeded> {
  const t = await startTestCollector({ detect: { builtinRules: false }, ...overrides });
  const startUs = Date.now() * 1000 - 1000;
  const cam1 = t.enrol('cam-1');
  t.enrol('cam-2');
  const cam3 = t.enrol('cam-3');
  await ingest(t, cam1.token, 'cam-1', deviceChain('cam-1', 5));
  await ingest(t, cam3.token, 'cam-3', deviceChain('cam-3', 4, undefined, { tq: { synced: false, source: 'none' } }));
  const nowUs = Date.now() * 1000;
  const alerts = { closed: seedAlert('c1', nowUs), open: seedAlert('c2', nowUs), old: seedAlert('c3', nowUs - 10 * DAY_US) };
  t.c.data.store.alerts().insertAlerts([alerts.closed, alerts.open, alerts.old]);
  const detection = t.c.detection;
  assert.ok(detection !== undefined);
  await detection.triage.transition(
    alerts.closed.id,
    { to: 'closed', resolution: 'benign', comment: 'test traffic' },
    { principal: ADMIN },
  );
  await t.c.committer.drain();
  t.c.integrator.integrate();
  t.c.integrator.checkpoint();
  await new Promise((r) => setTimeout(r, 5));
  const endUs = Date.now() * 1000;
  return { t, startUs, endUs, alerts: { closed: alerts.closed.id, open: alerts.open.id, old: alerts.old.id } };
}
