/** `seclog serve`: the collector. Until it lands (issue C) this says what is coming and exits cleanly. */
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the collector (HTTP ingest, Merkle log, query, dashboard)')
    .action(() => {
      process.stdout.write(
        [
          'seclog collector: not in this build yet.',
          'What works today: the event catalogue and its validation and wire formats:',
          '  npx seclog events              list the catalogue',
          '  npx seclog validate FILE       validate NDJSON events',
          '  npx seclog convert --to ocsf   encode events as OCSF, ECS, CEF, RFC 5424 or OTLP',
          'Coming next: the collector on 127.0.0.1:8080 with embedded SQLite and the dashboard (see docs/README.md).',
          '',
        ].join('\n'),
      );
      process.exitCode = EXIT.ok;
    });
}
