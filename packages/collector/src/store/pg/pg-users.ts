/**
 * Users and sessions on PostgreSQL (PG migration 4), as in sqlite-users.ts.
 * Every write is one statement, so each is atomic without an explicit
 * transaction: disabling a user ends their sessions in the same statement
 * (a data-modifying CTE), and a failed login counts and locks in one UPDATE.
 * `user` is a reserved word here: the sessions column is `user_name`.
 */
import { SeclogError } from '@seclog/core';
import type { Role } from '../types.js';
import type { LoginFailure, NewUser, SessionRow, UserRow, UserStore } from '../user-types.js';
import type { PgBridge } from './pg-bridge.js';

export const PG_USERS_SCHEMA = `
CREATE TABLE users (
  name text PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('admin', 'analyst', 'auditor')),
  password_hash text NOT NULL,
  created_us bigint NOT NULL,
  disabled_us bigint,
  failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  locked_until_us bigint,
  last_login_us bigint
);

CREATE TABLE sessions (
  id_hash bytea PRIMARY KEY,
  user_name text NOT NULL REFERENCES users (name),
  created_us bigint NOT NULL,
  expires_us bigint NOT NULL,
  last_seen_us bigint NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_name);
CREATE INDEX sessions_expires ON sessions (expires_us);
`;

const USER_COLUMNS = `name, role, password_hash AS "passwordHash", created_us AS "createdUs", disabled_us AS "disabledUs",
  failed_logins AS "failedLogins", locked_until_us AS "lockedUntilUs", last_login_us AS "lastLoginUs"`;
const SESSION_COLUMNS = `id_hash AS "idHash", user_name AS "user", created_us AS "createdUs", expires_us AS "expiresUs",
  last_seen_us AS "lastSeenUs"`;

const bytes = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export class PgUsers implements UserStore {
  readonly #db: PgBridge;

  constructor(db: PgBridge) {
    this.#db = db;
  }

  #changed(text: string, values: readonly unknown[]): number {
    return this.#db.query(text, values).rowCount ?? 0;
  }

  createUser(u: NewUser): void {
    const r = this.#db.query(
      'INSERT INTO users (name, role, password_hash, created_us) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING name',
      [u.name, u.role, u.passwordHash, u.createdUs],
    );
    if (r.rows.length === 0) throw new SeclogError('STORE_USER_EXISTS', `user ${u.name} exists`, { name: u.name });
  }

  getUser(name: string): UserRow | undefined {
    return this.#db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE name = $1`, [name]).rows[0];
  }

  listUsers(): UserRow[] {
    return this.#db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY name COLLATE "C"`).rows;
  }

  setDisabled(name: string, disabledUs: number | null): boolean {
    const r = this.#db.query<{ n: number }>(
      `WITH u AS (UPDATE users SET disabled_us = $1 WHERE name = $2 RETURNING name),
            s AS (DELETE FROM sessions WHERE $1::bigint IS NOT NULL AND user_name IN (SELECT name FROM u))
       SELECT count(*)::int AS n FROM u`,
      [disabledUs, name],
    );
    return (r.rows[0]?.n ?? 0) > 0;
  }

  setRole(name: string, role: Role): boolean {
    return this.#changed('UPDATE users SET role = $1 WHERE name = $2', [role, name]) > 0;
  }

  setPasswordHash(name: string, passwordHash: string): boolean {
    return (
      this.#changed('UPDATE users SET password_hash = $1, failed_logins = 0, locked_until_us = NULL WHERE name = $2', [
        passwordHash,
        name,
      ]) > 0
    );
  }

  noteLoginFailure(name: string, lockAfter: number, lockUntilUs: number): LoginFailure | undefined {
    // The row lock of the UPDATE serialises concurrent failures: each reads the count the one before wrote.
    const row = this.#db.query<{ failedLogins: number; lockedUntilUs: number | null; locked: boolean }>(
      `UPDATE users SET
         failed_logins = CASE WHEN failed_logins + 1 >= $1 THEN 0 ELSE failed_logins + 1 END,
         locked_until_us = CASE WHEN failed_logins + 1 >= $1 THEN $2::bigint ELSE locked_until_us END
       WHERE name = $3
       RETURNING failed_logins AS "failedLogins", locked_until_us AS "lockedUntilUs"`,
      [lockAfter, lockUntilUs, name],
    ).rows[0];
    if (row === undefined) return undefined;
    const lockedNow = row.failedLogins === 0 && row.lockedUntilUs === lockUntilUs;
    return { failedLogins: lockedNow ? lockAfter : row.failedLogins, lockedNow, lockedUntilUs: row.lockedUntilUs };
  }

  clearLock(name: string): boolean {
    return this.#changed('UPDATE users SET failed_logins = 0, locked_until_us = NULL WHERE name = $1', [name]) > 0;
  }

  noteLoginSuccess(name: string, nowUs: number): void {
    this.#db.query('UPDATE users SET failed_logins = 0, locked_until_us = NULL, last_login_us = $1 WHERE name = $2', [nowUs, name]);
  }

  createSession(s: SessionRow): void {
    this.#db.query('INSERT INTO sessions (id_hash, user_name, created_us, expires_us, last_seen_us) VALUES ($1, $2, $3, $4, $5)', [
      bytes(s.idHash),
      s.user,
      s.createdUs,
      s.expiresUs,
      s.lastSeenUs,
    ]);
  }

  findSession(idHash: Uint8Array): SessionRow | undefined {
    return this.#db.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = $1`, [bytes(idHash)]).rows[0];
  }

  touchSession(idHash: Uint8Array, lastSeenUs: number, expiresUs: number): boolean {
    return (
      this.#changed('UPDATE sessions SET last_seen_us = $1, expires_us = $2 WHERE id_hash = $3', [lastSeenUs, expiresUs, bytes(idHash)]) > 0
    );
  }

  deleteSession(idHash: Uint8Array): boolean {
    return this.#changed('DELETE FROM sessions WHERE id_hash = $1', [bytes(idHash)]) > 0;
  }

  deleteUserSessions(name: string): number {
    return this.#changed('DELETE FROM sessions WHERE user_name = $1', [name]);
  }

  deleteExpiredSessions(nowUs: number): number {
    return this.#changed('DELETE FROM sessions WHERE expires_us <= $1', [nowUs]);
  }
}
