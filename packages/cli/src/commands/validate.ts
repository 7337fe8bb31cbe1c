/** `seclog validate`: check records (NDJSON or a JSON array) against the catalogue schemas. */
import { validateEvent } from '@seclog/core';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { readInput, splitRecords } from '../io.js';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .argument('[file]', 'NDJSON or JSON-array file of events; - or nothing for standard input')
    .description('validate events; prints every violation with its line, path and rule')
    .option('--chained', 'also require the device-stream fields (stream, seq, boot, mono_ms, prev, tq)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string | undefined, opts: { chained?: boolean; json?: boolean }) => {
      let text: string;
      try {
        text = await readInput(file);
      } catch (err) {
        process.stderr.write(`seclog validate: cannot read ${file}: ${(err as Error).message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const records = splitRecords(text);
      const problems: { line: number; path: string; rule: string; message: string }[] = [];
      for (const r of records) {
        if (r.parseError) problems.push({ line: r.line, path: '', rule: 'json', message: r.parseError });
        else for (const i of validateEvent(r.value, { chained: opts.chained === true })) problems.push({ line: r.line, ...i });
      }
      const invalidLines = new Set(problems.map((p) => p.line)).size;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ records: records.length, invalid: invalidLines, problems }, null, 2)}\n`);
      } else {
        for (const p of problems) process.stdout.write(`line ${p.line}: ${p.path || '(record)'}: ${p.rule}: ${p.message}\n`);
        process.stdout.write(`${records.length} records, ${records.length - invalidLines} valid, ${invalidLines} invalid\n`);
      }
      process.exitCode = invalidLines === 0 ? EXIT.ok : EXIT.failed;
    });
}
