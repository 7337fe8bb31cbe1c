/**
 * Route group /api/v1/events: query the log, read one event, follow it live.
 * Admin, analyst and auditor API tokens read; device tokens get 401. Every
 * read is recorded as `log_access` before it is answered (query/access-log.ts).
 *
 * The query string is checked by query/filter.ts, not by the schema, so
 * every refusal names its parameter in the same words; the schemas below
 * document the API in OpenAPI (/docs).
 */
import { SeclogError, type SecurityEvent, toCef, toEcs, toOcsf } from '@seclog/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { OwnStream } from '../ingest/own-stream.js';
import { type Reader, recordAccess } from '../query/access-log.js';
import { encodeCursor } from '../query/cursor.js';
import { eventJson, pageJson } from '../query/event-view.js';
import { parseEventQuery, QUERY_PAGE } from '../query/filter.js';
import type { LiveFeed } from '../query/live-feed.js';
import type { Store } from '../store/types.js';
import { POLICY, principalOf } from './access-control.js';
import { ErrorSchema } from './schemas.js';

export interface EventRoutesOptions {
  store: Store;
  own: OwnStream;
  feed: LiveFeed;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const text = (description: string, maxLength: number) => Type.Optional(Type.String({ minLength: 1, maxLength, description }));
const FilterProperties = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Device time (record `time`) at or after this, RFC 3339' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Device time before this, RFC 3339' })),
  device: text('Device id', 128),
  name: text('Event name, e.g. authn_login_fail', 128),
  outcome: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('unknown')])),
  severity: Type.Optional(
    Type.Union([Type.Literal('info'), Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]),
  ),
  ip: text('actor.ip, exactly as recorded', 45),
  user: text('actor.user', 128),
  q: text('Free text: a string value of the record contains it (ASCII letters in either case)', 200),
};
// Documentation only (attachValidation): query/filter.ts decides, with messages that name the parameter.
const EventsQuerySchema = Type.Object({
  ...FilterProperties,
  limit: Type.Optional(
    Type.String({ pattern: '^[0-9]+$', description: `Events per page, 1–${QUERY_PAGE.maxLimit} (default ${QUERY_PAGE.defaultLimit})` }),
  ),
  cursor: Type.Optional(Type.String({ description: 'The `next` of the previous page, unchanged, with the same filters' })),
});
const StreamQuerySchema = Type.Object(FilterProperties);

const EventSchema = Type.Object({
  leafIndex: Type.Integer({ description: 'Position in the log = Merkle leaf index (for /api/v1/log/proof/inclusion)' }),
  received: Type.String({ description: 'When the collector received it, RFC 3339 UTC' }),
  record: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
    description: 'The stored record (its canonical JSON); null when retention pruned it (see pruned)',
  }),
  pruned: Type.Optional(
    Type.Object(
      { at: Type.Union([Type.String(), Type.Null()]), message: Type.String() },
      {
        additionalProperties: true,
        description: 'Present when retention removed the record: when, and the leaf inputs kept (docs/retention.md)',
      },
    ),
  ),
});
const PageSchema = Type.Object({
  events: Type.Array(EventSchema, { description: 'Newest first (descending leaf index)' }),
  next: Type.Union([Type.String(), Type.Null()], { description: 'Cursor of the next page; null when nothing older matches' }),
});

export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, opts) => {
  const { store, own, feed } = opts;

  const reader = (req: FastifyRequest): Reader => ({ principal: principalOf(req), ...(req.ip ? { ip: req.ip } : {}) });
  const json = (reply: FastifyReply, body: string) => reply.type('application/json; charset=utf-8').send(body);
  const errors = { '4xx': ErrorSchema, '5xx': ErrorSchema };

  app.get(
    '/api/v1/events',
    {
      config: { policy: POLICY.readers },
      attachValidation: true,
      schema: {
        summary: 'Query events, newest first, one page at a time',
        querystring: EventsQuerySchema,
        response: { 200: PageSchema, ...errors },
      },
    },
    async (req, reply) => {
      const who = reader(req);
      const parsed = parseEventQuery(req.query as Record<string, unknown>, true);
      const page = store.queryEvents({
        ...parsed.query,
        limit: parsed.limit,
        ...(parsed.beforePos === undefined ? {} : { beforePos: parsed.beforePos }),
      });
      const next = page.nextBeforePos === undefined ? null : encodeCursor(page.nextBeforePos, parsed.view);
      const filter = { ...parsed.view, limit: parsed.limit, ...(parsed.cursor === undefined ? {} : { cursor: parsed.cursor }) };
      await recordAccess(own, who, 'query', filter, page.events.length);
      return json(
        reply,
        pageJson(page.events, next, (pos) => store.retention().prunedAt(pos)),
      );
    },
  );

  app.get(
    '/api/v1/events/stream',
    {
      config: { policy: POLICY.readers },
      attachValidation: true,
      schema: {
        summary: 'Follow events live (server-sent events; `id` is the leaf index, resume with Last-Event-ID)',
        querystring: StreamQuerySchema,
        response: { 200: Type.String({ description: 'text/event-stream' }), ...errors },
      },
    },
    async (req, reply) => {
      const who = reader(req);
      const parsed = parseEventQuery(req.query as Record<string, unknown>, false);
      const head = feed.head();
      const last = req.headers['last-event-id'];
      let from = head;
      if (last !== undefined) {
        const n = typeof last === 'string' && /^(0|[1-9][0-9]{0,15})$/.test(last) ? Number(last) : Number.NaN;
        if (!(Number.isSafeInteger(n) && n < head)) {
          throw new SeclogError('HTTP_QUERY_INVALID', `Last-Event-ID: must be the leaf index of a stored event (below ${head})`, {
            field: 'Last-Event-ID',
            value: last,
          });
        }
        from = n + 1;
      }
      await recordAccess(own, who, 'tail', { ...parsed.view, ...(last === undefined ? {} : { lastEventId: from - 1 }) });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`: seclog tail from leaf ${from}\nretry: 2000\n\n`);
      const unsubscribe = feed.subscribe(parsed.query, from, {
        write: (chunk) => res.write(chunk),
        onDrain: (fn) => res.once('drain', fn),
        end: () => res.end(),
      });
      res.on('close', unsubscribe);
    },
  );

  app.get(
    '/api/v1/events/:id',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary: 'One event by its record id, with its leaf index and receive time',
        params: Type.Object({ id: Type.String({ description: 'The record id (UUID)' }) }),
        response: { 200: EventSchema, ...errors },
      },
    },
    async (req, reply) => {
      const who = reader(req);
      const { id } = req.params as { id: string };
      if (!UUID.test(id)) throw new SeclogError('HTTP_QUERY_INVALID', 'id: must be a UUID', { field: 'id', value: id });
      const e = store.getEventById(id);
      await recordAccess(own, who, 'view', { id: id.toLowerCase() }, e === undefined ? 0 : 1);
      if (e === undefined) throw new SeclogError('QUERY_EVENT_NOT_FOUND', `no stored event has id ${id}`, { id });
      return json(reply, eventJson(e));
    },
  );

  // The dashboard's event detail: the record in the export formats, from the same encoders as the exports.
  app.get(
    '/api/v1/events/:id/mappings',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary: 'One event as OCSF, ECS and CEF (the encoders of the exports)',
        params: Type.Object({ id: Type.String({ description: 'The record id (UUID)' }) }),
        response: {
          200: Type.Object({
            ocsf: Type.Object({}, { additionalProperties: true }),
            ecs: Type.Object({}, { additionalProperties: true }),
            cef: Type.String(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const who = reader(req);
      const { id } = req.params as { id: string };
      if (!UUID.test(id)) throw new SeclogError('HTTP_QUERY_INVALID', 'id: must be a UUID', { field: 'id', value: id });
      const e = store.getEventById(id);
      // A record retention pruned has nothing left to map.
      const found = e !== undefined && e.canonical.length > 0;
      await recordAccess(own, who, 'view', { id: id.toLowerCase(), as: 'mappings' }, found ? 1 : 0);
      if (!found) throw new SeclogError('QUERY_EVENT_NOT_FOUND', `no stored event has id ${id}`, { id });
      const record = JSON.parse(e.canonical) as SecurityEvent;
      return { ocsf: toOcsf(record), ecs: toEcs(record), cef: toCef(record) };
    },
  );

  // Long-lived tails would hold app.close() open: end them first.
  app.addHook('preClose', async () => feed.close());
};
