/**
 * Route group /api/v1/log: the signed checkpoint, the log's verifier key and
 * RFC 9162 proofs, for an auditor or admin API token. A refused role is
 * recorded as `authz_fail` in the collector's own stream (denials are logged).
 */
import { SeclogError } from '@seclog/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { type Principal, principalActor } from '../auth/principal.js';
import type { OwnStream } from '../ingest/own-stream.js';
import type { Integrator } from '../integrate/integrator.js';
import { formatUs } from '../query/event-view.js';
import type { Store } from '../store/types.js';
import { POLICY, principalOf } from './access-control.js';
import { ConsistencyProofSchema, ConsistencyQuerySchema, ErrorSchema, InclusionProofSchema, InclusionQuerySchema } from './schemas.js';

export interface LogRoutesOptions {
  store: Store;
  integrator: Integrator;
  own: OwnStream;
  verifierKey: string;
}

function numbers<K extends string>(q: Record<string, string>, ...keys: K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of keys) {
    const n = Number(q[k]);
    if (!Number.isSafeInteger(n)) throw new SeclogError('HTTP_QUERY_INVALID', `${k} must be an integer below 2^53`, { field: k });
    out[k] = n;
  }
  return out;
}
const b64 = (h: Uint8Array): string => Buffer.from(h).toString('base64');

export const logRoutes: FastifyPluginAsync<LogRoutesOptions> = async (app, opts) => {
  const { store, integrator, own } = opts;

  // The policy hook (access-control.ts) let only admin and auditor through, and recorded the others.
  const authorise = (req: FastifyRequest): Promise<Principal> => Promise.resolve(principalOf(req));

  // Every read of the log is itself logged (DESIGN.md §3); a proof names the leaves it reveals.
  const logAccess = (reader: Principal, filter: Record<string, number>) =>
    own.append({
      name: 'log_access',
      input: { actor: { user: principalActor(reader) }, attrs: { action: 'proof', role: reader.role, filter: JSON.stringify(filter) } },
    });

  const errors = { '4xx': ErrorSchema };

  app.get(
    '/api/v1/log/checkpoint',
    { config: { policy: POLICY.logReaders }, schema: { summary: 'Latest signed checkpoint (C2SP signed note)', response: errors } },
    async (req, reply) => {
      await authorise(req);
      const cp = store.latestCheckpoint();
      if (cp === undefined) throw new SeclogError('HTTP_NOT_FOUND', 'no checkpoint has been signed yet', {});
      return reply.type('text/plain; charset=utf-8').send(cp.note);
    },
  );

  // The dashboard's checkpoint timeline: newest first, a page at a time (`before` = a tree size).
  app.get(
    '/api/v1/log/checkpoints',
    {
      config: { policy: POLICY.logReaders },
      schema: {
        summary: 'Signed checkpoints, newest first (the notes, for clients that verify them)',
        querystring: Type.Object({
          limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'Checkpoints per page, 1–500 (default 50)' })),
          before: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,15})$', description: 'Only checkpoints of smaller tree sizes' })),
        }),
        response: {
          200: Type.Object({
            checkpoints: Type.Array(
              Type.Object({
                treeSize: Type.Integer(),
                root: Type.String({ description: 'base64' }),
                created: Type.String(),
                note: Type.String(),
              }),
            ),
            next: Type.Union([Type.String(), Type.Null()], { description: '`before` of the next page; null at the first checkpoint' }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      await authorise(req);
      const q = req.query as { limit?: string; before?: string };
      const limit = q.limit === undefined ? 50 : Number(q.limit);
      if (limit > 500) throw new SeclogError('HTTP_QUERY_INVALID', 'limit must be from 1 to 500', { field: 'limit' });
      const before = q.before === undefined ? Number.POSITIVE_INFINITY : Number(q.before);
      const older = store
        .listCheckpoints()
        .filter((c) => c.treeSize < before)
        .sort((a, b) => b.treeSize - a.treeSize);
      const page = older.slice(0, limit);
      return {
        checkpoints: page.map((c) => ({ treeSize: c.treeSize, root: b64(c.root), created: formatUs(c.createdUs), note: c.note })),
        next: older.length > limit ? String(page[page.length - 1]?.treeSize) : null,
      };
    },
  );

  app.get(
    '/api/v1/log/key',
    { config: { policy: POLICY.logReaders }, schema: { summary: 'The log’s verifier key (vkey)', response: errors } },
    async (req, reply) => {
      await authorise(req);
      return reply.type('text/plain; charset=utf-8').send(`${opts.verifierKey}\n`);
    },
  );

  app.get(
    '/api/v1/log/proof/inclusion',
    {
      config: { policy: POLICY.logReaders },
      schema: {
        summary: 'RFC 9162 inclusion proof',
        querystring: InclusionQuerySchema,
        response: { 200: InclusionProofSchema, ...errors },
      },
    },
    async (req) => {
      const reader = await authorise(req);
      const { index, size } = numbers(req.query as Record<string, string>, 'index', 'size');
      const tree = integrator.tree;
      if (!(index < size && size <= tree.size)) {
        throw new SeclogError('HTTP_QUERY_INVALID', `need index < size ≤ ${tree.size} (got index ${index}, size ${size})`, {
          field: 'index',
          treeSize: tree.size,
        });
      }
      await logAccess(reader, { index, size });
      return { index, size, leafHash: b64(tree.leafHash(index)), proof: tree.inclusionProof(index, size).map(b64) };
    },
  );

  app.get(
    '/api/v1/log/proof/consistency',
    {
      config: { policy: POLICY.logReaders },
      schema: {
        summary: 'RFC 9162 consistency proof',
        querystring: ConsistencyQuerySchema,
        response: { 200: ConsistencyProofSchema, ...errors },
      },
    },
    async (req) => {
      const reader = await authorise(req);
      const { from, to } = numbers(req.query as Record<string, string>, 'from', 'to');
      const tree = integrator.tree;
      if (!(from <= to && to <= tree.size)) {
        throw new SeclogError('HTTP_QUERY_INVALID', `need from ≤ to ≤ ${tree.size} (got from ${from}, to ${to})`, {
          field: 'from',
          treeSize: tree.size,
        });
      }
      await logAccess(reader, { from, to });
      return { from, to, proof: tree.consistencyProof(from, to).map(b64) };
    },
  );
};
