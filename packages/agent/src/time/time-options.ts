/**
 * Configuration of the time-quality tracker: defaults in one object,
 * validated once at construction, every problem reported as `path: rule`.
 */
import { SeclogError } from '@seclog/core';
import { parseServerAddress, type ServerAddress } from './sntp/server-address.js';

/** Tunables (all durations in milliseconds). docs/agent-time.md explains each default. */
export interface TimeSettings {
  /** Interval between polls when all is well (RFC 4330 §10: never below 15 s). */
  readonly pollMs: number;
  /** Each interval is varied by up to ± this fraction, so devices booted together do not poll in step. */
  readonly pollJitter: number;
  /** First retry after a failed poll; doubles per failure up to pollMs. Also the least time between two polls. */
  readonly retryMs: number;
  /** The first poll after start() comes at a random time below this. */
  readonly startDelayMaxMs: number;
  /** Exchanges per server and poll. */
  readonly samples: number;
  readonly sampleSpacingMs: number;
  /** Wait for each answer this long. */
  readonly timeoutMs: number;
  /** A server whose root delay / 2 + root dispersion exceeds this is refused (RFC 5905 MAXDIST is 1 s). */
  readonly maxRootDistanceMs: number;
  /** Strict majority of the servers that answered must agree, and at least this many. */
  readonly minAgreeing: number;
  /** |offset| above this means the local clock is wrong: records are stamped synced false. */
  readonly maxOffsetMs: number;
  /** Sync is lost after this many polls in a row without a usable result… */
  readonly maxFailedPolls: number;
  /** …or when the last usable result is older than this (holdover). */
  readonly holdoverMs: number;
  /** Assumed worst drift of the local clock since the last measurement, parts per million. */
  readonly driftPpm: number;
  /** Resolution of the wall clock read as T1 (Date.now: 1 ms). */
  readonly clockResolutionMs: number;
  /** A wall-clock step larger than this against the monotonic clock is a time_change. */
  readonly jumpThresholdMs: number;
  /** How often the clocks are compared (and sync age checked). */
  readonly jumpCheckMs: number;
}

export const TIME_DEFAULTS: TimeSettings = Object.freeze({
  pollMs: 15 * 60_000,
  pollJitter: 0.1,
  retryMs: 16_000,
  startDelayMaxMs: 2_000,
  samples: 4,
  sampleSpacingMs: 2_000,
  timeoutMs: 2_000,
  maxRootDistanceMs: 1_000,
  minAgreeing: 1,
  maxOffsetMs: 1_000,
  maxFailedPolls: 3,
  holdoverMs: 60 * 60_000,
  driftPpm: 100,
  clockResolutionMs: 1,
  jumpThresholdMs: 1_000,
  jumpCheckMs: 1_000,
});

/** RFC 4330 §10: a client must never poll one server more often than every 15 s. */
export const MIN_POLL_MS = 15_000;

interface Rule {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

const RULES: Readonly<Record<keyof TimeSettings, Rule>> = {
  pollMs: { min: MIN_POLL_MS, max: 7 * 86_400_000, integer: true },
  pollJitter: { min: 0, max: 0.5, integer: false },
  retryMs: { min: MIN_POLL_MS, max: 7 * 86_400_000, integer: true },
  startDelayMaxMs: { min: 0, max: 3_600_000, integer: true },
  samples: { min: 1, max: 8, integer: true },
  sampleSpacingMs: { min: 0, max: 60_000, integer: true },
  timeoutMs: { min: 1, max: 60_000, integer: true },
  maxRootDistanceMs: { min: 1, max: 16_000, integer: false },
  minAgreeing: { min: 1, max: 16, integer: true },
  maxOffsetMs: { min: 0, max: 86_400_000, integer: false },
  maxFailedPolls: { min: 1, max: 1_000, integer: true },
  holdoverMs: { min: 1_000, max: 30 * 86_400_000, integer: true },
  driftPpm: { min: 0, max: 10_000, integer: false },
  clockResolutionMs: { min: 0, max: 1_000, integer: false },
  jumpThresholdMs: { min: 1, max: 86_400_000, integer: false },
  jumpCheckMs: { min: 10, max: 3_600_000, integer: true },
};

export interface ResolvedTimeOptions extends TimeSettings {
  readonly servers: readonly ServerAddress[];
}

interface Issue {
  path: string;
  rule: string;
  message: string;
}

/** Merge over the defaults and validate; throws AGENT_TIME_CONFIG_INVALID listing every problem. */
export function resolveTimeOptions(servers: readonly string[], overrides: Partial<TimeSettings>): ResolvedTimeOptions {
  const issues: Issue[] = [];
  const parsed: ServerAddress[] = [];
  if (!Array.isArray(servers)) {
    issues.push({ path: 'servers', rule: 'type', message: 'must be an array of "host", "host:port" or "[ipv6]:port" strings' });
  } else {
    servers.forEach((s, i) => {
      if (typeof s !== 'string') {
        issues.push({ path: `servers[${i}]`, rule: 'type', message: 'must be a string' });
        return;
      }
      const r = parseServerAddress(s);
      if ('problem' in r) issues.push({ path: `servers[${i}]`, rule: 'address', message: `${JSON.stringify(s)} ${r.problem}` });
      else if (parsed.some((p) => p.host.toLowerCase() === r.host.toLowerCase() && p.port === r.port))
        issues.push({
          path: `servers[${i}]`,
          rule: 'unique',
          message: `${JSON.stringify(s)} is listed twice (it would count twice in the majority)`,
        });
      else parsed.push(r);
    });
  }
  const settings: Record<string, number> = { ...TIME_DEFAULTS };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(RULES, key)) continue; // not a setting (servers, clocks, listeners): handled elsewhere
    const rule = RULES[key as keyof TimeSettings];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      issues.push({ path: key, rule: 'type', message: `must be a finite number (got ${JSON.stringify(value)})` });
    } else if (rule.integer && !Number.isInteger(value)) {
      issues.push({ path: key, rule: 'integer', message: `must be an integer (got ${value})` });
    } else if (value < rule.min || value > rule.max) {
      issues.push({
        path: key,
        rule: value < rule.min ? 'minimum' : 'maximum',
        message: `must be within ${rule.min}–${rule.max} (got ${value})`,
      });
    } else {
      settings[key] = value;
    }
  }
  if (issues.length === 0 && (settings.retryMs ?? 0) > (settings.pollMs ?? 0)) {
    issues.push({ path: 'retryMs', rule: 'maximum', message: `must not exceed pollMs (${settings.pollMs})` });
  }
  if (issues.length > 0) {
    const text = issues.map((i) => `${i.path}: ${i.rule} (${i.message})`).join('; ');
    throw new SeclogError('AGENT_TIME_CONFIG_INVALID', `invalid time configuration: ${text}`, { errors: issues });
  }
  return Object.freeze({ ...(settings as unknown as TimeSettings), servers: Object.freeze(parsed) });
}
