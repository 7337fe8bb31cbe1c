/**
 * Route group /api/v1/reviews: periodic log reviews (review/review-service.ts,
 * docs/reviews.md). Admin, analyst and auditor read; admin and analyst run
 * reviews (start, collect, findings, sign, approve). Starting a review and
 * collecting its evidence again read the log (counts over the period), so
 * each is recorded as `log_access`, like the compliance check.
 */
import { SeclogError, type Severity } from '@seclog/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import { principalActor } from '../auth/principal.js';
import { ALERT_ID_PATTERN } from '../detect/alert-record.js';
import type { OwnStream } from '../ingest/own-stream.js';
import { recordAccess } from '../query/access-log.js';
import { parseTimeUs } from '../review/period-input.js';
import { findingJson } from '../review/review-json.js';
import type { Reviewer, ReviewService, StartRequest } from '../review/review-service.js';
import { REVIEW_STATUSES, type ReviewStatus } from '../store/review-types.js';
import { POLICY, principalOf } from './access-control.js';
import { ErrorSchema } from './schemas.js';

export interface ReviewRoutesOptions {
  reviews: ReviewService;
  own: OwnStream;
}

const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const time = (description: string) => Type.String({ description: `${description}, RFC 3339 UTC` });
const closed = { additionalProperties: false } as const;

const ReviewSchema = Type.Object({
  id: Type.String(),
  schedule: nullable(Type.String()),
  periodStart: time('Start of the period reviewed (inclusive)'),
  periodEnd: time('End of the period reviewed (exclusive)'),
  due: nullable(time('When it must be signed (schedules only)')),
  status: Type.Enum([...REVIEW_STATUSES]),
  overdue: Type.Boolean(),
  created: time('When it was started'),
  createdBy: Type.String({ description: '`user/<name>` or `api-token/<id>`' }),
  evidenceCollected: time('When the evidence was collected'),
  signed: nullable(
    Type.Object({
      at: Type.String(),
      by: Type.String(),
      checkpoint: Type.Object({ size: Type.Integer(), root: Type.String() }),
      note: Type.String({ description: 'The review record signed by the log key (C2SP signed note)' }),
    }),
  ),
  approved: nullable(Type.Object({ at: Type.String(), by: Type.String(), note: Type.String() })),
  logLeafIndex: nullable(Type.Integer({ description: 'Leaf index of the `review_signed` record' })),
});

const FindingSchema = Type.Object({
  seq: Type.Integer(),
  text: Type.String(),
  severity: Type.String(),
  alertIds: Type.Array(Type.String()),
  created: Type.String(),
  createdBy: Type.String(),
});

const DetailSchema = Type.Object({
  ...ReviewSchema.properties,
  approvalRequired: Type.Boolean(),
  evidence: Type.Unknown({ description: 'The evidence collected for the period (docs/reviews.md)' }),
  findings: Type.Array(FindingSchema),
  verification: Type.Unknown({ description: 'Signature, record and checkpoint consistency, once signed; null while open' }),
});

const IdParams = Type.Object({ id: Type.String({ pattern: '^rev-[A-Za-z0-9_-]{1,120}$', description: 'The review id' }) });

const StartBodySchema = Type.Union(
  [
    Type.Object(
      { periodStart: time('Period start'), periodEnd: time('Period end (exclusive), in the past') },
      { ...closed, title: 'period' },
    ),
    Type.Object(
      { schedule: Type.String({ minLength: 1, maxLength: 48, description: 'Its last ended period' }) },
      { ...closed, title: 'schedule' },
    ),
  ],
  { description: '{periodStart, periodEnd} or {schedule}' },
);

const FindingBodySchema = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 4000 }),
    severity: Type.Enum(['info', 'low', 'medium', 'high', 'critical']),
    alertIds: Type.Optional(Type.Array(Type.String({ pattern: ALERT_ID_PATTERN }), { maxItems: 100 })),
  },
  closed,
);

// sign, approve and collect take no input: an empty object, or no body at all.
const EmptyBodySchema = Type.Union([Type.Object({}, closed), Type.Null()]);

const ListQuerySchema = Type.Object(
  {
    status: Type.Optional(Type.Enum([...REVIEW_STATUSES])),
    schedule: Type.Optional(Type.String({ minLength: 1, maxLength: 48 })),
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'Reviews per page, 1–200 (default 50)' })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'The `next` of the previous page' })),
  },
  closed,
);

const ScheduleStatusSchema = Type.Object({
  approval: Type.Enum(['optional', 'required']),
  schedules: Type.Array(
    Type.Object({
      name: Type.String(),
      every: Type.String(),
      days: nullable(Type.Integer()),
      dueDays: Type.Integer(),
      current: Type.Object({ start: Type.String(), end: Type.String(), due: Type.String() }),
      last: Type.Object({
        start: Type.String(),
        end: Type.String(),
        due: Type.String(),
        review: nullable(Type.String()),
        status: nullable(Type.String()),
        overdue: Type.Boolean(),
      }),
    }),
  ),
});

export const reviewRoutes: FastifyPluginAsync<ReviewRoutesOptions> = async (app, opts) => {
  const { reviews, own } = opts;
  const errors = { '4xx': ErrorSchema, '5xx': ErrorSchema };
  const reviewer = (req: FastifyRequest): Reviewer => ({ id: principalActor(principalOf(req)), ...(req.ip ? { ip: req.ip } : {}) });
  const audit = (req: FastifyRequest, id: string, events: number) =>
    recordAccess(own, { principal: principalOf(req), ...(req.ip ? { ip: req.ip } : {}) }, 'query', { review: id }, events);
  const eventsOf = (detail: { evidence: unknown }) => (detail.evidence as { events?: { total?: number } }).events?.total ?? 0;

  app.get(
    '/api/v1/reviews',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary: 'List reviews, newest first',
        querystring: ListQuerySchema,
        response: { 200: Type.Object({ reviews: Type.Array(ReviewSchema), next: nullable(Type.String()) }), ...errors },
      },
    },
    async (req) => {
      const q = req.query as { status?: ReviewStatus; schedule?: string; limit?: string; cursor?: string };
      const limit = q.limit === undefined ? 50 : Number(q.limit);
      if (limit > 200) throw new SeclogError('HTTP_QUERY_INVALID', `limit: at most 200, got ${limit}`, { field: 'limit' });
      const page = reviews.list({
        limit,
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(q.schedule === undefined ? {} : { schedule: q.schedule }),
        ...(q.cursor === undefined ? {} : { beforeSeq: Number(q.cursor) }),
      });
      return {
        reviews: page.reviews.map((r) => reviews.json(r)),
        next: page.nextBeforeSeq === undefined ? null : String(page.nextBeforeSeq),
      };
    },
  );

  app.get(
    '/api/v1/reviews/schedule',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary: 'The review schedules: current and last period, due dates, overdue',
        response: { 200: ScheduleStatusSchema, ...errors },
      },
    },
    async () => ({ approval: reviews.approval, schedules: reviews.scheduleStatus() }),
  );

  app.post(
    '/api/v1/reviews',
    {
      config: { policy: POLICY.reviewers },
      schema: {
        summary: 'Start a review of {periodStart, periodEnd} or of {schedule}’s last ended period; its evidence is collected at once',
        body: StartBodySchema,
        response: { 200: DetailSchema, 201: DetailSchema, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as { periodStart?: string; periodEnd?: string; schedule?: string };
      let start: StartRequest;
      if (body.schedule !== undefined) start = { schedule: body.schedule };
      else {
        const periodStartUs = parseTimeUs(body.periodStart as string);
        const periodEndUs = parseTimeUs(body.periodEnd as string);
        if (periodStartUs === undefined) throw periodError('periodStart');
        if (periodEndUs === undefined) throw periodError('periodEnd');
        start = { periodStartUs, periodEndUs };
      }
      const { review, created } = reviews.start(start, reviewer(req));
      const detail = reviews.detail(review.id);
      if (created) await audit(req, review.id, eventsOf(detail));
      return reply.code(created ? 201 : 200).send(detail);
    },
  );

  app.get(
    '/api/v1/reviews/:id',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary: 'One review with its evidence, findings and, once signed, its verification',
        params: IdParams,
        response: { 200: DetailSchema, ...errors },
      },
    },
    async (req) => reviews.detail((req.params as { id: string }).id),
  );

  app.post(
    '/api/v1/reviews/:id/collect',
    {
      config: { policy: POLICY.reviewers },
      schema: {
        summary: 'Collect the evidence again (open reviews)',
        params: IdParams,
        body: EmptyBodySchema,
        response: { 200: DetailSchema, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      reviews.collect(id);
      const detail = reviews.detail(id);
      await audit(req, id, eventsOf(detail));
      return detail;
    },
  );

  app.post(
    '/api/v1/reviews/:id/findings',
    {
      config: { policy: POLICY.reviewers },
      schema: {
        summary: 'Add a finding (open reviews)',
        params: IdParams,
        body: FindingBodySchema,
        response: { 201: FindingSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const body = req.body as { text: string; severity: Severity; alertIds?: string[] };
      const f = reviews.addFinding(id, body, reviewer(req));
      return reply.code(201).send(findingJson(f));
    },
  );

  app.post(
    '/api/v1/reviews/:id/sign',
    {
      config: { policy: POLICY.reviewers },
      schema: {
        summary: 'Sign the review: the log key signs its record, which is appended to the log as review_signed',
        params: IdParams,
        body: EmptyBodySchema,
        response: { 200: DetailSchema, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      await reviews.sign(id, reviewer(req));
      return reviews.detail(id);
    },
  );

  app.post(
    '/api/v1/reviews/:id/approve',
    {
      config: { policy: POLICY.reviewers },
      schema: {
        summary: 'Approve a signed review (a second person: never its signer); appended to the log as review_approved',
        params: IdParams,
        body: EmptyBodySchema,
        response: { 200: DetailSchema, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      await reviews.approve(id, reviewer(req));
      return reviews.detail(id);
    },
  );
};

function periodError(field: string): SeclogError {
  return new SeclogError('REVIEW_PERIOD_INVALID', `${field}: an RFC 3339 date-time such as 2026-11-01T00:00:00Z`, { field });
}
