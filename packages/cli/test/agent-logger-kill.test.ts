/**
 * Issue D item 9: kill -9 of the device process while it logs. Every
 * critical event whose promise resolved (the child prints its seq after the
 * await) reaches the collector after the device process is started again,
 * and the stream continues without a gap or a break in the chain.
 *
 * The collector is down while the child logs, so nothing is shipped before
 * the kill: every record has to come out of the ring.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Collector } from '@seclog/collector';
import { enrolDevice, ownEvents, range, startCollector, storedRecords } from './support/agent-collector.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-logger-kill-'));
after(() => rmSync(root, { recursive: true, force: true }));

const child = fileURLToPath(new URL('./support/agent-device-child.ts', import.meta.url));

interface Run {
  lines: string[];
  exited: Promise<number | string>;
  kill9(): void;
  /** Resolves once `pred` holds for the lines printed so far. */
  until(pred: (lines: string[]) => boolean, timeoutMs: number): Promise<void>;
}

function runDevice(mode: 'log' | 'drain', config: unknown): Run {
  const p = spawn(process.execPath, ['--conditions=seclog-source', '--import', 'tsx', child, mode], {
    env: { ...process.env, SECLOG_AGENT_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buf = '';
  let err = '';
  const waiters = new Set<() => void>();
  p.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters) w();
  });
  p.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | string>((resolve) => p.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return {
    lines,
    exited,
    kill9: () => p.kill('SIGKILL'),
    until: (pred, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!pred(lines)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`device child: timed out; stdout tail ${lines.slice(-3).join(' | ')}; stderr ${err}`));
        }, timeoutMs);
        waiters.add(check);
        void exited.then(() => {
          if (!pred(lines)) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`device child exited early: ${err}`));
          }
        });
        check();
      }),
  };
}

test('kill -9 while logging: every critical event whose promise resolved is delivered after the restart', async () => {
  const dataDir = join(root, 'data');
  const first = await startCollector(dataDir);
  const file = enrolDevice(first, 'gw-9', root, 'high');
  await first.c.close();
  const config = { ...file, store: { path: join(root, 'gw-9.ring') } };

  const logging = runDevice('log', config);
  const durable = (lines: string[]): number[] => lines.filter((l) => l.startsWith('durable ')).map((l) => Number(l.slice(8)));
  try {
    await logging.until((l) => durable(l).length >= 400, 45_000);
  } finally {
    logging.kill9();
  }
  assert.equal(await logging.exited, 'SIGKILL');
  const promised = durable(logging.lines);

  const second = await startCollector(dataDir, first.port);
  try {
    const drain = runDevice('drain', config);
    await drain.until((l) => l.some((x) => x.startsWith('flushed ')), 45_000);
    assert.equal(await drain.exited, 0);
    const opened = Number(drain.lines.find((l) => l.startsWith('open '))!.slice(5));
    assert.ok(opened >= Math.max(...promised), 'the restarted logger continues after every record the killed one reported');

    const stream = streamOf(second.c);
    const stored = storedRecords(second.c, stream);
    const seqs = stored.map((s) => s.seq);
    assert.deepEqual(seqs, range(1, seqs.length), 'one stream, no gap, each record once');
    const have = new Set(seqs);
    const missing = promised.filter((s) => !have.has(s));
    assert.deepEqual(missing, [], 'every critical event reported durable was delivered');
    assert.deepEqual(ownEvents(second.c, 'log_integrity_fail'), [], 'the chain (and seals) continued across the kill');
  } finally {
    await second.c.close();
  }
});

/** The one device stream the collector holds (the kill test's device has exactly one). */
function streamOf(c: Collector): string {
  const store = c.data.store;
  const streams = new Set(
    store
      .readEvents(0, store.eventCount())
      .filter((e) => e.device === 'gw-9')
      .map((e) => e.stream as string),
  );
  assert.equal(streams.size, 1, `streams: ${[...streams].join(', ')}`);
  return [...streams][0]!;
}
