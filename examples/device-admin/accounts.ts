/**
 * The panel's accounts: scrypt-hashed passwords, a lockout after repeated
 * failures, and sessions. Every decision here is a security event, so each
 * function returns what happened and the server logs it.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

export type Role = 'admin' | 'viewer';

interface Account {
  readonly name: string;
  readonly role: Role;
  readonly salt: Buffer;
  readonly hash: Buffer;
  /** Times of recent failed logins (ms), newest last. */
  failures: number[];
  lockedUntilMs: number;
}

export interface Session {
  readonly id: string;
  readonly user: string;
  readonly role: Role;
  readonly startedMs: number;
  lastSeenMs: number;
}

export type LoginResult =
  | { readonly ok: true; readonly session: Session }
  | {
      readonly ok: false;
      readonly reason: 'unknown_user' | 'bad_password' | 'locked';
      readonly lockedNow: boolean;
      readonly failures: number;
    };

export const LOCKOUT = { failures: 5, windowMs: 5 * 60_000, lockMs: 5 * 60_000 } as const;
export const IDLE_TIMEOUT_MS = 15 * 60_000;

const hashPassword = (password: string, salt: Buffer) => scryptSync(password, salt, 32);

export class Accounts {
  readonly #accounts = new Map<string, Account>();
  readonly #sessions = new Map<string, Session>();
  // Compared against for unknown users, so both answers take as long.
  readonly #decoy = hashPassword('decoy', randomBytes(16));

  add(name: string, password: string, role: Role): void {
    const salt = randomBytes(16);
    this.#accounts.set(name, { name, role, salt, hash: hashPassword(password, salt), failures: [], lockedUntilMs: 0 });
  }

  login(name: string, password: string, nowMs = Date.now()): LoginResult {
    const account = this.#accounts.get(name);
    if (account === undefined) {
      timingSafeEqual(this.#decoy, hashPassword(password, randomBytes(16)));
      return { ok: false, reason: 'unknown_user', lockedNow: false, failures: 0 };
    }
    if (account.lockedUntilMs > nowMs) return { ok: false, reason: 'locked', lockedNow: false, failures: account.failures.length };
    if (!timingSafeEqual(account.hash, hashPassword(password, account.salt))) {
      account.failures = [...account.failures.filter((t) => t > nowMs - LOCKOUT.windowMs), nowMs];
      const lockedNow = account.failures.length >= LOCKOUT.failures;
      if (lockedNow) account.lockedUntilMs = nowMs + LOCKOUT.lockMs;
      return { ok: false, reason: 'bad_password', lockedNow, failures: account.failures.length };
    }
    account.failures = [];
    const session: Session = {
      id: randomBytes(24).toString('base64url'),
      user: name,
      role: account.role,
      startedMs: nowMs,
      lastSeenMs: nowMs,
    };
    this.#sessions.set(session.id, session);
    return { ok: true, session };
  }

  /** The live session for a cookie value; an idle one is ended and returned as `expired`. */
  session(id: string | undefined, nowMs = Date.now()): { session?: Session; expired?: Session } {
    if (id === undefined) return {};
    const s = this.#sessions.get(id);
    if (s === undefined) return {};
    if (nowMs - s.lastSeenMs > IDLE_TIMEOUT_MS) {
      this.#sessions.delete(id);
      return { expired: s };
    }
    s.lastSeenMs = nowMs;
    return { session: s };
  }

  logout(id: string): Session | undefined {
    const s = this.#sessions.get(id);
    this.#sessions.delete(id);
    return s;
  }
}
