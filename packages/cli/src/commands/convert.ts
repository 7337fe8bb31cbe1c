/** `seclog convert --to <format>`: encode records for other tools. */
import {
  canonicalize,
  encodeEventSyslog,
  formatIssues,
  frameOctetCounted,
  type SecurityEvent,
  toCef,
  toEcs,
  toOcsf,
  toOtlpLogs,
  validateEvent,
} from '@seclog/core';
import { type Command, Option } from 'commander';
import { EXIT } from '../exit-codes.js';
import { readInput, splitRecords } from '../io.js';

export const CONVERT_FORMATS = ['ocsf', 'ecs', 'cef', 'syslog', 'syslog-framed', 'otlp', 'jcs'] as const;
export type ConvertFormat = (typeof CONVERT_FORMATS)[number];

/** Encode valid records; one output line per record (OTLP: one JSON document for all). */
export function encodeRecords(events: SecurityEvent[], to: ConvertFormat): string {
  switch (to) {
    case 'ocsf':
      return events.map((e) => `${JSON.stringify(toOcsf(e))}\n`).join('');
    case 'ecs':
      return events.map((e) => `${JSON.stringify(toEcs(e))}\n`).join('');
    case 'cef':
      return events.map((e) => `${toCef(e)}\n`).join('');
    case 'syslog':
      return events.map((e) => `${encodeEventSyslog(e)}\n`).join('');
    case 'syslog-framed':
      return events.map((e) => Buffer.from(frameOctetCounted(encodeEventSyslog(e))).toString('utf8')).join('');
    case 'otlp':
      return `${JSON.stringify(toOtlpLogs(events))}\n`;
    case 'jcs':
      return events.map((e) => `${canonicalize(e)}\n`).join('');
  }
}

export function registerConvertCommand(program: Command): void {
  program
    .command('convert')
    .argument('[file]', 'NDJSON or JSON-array file of events; - or nothing for standard input')
    .description('encode events as OCSF, ECS, CEF, RFC 5424 syslog, OTLP/HTTP JSON or canonical JSON')
    .addOption(new Option('--to <format>', 'output format').choices(CONVERT_FORMATS).makeOptionMandatory())
    .action(async (file: string | undefined, opts: { to: ConvertFormat }) => {
      let text: string;
      try {
        text = await readInput(file);
      } catch (err) {
        process.stderr.write(`seclog convert: cannot read ${file}: ${(err as Error).message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const valid: SecurityEvent[] = [];
      let invalid = 0;
      for (const r of splitRecords(text)) {
        const issues = r.parseError ? [] : validateEvent(r.value);
        if (r.parseError || issues.length > 0) {
          invalid++;
          process.stderr.write(`line ${r.line}: ${r.parseError ?? formatIssues(issues)}\n`);
        } else valid.push(r.value as SecurityEvent);
      }
      process.stdout.write(encodeRecords(valid, opts.to));
      // Invalid records are never encoded: a converter must not launder bad input.
      process.exitCode = invalid === 0 ? EXIT.ok : EXIT.failed;
    });
}
