/**
 * Bearer authentication. The token's prefix (`sld_` device, `sla_` API)
 * says which table to look in, and garbage is refused before any lookup;
 * lookups are by SHA-256 of the token (keys/secrets.ts), never the token.
 */

import { SeclogError } from '@seclog/core';
import type { FastifyRequest } from 'fastify';
import { tokenHashBytes } from '../enrol/enrol.js';
import { tokenPrefix } from '../keys/secrets.js';
import type { ApiTokenRow, DeviceRow, Role, Store } from '../store/types.js';

export function bearerToken(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (h === undefined || h === '') throw new SeclogError('AUTH_TOKEN_MISSING', 'Authorization: Bearer <token> is required', {});
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (m === null) throw new SeclogError('AUTH_TOKEN_INVALID', 'the Authorization header is not a bearer token', { reason: 'scheme' });
  return m[1]!;
}

/** The device a token belongs to, revoked or not (the caller logs and refuses a revoked one). */
export function deviceForToken(store: Store, token: string): DeviceRow {
  const row = tokenPrefix(token) === 'sld' ? store.findDeviceByTokenHash(tokenHashBytes(token)) : undefined;
  if (row === undefined) throw new SeclogError('AUTH_TOKEN_INVALID', 'unknown device token', { reason: 'unknown' });
  return row;
}

/** The API token of the request if it is live and holds one of `roles`. */
export function apiTokenFor(store: Store, req: FastifyRequest, roles: readonly Role[]): ApiTokenRow {
  const token = bearerToken(req);
  const row = tokenPrefix(token) === 'sla' ? store.findApiTokenByHash(tokenHashBytes(token)) : undefined;
  if (row === undefined || row.revokedUs !== null) {
    throw new SeclogError('AUTH_TOKEN_INVALID', 'unknown or revoked API token', { reason: row === undefined ? 'unknown' : 'revoked' });
  }
  if (!roles.includes(row.role)) {
    throw new SeclogError('AUTH_ROLE_FORBIDDEN', `role ${row.role} may not use this endpoint`, { role: row.role, required: roles });
  }
  return row;
}
