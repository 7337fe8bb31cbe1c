/**
 * Shared pieces of the notify-*.test.ts files: notices, a store on a temp
 * file that can be reopened (a restart), a notify config with fast retries,
 * a scriptable in-memory channel, a recording logger, and waiting for a
 * condition without fixed sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_DEFAULTS } from '../src/config/defaults.js';
import type { NotifyChannelConfig, NotifyConfig } from '../src/config/schema.js';
import type { AlertNotice, Channel, ChannelType, Delivery, NotifyLogger, SendResult } from '../src/notify/types.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite-store.js';

export function notice(n: number, over: Partial<AlertNotice> = {}): AlertNotice {
  return {
    alertId: `alr-${String(n).padStart(4, '0')}`,
    ruleId: 'seclog.brute_force_login',
    ruleVersion: '3',
    ruleTitle: 'More than 10 failed logins in one minute',
    severity: 'high',
    groupKey: 'gw-0042/203.0.113.9',
    count: 11,
    windowStart: '2026-11-04T09:00:00.000000Z',
    windowEnd: '2026-11-04T09:01:00.000000Z',
    evidence: ['0193a1f2-6a01-7c3d-8e10-1a2b3c4d5e01', '0193a1f2-6a4f-7c3d-9e11-1a2b3c4d5e02'],
    suppressed: 0,
    createdAt: '2026-11-04T09:01:00.250000Z',
    ...over,
  };
}

/** CONFIG_DEFAULTS.notify with retries in milliseconds, so a test sees several in well under a second. */
export function notifyConfig(channels: NotifyChannelConfig[] = [], over: Partial<NotifyConfig['retry']> = {}): NotifyConfig {
  return {
    ...CONFIG_DEFAULTS.notify,
    minSeverity: 'low',
    channels,
    retry: { initialDelayMs: 20, maxDelayMs: 80, maxAttempts: 50, maxAgeMs: 60_000, timeoutMs: 2_000, ...over },
  };
}

export interface TempStore {
  readonly store: SqliteStore;
  /** Close and open the same file again, as a restart does. */
  reopen(): SqliteStore;
  dispose(): void;
}

export function tempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'seclog-notify-'));
  const path = join(dir, 'seclog.db');
  let store = openSqliteStore(path);
  return {
    get store() {
      return store;
    },
    reopen() {
      store.close();
      store = openSqliteStore(path);
      return store;
    },
    dispose() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A channel whose answers a test scripts; it records every delivery. */
export class MemoryChannel implements Channel {
  readonly peer = { host: 'memory.test', port: 1, protocol: 'memory' };
  readonly deliveries: Delivery[] = [];
  closed = false;
  constructor(
    readonly name: string,
    public answer: (d: Delivery, signal: AbortSignal) => Promise<SendResult> | SendResult = () => ({ kind: 'delivered' }),
    readonly type: ChannelType = 'webhook',
  ) {}

  async send(d: Delivery, signal: AbortSignal): Promise<SendResult> {
    this.deliveries.push(d);
    return this.answer(d, signal);
  }

  close(): void {
    this.closed = true;
  }
}

/** A promise that settles only when the signal aborts (a receiver that never answers). */
export function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

export class RecordingLog implements NotifyLogger {
  readonly lines: { level: 'warn' | 'error'; msg: string; obj: Record<string, unknown> }[] = [];
  warn(obj: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'warn', msg, obj });
  }
  error(obj: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'error', msg, obj });
  }
}

/** Polls `cond` every few ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
