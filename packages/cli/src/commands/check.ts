/**
 * `seclog check`: the guide's compliance checklist (six items) answered from
 * the data directory's live state, each item pass or fail with its evidence
 * (docs/compliance.md). Exit 0 when every item passes, 1 when any fails, 2
 * for usage or I/O errors. Works on the data directory directly, like
 * `seclog device`; the same report is at GET /api/v1/compliance/check.
 */
import { type CheckReport, detectionOf, documentationDigest, loadConfig, rulesInForce, runComplianceCheck } from '@seclog/collector';
import type { Command } from 'commander';
import pc from 'picocolors';
import { EXIT } from '../exit-codes.js';
import { DATA_OPTION, DB_OPTION, withDataDir } from './device.js';

function render(r: CheckReport): string {
  const lines = [`seclog check: ${r.window.from} to ${r.window.to} (${r.window.days} days)`, ''];
  for (const item of r.items) {
    lines.push(`${item.pass ? pc.green('PASS') : pc.red('FAIL')}  ${item.title}`);
    if (item.why !== undefined) lines.push(`      why: ${item.why}`);
    for (const e of item.evidence) lines.push(`      - ${e}`);
  }
  const failed = r.items.filter((i) => !i.pass).length;
  lines.push('', failed === 0 ? pc.green('all six items pass') : pc.red(`${failed} of ${r.items.length} items fail`));
  return `${lines.join('\n')}\n`;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description("answer the compliance checklist from the collector's live state (exit 1 when an item fails)")
    .option('--days <n>', 'the window, in days', '7')
    .option('--config <file>', 'seclog.yaml to read (detection settings)')
    .option('--json', 'print JSON')
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .action(async (opts: { days: string; config?: string; json?: boolean; data?: string; db?: string }) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 366) {
        process.stderr.write(`seclog check: --days must be a whole number of days from 1 to 366, got ${JSON.stringify(opts.days)}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      await withDataDir(
        'check',
        opts.data,
        (dd) => {
          const config = loadConfig(opts.config === undefined ? {} : { file: opts.config });
          // Free space is reported for the SQLite file's file system; a PostgreSQL server's is not visible from here.
          const local = !dd.storeLocation.startsWith('postgres');
          const report = runComplianceCheck({
            store: dd.store,
            detection: detectionOf(dd.store, config.detect),
            ...(local ? { dataDir: dd.path } : {}),
            days,
            horizons: config.devices,
            // The documentation item compares the last `seclog docs` with this configuration and rule set.
            docs: { configDigest: documentationDigest(config, rulesInForce(dd.store, config.detect)) },
          });
          process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
          process.exitCode = report.pass ? EXIT.ok : EXIT.failed;
        },
        opts.db,
      );
    });
}
