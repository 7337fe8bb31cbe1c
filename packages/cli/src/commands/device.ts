/**
 * `seclog device add|list|revoke`: enrolment on the data directory directly
 * (no running server). `add` writes everything the agent needs to one file,
 * mode 0600 since it holds the device token and k_0.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import type { DeviceProfile } from '@seclog/collector';
import { addDevice, COLLECTOR_DEFAULTS, listDevices, type OpenedDataDir, openDataDir, revokeDevice } from '@seclog/collector';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';

// The --data option and its open/close, shared with `seclog token`.

export const DATA_OPTION = ['--data <dir>', `data directory (default ${COLLECTOR_DEFAULTS.dataDir}, or SECLOG_DATA_DIR)`] as const;
export const DB_OPTION = [
  '--db <url>',
  'PostgreSQL (postgres://…) instead of the SQLite file; keys stay in the data directory (or SECLOG_DB)',
] as const;

/**
 * Opens the data directory (and the PostgreSQL store of `--db` or SECLOG_DB), runs `fn`, closes it;
 * a failure is printed and becomes exit 2. `dir` and `db` come from the command's options.
 */
export async function withDataDir(
  command: string,
  dir: string | undefined,
  fn: (dd: OpenedDataDir) => void | Promise<void>,
  db?: string,
): Promise<void> {
  let dd: OpenedDataDir | undefined;
  try {
    const url = db ?? process.env.SECLOG_DB;
    if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
      throw new Error(`--db must be a postgres:// or postgresql:// URL, got ${JSON.stringify(url.slice(0, 20))}…`);
    }
    dd = await openDataDir(dir ?? process.env.SECLOG_DATA_DIR ?? COLLECTOR_DEFAULTS.dataDir, undefined, { db: url });
    await fn(dd);
  } catch (err) {
    process.stderr.write(`seclog ${command}: ${(err as Error).message}\n`);
    process.exitCode = EXIT.usage;
  } finally {
    dd?.close();
  }
}

const DEFAULT_COLLECTOR = `http://${COLLECTOR_DEFAULTS.http.host}:${COLLECTOR_DEFAULTS.http.port}`;
const iso = (us: number | null): string => (us === null ? '-' : new Date(us / 1000).toISOString());

export function registerDeviceCommand(program: Command): void {
  const device = program.command('device').description('enrol, list and revoke devices (works on the data directory)');

  device
    .command('add')
    .argument('<id>', 'device id (letters, digits, ._:-)')
    .option('--profile <profile>', 'low or high', 'low')
    .option('--out <file>', 'write the device file here (mode 0600) instead of standard output')
    .option('--collector <url>', 'collector URL the agent ships to', DEFAULT_COLLECTOR)
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description('enrol a device: prints or writes {collector, device, token, sealKey, profile, logKey, origin}')
    .action(async (id: string, opts: { profile: string; out?: string; collector: string; data?: string; db?: string }) => {
      await withDataDir(
        'device add',
        opts.data,
        (dd) => {
          const file = addDevice(dd.enrol, id, opts.profile as DeviceProfile, opts.collector);
          const json = `${JSON.stringify(file, null, 2)}\n`;
          if (opts.out === undefined) {
            process.stdout.write(json);
            return;
          }
          writeFileSync(opts.out, json, { mode: 0o600 });
          // mode applies only when the file is created; an existing file keeps its own.
          chmodSync(opts.out, 0o600);
          process.stdout.write(`device ${id} enrolled; wrote ${opts.out} (keep it secret: it holds the token and seal key)\n`);
        },
        opts.db,
      );
    });

  device
    .command('list')
    .option('--json', 'print JSON')
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description('list enrolled devices')
    .action(async (opts: { json?: boolean; data?: string; db?: string }) => {
      await withDataDir(
        'device list',
        opts.data,
        (dd) => {
          const rows = listDevices(dd.store).map((d) => ({
            id: d.id,
            profile: d.profile,
            created: iso(d.createdUs),
            revoked: iso(d.revokedUs),
            // The receive time of the device's last accepted batch (duplicates count: the device is alive).
            lastSeen: iso(d.lastSeenUs),
          }));
          if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          else {
            for (const r of rows) {
              process.stdout.write(`${r.id}\t${r.profile}\tcreated ${r.created}\trevoked ${r.revoked}\tlast seen ${r.lastSeen}\n`);
            }
          }
        },
        opts.db,
      );
    });

  device
    .command('revoke')
    .argument('<id>', 'device id')
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description('revoke a device: its next batch gets 401 and the refusal is logged')
    .action(async (id: string, opts: { data?: string; db?: string }) => {
      await withDataDir(
        'device revoke',
        opts.data,
        (dd) => {
          const changed = revokeDevice(dd.enrol, id);
          process.stdout.write(changed ? `device ${id} revoked\n` : `device ${id} was already revoked\n`);
          process.exitCode = EXIT.ok;
        },
        opts.db,
      );
    });
}
