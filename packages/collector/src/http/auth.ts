/**
 * Authentication of requests. A bearer token's prefix (`sld_` device, `sla_`
 * API) says which table to look in, and garbage is refused before any
 * lookup; lookups are by SHA-256 of the token (keys/secrets.ts), never the
 * token. People signed in to the dashboard send the session cookie instead
 * (auth/sign-in.ts): with it, every state-changing request must also carry
 * the session's CSRF token in X-CSRF-Token, because a browser attaches the
 * cookie to requests other sites make it send (SameSite=Strict is the first
 * line of defence, this the second). A bearer token wins over a cookie.
 */

import { SeclogError } from '@seclog/core';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { SignIn } from '../auth/sign-in.js';
import { tokenHashBytes } from '../enrol/enrol.js';
import type { OwnStream } from '../ingest/own-stream.js';
import { tokenPrefix } from '../keys/secrets.js';
import type { ApiTokenRow, DeviceRow, Role, Store } from '../store/types.js';

export function bearerToken(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (h === undefined || h === '') {
    throw new SeclogError('AUTH_TOKEN_MISSING', 'Authorization: Bearer <token> (or, for people, a signed-in session) is required', {});
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (m === null) throw new SeclogError('AUTH_TOKEN_INVALID', 'the Authorization header is not a bearer token', { reason: 'scheme' });
  return m[1]!;
}

/** The device a token belongs to, revoked or not (the caller logs and refuses a revoked one). */
export function deviceForToken(store: Store, token: string): DeviceRow {
  const prefix = tokenPrefix(token);
  if (prefix === 'sla') {
    throw new SeclogError('AUTH_TOKEN_INVALID', 'an API token cannot act as a device; send the device token', { reason: 'kind' });
  }
  const row = prefix === 'sld' ? store.findDeviceByTokenHash(tokenHashBytes(token)) : undefined;
  if (row === undefined) throw new SeclogError('AUTH_TOKEN_INVALID', 'unknown device token', { reason: 'unknown' });
  return row;
}

/**
 * The live device of a request's device token; a revoked one is refused (AUTH_DEVICE_REVOKED)
 * once the refusal is recorded in the collector's own stream. `action` says what it tried ("ingest").
 */
export async function liveDevice(store: Store, own: OwnStream, req: FastifyRequest, action: string): Promise<DeviceRow> {
  const row = deviceForToken(store, bearerToken(req));
  if (row.revokedUs !== null) {
    await own.append({
      name: 'authn_login_fail',
      input: {
        actor: { user: row.id, ...(req.ip ? { ip: req.ip } : {}) },
        attrs: { method: 'token', reason: 'revoked', interface: 'api' },
        message: `revoked device ${row.id} tried to ${action}`,
      },
    });
    throw new SeclogError('AUTH_DEVICE_REVOKED', `device ${row.id} is revoked`, { device: row.id });
  }
  return row;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Password sign-in and sessions (buildApp decorates the root with it). */
    seclogSignIn: SignIn | null;
  }
}

/** The name of the session cookie. */
export const SESSION_COOKIE = 'seclog_session';

/** The value of the session cookie, if the request has one. */
export function sessionCookie(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The API token of the request if it is live (any role). */
function apiToken(store: Store, req: FastifyRequest): ApiTokenRow {
  const token = bearerToken(req);
  const prefix = tokenPrefix(token);
  if (prefix === 'sld') {
    throw new SeclogError('AUTH_TOKEN_INVALID', 'a device token can only ingest; this endpoint needs an API token or a session', {
      reason: 'kind',
    });
  }
  const row = prefix === 'sla' ? store.findApiTokenByHash(tokenHashBytes(token)) : undefined;
  if (row === undefined || row.revokedUs !== null) {
    throw new SeclogError('AUTH_TOKEN_INVALID', 'unknown or revoked API token', { reason: row === undefined ? 'unknown' : 'revoked' });
  }
  return row;
}

/**
 * Who the request acts as — an API token, or the user of the session cookie
 * (CSRF-checked on state-changing methods) — if it holds one of `roles`.
 * Throws AUTH_TOKEN_MISSING, AUTH_TOKEN_INVALID, AUTH_SESSION_INVALID,
 * AUTH_CSRF_FAILED or AUTH_ROLE_FORBIDDEN.
 */
export function principalFor(store: Store, req: FastifyRequest, roles: readonly Role[]): Principal {
  const signIn = req.server.seclogSignIn;
  const cookie = signIn === null ? undefined : sessionCookie(req);
  let p: Principal;
  if (req.headers.authorization !== undefined || cookie === undefined || signIn === null) {
    const row = apiToken(store, req);
    p = { kind: 'api-token', id: row.id, name: row.name, role: row.role };
  } else {
    const { user } = signIn.session(cookie);
    if (!SAFE_METHODS.has(req.method)) {
      const given = req.headers['x-csrf-token'];
      if (!signIn.csrfMatches(cookie, typeof given === 'string' ? given : undefined)) {
        throw new SeclogError('AUTH_CSRF_FAILED', `${req.method} with a session needs the session's X-CSRF-Token header`, {
          header: 'X-CSRF-Token',
          actor: `user/${user.name}`,
        });
      }
    }
    p = { kind: 'user', id: user.name, name: user.name, role: user.role };
  }
  if (!roles.includes(p.role)) {
    throw new SeclogError('AUTH_ROLE_FORBIDDEN', `role ${p.role} may not use this endpoint`, {
      role: p.role,
      required: roles,
      actor: `${p.kind}/${p.id}`,
    });
  }
  return p;
}
