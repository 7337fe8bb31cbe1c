/**
 * `seclog docs`: the logging section of the product's technical file,
 * generated from the data directory's live configuration and state
 * (docs/compliance.md). Markdown is the source; html is rendered from it and
 * pdf prints that html with headless Chromium. The generation is recorded
 * (log_access in the collector's own stream, and the record the check's
 * documentation item compares with) once the file is complete, before it
 * takes its name: an interrupted run leaves neither a file nor a record.
 * Exit 0 when written, 2 for usage or I/O errors (Chromium missing included).
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { extname } from 'node:path';
import {
  DOCS_FORMATS,
  type DocsFormat,
  generateComplianceDocs,
  loadConfig,
  OwnStreamBuilder,
  rulesInForce,
  SECLOG_VERSION,
} from '@seclog/collector';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { DATA_OPTION, DB_OPTION, withDataDir } from './device.js';

interface DocsFlags {
  output?: string;
  format?: string;
  days: string;
  config?: string;
  data?: string;
  db?: string;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/** --format, else the output file's extension, else md. */
function formatOf(flags: DocsFlags): DocsFormat | undefined {
  const given = flags.format ?? (flags.output === undefined ? 'md' : extname(flags.output).slice(1).toLowerCase() || 'md');
  const f = given === 'markdown' ? 'md' : given === 'htm' ? 'html' : given;
  return (DOCS_FORMATS as readonly string[]).includes(f) ? (f as DocsFormat) : undefined;
}

export function registerDocsCommand(program: Command): void {
  program
    .command('docs')
    .description("generate the logging section of the product's technical file from the live configuration and state")
    .option('-o, --output <file>', 'write here (replaced when complete) instead of standard output')
    .option('--format <format>', `${DOCS_FORMATS.join(', ')} (default: from the file extension, else md)`)
    .option('--days <n>', 'window of the measured figures, in days', '7')
    .option('--config <file>', 'seclog.yaml the collector runs with')
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .addHelpText(
      'after',
      '\npdf needs Chromium (apt-get install chromium, or SECLOG_CHROMIUM=/path).\nEach run is recorded as log_access; `seclog check` passes its documentation item while the configuration stays as documented.',
    )
    .action(async (flags: DocsFlags) => {
      const format = formatOf(flags);
      const days = Number(flags.days);
      const usage = (msg: string) => {
        process.stderr.write(`seclog docs: ${msg}\n`);
        process.exitCode = EXIT.usage;
      };
      if (format === undefined)
        return usage(`--format must be one of ${DOCS_FORMATS.join(', ')}, got ${JSON.stringify(flags.format ?? flags.output)}`);
      if (!Number.isInteger(days) || days < 1 || days > 366) {
        return usage(`--days must be a whole number of days from 1 to 366, got ${JSON.stringify(flags.days)}`);
      }
      if (flags.output === undefined && format === 'pdf' && process.stdout.isTTY) {
        return usage('a PDF is not for the terminal: give -o <file>.pdf or redirect standard output');
      }
      await withDataDir(
        'docs',
        flags.data,
        async (dd) => {
          const config = loadConfig(flags.config === undefined ? {} : { file: flags.config });
          const user = osUser();
          const own = new OwnStreamBuilder(dd.store, dd.key.origin);
          const docs = await generateComplianceDocs({
            store: dd.store,
            config,
            log: { origin: dd.key.origin, verifierKey: dd.key.verifierKey },
            rules: rulesInForce(dd.store, config.detect),
            storage: dd.storeLocation.startsWith('postgres') ? { kind: 'postgresql' } : { kind: 'sqlite', dataDir: dd.path },
            days,
            version: SECLOG_VERSION,
            format,
            reader: { user, label: `${user} (seclog docs on the data directory)` },
            record: (events) => own.appendNow(events),
          });
          if (flags.output === undefined) {
            await docs.commit();
            process.stdout.write(docs.body);
            return;
          }
          const tmp = `${flags.output}.tmp-${process.pid}`;
          try {
            writeFileSync(tmp, docs.body, { mode: 0o644 });
            await docs.commit();
            renameSync(tmp, flags.output);
          } catch (err) {
            rmSync(tmp, { force: true });
            throw err;
          }
          process.stdout.write(
            `wrote ${flags.output} (${format}, ${docs.body.length} bytes); markdown SHA-256 ${docs.generation.sha256}\n` +
              `configuration digest ${docs.generation.configDigest}: \`seclog check\` passes its documentation item until the configuration changes\n`,
          );
        },
        flags.db,
      );
    });
}
