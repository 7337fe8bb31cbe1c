/**
 * Password sign-in for people (the dashboard), with sessions.
 *
 * - Guessing is slowed three ways: scrypt per attempt (keys/passwords.ts), a
 *   per-address budget of attempts (AUTH_LOGIN_RATE_LIMITED), and a lock of
 *   the account after `lockAfter` consecutive failures (AUTH_ACCOUNT_LOCKED),
 *   stored in the database so that a restart does not reset it.
 * - A wrong name, a wrong password and a disabled account get the same
 *   answer after the same work (a decoy hash is verified for unknown names);
 *   the collector's own log says which it was.
 * - A session is a random 256-bit cookie value; the database keeps its
 *   SHA-256 only. The session's CSRF token is derived from the cookie value
 *   (csrfTokenOf), so only a page that was given it at sign-in (or asked
 *   GET /api/v1/auth/session with the cookie) can send it. Sessions expire
 *   after `idleMinutes` without use and `maxHours` after sign-in whatever
 *   happens, and end when the user is disabled or their password is set.
 *
 * Every success, failure, lock and logout is a record in the collector's
 * own stream (authn_login_success, authn_login_fail, authn_login_lock,
 * authn_logout) before the answer goes out.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { formatEventTime, SeclogError } from '@seclog/core';
import type { OwnEvent, OwnStream } from '../ingest/own-stream.js';
import { DEFAULT_SCRYPT_COST, decoyHash, type ScryptCost, verifyPassword } from '../keys/passwords.js';
import type { Store } from '../store/types.js';
import type { SessionRow, UserRow } from '../store/user-types.js';

export interface SignInOptions {
  /** Consecutive failures that lock an account (default 5). */
  lockAfter?: number;
  /** How long a lock lasts (default 15). */
  lockMinutes?: number;
  /** A session unused this long ends (default 30). */
  idleMinutes?: number;
  /** A session ends this long after sign-in whatever happens (default 12). */
  maxHours?: number;
  /** Login attempts per client address per minute (default 10). */
  attemptsPerMinute?: number;
  /** The cost of the decoy hash for unknown names: the cost new passwords get. */
  cost?: ScryptCost;
  /** Wall clock in ms (tests). */
  now?: () => number;
}

/** The credentials a successful sign-in hands to the client. */
export interface NewSession {
  user: UserRow;
  /** The cookie value. */
  token: string;
  /** Sent back in X-CSRF-Token on state-changing requests. */
  csrfToken: string;
  expiresUs: number;
}

export interface ActiveSession {
  user: UserRow;
  session: SessionRow;
}

const SESSION_PREFIX = 'sls_';
const hash = (s: string): Uint8Array => createHash('sha256').update(s, 'utf8').digest();
const newSecret = (): string => randomBytes(32).toString('base64url');

/** The CSRF token of a session: a hash of its cookie value (which page scripts cannot read: the cookie is HttpOnly). */
export function csrfTokenOf(sessionToken: string): string {
  return createHash('sha256').update(`seclog/csrf/v1\0${sessionToken}`, 'utf8').digest('base64url');
}

export class SignIn {
  readonly #store: Store;
  readonly #own: OwnStream;
  readonly #lockAfter: number;
  readonly #lockUs: number;
  readonly #idleUs: number;
  readonly #maxUs: number;
  readonly #cost: ScryptCost;
  readonly #now: () => number;
  readonly #attempts: AttemptBudget;

  constructor(store: Store, own: OwnStream, o: SignInOptions = {}) {
    this.#store = store;
    this.#own = own;
    this.#lockAfter = o.lockAfter ?? 5;
    this.#lockUs = (o.lockMinutes ?? 15) * 60e6;
    this.#idleUs = (o.idleMinutes ?? 30) * 60e6;
    this.#maxUs = (o.maxHours ?? 12) * 3600e6;
    this.#cost = o.cost ?? DEFAULT_SCRYPT_COST;
    this.#now = o.now ?? Date.now;
    this.#attempts = new AttemptBudget(o.attemptsPerMinute ?? 10, () => this.#now());
  }

  /** Throws AUTH_LOGIN_RATE_LIMITED, AUTH_ACCOUNT_LOCKED or AUTH_LOGIN_FAILED (each recorded first). */
  async login(name: string, password: string, ip: string | undefined): Promise<NewSession> {
    const who = { user: name.slice(0, 64), ...(ip ? { ip } : {}) };
    const fail = async (reason: string, code: 'AUTH_LOGIN_FAILED' | 'AUTH_ACCOUNT_LOCKED', extra: OwnEvent[] = [], details = {}) => {
      await this.#own.append(
        {
          name: 'authn_login_fail',
          input: {
            actor: who,
            attrs: { method: 'password', reason, interface: 'web' },
            message: `sign-in of ${who.user}${ip ? ` from ${ip}` : ''} refused: ${reason}`,
          },
        },
        ...extra,
      );
      const message = code === 'AUTH_LOGIN_FAILED' ? 'wrong user name or password' : `account ${name} is locked`;
      return new SeclogError(code, message, details);
    };
    const { wait, firstRefusal } = this.#attempts.take(ip ?? '-');
    if (wait > 0) {
      // The first refusal of a run is recorded; the rest would let a flood of requests write a flood of records.
      if (firstRefusal) await fail('rate_limited', 'AUTH_LOGIN_FAILED');
      throw new SeclogError('AUTH_LOGIN_RATE_LIMITED', 'too many sign-in attempts from this address', { retryAfterSeconds: wait });
    }
    const users = this.#store.users();
    const nowUs = this.#now() * 1000;
    const user = users.getUser(name);
    if (user === undefined) {
      await verifyPassword(password, await decoyHash(this.#cost));
      throw await fail('unknown_user', 'AUTH_LOGIN_FAILED');
    }
    if (user.lockedUntilUs !== null && user.lockedUntilUs > nowUs) {
      throw await fail('locked', 'AUTH_ACCOUNT_LOCKED', [], { lockedUntil: rfc3339(user.lockedUntilUs) });
    }
    const ok = await verifyPassword(password, user.passwordHash);
    if (user.disabledUs !== null) throw await fail('disabled', 'AUTH_LOGIN_FAILED');
    if (!ok) {
      const f = users.noteLoginFailure(name, this.#lockAfter, nowUs + this.#lockUs);
      const lock: OwnEvent[] = f?.lockedNow
        ? [
            {
              name: 'authn_login_lock',
              input: {
                ...(ip ? { actor: { ip } } : {}),
                target: { user: name },
                attrs: { failures: this.#lockAfter, lock_seconds: Math.round(this.#lockUs / 1e6), interface: 'web' },
                message: `account ${name} locked for ${Math.round(this.#lockUs / 60e6)} min after ${this.#lockAfter} failed sign-ins`,
              },
            },
          ]
        : [];
      throw await fail('bad_password', 'AUTH_LOGIN_FAILED', lock);
    }
    const token = `${SESSION_PREFIX}${newSecret()}`;
    const expiresUs = Math.min(nowUs + this.#idleUs, nowUs + this.#maxUs);
    this.#store.transaction(() => {
      users.noteLoginSuccess(name, nowUs);
      users.createSession({ idHash: hash(token), user: name, createdUs: nowUs, expiresUs, lastSeenUs: nowUs });
      users.deleteExpiredSessions(nowUs);
    });
    await this.#own.append({
      name: 'authn_login_success',
      input: {
        actor: who,
        attrs: { method: 'password', interface: 'web' },
        message: `${name} (${user.role}) signed in${ip ? ` from ${ip}` : ''}`,
      },
    });
    return { user: { ...user, lastLoginUs: nowUs, failedLogins: 0, lockedUntilUs: null }, token, csrfToken: csrfTokenOf(token), expiresUs };
  }

  /** The live session of a cookie value, its idle expiry moved on; AUTH_SESSION_INVALID when there is none. */
  session(token: string): ActiveSession {
    const invalid = (why: string) =>
      new SeclogError('AUTH_SESSION_INVALID', `the session is not valid (${why}); sign in again`, { reason: why });
    if (!token.startsWith(SESSION_PREFIX) || token.length > 100) throw invalid('malformed');
    const users = this.#store.users();
    const idHash = hash(token);
    const s = users.findSession(idHash);
    const nowUs = this.#now() * 1000;
    if (s === undefined) throw invalid('unknown');
    if (s.expiresUs <= nowUs) {
      users.deleteSession(idHash);
      throw invalid('expired');
    }
    const user = users.getUser(s.user);
    if (user === undefined || user.disabledUs !== null) throw invalid('disabled');
    // Moved at most once a minute: a busy dashboard does not write on every request.
    const expiresUs = Math.min(nowUs + this.#idleUs, s.createdUs + this.#maxUs);
    if (expiresUs - s.expiresUs > 60e6) users.touchSession(idHash, nowUs, expiresUs);
    return { user, session: s };
  }

  /** True when `csrfToken` is the one of the session whose cookie value is `token`. */
  csrfMatches(token: string, csrfToken: string | undefined): boolean {
    if (csrfToken === undefined) return false;
    const expected = Buffer.from(csrfTokenOf(token));
    const given = Buffer.from(csrfToken);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Ends the session of `token` (unknown ones too, silently) and records the logout. */
  async logout(token: string, ip: string | undefined): Promise<void> {
    let active: ActiveSession | undefined;
    try {
      active = this.session(token);
    } catch {
      return;
    }
    this.#store.users().deleteSession(hash(token));
    await this.#own.append({
      name: 'authn_logout',
      input: {
        actor: { user: active.user.name, ...(ip ? { ip } : {}) },
        attrs: { interface: 'web' },
        message: `${active.user.name} signed out`,
      },
    });
  }
}

/**
 * Sign-in attempts per client address: a bucket of `perMinute` attempts
 * refilled continuously, so a person who mistypes a few times is never held
 * up and a script guessing from one address gets `perMinute` tries a minute.
 * Full buckets are forgotten, so the map holds only addresses that tried
 * recently.
 */
class AttemptBudget {
  readonly #perMinute: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; atMs: number; refusing: boolean }>();

  constructor(perMinute: number, now: () => number) {
    this.#perMinute = perMinute;
    this.#now = now;
  }

  /** Takes one attempt: wait 0, or the seconds to wait when none is left (and whether the attempt before was let through). */
  take(key: string): { wait: number; firstRefusal: boolean } {
    const now = this.#now();
    if (this.#buckets.size > 10_000) this.#forgetFull(now);
    const b = this.#buckets.get(key) ?? { tokens: this.#perMinute, atMs: now, refusing: false };
    b.tokens = Math.min(this.#perMinute, b.tokens + ((now - b.atMs) * this.#perMinute) / 60_000);
    b.atMs = now;
    this.#buckets.set(key, b);
    if (b.tokens < 1) {
      const firstRefusal = !b.refusing;
      b.refusing = true;
      return { wait: Math.ceil(((1 - b.tokens) * 60) / this.#perMinute), firstRefusal };
    }
    b.tokens -= 1;
    b.refusing = false;
    return { wait: 0, firstRefusal: false };
  }

  #forgetFull(now: number): void {
    for (const [k, b] of this.#buckets) {
      if (b.tokens + ((now - b.atMs) * this.#perMinute) / 60_000 >= this.#perMinute) this.#buckets.delete(k);
    }
  }
}

function rfc3339(us: number): string {
  return formatEventTime({ ms: Math.floor(us / 1000), us: us % 1000 });
}
