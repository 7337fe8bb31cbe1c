/**
 * Route group /api/v1/compliance: the guide's checklist answered from the
 * live state (compliance/check.ts). A check reads the log (counts over the
 * window), so it is recorded as `log_access` like any other read.
 */
import { SeclogError } from '@seclog/core';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { runComplianceCheck } from '../compliance/check.js';
import type { Detection } from '../detect/open-detection.js';
import type { OwnStream } from '../ingest/own-stream.js';
import { recordAccess } from '../query/access-log.js';
import type { Store } from '../store/types.js';
import { POLICY, principalOf } from './access-control.js';
import { ErrorSchema } from './schemas.js';

export interface ComplianceRoutesOptions {
  store: Store;
  own: OwnStream;
  detection: Detection | undefined;
  dataDir?: string;
}

const ItemSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  pass: Type.Boolean(),
  why: Type.Optional(Type.String()),
  evidence: Type.Array(Type.String()),
});

const ReportSchema = Type.Object({
  at: Type.String(),
  window: Type.Object({ from: Type.String(), to: Type.String(), days: Type.Integer() }),
  pass: Type.Boolean(),
  items: Type.Array(ItemSchema),
});

export const complianceRoutes: FastifyPluginAsync<ComplianceRoutesOptions> = async (app, opts) => {
  app.get(
    '/api/v1/compliance/check',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary: "The guide's six-item checklist, each item pass or fail with its evidence (docs/compliance.md)",
        // Query strings stay strings (no coercion, app.ts): days is checked here.
        querystring: Type.Object({
          days: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'The window, 1–366 days (default 7)' })),
        }),
        response: { 200: ReportSchema, '4xx': ErrorSchema },
      },
    },
    async (req) => {
      const given = (req.query as { days?: string }).days;
      const days = given === undefined ? 7 : Number(given);
      if (days > 366) throw new SeclogError('HTTP_QUERY_INVALID', `days: at most 366, got ${days}`, { field: 'days' });
      const detection = opts.detection;
      const report = runComplianceCheck({
        store: opts.store,
        detection:
          detection === undefined
            ? { enabled: false }
            : { enabled: true, alertingRules: detection.rules.list().filter((r) => r.enabled && r.alerting).length },
        ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
        days,
      });
      await recordAccess(
        opts.own,
        { principal: principalOf(req), ...(req.ip ? { ip: req.ip } : {}) },
        'query',
        { compliance: 'check', days },
        report.items.length,
      );
      return report;
    },
  );
};
