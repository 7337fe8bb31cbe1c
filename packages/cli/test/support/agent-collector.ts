/**
 * For the SecurityLogger end-to-end tests: a real collector in this process
 * on a temp data directory, a device enrolled with `seclog device add --out`
 * (the CLI in a child process, on the running collector's data directory),
 * and reads of what the collector stored.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoggerConfig } from '@seclog/agent';
import { type Collector, loadConfig, openCollector } from '@seclog/collector';
import { runCli } from './run-cli.js';

export interface RunningCollector {
  readonly c: Collector;
  readonly url: string;
  readonly dataDir: string;
  readonly port: number;
}

/** A collector on `dataDir`; `port` 0 picks one (a restart passes the first one's). */
export async function startCollector(dataDir: string, port = 0): Promise<RunningCollector> {
  const config = loadConfig({
    env: {},
    cwd: dataDir,
    flags: { dataDir, http: { port }, ingest: { perDeviceRatePerSec: 1_000_000 }, logLevel: 'silent' },
  });
  const c = await openCollector(config);
  const url = await c.listen();
  return { c, url, dataDir, port: Number(new URL(url).port) };
}

/** `seclog device add <id> --out <file>`; returns the device file as the agent reads it. */
export function enrolDevice(r: RunningCollector, id: string, dir: string, profile: 'low' | 'high' = 'high'): LoggerConfig {
  const out = join(dir, `${id}.json`);
  const res = runCli(['device', 'add', id, '--profile', profile, '--out', out, '--collector', r.url, '--data', r.dataDir]);
  if (res.code !== 0) throw new Error(`device add failed (${res.code}): ${res.stderr}`);
  return JSON.parse(readFileSync(out, 'utf8')) as LoggerConfig;
}

export interface StoredRecord {
  readonly seq: number;
  readonly name: string;
  readonly rec: Record<string, unknown>;
}

/** The records the collector stored for `stream`, in commit order. */
export function storedRecords(c: Collector, stream: string): StoredRecord[] {
  const store = c.data.store;
  return store
    .readEvents(0, store.eventCount())
    .filter((e) => e.stream === stream)
    .map((e) => {
      const rec = JSON.parse(e.canonical) as Record<string, unknown>;
      return { seq: e.seq as number, name: rec.name as string, rec };
    });
}

/** The collector's own records named `name` (log_gap, log_integrity_fail, …). */
export function ownEvents(c: Collector, name: string): Record<string, unknown>[] {
  const store = c.data.store;
  return store
    .readEvents(0, store.eventCount())
    .map((e) => JSON.parse(e.canonical) as Record<string, unknown>)
    .filter((e) => e.name === name && (e.device as { id: string }).id === 'collector');
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
