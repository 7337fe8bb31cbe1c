/**
 * Account administration (`seclog user …`, and the API later): create,
 * list, disable, enable, change role, unlock. Each change is one transaction
 * with its record in the collector's own stream (user_created,
 * privilege_change), so an account never changes without a trace.
 */
import { randomBytes } from 'node:crypto';
import { SeclogError } from '@seclog/core';
import type { EnrolContext } from '../enrol/enrol.js';
import { checkPasswordPolicy, DEFAULT_SCRYPT_COST, hashPassword, type ScryptCost } from '../keys/passwords.js';
import type { Role } from '../store/types.js';
import type { UserRow } from '../store/user-types.js';

export const USER_ROLES: readonly Role[] = ['admin', 'analyst', 'auditor'];
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Who made a change, as it appears in the record (`actor.user`): "cli" for the data-directory CLI. */
export interface ChangedBy {
  user: string;
  ip?: string;
  interface: 'cli' | 'api' | 'web';
}

export function checkUserName(name: string): void {
  if (!USER_NAME.test(name)) {
    throw new SeclogError('USER_NAME_INVALID', `user name ${JSON.stringify(name.slice(0, 80))} is not allowed`, {
      name: name.slice(0, 80),
    });
  }
}

export function checkRole(role: string): asserts role is Role {
  if (!USER_ROLES.includes(role as Role)) {
    throw new SeclogError('USER_ROLE_INVALID', `role must be one of ${USER_ROLES.join(', ')}, got ${JSON.stringify(role)}`, { role });
  }
}

/** 20 random bytes as base64url: 27 characters, well past the policy's minimum. */
export function generatePassword(): string {
  return randomBytes(20).toString('base64url');
}

function actor(by: ChangedBy): { user: string; ip?: string } {
  return by.ip === undefined ? { user: by.user } : { user: by.user, ip: by.ip };
}

function mustExist(ctx: EnrolContext, name: string): UserRow {
  const u = ctx.store.users().getUser(name);
  if (u === undefined) throw new SeclogError('USER_NOT_FOUND', `there is no user ${name}`, { name });
  return u;
}

/**
 * Create an account. Without `password` one is generated and returned (shown once by the caller).
 * Throws USER_NAME_INVALID, USER_ROLE_INVALID, USER_PASSWORD_WEAK, STORE_USER_EXISTS.
 */
export async function addUser(
  ctx: EnrolContext,
  name: string,
  role: string,
  by: ChangedBy,
  options: { password?: string; cost?: ScryptCost } = {},
): Promise<{ name: string; role: Role; password: string | undefined }> {
  checkUserName(name);
  checkRole(role);
  const password = options.password ?? generatePassword();
  checkPasswordPolicy(password, name);
  if (ctx.store.users().getUser(name) !== undefined) throw new SeclogError('STORE_USER_EXISTS', `user ${name} exists`, { name });
  const passwordHash = await hashPassword(password, options.cost ?? DEFAULT_SCRYPT_COST);
  ctx.store.transaction(() => {
    ctx.store.users().createUser({ name, role, passwordHash, createdUs: Date.now() * 1000 });
    ctx.record([
      {
        name: 'user_created',
        input: {
          actor: actor(by),
          target: { user: name },
          attrs: { role, account_type: 'human', interface: by.interface },
          message: `user ${name} created with role ${role} by ${by.user}`,
        },
      },
    ]);
  });
  return { name, role, password: options.password === undefined ? password : undefined };
}

export function listUsers(ctx: EnrolContext): UserRow[] {
  return ctx.store.users().listUsers();
}

/** Disable (or enable again) an account; disabling ends its sessions. Recorded as privilege_change revoke/grant of "login". */
export function setUserDisabled(ctx: EnrolContext, name: string, disabled: boolean, by: ChangedBy): UserRow {
  const before = mustExist(ctx, name);
  if ((before.disabledUs !== null) === disabled) return before;
  ctx.store.transaction(() => {
    ctx.store.users().setDisabled(name, disabled ? Date.now() * 1000 : null);
    ctx.record([
      {
        name: 'privilege_change',
        input: {
          actor: actor(by),
          target: { user: name },
          attrs: { action: disabled ? 'revoke' : 'grant', privilege: 'login', interface: by.interface },
          message: `user ${name} ${disabled ? 'disabled' : 'enabled'} by ${by.user}`,
        },
      },
    ]);
  });
  return mustExist(ctx, name);
}

export function setUserRole(ctx: EnrolContext, name: string, role: string, by: ChangedBy): UserRow {
  checkRole(role);
  const before = mustExist(ctx, name);
  if (before.role === role) return before;
  ctx.store.transaction(() => {
    ctx.store.users().setRole(name, role);
    // A role change takes effect at once: sessions are re-read per request, so none need ending.
    ctx.record([
      {
        name: 'privilege_change',
        input: {
          actor: actor(by),
          target: { user: name },
          attrs: { action: 'change', old_role: before.role, new_role: role, interface: by.interface },
          message: `user ${name} changed from ${before.role} to ${role} by ${by.user}`,
        },
      },
    ]);
  });
  return mustExist(ctx, name);
}

/** Set a new password (clears a lock); recorded as authn_password_change. */
export async function setUserPassword(
  ctx: EnrolContext,
  name: string,
  by: ChangedBy,
  options: { password?: string; cost?: ScryptCost } = {},
): Promise<string | undefined> {
  mustExist(ctx, name);
  const password = options.password ?? generatePassword();
  checkPasswordPolicy(password, name);
  const passwordHash = await hashPassword(password, options.cost ?? DEFAULT_SCRYPT_COST);
  ctx.store.transaction(() => {
    ctx.store.users().setPasswordHash(name, passwordHash);
    ctx.store.users().deleteUserSessions(name);
    ctx.record([
      {
        name: 'authn_password_change',
        input: {
          actor: actor(by),
          target: { user: name },
          attrs: { mode: by.user === name ? 'self' : 'admin_reset', interface: by.interface },
          message: `password of ${name} set by ${by.user}; the user's sessions were ended`,
        },
      },
    ]);
  });
  return options.password === undefined ? password : undefined;
}

/** End a lock before its time; recorded as privilege_change grant of "login". */
export function unlockUser(ctx: EnrolContext, name: string, by: ChangedBy): UserRow {
  const before = mustExist(ctx, name);
  if (before.lockedUntilUs === null && before.failedLogins === 0) return before;
  ctx.store.transaction(() => {
    ctx.store.users().clearLock(name);
    ctx.record([
      {
        name: 'privilege_change',
        input: {
          actor: actor(by),
          target: { user: name },
          attrs: { action: 'grant', privilege: 'login', interface: by.interface },
          message: `user ${name} unlocked by ${by.user} (${before.failedLogins} failed logins counted)`,
        },
      },
    ]);
  });
  return mustExist(ctx, name);
}
