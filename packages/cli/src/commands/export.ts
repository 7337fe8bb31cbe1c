/**
 * `seclog export`: selected events of the data directory to one file, as a
 * provable bundle (default) or in an interchange format without proofs.
 * Works on the data directory directly, like `seclog device`; SQLite's WAL
 * lets it read while a collector runs. The logic is the collector's
 * (exportEvents); this file parses options and reports.
 */
import { access } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { COLLECTOR_DEFAULTS, DB_FILE, EXPORT_FORMATS, type ExportFormat, type ExportSelection, exportEvents } from '@seclog/collector';
import { parseDateTime } from '@seclog/core';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { DATA_OPTION, DB_OPTION, withDataDir } from './device.js';

/** A progress bar on standard error, only when it is a terminal (pipes and logs get the summary alone); `seclog verify` uses it too. */
export interface Progress {
  update: (done: number, total: number) => void;
  stop: () => void;
}

export function startProgress(label: string, unit: string): Progress {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    update: (done, total) => {
      if (stopped) return;
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop: () => {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}

interface ExportFlags {
  data?: string;
  from?: string;
  to?: string;
  device?: string[];
  name?: string[];
  output: string;
  format: string;
  consistencyFrom?: string;
  json?: boolean;
  db?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
];

function timeUs(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    const t = parseDateTime(value);
    return t.ms * 1000 + t.us;
  } catch {
    throw new Error(`--${flag} ${JSON.stringify(value)} is not an RFC 3339 time (e.g. 2026-11-27T13:00:00Z)`);
  }
}

/** Who runs the export, for the log_access record. */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('export events to a file: a seclog-bundle with proofs (default), or OCSF, ECS, CEF or syslog lines without')
    .requiredOption('-o, --output <file>', 'file to write (replaced atomically when complete)')
    .option('--format <format>', `${EXPORT_FORMATS.join(', ')}`, 'bundle')
    .option('--from <time>', 'received at or after this RFC 3339 time (the collector’s clock)')
    .option('--to <time>', 'received before this RFC 3339 time')
    .option('--device <id>', 'only this device (repeat or comma-separate for several)', collect)
    .option('--name <event>', 'only this event name (repeat or comma-separate)', collect)
    .option('--consistency-from <size>', 'bundle: add a consistency proof from this tree size (one you already hold)')
    .option('--json', 'print the summary as JSON on standard output')
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .addHelpText(
      'after',
      '\nA bundle holds the selected events the latest signed checkpoint covers, with the proofs `seclog verify FILE` checks.\nThe export is recorded as a log_access event in the collector’s own stream.',
    )
    .action(async (flags: ExportFlags) => {
      let selection: ExportSelection;
      let consistencyFrom: number | undefined;
      try {
        if (!(EXPORT_FORMATS as readonly string[]).includes(flags.format))
          throw new Error(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
        const fromUs = timeUs('from', flags.from);
        const toUs = timeUs('to', flags.to);
        selection = {
          ...(fromUs === undefined ? {} : { fromUs }),
          ...(toUs === undefined ? {} : { toUs }),
          ...(flags.device === undefined ? {} : { devices: flags.device }),
          ...(flags.name === undefined ? {} : { names: flags.name }),
        };
        if (flags.consistencyFrom !== undefined) {
          consistencyFrom = Number(flags.consistencyFrom);
          if (!Number.isSafeInteger(consistencyFrom) || consistencyFrom < 1) throw new Error('--consistency-from must be a tree size ≥ 1');
        }
        // Exporting never creates a data directory: a mistyped path is an error, not an empty export.
        const dir = flags.data ?? process.env.SECLOG_DATA_DIR ?? COLLECTOR_DEFAULTS.dataDir;
        // With --db the records are in PostgreSQL and the directory holds the keys only.
        const needed = (flags.db ?? process.env.SECLOG_DB) === undefined ? DB_FILE : 'log.key';
        await access(join(dir, needed)).catch(() => {
          throw new Error(`${dir} is not a seclog data directory (no ${needed})`);
        });
      } catch (err) {
        process.stderr.write(`seclog export: ${(err as Error).message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      await withDataDir(
        'export',
        flags.data,
        async (dd) => {
          const progress = startProgress('export', 'rows');
          try {
            const summary = await exportEvents(
              { store: dd.store, verifierKey: dd.key.verifierKey, record: dd.enrol.record },
              {
                selection,
                format: flags.format as ExportFormat,
                out: flags.output,
                actor: osUser(),
                onProgress: progress.update,
                ...(consistencyFrom === undefined ? {} : { consistencyFrom }),
              },
            );
            progress.stop();
            if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
            const proved = summary.treeSize === undefined ? ' (no proofs)' : ` against the checkpoint of tree size ${summary.treeSize}`;
            process.stderr.write(
              `exported ${summary.events} events (${summary.format})${proved} to ${summary.path}: ${summary.bytes} bytes in ${summary.seconds.toFixed(1)} s\n`,
            );
            if ((summary.beyondCheckpoint ?? 0) > 0) {
              process.stderr.write(
                `${summary.beyondCheckpoint} selected events are newer than that checkpoint and are not in the bundle; export again after the collector signs a newer one\n`,
              );
            }
            process.exitCode = EXIT.ok;
          } finally {
            progress.stop();
          }
        },
        flags.db,
      );
    });
}
