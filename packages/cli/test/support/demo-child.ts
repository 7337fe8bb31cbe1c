/**
 * `seclog demo --fast --json --port 0` in a child process, for the demo
 * tests: its first line (URL and credentials), the rest of its output, and
 * a graceful stop.
 */
import { spawn } from 'node:child_process';
import { CLI, childEnv } from './run-cli.js';

export interface DemoStart {
  url: string;
  user: string;
  password: string;
  token: string;
  dataDir: string;
  fleetDir: string;
  devices: { id: string; profile: string }[];
}

export interface DemoChild {
  readonly start: DemoStart;
  output(): string;
  /** Resolves once the scripted incidents have all played (60 s at most). */
  timelineDone(): Promise<void>;
  /** SIGTERM, then the exit code (SIGKILL after 30 s: 'killed'). */
  stop(): Promise<number | null | 'killed'>;
}

export async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startDemo(dir: string, extra: readonly string[] = []): Promise<DemoChild> {
  const child = spawn(process.execPath, [...CLI, 'demo', '--fast', '--json', '--port', '0', '--data', dir, ...extra], { env: childEnv() });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null | 'killed'> => {
    if (child.exitCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'killed'>((r) => setTimeout(() => r('killed'), 30_000))]);
    if (code === 'killed') child.kill('SIGKILL');
    return code;
  };
  try {
    const first = await until(
      'the JSON line',
      () => {
        if (child.exitCode !== null) throw new Error(`seclog demo exited with ${child.exitCode}: ${out}`);
        return out.includes('\n') ? out.slice(0, out.indexOf('\n')) : undefined;
      },
      30_000,
    );
    const start = JSON.parse(first) as DemoStart;
    return {
      start,
      output: () => out,
      timelineDone: async () => {
        await until('the end of the timeline', () => (out.includes('timeline complete') ? true : undefined), 60_000);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
