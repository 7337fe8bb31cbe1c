/**
 * The `reviews` key of seclog.yaml (docs/reviews.md), kept beside the review
 * code and joined into the one configuration schema by config/schema.ts.
 * Periods are in UTC. What each `every` needs (days, anchor) is checked by
 * schedule.ts (reviewConfigIssues), every problem at once, naming the key.
 */
import Type, { type Static } from 'typebox';

const closed = { additionalProperties: false } as const;

export const ReviewScheduleSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,47}$', description: 'Schedule name: lower case, digits, - and _' }),
    every: Type.Enum(['weekly', 'monthly', 'days'], {
      description: 'weekly: Monday to Monday; monthly: calendar months; days: every `days` days from `anchor` (UTC)',
    }),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, description: 'every: days: the period length, in days' })),
    anchor: Type.Optional(
      Type.String({
        pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
        description: 'every: days: the date (YYYY-MM-DD, UTC midnight) a period starts on (default 2026-01-05, a Monday)',
      }),
    ),
    dueDays: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 366, description: 'Days after the period ends by which its review must be signed (default 7)' }),
    ),
  },
  closed,
);

export const ReviewsSchema = Type.Object(
  {
    approval: Type.Enum(['optional', 'required'], {
      description: 'A second person’s approval of a signed review: required (a review is done only once approved) or optional',
    }),
    checkIntervalMs: Type.Integer({
      minimum: 1000,
      maximum: 86_400_000,
      description: 'How often the collector looks for overdue reviews (and appends review records still missing from the log), in ms',
    }),
    alertOverdueDays: Type.Integer({
      minimum: 1,
      maximum: 365,
      description: 'In a review’s evidence, an alert still open this many days after it was raised counts as overdue',
    }),
    verifyMaxLeaves: Type.Integer({
      minimum: 0,
      maximum: 100_000_000,
      description:
        'Most Merkle leaves of the period re-hashed and proved when a review’s evidence is collected (0: none); the rest is left to `seclog verify`',
    }),
    schedules: Type.Array(ReviewScheduleSchema, {
      maxItems: 32,
      description: 'When reviews are due: a list set in the file (docs/reviews.md); empty: reviews only by hand, no overdue alerts',
    }),
  },
  closed,
);

type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

export type ReviewsConfig = DeepReadonly<Static<typeof ReviewsSchema>>;
export type ReviewScheduleConfig = DeepReadonly<Static<typeof ReviewScheduleSchema>>;
