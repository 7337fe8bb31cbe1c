/**
 * GET /metrics: Prometheus text exposition of the collector's registry.
 *
 * Who may read it (config http.metricsAuth, docs/operations.md):
 * - `token` (default): any live API token, whatever its role; device tokens
 *   and anonymous requests get 401. Prometheus sends it with
 *   `authorization: { credentials_file: … }`.
 * - `none`: anyone who reaches the port. Not tied to a loopback bind: a
 *   reverse proxy on the same host makes every remote client look local.
 *
 * The figures name no device or user, but rates, sizes and failure counts
 * tell an attacker whether an attack is noticed; hence a token by default.
 * Scrapes are not logged as `log_access`: they read no records, and a
 * scrape every 15 s would fill the log with itself.
 */
import type { FastifyPluginAsync } from 'fastify';
import { POLICY } from '../http/access-control.js';
import { ErrorSchema } from '../http/schemas.js';
import type { Store } from '../store/types.js';
import type { CollectorMetrics } from './collector-metrics.js';

export type MetricsAuth = 'token' | 'none';

export interface MetricsRouteOptions {
  metrics: CollectorMetrics;
  store: Store;
  auth: MetricsAuth;
}

export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = async (app, opts) => {
  const { metrics, auth } = opts;
  app.get(
    '/metrics',
    {
      config: { policy: auth === 'token' ? POLICY.readers : POLICY.public('http.metricsAuth is none') },
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        description:
          auth === 'token' ? 'Needs an API token of any role (http.metricsAuth: token).' : 'Open to anyone (http.metricsAuth: none).',
        response: { '4xx': ErrorSchema },
      },
    },
    async (_req, reply) => {
      const text = await metrics.scrape();
      return reply.type(metrics.contentType).send(text);
    },
  );
};
