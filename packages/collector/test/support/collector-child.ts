/**
 * Child-process entry of the reliability tests: a collector on a data
 * directory, as `seclog serve` runs it (openCollector + listen), without the
 * CLI package the collector may not depend on.
 *
 *   node --conditions=seclog-source --import tsx collector-child.ts <dataDir>
 *
 * Environment: SECLOG_CHILD_FLAGS, JSON config flags merged over the test
 * defaults below; SECLOG_CHILD_RSS_MS, print `rss <bytes>` at that period.
 * Prints `listening <url>` once ready; SIGTERM closes gracefully (exit 0).
 * It stops by itself after SECLOG_CHILD_DEADLINE_MS (default 120 s), so a
 * child left behind by a failed test does not live on.
 */
import { writeSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.js';
import { openCollector } from '../../src/server/collector.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: collector-child.ts <dataDir>');
const flags = JSON.parse(process.env.SECLOG_CHILD_FLAGS ?? '{}') as Record<string, Record<string, unknown>>;
const config = loadConfig({
  env: {},
  flags: {
    ...flags,
    dataDir,
    http: { port: 0, ...flags.http },
    ingest: { perDeviceRatePerSec: 1_000_000, ...flags.ingest },
    logLevel: 'silent',
  },
});
const collector = await openCollector(config);
const url = await collector.listen();
writeSync(1, `listening ${url}\n`);

const rssMs = Number(process.env.SECLOG_CHILD_RSS_MS ?? 0);
const rssTimer = rssMs > 0 ? setInterval(() => writeSync(1, `rss ${process.memoryUsage.rss()}\n`), rssMs) : undefined;
rssTimer?.unref();
const deadline = setTimeout(() => process.kill(process.pid, 'SIGTERM'), Number(process.env.SECLOG_CHILD_DEADLINE_MS ?? 120_000));
deadline.unref();

process.once('SIGTERM', () => {
  clearInterval(rssTimer);
  collector.close().then(
    () => process.exit(0),
    (err: unknown) => {
      writeSync(2, `close failed: ${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
});
