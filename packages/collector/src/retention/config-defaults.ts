/**
 * Defaults of the retention, storage and devices keys (config-schema.ts),
 * spread into config/defaults.ts. Why each number is what it is:
 */
export const RETENTION_DEFAULTS = {
  enabled: true,
  // A year: the span most audits look back over, and what the guide's
  // example keeps authentication events for.
  defaultDays: 365,
  groups: {
    // Faults and connection noise are useful for weeks, not years.
    system: 90,
    network: 90,
    // Syslog passthrough of other software: not seclog's catalogue, often chatty.
    passthrough: 90,
    // Reviews and alerts are the evidence of the analysis process: kept ten
    // and two years, longer than the events they are about.
    review: 3650,
    detection: 730,
  },
  // No cap unless one is set: a cap deletes by size, not by policy.
  maxPayloadBytes: 0,
  // Hourly: a run then handles an hour of expiry, a small batch.
  intervalMinutes: 60,
};

export const STORAGE_DEFAULTS = {
  // The levels IEC 62443-4-2 CR 2.9 asks a warning for, as the issue names them.
  warnPercent: 80,
  criticalPercent: 95,
  // Past 99% the database itself risks failing writes half-way; stop all ingest
  // before that (devices keep the events in their rings and retry).
  hardFloorPercent: 99,
  onFull: 'reject' as 'reject' | 'prune',
  checkIntervalSeconds: 60,
  // A week smooths the weekday/weekend rhythm of a fleet.
  rateWindowDays: 7,
};

export const DEVICES_DEFAULTS = {
  // Three days: a device offline over a long weekend keeps what it logged.
  minHorizonHours: 72,
  // A day of traffic gives the byte rate its daily rhythm.
  rateWindowHours: 24,
};
