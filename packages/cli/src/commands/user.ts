/**
 * `seclog user add|list|disable|enable|role|unlock|password`: people's
 * accounts for the dashboard, on the data directory directly (no running
 * server). A generated password is printed once; `--password-stdin` takes
 * one from standard input instead (never from the command line, where it
 * would land in the shell history and the process list).
 */
import { readFileSync } from 'node:fs';
import {
  addUser,
  type ChangedBy,
  listUsers,
  setUserDisabled,
  setUserPassword,
  setUserRole,
  USER_ROLES,
  unlockUser,
} from '@seclog/collector';
import type { Command } from 'commander';
import { DATA_OPTION, DB_OPTION, withDataDir } from './device.js';

const BY: ChangedBy = { user: 'cli', interface: 'cli' };
const iso = (us: number | null): string => (us === null ? '-' : new Date(us / 1000).toISOString());

/** The first line of standard input, without its line end. */
function passwordFromStdin(): string {
  return readFileSync(0, 'utf8').split(/\r?\n/)[0] ?? '';
}

export function registerUserCommand(program: Command): void {
  const user = program.command('user').description("people's accounts for the dashboard (works on the data directory)");

  user
    .command('add')
    .argument('<name>', 'login name')
    .requiredOption('--role <role>', `one of ${USER_ROLES.join(', ')}`)
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description('create an account; a generated password is printed once')
    .action(async (name: string, opts: { role: string; passwordStdin?: boolean; data?: string; db?: string }) => {
      await withDataDir(
        'user add',
        opts.data,
        async (dd) => {
          const password = opts.passwordStdin ? passwordFromStdin() : undefined;
          const r = await addUser(dd.enrol, name, opts.role, BY, password === undefined ? {} : { password });
          if (r.password !== undefined) process.stdout.write(`user ${r.name} (${r.role}) created; password: ${r.password}\n`);
          else process.stdout.write(`user ${r.name} (${r.role}) created\n`);
        },
        opts.db,
      );
    });

  user
    .command('list')
    .option('--json', 'print JSON')
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description('list accounts')
    .action(async (opts: { json?: boolean; data?: string; db?: string }) => {
      await withDataDir(
        'user list',
        opts.data,
        (dd) => {
          const rows = listUsers(dd.enrol).map((u) => ({
            name: u.name,
            role: u.role,
            created: iso(u.createdUs),
            disabled: iso(u.disabledUs),
            lockedUntil: iso(u.lockedUntilUs),
            lastLogin: iso(u.lastLoginUs),
          }));
          if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          else {
            for (const r of rows) {
              process.stdout.write(
                `${r.name}\t${r.role}\tdisabled ${r.disabled}\tlocked until ${r.lockedUntil}\tlast login ${r.lastLogin}\n`,
              );
            }
          }
        },
        opts.db,
      );
    });

  for (const [verb, disabled, what] of [
    ['disable', true, 'disable an account (its sessions end at once)'],
    ['enable', false, 'enable a disabled account again'],
  ] as const) {
    user
      .command(verb)
      .argument('<name>', 'login name')
      .option(...DATA_OPTION)
      .option(...DB_OPTION)
      .description(what)
      .action(async (name: string, opts: { data?: string; db?: string }) => {
        await withDataDir(
          `user ${verb}`,
          opts.data,
          (dd) => {
            setUserDisabled(dd.enrol, name, disabled, BY);
            process.stdout.write(`user ${name} ${verb}d\n`);
          },
          opts.db,
        );
      });
  }

  user
    .command('role')
    .argument('<name>', 'login name')
    .argument('<role>', `one of ${USER_ROLES.join(', ')}`)
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description("change an account's role")
    .action(async (name: string, role: string, opts: { data?: string; db?: string }) => {
      await withDataDir(
        'user role',
        opts.data,
        (dd) => {
          const u = setUserRole(dd.enrol, name, role, BY);
          process.stdout.write(`user ${u.name} is ${u.role}\n`);
        },
        opts.db,
      );
    });

  user
    .command('unlock')
    .argument('<name>', 'login name')
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description('end the lock that failed sign-ins put on an account')
    .action(async (name: string, opts: { data?: string; db?: string }) => {
      await withDataDir(
        'user unlock',
        opts.data,
        (dd) => {
          unlockUser(dd.enrol, name, BY);
          process.stdout.write(`user ${name} unlocked\n`);
        },
        opts.db,
      );
    });

  user
    .command('password')
    .argument('<name>', 'login name')
    .option('--password-stdin', 'read the new password from standard input instead of generating one')
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description("set an account's password (its sessions end); a generated one is printed once")
    .action(async (name: string, opts: { passwordStdin?: boolean; data?: string; db?: string }) => {
      await withDataDir(
        'user password',
        opts.data,
        async (dd) => {
          const password = opts.passwordStdin ? passwordFromStdin() : undefined;
          const shown = await setUserPassword(dd.enrol, name, BY, password === undefined ? {} : { password });
          process.stdout.write(shown === undefined ? `password of ${name} set\n` : `password of ${name} set: ${shown}\n`);
        },
        opts.db,
      );
    });
}
