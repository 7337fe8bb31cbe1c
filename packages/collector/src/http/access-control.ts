/**
 * Who may call which route, declared on the route and enforced in one place.
 *
 * Every route states its policy in its options (`config: { policy }`): public,
 * a device token, or a set of roles (API token or signed-in session). One
 * onRequest hook enforces it before the body is read or validated, so an
 * unauthenticated caller learns nothing about what a valid body looks like
 * and costs no parsing; it puts the caller on the request (`req.principal`,
 * `req.device`) for the handler. A route without a policy answers 500 to
 * everyone, and the authorisation-matrix test (test/authz-matrix.test.ts),
 * which walks the route table, fails for it.
 *
 * Every denial is recorded in the collector's own stream: credentials that
 * are missing, unknown or of the wrong kind as `authn_login_fail` (at most a
 * few per minute: anyone can send those, see refused-tokens.ts), a known
 * caller without the role, or a session without its CSRF token, as
 * `authz_fail` (at most a few per minute per caller).
 */
import { isSeclogError, SeclogError } from '@seclog/core';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { OwnStream } from '../ingest/own-stream.js';
import type { DeviceRow, Role, Store } from '../store/types.js';
import { liveDevice, principalFor } from './auth.js';
import { toSeclogError } from './errors.js';
import { RefusedTokenLog } from './refused-tokens.js';

export type RoutePolicy =
  | { readonly kind: 'public'; readonly why: string }
  /** A device token, live (a revoked one is refused and recorded). `action` names what it does, for that record. */
  | { readonly kind: 'device'; readonly action: string; readonly interface: string }
  /** An API token or a signed-in session holding one of `roles`. */
  | { readonly kind: 'roles'; readonly roles: readonly Role[] };

export const ALL_ROLES: readonly Role[] = ['admin', 'analyst', 'auditor'];

/** The policies routes use, by name, so the matrix in docs/access-control.md reads the same. */
export const POLICY = {
  public: (why: string): RoutePolicy => ({ kind: 'public', why }),
  device: (action: string, iface = 'api'): RoutePolicy => ({ kind: 'device', action, interface: iface }),
  /** Read events and alerts: everyone with a role. */
  readers: { kind: 'roles', roles: ALL_ROLES } as RoutePolicy,
  /** Read the log's checkpoints, key and proofs: admin and auditor. */
  logReaders: { kind: 'roles', roles: ['admin', 'auditor'] } as RoutePolicy,
  /** Triage alerts. */
  triagers: { kind: 'roles', roles: ['admin', 'analyst'] } as RoutePolicy,
  /** Run periodic reviews: start, findings, sign, approve (auditors read them). */
  reviewers: { kind: 'roles', roles: ['admin', 'analyst'] } as RoutePolicy,
  admin: { kind: 'roles', roles: ['admin'] } as RoutePolicy,
} as const;

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
  }
  interface FastifyRequest {
    /** The API token or user of a `roles` route (set before the handler runs). */
    principal: Principal | null;
    /** The device of a `device` route. */
    device: DeviceRow | null;
  }
}

/** The swagger-ui plugin registers its own routes: its pages and the OpenAPI document are public. */
const DOCS: RoutePolicy = { kind: 'public', why: 'the API documentation' };

/** The policy a route is held to; undefined when it declares none (a bug the matrix test catches). */
export function policyOf(route: { url?: string; config?: { policy?: RoutePolicy } }): RoutePolicy | undefined {
  if (route.config?.policy !== undefined) return route.config.policy;
  if (route.url === '/docs' || route.url?.startsWith('/docs/')) return DOCS;
  return undefined;
}

/** The principal a `roles` route's handler runs for (the hook put it there). */
export function principalOf(req: FastifyRequest): Principal {
  if (req.principal === null) throw new SeclogError('HTTP_INTERNAL', 'the route has no roles policy', {});
  return req.principal;
}

/** The device a `device` route's handler runs for. */
export function deviceOf(req: FastifyRequest): DeviceRow {
  if (req.device === null) throw new SeclogError('HTTP_INTERNAL', 'the route has no device policy', {});
  return req.device;
}

const CREDENTIAL_CODES = new Set(['AUTH_TOKEN_MISSING', 'AUTH_TOKEN_INVALID', 'AUTH_SESSION_INVALID']);

/** authz_fail records per caller per minute at most; the ones left out are counted into the next. */
class DeniedLog {
  readonly #own: OwnStream;
  readonly #perMinute: number;
  readonly #windows = new Map<string, { startMs: number; written: number; left: number }>();

  constructor(own: OwnStream, perMinute = 10) {
    this.#own = own;
    this.#perMinute = perMinute;
  }

  async record(req: FastifyRequest, err: SeclogError, nowMs = Date.now()): Promise<void> {
    const actor = typeof err.details.actor === 'string' ? err.details.actor : 'unknown';
    let w = this.#windows.get(actor);
    if (w === undefined || nowMs - w.startMs >= 60_000) {
      if (this.#windows.size > 10_000) this.#windows.clear();
      w = { startMs: nowMs, written: 0, left: w?.left ?? 0 };
      this.#windows.set(actor, w);
    }
    if (w.written >= this.#perMinute) {
      w.left++;
      return;
    }
    w.written++;
    const left = w.left;
    w.left = 0;
    const resource = `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`;
    await this.#own.append({
      name: 'authz_fail',
      input: {
        actor: { user: actor, ...(req.ip ? { ip: req.ip } : {}) },
        target: { resource },
        attrs: {
          action: req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write',
          interface: 'api',
          ...(typeof err.details.role === 'string' ? { role: err.details.role } : {}),
          ...(left > 0 ? { denials_not_recorded: left } : {}),
        },
        message: `${actor} refused on ${resource}: ${err.message}${left > 0 ? ` (${left} earlier denials were not recorded)` : ''}`,
      },
    });
  }
}

/**
 * Installs the policy hook (call before registering the route plugins: hooks added later do not
 * reach them) and records the routes, for the matrix test, in `routes`.
 */
export function installAccessControl(
  app: FastifyInstance,
  store: Store,
  own: OwnStream,
  options: { routes?: RouteOptions[] | undefined; perMinute?: number | undefined } = {},
): void {
  const routes = options.routes ?? [];
  const perMinute = options.perMinute ?? 10;
  const refused = new Map<string, RefusedTokenLog>();
  const refusedLog = (iface: string): RefusedTokenLog => {
    let log = refused.get(iface);
    if (log === undefined) {
      log = new RefusedTokenLog(own, { interface: iface, perWindow: perMinute });
      refused.set(iface, log);
    }
    return log;
  };
  const denied = new DeniedLog(own, perMinute);
  app.decorateRequest('principal', null);
  app.decorateRequest('device', null);
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.addHook('onRequest', async (req) => {
    // The not-found handler has no route: it answers 404 to everyone.
    if (req.routeOptions.url === undefined) return;
    const policy = policyOf(req.routeOptions);
    if (policy === undefined) {
      throw new SeclogError('HTTP_INTERNAL', `route ${req.method} ${req.routeOptions.url} declares no access policy`, {});
    }
    if (policy.kind === 'public') return;
    try {
      if (policy.kind === 'device') req.device = await liveDevice(store, own, req, policy.action);
      else req.principal = principalFor(store, req, policy.roles);
    } catch (err) {
      if (!isSeclogError(err)) throw err;
      const e = toSeclogError(err);
      if (CREDENTIAL_CODES.has(e.code)) await refusedLog(policy.kind === 'device' ? policy.interface : 'api').record(req, e);
      else if (e.code === 'AUTH_ROLE_FORBIDDEN' || e.code === 'AUTH_CSRF_FAILED') await denied.record(req, e);
      throw err;
    }
  });
}
