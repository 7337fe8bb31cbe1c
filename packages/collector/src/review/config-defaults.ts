/** Defaults of the `reviews` key (config-schema.ts), spread into config/defaults.ts. Why each value is what it is: */
export const REVIEWS_DEFAULTS = {
  // The four-eyes step is offered, not imposed: small teams have one reviewer.
  approval: 'optional' as 'optional' | 'required',
  // A minute: an overdue review is a matter of days, and a tick costs a few indexed reads.
  checkIntervalMs: 60_000,
  // The compliance check's threshold for an alert the process did not keep up with.
  alertOverdueDays: 7,
  // The evidence is collected on the server's event loop: 50,000 leaves took ~3.5 s on a loaded
  // 2-core machine (~14k leaves/s, review-period-verify measured with 100k leaves), an idle one is faster.
  verifyMaxLeaves: 50_000,
  // None by default: a schedule is the operator's commitment (docs/reviews.md shows one).
  schedules: [] as { name: string; every: 'weekly' | 'monthly' | 'days'; days?: number; anchor?: string; dueDays?: number }[],
};
