/**
 * Counts the answers of the HTTP ingest routes: every batch by result code,
 * the duplicates an ACK reports and the records of refused batches. These
 * never reach the group committer, so its observer cannot see them.
 *
 * Installed on the root instance before the route plugins are registered
 * (fastify copies root hooks into a plugin's context when it is registered).
 * A request to another route costs one string comparison.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toSeclogError } from '../http/errors.js';
import type { CollectorMetrics } from './collector-metrics.js';

/** Route (method and URL pattern) → the source label its batches count under. */
export const INGEST_ROUTE_SOURCES: Readonly<Record<string, string>> = { 'POST /api/v1/ingest': 'http', 'POST /v1/logs': 'otlp' };

export function installIngestMetrics(app: FastifyInstance, metrics: CollectorMetrics, routes = INGEST_ROUTE_SOURCES): void {
  const codes = new WeakMap<FastifyRequest, string>();
  const duplicates = new WeakMap<FastifyRequest, number>();
  const sourceOf = (req: FastifyRequest): string | undefined => routes[`${req.method} ${req.routeOptions.url ?? ''}`];

  app.addHook('onError', async (req, _reply, err) => {
    if (sourceOf(req) !== undefined) codes.set(req, toSeclogError(err).code);
  });
  app.addHook('preSerialization', async (req, _reply, payload) => {
    if (sourceOf(req) !== undefined) {
      const d = (payload as { duplicates?: unknown } | null)?.duplicates;
      if (typeof d === 'number') duplicates.set(req, d);
    }
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    const source = sourceOf(req);
    if (source === undefined) return;
    const ok = reply.statusCode < 400;
    const code = ok ? 'ok' : (codes.get(req) ?? `HTTP_${reply.statusCode}`);
    // A body that did not parse has no records to count; the batch still counts.
    const records = (req.body as { records?: unknown } | undefined)?.records;
    metrics.countBatch(source, code, Array.isArray(records) ? records.length : 0, duplicates.get(req) ?? 0);
  });
}
