/**
 * Every error leaves the collector as `{"error":{"code","message","details"}}`
 * with the status from core's registry (STYLE.md "Errors"): fastify's own
 * errors (bad JSON, oversize body, schema failures) are mapped to registry
 * codes here so a client never sees another shape.
 */
import type { ErrorCode } from '@seclog/core';
import { ERROR_CODES, isSeclogError, SeclogError } from '@seclog/core';
import type { FastifyError, FastifyInstance } from 'fastify';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: Readonly<Record<string, unknown>> };
}

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'HTTP_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'HTTP_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'HTTP_BODY_INVALID',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'HTTP_BODY_INVALID',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'HTTP_BODY_INVALID',
  FST_ERR_CTP_INVALID_TYPE: 'HTTP_BODY_INVALID',
};

/** The registry error a thrown value stands for. */
export function toSeclogError(err: unknown): SeclogError {
  if (isSeclogError(err)) {
    if (err instanceof SeclogError) return err;
    // A SeclogError from another copy of core: same code, same shape.
    const e = err as { code: ErrorCode; message: string; details?: Record<string, unknown> };
    return new SeclogError(e.code, e.message, { ...e.details });
  }
  const fe = err as FastifyError & { validation?: { instancePath?: string; message?: string; params?: unknown }[] };
  if (fe.validation !== undefined) {
    const query = fe.validationContext === 'querystring' || fe.validationContext === 'params';
    const errors = fe.validation.map((v) => ({ field: v.instancePath ?? '', message: v.message ?? '', params: v.params }));
    return new SeclogError(query ? 'HTTP_QUERY_INVALID' : 'HTTP_BODY_INVALID', `${fe.validationContext ?? 'request'}: ${fe.message}`, {
      field: errors[0]?.field ?? '',
      errors,
    });
  }
  const mapped = typeof fe.code === 'string' ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped !== undefined) return new SeclogError(mapped, fe.message, { reason: fe.code });
  // zlib (a corrupt gzip body) and JSON.parse failures.
  if (typeof fe.code === 'string' && fe.code.startsWith('Z_')) {
    return new SeclogError('HTTP_BODY_INVALID', `the gzip body cannot be decoded: ${fe.message}`, { reason: fe.code });
  }
  if (fe instanceof SyntaxError) return new SeclogError('HTTP_BODY_INVALID', fe.message, { reason: 'json' });
  return new SeclogError('HTTP_INTERNAL', 'internal error', {});
}

export function errorBody(e: SeclogError): ErrorBody {
  return { error: { code: e.code, message: e.message, details: e.details } };
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const e = toSeclogError(err);
    if (e.code === 'HTTP_INTERNAL') req.log.error({ err }, 'request failed');
    // A refusal that says when to come back says it in the standard header too (RFC 9110 §10.2.3).
    const { retryAfterSeconds, retryAfterMs } = e.details as { retryAfterSeconds?: unknown; retryAfterMs?: unknown };
    const retry =
      typeof retryAfterSeconds === 'number' ? retryAfterSeconds : typeof retryAfterMs === 'number' ? retryAfterMs / 1000 : undefined;
    if (retry !== undefined && !reply.hasHeader('retry-after')) reply.header('retry-after', String(Math.max(1, Math.ceil(retry))));
    return reply.status(ERROR_CODES[e.code].status).send(errorBody(e));
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new SeclogError('HTTP_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`, {});
    return reply.status(404).send(errorBody(e));
  });
}
