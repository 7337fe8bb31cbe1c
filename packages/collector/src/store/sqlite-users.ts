/**
 * Users and sessions on SQLite (migration 7). A few rows per sign-in: none
 * of it is on the ingest path.
 *
 *   users      name │ role │ password_hash │ created disabled │ failed_logins locked_until │ last_login
 *   sessions   id_hash │ user │ created expires last_seen
 */
import { SeclogError } from '@seclog/core';
import type { SqliteDb } from './migrations.js';
import type { Role } from './types.js';
import type { LoginFailure, NewUser, SessionRow, UserRow, UserStore } from './user-types.js';

export const USERS_SCHEMA = `
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'auditor')),
  password_hash TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  disabled_us INTEGER,
  failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  locked_until_us INTEGER,
  last_login_us INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
  id_hash BLOB PRIMARY KEY,
  user TEXT NOT NULL REFERENCES users (name),
  created_us INTEGER NOT NULL,
  expires_us INTEGER NOT NULL,
  last_seen_us INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user);
CREATE INDEX sessions_expires ON sessions (expires_us);
`;

const USER_COLUMNS = `name, role, password_hash AS passwordHash, created_us AS createdUs, disabled_us AS disabledUs,
  failed_logins AS failedLogins, locked_until_us AS lockedUntilUs, last_login_us AS lastLoginUs`;
const SESSION_COLUMNS = `id_hash AS idHash, user, created_us AS createdUs, expires_us AS expiresUs,
  last_seen_us AS lastSeenUs`;

export class SqliteUsers implements UserStore {
  readonly #db: SqliteDb;
  readonly #insertUser;
  readonly #getUser;
  readonly #listUsers;
  readonly #setDisabled;
  readonly #setRole;
  readonly #setPassword;
  readonly #failure;
  readonly #success;
  readonly #clearLock;
  readonly #insertSession;
  readonly #getSession;
  readonly #touchSession;
  readonly #deleteSession;
  readonly #deleteUserSessions;
  readonly #deleteExpired;

  constructor(db: SqliteDb) {
    this.#db = db;
    this.#insertUser = db.prepare(
      'INSERT INTO users (name, role, password_hash, created_us) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
    );
    this.#getUser = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE name = ?`);
    this.#listUsers = db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY name`);
    this.#setDisabled = db.prepare('UPDATE users SET disabled_us = ? WHERE name = ?');
    this.#setRole = db.prepare('UPDATE users SET role = ? WHERE name = ?');
    this.#setPassword = db.prepare('UPDATE users SET password_hash = ?, failed_logins = 0, locked_until_us = NULL WHERE name = ?');
    // One statement, so two concurrent failures cannot both read the same count.
    this.#failure = db.prepare(
      `UPDATE users SET
         failed_logins = CASE WHEN failed_logins + 1 >= @lockAfter THEN 0 ELSE failed_logins + 1 END,
         locked_until_us = CASE WHEN failed_logins + 1 >= @lockAfter THEN @until ELSE locked_until_us END
       WHERE name = @name
       RETURNING failed_logins AS failedLogins, locked_until_us AS lockedUntilUs`,
    );
    this.#success = db.prepare('UPDATE users SET failed_logins = 0, locked_until_us = NULL, last_login_us = ? WHERE name = ?');
    this.#clearLock = db.prepare('UPDATE users SET failed_logins = 0, locked_until_us = NULL WHERE name = ?');
    this.#insertSession = db.prepare('INSERT INTO sessions (id_hash, user, created_us, expires_us, last_seen_us) VALUES (?, ?, ?, ?, ?)');
    this.#getSession = db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = ?`);
    this.#touchSession = db.prepare('UPDATE sessions SET last_seen_us = ?, expires_us = ? WHERE id_hash = ?');
    this.#deleteSession = db.prepare('DELETE FROM sessions WHERE id_hash = ?');
    this.#deleteUserSessions = db.prepare('DELETE FROM sessions WHERE user = ?');
    this.#deleteExpired = db.prepare('DELETE FROM sessions WHERE expires_us <= ?');
  }

  createUser(u: NewUser): void {
    const r = this.#insertUser.run(u.name, u.role, u.passwordHash, u.createdUs);
    if (r.changes === 0) throw new SeclogError('STORE_USER_EXISTS', `user ${u.name} exists`, { name: u.name });
  }

  getUser(name: string): UserRow | undefined {
    return this.#getUser.get(name) as UserRow | undefined;
  }

  listUsers(): UserRow[] {
    return this.#listUsers.all() as UserRow[];
  }

  setDisabled(name: string, disabledUs: number | null): boolean {
    return this.#db.transaction(() => {
      const changed = this.#setDisabled.run(disabledUs, name).changes > 0;
      if (changed && disabledUs !== null) this.#deleteUserSessions.run(name);
      return changed;
    })();
  }

  setRole(name: string, role: Role): boolean {
    return this.#setRole.run(role, name).changes > 0;
  }

  setPasswordHash(name: string, passwordHash: string): boolean {
    return this.#setPassword.run(passwordHash, name).changes > 0;
  }

  noteLoginFailure(name: string, lockAfter: number, lockUntilUs: number): LoginFailure | undefined {
    const row = this.#failure.get({ lockAfter, until: lockUntilUs, name }) as
      | { failedLogins: number; lockedUntilUs: number | null }
      | undefined;
    if (row === undefined) return undefined;
    const lockedNow = row.failedLogins === 0 && row.lockedUntilUs === lockUntilUs;
    return { failedLogins: lockedNow ? lockAfter : row.failedLogins, lockedNow, lockedUntilUs: row.lockedUntilUs };
  }

  clearLock(name: string): boolean {
    return this.#clearLock.run(name).changes > 0;
  }

  noteLoginSuccess(name: string, nowUs: number): void {
    this.#success.run(nowUs, name);
  }

  createSession(s: SessionRow): void {
    this.#insertSession.run(s.idHash, s.user, s.createdUs, s.expiresUs, s.lastSeenUs);
  }

  findSession(idHash: Uint8Array): SessionRow | undefined {
    return this.#getSession.get(idHash) as SessionRow | undefined;
  }

  touchSession(idHash: Uint8Array, lastSeenUs: number, expiresUs: number): boolean {
    return this.#touchSession.run(lastSeenUs, expiresUs, idHash).changes > 0;
  }

  deleteSession(idHash: Uint8Array): boolean {
    return this.#deleteSession.run(idHash).changes > 0;
  }

  deleteUserSessions(name: string): number {
    return this.#deleteUserSessions.run(name).changes;
  }

  deleteExpiredSessions(nowUs: number): number {
    return this.#deleteExpired.run(nowUs).changes;
  }
}
