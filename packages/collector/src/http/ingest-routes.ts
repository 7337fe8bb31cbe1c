/**
 * Route group /api/v1/ingest: device batches and the resume cursor. Device
 * bearer tokens only. gzip bodies are inflated before parsing and the body
 * limit counts inflated bytes, so a small gzip bomb is refused like a large body.
 */
import { createGunzip } from 'node:zlib';
import { SeclogError } from '@seclog/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { IngestService } from '../ingest/ingest-service.js';
import type { DeviceRow, Store } from '../store/types.js';
import { bearerToken, deviceForToken } from './auth.js';
import { ErrorSchema, IngestAckSchema, IngestBodySchema, IngestCursorSchema } from './schemas.js';

export interface IngestRoutesOptions {
  store: Store;
  ingest: IngestService;
  /** False once shutdown began: new batches get 503. */
  accepting: () => boolean;
}

export const ingestRoutes: FastifyPluginAsync<IngestRoutesOptions> = async (app, opts) => {
  const { store, ingest } = opts;

  /** The live device of the request; a revoked one is refused and the refusal recorded. */
  async function device(req: FastifyRequest): Promise<DeviceRow> {
    const row = deviceForToken(store, bearerToken(req));
    if (row.revokedUs !== null) {
      await ingest.own.append({
        name: 'authn_login_fail',
        input: {
          actor: { user: row.id, ...(req.ip ? { ip: req.ip } : {}) },
          attrs: { method: 'token', reason: 'revoked', interface: 'api' },
          message: `revoked device ${row.id} tried to ingest`,
        },
      });
      throw new SeclogError('AUTH_DEVICE_REVOKED', `device ${row.id} is revoked`, { device: row.id });
    }
    return row;
  }

  app.post(
    '/api/v1/ingest',
    {
      schema: {
        summary: 'Ingest one batch of a device stream',
        body: IngestBodySchema,
        response: { 200: IngestAckSchema, '4xx': ErrorSchema, '5xx': ErrorSchema },
      },
      preParsing: (req, _reply, payload, done) => {
        // fastify would parse text/plain too; a batch is JSON only.
        const type = req.headers['content-type'] ?? '';
        if (!/^application\/json\s*(;|$)/i.test(type)) {
          return done(
            new SeclogError('HTTP_UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type || '(none)'} is not accepted (application/json is)`, {
              type,
            }),
          );
        }
        const enc = req.headers['content-encoding'];
        if (enc === undefined || enc === 'identity') return done(null, payload);
        if (enc !== 'gzip') {
          return done(
            new SeclogError('HTTP_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${enc} is not accepted (gzip is)`, { encoding: enc }),
          );
        }
        const gunzip = createGunzip();
        // fastify compares Content-Length with the bytes received, not the inflated ones.
        let received = 0;
        payload.on('data', (chunk: Buffer) => {
          received += chunk.length;
          (gunzip as unknown as { receivedEncodedLength: number }).receivedEncodedLength = received;
        });
        payload.on('error', (err) => gunzip.destroy(err));
        payload.pipe(gunzip);
        done(null, gunzip);
      },
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
