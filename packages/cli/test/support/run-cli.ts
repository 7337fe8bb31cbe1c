import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const entry = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

/**
 * The child's environment: without colour whatever the test's environment says (picocolors
 * turns colour on when CI is set, and the tests read plain text).
 */
function childEnv(): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _force, ...env } = process.env;
  return { ...env, NO_COLOR: '1' };
}

/** Run `seclog <args>` from source in a child process. */
export function runCli(args: string[], input?: string): CliResult {
  const r = spawnSync(process.execPath, ['--conditions=seclog-source', '--import', 'tsx', entry, ...args], {
    input: input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
    env: childEnv(),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
