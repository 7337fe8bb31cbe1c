/**
 * GET /api/v1/storage: usage, level, projection, the retention policy and
 * the last retention runs (docs/retention.md). Admin and auditor: it shows
 * how the log is sized and what was deleted, not events.
 */
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { formatUs } from '../query/event-view.js';
import type { StorageMonitor } from '../retention/capacity.js';
import { describePolicy, type RetentionPolicy } from '../retention/policy.js';
import type { Store } from '../store/types.js';
import { POLICY } from './access-control.js';
import { ErrorSchema } from './schemas.js';

export interface StorageRoutesOptions {
  store: Store;
  monitor: StorageMonitor;
  policy: RetentionPolicy;
  retentionEnabled: boolean;
  retentionIntervalMinutes: number;
}

const RunSchema = Type.Object({
  id: Type.String(),
  trigger: Type.String(),
  startedAt: Type.String(),
  finishedAt: Type.String(),
  dryRun: Type.Boolean(),
  deleted: Type.Integer(),
  bytes: Type.Integer(),
  oldestKept: Type.Union([Type.String(), Type.Null()]),
  policy: Type.String(),
  byGroup: Type.Record(Type.String(), Type.Integer()),
});

export const storageRoutes: FastifyPluginAsync<StorageRoutesOptions> = async (app, opts) => {
  const { store, monitor, policy } = opts;
  app.get(
    '/api/v1/storage',
    {
      config: { policy: POLICY.logReaders },
      schema: {
        summary: 'Storage usage, level, days until full, retention policy and the last retention runs (docs/retention.md)',
        querystring: Type.Object({
          fresh: Type.Optional(
            Type.Union([Type.Literal('1'), Type.Literal('true')], { description: 'Measure now instead of the last check' }),
          ),
        }),
        response: {
          200: Type.Object(
            {
              usage: Type.Object({}, { additionalProperties: true }),
              retention: Type.Object({}, { additionalProperties: true }),
              runs: Type.Array(RunSchema),
            },
            { additionalProperties: true },
          ),
          '4xx': ErrorSchema,
        },
      },
    },
    async (req) => {
      const fresh = (req.query as { fresh?: string }).fresh !== undefined;
      const usage = fresh || monitor.status === undefined ? await monitor.check() : monitor.status;
      const runs = store
        .retention()
        .listRuns(10)
        .map((r) => ({
          id: r.id,
          trigger: r.trigger,
          startedAt: formatUs(r.startedUs),
          finishedAt: formatUs(r.finishedUs),
          dryRun: r.dryRun,
          deleted: r.deleted,
          bytes: r.bytes,
          oldestKept: r.oldestKeptUs === null ? null : formatUs(r.oldestKeptUs),
          policy: r.policy,
          byGroup: JSON.parse(r.byGroup) as Record<string, number>,
        }));
      return {
        usage,
        retention: {
          enabled: opts.retentionEnabled,
          intervalMinutes: opts.retentionIntervalMinutes,
          defaultDays: policy.defaultDays,
          groups: policy.groups,
          maxPayloadBytes: policy.maxPayloadBytes,
          summary: describePolicy(policy),
        },
        runs,
      };
    },
  );
};
