/**
 * A throwaway PostgreSQL cluster for the PostgreSQL store tests: initdb into
 * a temp dir, pg_ctl start on a free loopback port (trust auth, the socket in
 * the same dir), stopped with `-m immediate` and removed by dispose().
 *
 * initdb and postgres refuse to run as root. When the tests run as root (CI
 * containers) the cluster directory is chowned to the `postgres` user and the
 * binaries are spawned with that user's uid/gid (Node's spawn options), so no
 * sudo or runuser is needed; otherwise they run as the current user.
 *
 * The server runs with fsync=off: the tests check the store's behaviour, not
 * the disk's, and every CREATE DATABASE would otherwise sync a directory of
 * files.
 *
 * Tests skip with PG_MISSING when no server binaries are found, and fail
 * under SECLOG_TEST_REQUIRE_ALL=1. SECLOG_PG_BIN names another bin directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './mosquitto.js';

export const PG_MISSING =
  'PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian package postgresql (apt-get install postgresql)';

function findBin(): string | undefined {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  if (process.env.SECLOG_PG_BIN !== undefined) return has(process.env.SECLOG_PG_BIN) ? process.env.SECLOG_PG_BIN : undefined;
  // Debian keeps them under /usr/lib/postgresql/<major>/bin, off PATH: newest major first.
  const debian = '/usr/lib/postgresql';
  const majors = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const dirs = [...majors.map((v) => join(debian, v, 'bin')), ...(process.env.PATH ?? '').split(delimiter)];
  return dirs.find((d) => d !== '' && has(d));
}

export const PG_BIN = findBin();

/** uid/gid to run the server as: the `postgres` user when we are root, else ourselves (undefined). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (line === undefined) throw new Error('running as root, and there is no postgres user to run the PostgreSQL server as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function run(cmd: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

function chownTree(path: string, user: { uid: number; gid: number }): void {
  chownSync(path, user.uid, user.gid);
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) chownTree(p, user);
    else chownSync(p, user.uid, user.gid);
  }
}

export interface PgCluster {
  readonly port: number;
  /** postgres://… URL of database `db` as the superuser. */
  url(db?: string): string;
  /** Server log so far (for failure messages). */
  log(): string;
  /** Stops the server (immediate) and removes its directory. Idempotent. */
  dispose(): Promise<void>;
}

export interface PgClusterOptions {
  /** fsync and full-page writes on, as in production (the benchmarks); the tests run without. */
  durable?: boolean;
  /** More `-c name=value` server settings. */
  settings?: readonly string[];
}

export async function startPgCluster(opts: PgClusterOptions = {}): Promise<PgCluster> {
  if (PG_BIN === undefined) throw new Error(PG_MISSING);
  const bin = PG_BIN;
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'seclog-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  if (user !== undefined) chownTree(dir, user);
  const port = await freePort();
  let running = false;
  // A test process that dies without dispose() still stops its server.
  const onExit = (): void => {
    if (running) spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop'], { stdio: 'ignore', ...(user ?? {}) });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const dispose = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    if (running) {
      running = false;
      await run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], user).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'], user);
    const settings = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses='127.0.0.1'",
      ...(opts.durable === true ? [] : ['-c fsync=off', '-c full_page_writes=off']),
      '-c max_connections=200',
      ...(opts.settings ?? []).map((kv) => `-c ${kv}`),
    ].join(' ');
    running = true;
    await run(join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, '-o', settings, '-w', '-t', '60', 'start'], user);
  } catch (err) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    await dispose();
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  return {
    port,
    url: (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    dispose,
  };
}
