import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundleSourceEntry } from '../../../collector/src/verify/source-bundle.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const entry = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

/**
 * The CLI from source as one esbuild bundle, built once per test file: a child then starts in
 * ~0.9 s instead of ~2.3 s through tsx's loader, which the CLI tests pay on every command they run
 * (dozens per file). Without esbuild, tsx's loader.
 */
const bundle = await bundleSourceEntry(entry, 'cli').catch(() => undefined);

/** The node arguments that run `seclog` from source: append the CLI's own arguments. */
export const CLI = bundle === undefined ? ['--conditions=seclog-source', '--import', 'tsx', entry] : [bundle];

/**
 * The child's environment: without colour whatever the test's environment says (picocolors
 * turns colour on when CI is set, and the tests read plain text).
 */
export function childEnv(): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _force, ...env } = process.env;
  return { ...env, NO_COLOR: '1' };
}

/** Run `seclog <args>` from source in a child process. */
export function runCli(args: string[], input?: string): CliResult {
  const r = spawnSync(process.execPath, [...CLI, ...args], {
    input: input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
    env: childEnv(),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface ServeChild {
  /** The base URL it printed ("listening on …"). */
  readonly url: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves to the exit code. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL when still running (for `finally`). */
  kill(): void;
}

/** `seclog serve <args>` in a child process, once it listens (30 s at most), logging silenced. */
export async function startServe(args: readonly string[]): Promise<ServeChild> {
  const child = spawn(process.execPath, [...CLI, 'serve', ...args], { env: { ...childEnv(), SECLOG_LOG_LEVEL: 'silent' } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  let m = /listening on (\S+)/.exec(out);
  while (m === null) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`seclog serve did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
    m = /listening on (\S+)/.exec(out);
  }
  return {
    url: m[1] as string,
    output: () => out,
    exited,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
