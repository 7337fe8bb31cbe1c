/**
 * `seclog demo`: a collector plus a simulated fleet running the real agent,
 * with everyday traffic and scripted incidents (docs/demo.md). Ends after
 * --minutes, or at SIGINT/SIGTERM, shutting down gracefully.
 */
import type { Command } from 'commander';
import { DEFAULT_DEMO_DIR } from '../demo/demo-dir.js';
import { runDemo } from '../demo/run-demo.js';
import { EXIT } from '../exit-codes.js';
import { dashboardOption } from './serve.js';

/** Beside `npm start` (8080), so both can run at once. */
const DEMO_PORT = 8090;

interface DemoFlags {
  devices: string;
  minutes?: string;
  data: string;
  port: string;
  fast?: boolean;
  json?: boolean;
}

function number(v: string, flag: string, ok: (n: number) => boolean, rule: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new Error(`--${flag} must be ${rule} (got ${JSON.stringify(v)})`);
  return n;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run a collector and a simulated fleet (real agent) with scripted incidents; prints the dashboard URL and a login')
    .option('--devices <n>', 'simulated devices (the first 8 carry the incidents)', '8')
    .option('--minutes <m>', 'stop after this many minutes (default: run until Ctrl-C)')
    .option('--data <dir>', 'demo directory: collector data and device rings; replaced if an earlier demo made it', DEFAULT_DEMO_DIR)
    .option('--port <port>', 'HTTP port of the demo collector (0 picks a free one)', String(DEMO_PORT))
    .option('--fast', 'compress the incident timeline tenfold (about 15 s instead of 2 min)')
    .option('--json', 'print the URL and credentials as one JSON line first')
    .action(async (flags: DemoFlags) => {
      let devices: number;
      let minutes: number | undefined;
      let port: number;
      try {
        devices = number(flags.devices, 'devices', (n) => Number.isInteger(n) && n >= 1 && n <= 500, 'an integer in 1–500');
        minutes = flags.minutes === undefined ? undefined : number(flags.minutes, 'minutes', (n) => n > 0, 'a number above 0');
        port = number(flags.port, 'port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port number (0–65535)');
      } catch (err) {
        process.stderr.write(`seclog demo: ${(err as Error).message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const ac = new AbortController();
      const stop = (): void => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await runDemo({
          dir: flags.data,
          devices,
          minutes,
          port,
          fast: flags.fast === true,
          json: flags.json === true,
          out: (line) => process.stdout.write(`${line}\n`),
          signal: ac.signal,
          dashboard: dashboardOption((line) => process.stderr.write(`seclog demo: ${line}\n`)),
        });
        process.exitCode = EXIT.ok;
      } catch (err) {
        process.stderr.write(`seclog demo: ${(err as Error).message}\n`);
        process.exitCode = EXIT.usage;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
