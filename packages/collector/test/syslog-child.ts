/**
 * Child-process entry of the syslog kill test: a collector with its syslog
 * listeners, as `seclog serve` runs it.
 *
 *   node --conditions=seclog-source --import tsx syslog-child.ts <dataDir> <syslog flags JSON>
 *
 * Prints `syslog <tcp port>` once listening; SIGTERM closes gracefully. It
 * stops by itself after 120 s, so a child left behind by a failed test does
 * not live on.
 */
import { writeSync } from 'node:fs';
import { loadConfig } from '../src/config/load.js';
import { openCollector } from '../src/server/collector.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: syslog-child.ts <dataDir> [syslog flags JSON]');
const syslog = JSON.parse(process.argv[3] ?? '{}') as Record<string, unknown>;
const config = loadConfig({
  env: {},
  flags: { dataDir, http: { port: 0 }, syslog, detect: { enabled: false }, logLevel: 'silent' },
});
const collector = await openCollector(config, { syslog: true, processMetrics: false });
await collector.listen();
writeSync(1, `syslog ${collector.syslog.addresses().tcp?.port}\n`);
const deadline = setTimeout(() => process.kill(process.pid, 'SIGTERM'), 120_000);
deadline.unref();
process.once('SIGTERM', () => {
  collector.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
