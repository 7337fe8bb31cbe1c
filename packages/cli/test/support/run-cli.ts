import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const entry = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

/** Run `seclog <args>` from source in a child process. */
export function runCli(args: string[], input?: string): CliResult {
  const r = spawnSync(process.execPath, ['--conditions=seclog-source', '--import', 'tsx', entry, ...args], {
    input: input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
