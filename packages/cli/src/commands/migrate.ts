/**
 * `seclog migrate --from ./seclog-data --to postgres://…`: copies a data
 * directory's SQLite store into an empty PostgreSQL database, the Merkle log
 * exactly as it is (collector/src/migrate/sqlite-to-pg.ts), then checks the
 * copy. Progress on standard error: a bar on a terminal (cli-progress), a
 * line per tenth otherwise. Exit 0 copied and checked, 1 the copy does not
 * match the source, 2 usage, a non-empty target, or I/O.
 */
import { migrateSqliteToPg, withoutPassword } from '@seclog/collector';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { startProgress } from './export.js';

interface MigrateFlags {
  from: string;
  to: string;
  json?: boolean;
}

/** Progress for a pipe or a log file: a line at every further tenth of the rows. */
function plainProgress(): { update: (done: number, total: number) => void; stop: () => void } {
  let shown = -1;
  return {
    update: (done, total) => {
      const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (tenth <= shown) return;
      shown = tenth;
      process.stderr.write(`migrate: ${done}/${total} rows (${tenth * 10}%)\n`);
    },
    stop: () => {},
  };
}

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('copy a data directory’s SQLite store into an empty PostgreSQL database, the Merkle log exactly as it is')
    .requiredOption('--from <dir>', 'the data directory (its seclog.db; the keys stay there)')
    .requiredOption('--to <url>', 'an empty PostgreSQL database (postgres://…; password in PGPASSWORD or ~/.pgpass)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nStop the collector first. Afterwards run `seclog serve --data DIR --db URL` (the keys stay in DIR) and `seclog verify --data DIR --db URL`.\nExit codes: 0 copied and checked, 1 the copy does not match the source, 2 usage, a non-empty target or I/O.',
    )
    .action(async (flags: MigrateFlags) => {
      const progress = process.stderr.isTTY ? startProgress('migrate', 'rows') : plainProgress();
      try {
        if (!/^postgres(ql)?:\/\//.test(flags.to)) throw new Error('--to takes a postgres:// or postgresql:// URL');
        const r = await migrateSqliteToPg(flags.from, flags.to, { onProgress: progress.update });
        progress.stop();
        if (flags.json === true) {
          process.stdout.write(`${JSON.stringify({ from: flags.from, to: withoutPassword(flags.to), ...r }, null, 2)}\n`);
        } else {
          const rows = r.tables.reduce((n, t) => n + t.rows, 0);
          const lines = [
            `migrated ${flags.from} to ${withoutPassword(flags.to)}: ${rows} rows in ${r.tables.length} tables (${r.seconds.toFixed(1)} s)`,
            `  ${r.events} positions, tree size ${r.treeSize}, root ${r.root || '-'}: the same as the source`,
            `  ${r.checkpoints} checkpoints copied, each consistent with the new tree`,
            ...r.tables.filter((t) => t.rows > 0).map((t) => `  ${t.table}: ${t.rows}`),
          ];
          if (r.notCopied.length > 0) lines.push(`  not copied (no such table in PostgreSQL): ${r.notCopied.join(', ')}`);
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        process.exitCode = EXIT.ok;
      } catch (err) {
        progress.stop();
        const e = err as Error & { code?: string };
        if (flags.json === true) {
          process.stdout.write(`${JSON.stringify({ ok: false, error: { code: e.code ?? 'USAGE', message: e.message } }, null, 2)}\n`);
        }
        process.stderr.write(`seclog migrate: ${e.message}\n`);
        process.exitCode = e.code === 'MIGRATE_MISMATCH' ? EXIT.failed : EXIT.usage;
      }
    });
}
