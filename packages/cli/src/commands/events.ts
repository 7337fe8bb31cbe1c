/** `seclog events`: the catalogue, as a table or JSON. */
import { catalogueEntries } from '@seclog/core';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';

export function registerEventsCommand(program: Command): void {
  program
    .command('events')
    .description('list the event catalogue (name, group, default severity, mandatory, critical)')
    .option('--json', 'print the catalogue entries as JSON')
    .action((opts: { json?: boolean }) => {
      const entries = catalogueEntries();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      } else {
        const rows = entries.map((e) => [
          e.name,
          e.group,
          e.defaultSeverity,
          e.mandatory ? 'yes' : 'no',
          e.critical ? 'yes' : 'no',
          e.title,
        ]);
        const head = ['NAME', 'GROUP', 'SEVERITY', 'MANDATORY', 'CRITICAL', 'TITLE'];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
        const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ');
        process.stdout.write(`${[fmt(head), ...rows.map(fmt)].join('\n')}\n`);
      }
      process.exitCode = EXIT.ok;
    });
}
