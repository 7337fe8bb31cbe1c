/**
 * People who use the dashboard and the API with a password (issue G): their
 * accounts and their sign-in sessions. API tokens (automation) and device
 * tokens stay in their own tables; all three are stored hashed only.
 */
import type { Role } from './types.js';

export interface UserRow {
  /** The login name (users.ts USER_NAME rule). */
  name: string;
  role: Role;
  /** The encoded scrypt hash (keys/passwords.ts); never the password. */
  passwordHash: string;
  createdUs: number;
  disabledUs: number | null;
  /** Consecutive failed logins since the last success or lock. */
  failedLogins: number;
  /** Refused until then, whatever the password; null when not locked. */
  lockedUntilUs: number | null;
  lastLoginUs: number | null;
}

export interface NewUser {
  name: string;
  role: Role;
  passwordHash: string;
  createdUs: number;
}

export interface SessionRow {
  /** SHA-256 of the session cookie's value; the value itself is only in the browser. */
  idHash: Uint8Array;
  user: string;
  createdUs: number;
  /** Idle expiry: moved forward as the session is used, never past `createdUs` + the absolute lifetime. */
  expiresUs: number;
  lastSeenUs: number;
}

/** What a failed login did to the account. */
export interface LoginFailure {
  failedLogins: number;
  /** True when this failure applied the lock. */
  lockedNow: boolean;
  lockedUntilUs: number | null;
}

export interface UserStore {
  /** Throws STORE_USER_EXISTS when the name is taken. */
  createUser(u: NewUser): void;
  getUser(name: string): UserRow | undefined;
  /** By name. */
  listUsers(): UserRow[];
  /** Sets or clears the disabled time; false when there is no such user. Disabling also ends the user's sessions. */
  setDisabled(name: string, disabledUs: number | null): boolean;
  /** False when there is no such user. */
  setRole(name: string, role: Role): boolean;
  /** Replaces the hash and clears the failure count and lock; false when there is no such user. */
  setPasswordHash(name: string, passwordHash: string): boolean;
  /**
   * Counts a failed login atomically; the failure that brings the count to `lockAfter` locks the
   * account until `lockUntilUs` and starts the count again. undefined when there is no such user.
   */
  noteLoginFailure(name: string, lockAfter: number, lockUntilUs: number): LoginFailure | undefined;
  /** Clears the failure count and lock (an administrator's unlock); false when there is no such user. */
  clearLock(name: string): boolean;
  /** Clears the failure count and lock and stamps the login time. */
  noteLoginSuccess(name: string, nowUs: number): void;

  createSession(s: SessionRow): void;
  findSession(idHash: Uint8Array): SessionRow | undefined;
  /** Moves a session's idle expiry; false when it is gone. */
  touchSession(idHash: Uint8Array, lastSeenUs: number, expiresUs: number): boolean;
  /** False when it was not there. */
  deleteSession(idHash: Uint8Array): boolean;
  /** Ends every session of `name`; returns how many. */
  deleteUserSessions(name: string): number;
  /** Removes sessions expired at `nowUs`; returns how many. */
  deleteExpiredSessions(nowUs: number): number;
}
