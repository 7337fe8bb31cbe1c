/**
 * The query string of GET /api/v1/events and /events/stream, parsed and
 * checked here so every refusal is a 400 HTTP_QUERY_INVALID whose
 * `details.field` names the parameter. Unknown parameters are refused too:
 * a typo such as `devcie=` would otherwise widen the query silently.
 */
import { isIP } from 'node:net';
import { OUTCOMES, parseDateTime, SEVERITIES, SeclogError } from '@seclog/core';
import type { EventQuery } from '../store/types.js';
import { decodeCursor } from './cursor.js';
import { FILTER_PARAMS, type FilterView } from './filter-view.js';

export const QUERY_PAGE = Object.freeze({ defaultLimit: 100, maxLimit: 1000 });

/** Longest accepted value per text parameter (characters): enough for any id, and the log_access filter stays under 1 KiB. */
const MAX_CHARS = { device: 128, name: 128, ip: 45, user: 128, q: 200 } as const;

const PAGE_PARAMS = ['limit', 'cursor'] as const;

export interface ParsedEventQuery {
  view: FilterView;
  /** The store query without limit and paging. */
  query: Omit<EventQuery, 'limit' | 'beforePos' | 'fromPos' | 'scanLimit'>;
  limit: number;
  /** From the cursor, when one was given. */
  beforePos?: number;
  cursor?: string;
}

function bad(field: string, message: string, value?: unknown): SeclogError {
  return new SeclogError('HTTP_QUERY_INVALID', `${field}: ${message}`, value === undefined ? { field } : { field, value });
}

function single(params: Record<string, unknown>, field: string): string | undefined {
  const v = params[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(field, 'give it once, as one value', v);
  if (v.length === 0) throw bad(field, 'must not be empty');
  return v;
}

function timeUs(field: 'from' | 'to', s: string): number {
  try {
    const t = parseDateTime(s);
    return t.ms * 1000 + t.us;
  } catch {
    throw bad(field, 'must be an RFC 3339 date-time such as 2026-11-27T13:00:00Z', s);
  }
}

/**
 * Parses the filter parameters (and, when `paging`, limit and cursor). Throws HTTP_QUERY_INVALID naming
 * the first bad parameter.
 */
export function parseEventQuery(params: Record<string, unknown>, paging: boolean): ParsedEventQuery {
  const known: readonly string[] = paging ? [...FILTER_PARAMS, ...PAGE_PARAMS] : FILTER_PARAMS;
  for (const k of Object.keys(params)) {
    if (!known.includes(k)) throw bad(k, `unknown parameter (known: ${known.join(', ')})`);
  }
  const view: FilterView = {};
  const query: ParsedEventQuery['query'] = {};
  for (const f of FILTER_PARAMS) {
    const v = single(params, f);
    if (v === undefined) continue;
    const max = MAX_CHARS[f as keyof typeof MAX_CHARS];
    if (max !== undefined && v.length > max) throw bad(f, `at most ${max} characters`);
    view[f] = v;
  }
  if (view.from !== undefined) query.fromUs = timeUs('from', view.from);
  if (view.to !== undefined) query.toUs = timeUs('to', view.to);
  if (query.fromUs !== undefined && query.toUs !== undefined && query.fromUs >= query.toUs) {
    throw bad('to', `must be after from (${view.from})`, view.to);
  }
  if (view.outcome !== undefined && !(OUTCOMES as readonly string[]).includes(view.outcome)) {
    throw bad('outcome', `unknown outcome (one of ${OUTCOMES.join(', ')})`, view.outcome);
  }
  if (view.severity !== undefined && !(SEVERITIES as readonly string[]).includes(view.severity)) {
    throw bad('severity', `unknown severity (one of ${SEVERITIES.join(', ')})`, view.severity);
  }
  if (view.ip !== undefined && isIP(view.ip) === 0) throw bad('ip', 'must be an IPv4 or IPv6 address', view.ip);
  for (const f of ['device', 'name', 'outcome', 'severity', 'ip', 'user'] as const) if (view[f] !== undefined) query[f] = view[f];
  if (view.q !== undefined) query.text = view.q;

  const out: ParsedEventQuery = { view, query, limit: QUERY_PAGE.defaultLimit };
  if (!paging) return out;
  const limit = single(params, 'limit');
  if (limit !== undefined) {
    const n = /^[0-9]{1,7}$/.test(limit) ? Number(limit) : Number.NaN;
    if (!(n >= 1 && n <= QUERY_PAGE.maxLimit)) throw bad('limit', `must be an integer from 1 to ${QUERY_PAGE.maxLimit}`, limit);
    out.limit = n;
  }
  const cursor = single(params, 'cursor');
  if (cursor !== undefined) {
    out.beforePos = decodeCursor(cursor, view);
    out.cursor = cursor;
  }
  return out;
}
