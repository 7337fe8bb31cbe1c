/**
 * The query string of GET /api/v1/alerts: filters, page size and cursor,
 * checked here so every refusal is a 400 HTTP_QUERY_INVALID naming its
 * parameter (unknown parameters too: a typo must not widen the query).
 *
 * Cursors work like the event API's (query/cursor.ts): opaque, the seq the
 * next page starts below, and a fingerprint of the filters so a cursor
 * replayed with other filters is refused instead of paging another query.
 *
 *   base64url("a1." + beforeSeq + "." + first 16 hex of SHA-256(filters JSON))
 */
import { createHash } from 'node:crypto';
import { parseDateTime, SEVERITIES, SeclogError, type Severity } from '@seclog/core';
import { ALERT_STATUSES, type AlertQuery, type AlertStatus } from '../store/alert-types.js';

export const ALERT_PAGE = Object.freeze({ defaultLimit: 50, maxLimit: 500 });

const FILTERS = ['status', 'severity', 'rule', 'device', 'group', 'from', 'to'] as const;
const PARAMS: readonly string[] = [...FILTERS, 'limit', 'cursor'];
const MAX_CHARS = 256;

export interface ParsedAlertQuery {
  query: AlertQuery;
  /** The filters as given, for the cursor fingerprint. */
  filters: Record<string, string>;
}

function bad(field: string, message: string, value?: unknown): SeclogError {
  return new SeclogError('HTTP_QUERY_INVALID', `${field}: ${message}`, value === undefined ? { field } : { field, value });
}

function timeUs(field: string, s: string): number {
  try {
    const t = parseDateTime(s);
    return t.ms * 1000 + t.us;
  } catch {
    throw bad(field, 'must be an RFC 3339 date-time such as 2026-11-27T13:00:00Z', s);
  }
}

function fingerprint(filters: Record<string, string>): string {
  const sorted = Object.keys(filters)
    .sort()
    .map((k) => [k, filters[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

export function encodeAlertCursor(beforeSeq: number, filters: Record<string, string>): string {
  return Buffer.from(`a1.${beforeSeq}.${fingerprint(filters)}`).toString('base64url');
}

function decodeAlertCursor(cursor: string, filters: Record<string, string>): number {
  const malformed = () => bad('cursor', 'malformed (pass back the `next` value of a page unchanged)');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw malformed();
  const m = /^a1\.(0|[1-9][0-9]{0,15})\.([0-9a-f]{16})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (m === null || !Number.isSafeInteger(Number(m[1]))) throw malformed();
  if (m[2] !== fingerprint(filters)) throw bad('cursor', 'belongs to a query with other filters; repeat the filters of the first page');
  return Number(m[1]);
}

export function parseAlertQuery(params: Record<string, unknown>): ParsedAlertQuery {
  for (const k of Object.keys(params)) if (!PARAMS.includes(k)) throw bad(k, `unknown parameter (known: ${PARAMS.join(', ')})`);
  const given: Record<string, string> = {};
  for (const k of PARAMS) {
    const v = params[k];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw bad(k, 'give it once, as one value', v);
    if (v.length === 0) throw bad(k, 'must not be empty');
    if (v.length > MAX_CHARS) throw bad(k, `at most ${MAX_CHARS} characters`);
    given[k] = v;
  }
  const filters: Record<string, string> = {};
  for (const f of FILTERS) if (given[f] !== undefined) filters[f] = given[f];

  let limit: number = ALERT_PAGE.defaultLimit;
  if (given.limit !== undefined) {
    limit = /^[0-9]{1,6}$/.test(given.limit) ? Number(given.limit) : Number.NaN;
    if (!(limit >= 1 && limit <= ALERT_PAGE.maxLimit))
      throw bad('limit', `must be an integer from 1 to ${ALERT_PAGE.maxLimit}`, given.limit);
  }
  const query: AlertQuery = { limit };
  if (filters.status !== undefined) {
    if (!(ALERT_STATUSES as readonly string[]).includes(filters.status))
      throw bad('status', `unknown status (one of ${ALERT_STATUSES.join(', ')})`, filters.status);
    query.status = filters.status as AlertStatus;
  }
  if (filters.severity !== undefined) {
    if (!(SEVERITIES as readonly string[]).includes(filters.severity))
      throw bad('severity', `unknown severity (one of ${SEVERITIES.join(', ')})`, filters.severity);
    query.severity = filters.severity as Severity;
  }
  if (filters.rule !== undefined) query.ruleId = filters.rule;
  if (filters.device !== undefined) query.device = filters.device;
  if (filters.group !== undefined) query.group = filters.group;
  if (filters.from !== undefined) query.fromUs = timeUs('from', filters.from);
  if (filters.to !== undefined) query.toUs = timeUs('to', filters.to);
  if (query.fromUs !== undefined && query.toUs !== undefined && query.fromUs >= query.toUs)
    throw bad('to', `must be after from (${filters.from})`, filters.to);
  if (given.cursor !== undefined) query.beforeSeq = decodeAlertCursor(given.cursor, filters);
  return { query, filters };
}
