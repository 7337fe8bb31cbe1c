/**
 * Starts ./collector-child.ts as a child process and waits until it listens
 * (reliability tests, the collector bench).
 *
 * The child runs from one esbuild bundle of the sources, built once per test
 * process: `--import tsx` transforms each of ~150 files at every start, which
 * made a start take 2–3x longer, and the kill test starts 21 collectors.
 * Third-party packages stay external and resolve through a node_modules link
 * beside the bundle. Without esbuild (it comes with tsx) the child runs
 * through tsx.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundleSourceEntry } from '../../src/verify/source-bundle.js';

const entry = fileURLToPath(new URL('./collector-child.ts', import.meta.url));

let launcher: Promise<string[]> | undefined;

/** The node arguments that run the child entry: its bundle, or tsx on the source. */
function childLauncher(): Promise<string[]> {
  launcher ??= bundleSourceEntry(entry, 'collector-child').then(
    (outfile) => (outfile === undefined ? tsxLauncher() : [outfile]),
    () => tsxLauncher(),
  );
  return launcher;
}

const tsxLauncher = () => ['--conditions=seclog-source', '--import', 'tsx', entry];

export interface ChildCollector {
  readonly url: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code, or the signal's name, once the child is gone. */
  readonly exited: Promise<number | string>;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  kill9(): Promise<number | string>;
  /** SIGTERM: graceful shutdown; resolves with the exit code. */
  stop(): Promise<number | string>;
}

export interface ChildOptions {
  /** Config flags merged over the child's test defaults. */
  flags?: Record<string, unknown>;
  /** Print and report the child's RSS at this period. */
  rssMs?: number;
  onRss?: (bytes: number) => void;
  /** Extra arguments for node (e.g. --cpu-prof). */
  execArgv?: string[];
  /** 'tsx' runs the sources as they are (a CPU profile then names the .ts files); default: the bundle. */
  launcher?: 'bundle' | 'tsx';
  startTimeoutMs?: number;
}

export async function startChildCollector(dataDir: string, opts: ChildOptions = {}): Promise<ChildCollector> {
  const launch = opts.launcher === 'tsx' ? tsxLauncher() : await childLauncher();
  const child = spawn(process.execPath, [...(opts.execArgv ?? []), ...launch, dataDir], {
    env: {
      ...process.env,
      SECLOG_CHILD_FLAGS: JSON.stringify(opts.flags ?? {}),
      SECLOG_CHILD_RSS_MS: String(opts.rssMs ?? 0),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return new Promise((resolve, reject) => {
    let out = '';
    let url: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the collector child did not start: ${err}`));
    }, opts.startTimeoutMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      let nl = out.indexOf('\n');
      while (nl >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        nl = out.indexOf('\n');
        if (line.startsWith('rss ')) opts.onRss?.(Number(line.slice(4)));
        else if (line.startsWith('listening ') && url === undefined) {
          url = line.slice('listening '.length);
          clearTimeout(timer);
          resolve({
            url,
            pid: child.pid!,
            process: child,
            exited,
            stderr: () => err,
            kill9: () => {
              child.kill('SIGKILL');
              return exited;
            },
            stop: () => {
              child.kill('SIGTERM');
              return exited;
            },
          });
        }
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      if (url === undefined) reject(new Error(`the collector child exited (${how}) before listening: ${err}`));
    });
  });
}
