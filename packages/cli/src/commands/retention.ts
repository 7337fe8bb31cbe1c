/**
 * `seclog retention run`: one retention run on the data directory now
 * (docs/retention.md), the same the server runs every
 * retention.intervalMinutes. The payloads of events past their group's days
 * (and over retention.maxPayloadBytes) go; their Merkle leaves, the
 * checkpoints and the stream heads stay. The run is recorded in the
 * collector's own stream. `--dry-run` reports what would go and writes
 * nothing. Exit 0 on success, 2 for usage or I/O errors.
 */
import { describePolicy, loadConfig, policyOf, runRetention } from '@seclog/collector';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { DATA_OPTION, DB_OPTION, withDataDir } from './device.js';

const iso = (us: number | null): string => (us === null ? '-' : new Date(Math.floor(us / 1000)).toISOString());

export function registerRetentionCommand(program: Command): void {
  const retention = program.command('retention').description('retention of the stored events (docs/retention.md)');
  retention
    .command('run')
    .description('prune the payloads of events past their retention now (leaves, checkpoints and proofs stay valid)')
    .option('--dry-run', 'report what would be pruned; change nothing')
    .option('--config <file>', 'seclog.yaml to read (the retention key)')
    .option('--json', 'print JSON')
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .action(async (opts: { dryRun?: boolean; config?: string; json?: boolean; data?: string; db?: string }) => {
      await withDataDir(
        'retention run',
        opts.data,
        async (dd) => {
          const config = loadConfig(opts.config === undefined ? {} : { file: opts.config });
          const policy = policyOf(config.retention);
          const r = await runRetention(dd.store, policy, {
            trigger: 'manual',
            dryRun: opts.dryRun === true,
            record: dd.enrol.record,
          });
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          } else {
            const verb = r.dryRun ? 'would prune' : 'pruned';
            const groups = Object.entries(r.groups)
              .map(([g, n]) => `${g} ${n}`)
              .join(', ');
            const lines = [
              `seclog retention run${r.dryRun ? ' (dry run: nothing changed)' : ''}: policy ${describePolicy(policy)}`,
              `  ${verb} ${r.deleted} events (${r.bytes} bytes)${groups === '' ? '' : `: ${groups}`}${r.overCap > 0 ? `; ${r.overCap} of them over the size cap` : ''}`,
              `  oldest event kept: received ${iso(r.oldestKeptUs)}; stored record bytes now ${r.payloadBytes}`,
              r.dryRun
                ? ''
                : `  recorded as ${r.id} (log_retention_run in the collector's stream); leaves, checkpoints and stream heads kept`,
            ].filter((l) => l !== '');
            process.stdout.write(`${lines.join('\n')}\n`);
          }
          process.exitCode = EXIT.ok;
        },
        opts.db,
      );
    });
}
