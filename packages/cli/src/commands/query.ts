/**
 * `seclog query`: the events API (GET /api/v1/events) of a running collector,
 * as a table or as JSON lines. The filters are the API's query parameters;
 * `--all` follows the `next` cursor to the last page.
 */
import Table from 'cli-table3';
import type { Command } from 'commander';
import pc from 'picocolors';
import { EXIT } from '../exit-codes.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** Filter options shared with `seclog tail`, named as the API's parameters. */
export const FILTER_OPTIONS: readonly [flags: string, description: string][] = [
  ['--from <time>', 'device time at or after (RFC 3339, e.g. 2026-11-27T08:00:00Z)'],
  ['--to <time>', 'device time before (RFC 3339)'],
  ['--device <id>', 'device id'],
  ['--name <name>', 'event name, e.g. authn_login_fail'],
  ['--outcome <outcome>', 'success, failure or unknown'],
  ['--severity <severity>', 'info, low, medium, high or critical'],
  ['--ip <address>', 'actor IP address'],
  ['--user <user>', 'actor user'],
  ['--q <text>', 'free text in any string value (ASCII letters in either case)'],
];
const FILTER_KEYS = ['from', 'to', 'device', 'name', 'outcome', 'severity', 'ip', 'user', 'q'] as const;

export interface ServerOptions {
  server?: string;
  token?: string;
}

export type FilterOptions = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

/** An event as the API returns it. */
export interface ApiEvent {
  leafIndex: number;
  received: string;
  record: {
    id: string;
    name: string;
    time: string;
    severity: string;
    outcome: string;
    device: { id: string };
    actor?: { user?: string; ip?: string };
    target?: { resource?: string; user?: string; setting?: string };
    message?: string;
  };
}

/** A failure to report: the server's error message, or why the server could not be reached. */
export class CliRequestError extends Error {}

export function addServerOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', `collector URL (default SECLOG_URL or ${DEFAULT_SERVER})`)
    .option('--token <token>', 'API token (default SECLOG_TOKEN)');
}

export function addFilterOptions(cmd: Command): Command {
  for (const [flags, description] of FILTER_OPTIONS) cmd.option(flags, description);
  return cmd;
}

export function connection(opts: ServerOptions): { base: string; token: string } {
  const base = (opts.server ?? process.env.SECLOG_URL ?? DEFAULT_SERVER).replace(/\/+$/, '');
  const token = opts.token ?? process.env.SECLOG_TOKEN;
  if (token === undefined || token === '')
    throw new CliRequestError('an API token is needed: --token or SECLOG_TOKEN (seclog token create)');
  return { base, token };
}

export function filterParams(opts: FilterOptions): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) if (opts[k] !== undefined) p.set(k, opts[k] as string);
  return p;
}

/** fetch, with a refused or failed request turned into a CliRequestError carrying the server's message. */
export async function apiFetch(url: string, token: string, headers: Record<string, string> = {}): Promise<Response> {
  let res: Response;
  const get = () => fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers } });
  try {
    // One retry: a GET is safe to repeat, and a kept-alive connection closed by the server as idle fails once.
    res = await get().catch(get);
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new CliRequestError(`cannot reach ${new URL(url).origin}: ${cause ?? (err as Error).message}`);
  }
  if (!res.ok) {
    const text = await res.text();
    let message = `HTTP ${res.status}`;
    try {
      const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      if (e?.message) message = `${e.message} (${e.code ?? res.status})`;
    } catch {
      if (text) message += `: ${text.slice(0, 200)}`;
    }
    throw new CliRequestError(message);
  }
  return res;
}

const SEVERITY_COLOUR: Record<string, (s: string) => string> = {
  critical: (s) => pc.bold(pc.red(s)),
  high: pc.red,
  medium: pc.yellow,
  low: pc.cyan,
  info: pc.dim,
};

function actorOf(r: ApiEvent['record']): string {
  const a = r.actor;
  if (a === undefined) return '';
  return [a.user, a.ip].filter((x) => x !== undefined).join(' @ ');
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** One line per event for `seclog tail`: leaf, time, device, name, severity, outcome, actor, message. */
export function eventLine(e: ApiEvent): string {
  const r = e.record;
  const sev = (SEVERITY_COLOUR[r.severity] ?? ((s: string) => s))(r.severity);
  const outcome = r.outcome === 'failure' ? pc.red(r.outcome) : r.outcome;
  return [pc.dim(String(e.leafIndex)), r.time, r.device.id, pc.bold(r.name), sev, outcome, actorOf(r), r.message ?? '']
    .filter((x) => x !== '')
    .join('  ');
}

export function eventTable(events: readonly ApiEvent[]): string {
  const table = new Table({
    head: ['LEAF', 'TIME', 'DEVICE', 'NAME', 'SEVERITY', 'OUTCOME', 'ACTOR', 'MESSAGE'],
    style: { head: [], border: [] },
  });
  for (const e of events) {
    const r = e.record;
    table.push([
      String(e.leafIndex),
      r.time,
      r.device.id,
      r.name,
      (SEVERITY_COLOUR[r.severity] ?? ((s: string) => s))(r.severity),
      r.outcome === 'failure' ? pc.red(r.outcome) : r.outcome,
      clip(actorOf(r), 40),
      clip(r.message ?? '', 60),
    ]);
  }
  return table.toString();
}

/** Prints a failure as `seclog <command>: …` and sets exit code 2. */
export function fail(command: string, err: unknown): void {
  const message = err instanceof CliRequestError ? err.message : `${(err as Error).message}`;
  process.stderr.write(`seclog ${command}: ${message}\n`);
  process.exitCode = EXIT.usage;
}

interface QueryOptions extends ServerOptions, FilterOptions {
  limit?: string;
  cursor?: string;
  json?: boolean;
  all?: boolean;
}

export function registerQueryCommand(program: Command): void {
  const cmd = program
    .command('query')
    .description('query the events of a running collector, newest first (GET /api/v1/events)')
    .option('--limit <n>', 'events per page, 1–1000 (server default 100)')
    .option('--cursor <cursor>', 'continue from a previous page (the cursor printed after it)')
    .option('--json', 'print one JSON object per event (leafIndex, received, record)')
    .option('--all', 'follow every page to the last one');
  addServerOptions(cmd);
  addFilterOptions(cmd);
  cmd.action(async (opts: QueryOptions) => {
    try {
      const { base, token } = connection(opts);
      const params = filterParams(opts);
      if (opts.limit !== undefined) params.set('limit', opts.limit);
      let cursor = opts.cursor;
      let printed = 0;
      for (;;) {
        if (cursor !== undefined) params.set('cursor', cursor);
        const res = await apiFetch(`${base}/api/v1/events?${params}`, token);
        const page = (await res.json()) as { events: ApiEvent[]; next: string | null };
        if (opts.json) {
          if (page.events.length > 0) process.stdout.write(`${page.events.map((e) => JSON.stringify(e)).join('\n')}\n`);
        } else if (page.events.length > 0) {
          process.stdout.write(`${eventTable(page.events)}\n`);
        }
        printed += page.events.length;
        if (page.next === null) break;
        if (!opts.all) {
          process.stderr.write(`more: seclog query … --cursor ${page.next}   (or --all)\n`);
          break;
        }
        cursor = page.next;
      }
      if (printed === 0 && !opts.json) process.stderr.write('no events match\n');
      process.exitCode = EXIT.ok;
    } catch (err) {
      fail('query', err);
    }
  });
}
