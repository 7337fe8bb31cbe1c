/**
 * Route group /api/v1/ingest: device batches and the resume cursor. Device
 * bearer tokens only. JSON bodies, optionally gzip (./json-upload.ts).
 */
import { SeclogError } from '@seclog/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { IngestService } from '../ingest/ingest-service.js';
import type { DeviceRow, Store } from '../store/types.js';
import { deviceOf, POLICY } from './access-control.js';
import { jsonUploadPreParsing } from './json-upload.js';
import { ErrorSchema, IngestAckSchema, IngestBodySchema, IngestCursorSchema } from './schemas.js';

export interface IngestRoutesOptions {
  store: Store;
  ingest: IngestService;
  /** False once shutdown began: new batches get 503. */
  accepting: () => boolean;
}

export const ingestRoutes: FastifyPluginAsync<IngestRoutesOptions> = async (app, opts) => {
  const { ingest } = opts;

  // The policy hook (access-control.ts) found the live device of the token before the body was read.
  const device = (req: FastifyRequest): Promise<DeviceRow> => Promise.resolve(deviceOf(req));

  app.post(
    '/api/v1/ingest',
    {
      config: { policy: POLICY.device('ingest') },
      schema: {
        summary: 'Ingest one batch of a device stream',
        body: IngestBodySchema,
        response: { 200: IngestAckSchema, '4xx': ErrorSchema, '5xx': ErrorSchema },
      },
      preParsing: jsonUploadPreParsing,
    },
    async (req) => {
      if (!opts.accepting()) throw new SeclogError('HTTP_SHUTTING_DOWN', 'the collector is shutting down', {});
      const row = await device(req);
      const body = req.body as { device: string; stream: string; records: unknown[] };
      return ingest.ingest(row, body);
    },
  );

  app.get(
    '/api/v1/ingest/cursor',
    {
      config: { policy: POLICY.device('read its cursor') },
      schema: {
        summary: 'Acknowledged seq and head per stream of the token’s device',
        response: { 200: IngestCursorSchema, '4xx': ErrorSchema },
      },
    },
    async (req) => {
      const row = await device(req);
      return { device: row.id, streams: ingest.cursors(row.id) };
    },
  );
};
