/**
 * A device process for the kill -9 test: a SecurityLogger on the ring and
 * device file given in SECLOG_AGENT_CONFIG (JSON).
 *
 *   node --conditions=seclog-source --import tsx agent-device-child.ts log
 *     logs critical events from 4 concurrent loops (plus optional events in
 *     between, not awaited) and prints `durable <seq>` after each critical
 *     event's promise resolved; runs until killed.
 *   … agent-device-child.ts drain
 *     opens the logger, flushes to the collector, prints `flushed <lastSeq>`, closes.
 *
 * Stops by itself after 60 s, so a child left behind by a failed test does not live on.
 */
import { writeSync } from 'node:fs';
import { type LoggerConfig, SecurityLogger } from '@seclog/agent';

const mode = process.argv[2];
const config = JSON.parse(process.env.SECLOG_AGENT_CONFIG ?? '{}') as LoggerConfig;
setTimeout(() => process.exit(3), 60_000).unref();

const log = await SecurityLogger.open({ ...config, ship: { backoff: { baseMs: 20, maxMs: 200 } } });
writeSync(1, `open ${log.status().lastSeq}\n`);

if (mode === 'drain') {
  await log.flush({ timeoutMs: 30_000 });
  writeSync(1, `flushed ${log.status().lastSeq}\n`);
  await log.close();
  process.exit(0);
}

let i = 0;
async function loop(k: number): Promise<never> {
  for (;;) {
    const n = i++;
    if (n % 3 === 0) void log.sessionStarted({ user: `u${k}`, source: 'web' });
    const r = await log.loginFailed({ user: `user${n % 50}`, sourceIp: '203.0.113.7', method: 'password', reason: 'bad_password' });
    writeSync(1, `durable ${r.seq}\n`);
  }
}
await Promise.all([loop(0), loop(1), loop(2), loop(3)]);
