/**
 * Route group /api/v1/alerts: list (filters, keyset pages newest first), one
 * alert with its evidence and history, and triage transitions.
 * Admin, analyst and auditor tokens read; admin and analyst transition;
 * reopening a closed alert is the admin's (detect/lifecycle.ts). Every
 * transition is an `alert_transition` record committed before the answer.
 *
 * Alert reads are not recorded as log_access: an alert is the collector's
 * own finding, not device records; the events it names are read through
 * /api/v1/events, which records every read.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import { alertDetailJson, alertJson } from '../detect/alert-json.js';
import { ALERT_PAGE, encodeAlertCursor, parseAlertQuery } from '../detect/alert-query.js';
import { ALERT_ID_PATTERN } from '../detect/alert-record.js';
import type { Actor } from '../detect/audit.js';
import type { TransitionRequest } from '../detect/lifecycle.js';
import type { Detection } from '../detect/open-detection.js';
import { ALERT_RESOLUTIONS, ALERT_STATUSES } from '../store/alert-types.js';
import type { Store } from '../store/types.js';
import { POLICY, principalOf } from './access-control.js';
import { ErrorSchema } from './schemas.js';

export interface AlertRoutesOptions {
  store: Store;
  detection: Detection;
}

const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const time = (description: string) => Type.String({ description: `${description}, RFC 3339 UTC` });

export const AlertSchema = Type.Object({
  id: Type.String({ description: '`alr-` + key: stable across replays and transitions' }),
  key: Type.String({ description: 'The detection engine’s deterministic alert key' }),
  rule: Type.Object({
    id: Type.String(),
    version: Type.String({ description: 'Start of the SHA-256 of the rule document' }),
    title: Type.String(),
    type: Type.String({ description: 'detection, event_count, value_count, temporal, temporal_ordered or absence' }),
  }),
  severity: Type.String(),
  tags: Type.Array(Type.String()),
  group: Type.Object({}, { additionalProperties: true, description: 'group-by field → value' }),
  groupKey: Type.String({ description: '`field=value, …`; empty when not grouped' }),
  device: nullable(Type.String({ description: 'The device the alert is about, when one can be named' })),
  count: Type.Integer({ description: 'Matching events (distinct values for value_count, rules for temporal, 0 for absence)' }),
  windowStart: time('Window start (event time)'),
  windowEnd: time('Window end (event time)'),
  evidenceTotal: Type.Integer({ description: 'Matching event ids before the cap of 100' }),
  triggerEventId: nullable(Type.String()),
  suppressed: Type.Integer({ description: 'Repeats counted on this alert by x-suppress' }),
  status: Type.Enum([...ALERT_STATUSES]),
  assignee: nullable(Type.String()),
  resolution: nullable(Type.String()),
  created: time('When the alert was stored'),
  updated: time('Last change'),
  logLeafIndex: nullable(Type.Integer({ description: 'Leaf index of its `alert` record in the Merkle log; null until committed' })),
});

const TransitionSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  assignee: nullable(Type.String()),
  resolution: nullable(Type.String()),
  comment: nullable(Type.String()),
  actor: Type.String({ description: '`api-token/<id>`' }),
  at: time('When'),
  logLeafIndex: nullable(Type.Integer({ description: 'Leaf index of the `alert_transition` record' })),
});

const AlertDetailSchema = Type.Object({
  ...AlertSchema.properties,
  evidence: Type.Array(Type.String(), { description: 'Ids of the matching events, oldest first (GET /api/v1/events/:id)' }),
  transitions: Type.Array(TransitionSchema, { description: 'Triage history, oldest first' }),
});

const AlertsQuerySchema = Type.Object({
  status: Type.Optional(Type.Enum([...ALERT_STATUSES])),
  severity: Type.Optional(Type.String({ description: 'info, low, medium, high or critical' })),
  rule: Type.Optional(Type.String({ description: 'Rule id' })),
  device: Type.Optional(Type.String({ description: 'Device id' })),
  group: Type.Optional(Type.String({ description: 'Text the group key contains, e.g. 203.0.113.9' })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Stored at or after, RFC 3339' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Stored before, RFC 3339' })),
  limit: Type.Optional(
    Type.String({ pattern: '^[0-9]+$', description: `Alerts per page, 1–${ALERT_PAGE.maxLimit} (default ${ALERT_PAGE.defaultLimit})` }),
  ),
  cursor: Type.Optional(Type.String({ description: 'The `next` of the previous page, unchanged, with the same filters' })),
});

const PageSchema = Type.Object({
  alerts: Type.Array(AlertSchema, { description: 'Newest first' }),
  next: nullable(Type.String({ description: 'Cursor of the next page; null when nothing older matches' })),
});

const TransitionBodySchema = Type.Object(
  {
    to: Type.Enum([...ALERT_STATUSES]),
    assignee: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Default on acknowledge: the token’s name' })),
    resolution: Type.Optional(Type.Enum([...ALERT_RESOLUTIONS], { description: 'Required when closing' })),
    comment: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1000, description: 'Required when closing or reopening; the record keeps 1 KiB' }),
    ),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ pattern: ALERT_ID_PATTERN, description: 'The alert id' }) });

export const alertRoutes: FastifyPluginAsync<AlertRoutesOptions> = async (app, opts) => {
  const { store, detection } = opts;
  const errors = { '4xx': ErrorSchema, '5xx': ErrorSchema };
  const actor = (req: FastifyRequest): Actor => ({
    principal: principalOf(req),
    ...(req.ip ? { ip: req.ip } : {}),
  });

  app.get(
    '/api/v1/alerts',
    {
      config: { policy: POLICY.readers },
      attachValidation: true,
      schema: {
        summary: 'List alerts, newest first, one page at a time',
        querystring: AlertsQuerySchema,
        response: { 200: PageSchema, ...errors },
      },
    },
    async (req) => {
      actor(req);
      const parsed = parseAlertQuery(req.query as Record<string, unknown>);
      const page = store.alerts().queryAlerts(parsed.query);
      return {
        alerts: page.alerts.map(alertJson),
        next: page.nextBeforeSeq === undefined ? null : encodeAlertCursor(page.nextBeforeSeq, parsed.filters),
      };
    },
  );

  app.get(
    '/api/v1/alerts/:id',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary: 'One alert with its evidence and triage history',
        params: IdParams,
        response: { 200: AlertDetailSchema, ...errors },
      },
    },
    async (req) => {
      actor(req);
      const { id } = req.params as { id: string };
      return alertDetailJson(detection.triage.get(id), store.alerts().listAlertTransitions(id));
    },
  );

  app.post(
    '/api/v1/alerts/:id/transition',
    {
      config: { policy: POLICY.triagers },
      schema: {
        summary: 'Move an alert through its lifecycle (new → acknowledged → in_progress → closed; reopening: admin)',
        params: IdParams,
        body: TransitionBodySchema,
        response: { 200: AlertDetailSchema, ...errors },
      },
    },
    async (req) => {
      const who = actor(req);
      const { id } = req.params as { id: string };
      const alert = await detection.triage.transition(id, req.body as TransitionRequest, who);
      return alertDetailJson(alert, store.alerts().listAlertTransitions(id));
    },
  );
};
