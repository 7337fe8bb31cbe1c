/**
 * What the collector's answers mean for the shipper (docs/ingest.md):
 *
 *   200 with an ack                  acknowledged (cumulative seq)
 *   401, 403                         credentials refused: stop until they change
 *   408, 429, 5xx                    transient: retry the same records later,
 *                                    not before the server's hint
 *   413                              too large: split, remember a smaller batch
 *   415 on a gzip body               the collector takes no gzip: send plain
 *   404, 405, 406, 411, 415, 3xx     the URL or the request is wrong for every
 *                                    batch alike: back off, report, never skip
 *   any other 4xx (400, 409, 422 …)  refused: a bug report; the batch is split
 *                                    to isolate the record at fault
 */
import { retryHintMs } from './backoff.js';
import type { HttpAnswer } from './transport.js';

export interface ErrorInfo {
  status: number;
  code: string;
  message: string;
  details: Record<string, unknown>;
}

export interface Ack {
  stream: string;
  seq: number;
  head: string;
  accepted: number;
  duplicates: number;
}

export type IngestOutcome =
  | { kind: 'acked'; ack: Ack }
  | { kind: 'unauthorized'; error: ErrorInfo }
  | { kind: 'transient'; error: ErrorInfo; hintMs: number | undefined }
  | { kind: 'gzip-refused'; error: ErrorInfo }
  | { kind: 'systematic'; error: ErrorInfo }
  | { kind: 'refused'; error: ErrorInfo; tooLarge: boolean; index: number | undefined }
  | { kind: 'network'; error: Error & { code?: string } };

export interface CursorStream {
  stream: string;
  seq: number;
  head: string;
  /** Missing ranges the collector knows of, half-open [from, to); absent from collectors that do not fill gaps. */
  gaps: { from: number; to: number }[];
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The `{"error":{code,message,details}}` of an answer, or a stand-in naming the status. */
export function errorInfo(ans: HttpAnswer): ErrorInfo {
  const e = (parseJson(ans.body) as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  return {
    status: ans.status,
    code: typeof e?.code === 'string' ? e.code : `HTTP_${ans.status}`,
    message: typeof e?.message === 'string' ? e.message : `HTTP ${ans.status}`,
    details: typeof e?.details === 'object' && e.details !== null ? (e.details as Record<string, unknown>) : {},
  };
}

function header(ans: HttpAnswer, name: string): string | undefined {
  const v = ans.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The outcome of a non-200 answer that every endpoint shares. */
function failureOf(ans: HttpAnswer, error: ErrorInfo): IngestOutcome | undefined {
  const s = ans.status;
  if (s === 401 || s === 403) return { kind: 'unauthorized', error };
  if (s === 408 || s === 429 || s >= 500) {
    return { kind: 'transient', error, hintMs: retryHintMs(header(ans, 'retry-after'), error.details) };
  }
  if (s === 404 || s === 405 || s === 406 || s === 411 || s === 415 || s < 400 || s > 599) return { kind: 'systematic', error };
  return undefined;
}

export function classifyIngestAnswer(ans: HttpAnswer, gzipped: boolean): IngestOutcome {
  if (ans.status === 200) {
    const v = parseJson(ans.body) as { acked?: Record<string, unknown>; accepted?: unknown; duplicates?: unknown } | undefined;
    const a = v?.acked;
    if (a && typeof a.stream === 'string' && isInt(a.seq) && typeof a.head === 'string' && isInt(v.accepted) && isInt(v.duplicates)) {
      return { kind: 'acked', ack: { stream: a.stream, seq: a.seq, head: a.head, accepted: v.accepted, duplicates: v.duplicates } };
    }
    return {
      kind: 'transient',
      error: { status: 200, code: 'ANSWER_INVALID', message: 'a 200 answer without an acknowledgement', details: {} },
      hintMs: undefined,
    };
  }
  const error = errorInfo(ans);
  if (ans.status === 415 && gzipped) return { kind: 'gzip-refused', error };
  const common = failureOf(ans, error);
  if (common !== undefined) return common;
  const index = isInt(error.details.index) ? error.details.index : undefined;
  return { kind: 'refused', error, tooLarge: ans.status === 413, index };
}

/** The cursor answer's entry for `stream` (seq 0 when the collector has none of it), or a failure outcome. */
export function classifyCursorAnswer(ans: HttpAnswer, stream: string): { kind: 'cursor'; cursor: CursorStream } | IngestOutcome {
  if (ans.status !== 200) {
    const error = errorInfo(ans);
    return failureOf(ans, error) ?? { kind: 'systematic', error };
  }
  const v = parseJson(ans.body) as { streams?: unknown } | undefined;
  if (!Array.isArray(v?.streams)) {
    return {
      kind: 'transient',
      error: { status: 200, code: 'ANSWER_INVALID', message: 'a cursor answer without streams', details: {} },
      hintMs: undefined,
    };
  }
  const found = (v.streams as Record<string, unknown>[]).find((s) => s && s.stream === stream);
  if (found === undefined || !isInt(found.seq)) return { kind: 'cursor', cursor: { stream, seq: 0, head: '', gaps: [] } };
  const gaps = Array.isArray(found.gaps)
    ? (found.gaps as Record<string, unknown>[])
        .filter((g) => g && isInt(g.from) && isInt(g.to) && g.from < g.to)
        .map((g) => ({ from: g.from as number, to: g.to as number }))
    : [];
  return { kind: 'cursor', cursor: { stream, seq: found.seq, head: typeof found.head === 'string' ? found.head : '', gaps } };
}
