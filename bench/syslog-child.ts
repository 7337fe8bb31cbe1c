/**
 * The collector process of `npm run bench -- syslog`: openCollector with its
 * syslog listeners on a free TCP port, as `seclog serve` runs it.
 *
 *   node --conditions=seclog-source --import tsx bench/syslog-child.ts <dataDir> <flags JSON>
 *
 * Prints `syslog <port>` once listening, then `stored <n>` (messages durably
 * stored, from its own metrics) every 20 ms while the count moves. SIGTERM
 * closes gracefully.
 */
import { writeSync } from 'node:fs';
import { loadConfig } from '../packages/collector/src/config/load.js';
import { openCollector } from '../packages/collector/src/server/collector.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: syslog-child.ts <dataDir> [flags JSON]');
const flags = JSON.parse(process.argv[3] ?? '{}') as Record<string, Record<string, unknown>>;
const config = loadConfig({
  env: {},
  flags: { ...flags, dataDir, http: { port: 0 }, logLevel: 'silent' },
});
const collector = await openCollector(config, { syslog: true, processMetrics: false });
await collector.listen();
writeSync(1, `syslog ${collector.syslog.addresses().tcp?.port}\n`);

let last = -1;
const timer = setInterval(async () => {
  const m = await collector.metrics.registry.getSingleMetric('seclog_syslog_messages_total')?.get();
  const n = m?.values.filter((v) => v.labels.outcome === 'stored').reduce((a, v) => a + v.value, 0) ?? 0;
  if (n !== last) {
    last = n;
    writeSync(1, `stored ${n}\n`);
  }
}, 20);

process.once('SIGTERM', () => {
  clearInterval(timer);
  collector.close().then(
    () => process.exit(0),
    (err: unknown) => {
      writeSync(2, `close failed: ${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
});
