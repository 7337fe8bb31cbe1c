/**
 * `seclog rules lint <dir|file>` and `seclog rules test <dir|file>`: check
 * detection rules and run their tests (docs/rules.md). Both go through
 * @seclog/detect's own loader and runner, so a rule that passes here is
 * evaluated the same way by the collector.
 */
import * as fs from 'node:fs';
import { dirname, normalize } from 'node:path';
import {
  isRuleTestFile,
  type LintProblem,
  lintRules,
  loadRuleFiles,
  type RuleFileText,
  type RulesDirContents,
  type RuleTestCaseResult,
  type RuleTestReport,
  readRulesDir,
  runRuleTests,
} from '@seclog/detect';
import Table from 'cli-table3';
import type { Command } from 'commander';
import pc from 'picocolors';
import { EXIT } from '../exit-codes.js';

/** A folder is read whole; a single file is linted alone, or (a test file) run against the rules of its folder. */
function readTarget(path: string): RulesDirContents & { only: string | undefined } {
  if (fs.statSync(path).isDirectory()) return { ...readRulesDir(path, fs), only: undefined };
  // Normalised as readRulesDir joins paths, so a test file finds its companion rule file.
  const source = normalize(path);
  const file: RuleFileText = { source, text: fs.readFileSync(path, 'utf8') };
  return isRuleTestFile(path)
    ? { rules: [], tests: [file], ignored: [], only: source }
    : { rules: [file], tests: [], ignored: [], only: source };
}

function ioFailure(command: string, path: string, err: unknown): void {
  process.stderr.write(`seclog rules ${command}: cannot read ${path}: ${(err as Error).message}\n`);
  process.exitCode = EXIT.usage;
}

function problemLine(kind: 'error' | 'warning', p: LintProblem): string {
  const tag = kind === 'error' ? pc.red('error') : pc.yellow('warning');
  const extra = p.construct !== undefined ? `${p.code}, construct ${p.construct}` : p.code;
  return `${tag} ${p.message} ${pc.dim(`(${extra})`)}`;
}

function lint(path: string, opts: { strict?: boolean; json?: boolean }): void {
  let target: ReturnType<typeof readTarget>;
  try {
    target = readTarget(path);
  } catch (err) {
    ioFailure('lint', path, err);
    return;
  }
  // A `.yaml` file in a rule folder would silently not load: say so.
  const skipped = target.ignored.filter((f) => f.endsWith('.yaml'));
  const report = lintRules(target.rules, target.tests, { strictFields: opts.strict === true });
  const warnings = [
    ...report.warnings,
    ...skipped.map((f) => ({
      source: f,
      line: undefined,
      column: undefined,
      code: 'not-loaded',
      message: `${f}: not loaded (rule files end in .yml)`,
      construct: undefined,
    })),
  ];
  if (opts.json) {
    const out = {
      ruleFiles: target.rules.length,
      testFiles: target.tests.length,
      documents: report.documents,
      errors: report.errors,
      warnings,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    for (const e of report.errors) process.stdout.write(`${problemLine('error', e)}\n`);
    for (const w of warnings) process.stdout.write(`${problemLine('warning', w)}\n`);
    const summary = `${target.rules.length} rule files (${report.documents} documents), ${target.tests.length} test files: ${report.errors.length} errors, ${warnings.length} warnings`;
    process.stdout.write(`${report.errors.length > 0 ? pc.red(summary) : summary}\n`);
  }
  process.exitCode = report.errors.length > 0 ? EXIT.failed : EXIT.ok;
}

const STATUS: Record<RuleTestCaseResult['status'], string> = {
  pass: pc.green('pass'),
  fail: pc.red('FAIL'),
  error: pc.bold(pc.red('ERROR')),
};

function printReport(report: RuleTestReport): void {
  // One line per case: no separators between rows.
  const table = new Table({
    head: ['FILE', 'CASE', 'RESULT'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const f of report.files) {
    if (f.error !== undefined) table.push([f.source, pc.dim('(file not run)'), STATUS.error]);
    for (const c of f.cases) table.push([`${c.source}:${c.line}`, c.name, STATUS[c.status]]);
  }
  process.stdout.write(`${table.toString()}\n`);
  for (const f of report.files) {
    if (f.error !== undefined) process.stdout.write(`\n${STATUS.error} ${f.error}\n`);
    for (const c of f.cases) {
      if (c.status === 'pass') continue;
      process.stdout.write(`\n${STATUS[c.status]} ${c.source}:${c.line} ${pc.bold(c.name)}\n`);
      if (c.error !== undefined) process.stdout.write(`  ${c.error}\n`);
      for (const d of c.diff) process.stdout.write(`  ${d.startsWith('-') ? pc.red(d) : pc.yellow(d)}\n`);
    }
  }
  const summary = `${report.passed} passed, ${report.failed} failed, ${report.errors} errors (${report.files.length} test files)`;
  process.stdout.write(`\n${report.ok ? pc.green(summary) : pc.red(summary)}\n`);
}

function test(path: string, opts: { json?: boolean }): void {
  let target: ReturnType<typeof readTarget>;
  let rules: readonly RuleFileText[];
  try {
    target = readTarget(path);
    // A single test file runs against the rules of its folder.
    rules = target.only !== undefined ? readRulesDir(dirname(path), fs).rules : target.rules;
  } catch (err) {
    ioFailure('test', path, err);
    return;
  }
  if (target.tests.length === 0) {
    process.stderr.write(`seclog rules test: no test files (*.test.yml) in ${path}\n`);
    process.exitCode = EXIT.failed;
    return;
  }
  let report: RuleTestReport;
  try {
    const loaded = loadRuleFiles(rules);
    report = runRuleTests({ rules, tests: target.tests, loaded });
  } catch (err) {
    process.stderr.write(`seclog rules test: the rules do not load (seclog rules lint ${path}): ${(err as Error).message}\n`);
    process.exitCode = EXIT.failed;
    return;
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report);
  process.exitCode = report.ok ? EXIT.ok : EXIT.failed;
}

export function registerRulesCommand(program: Command): void {
  const rules = program.command('rules').description('check detection rules and run their tests (docs/rules.md)');
  rules
    .command('lint')
    .argument('<path>', 'a rule folder (every *.yml below it; *.test.yml are tests) or one file')
    .description('parse and link every rule; prints errors and warnings with file:line:column')
    .option('--strict', 'make a field that can never have a value an error, not a warning')
    .option('--json', 'print the result as JSON')
    .action((path: string, opts: { strict?: boolean; json?: boolean }) => lint(path, opts));
  rules
    .command('test')
    .argument('<path>', 'a rule folder, or one test file (run against the rules of its folder)')
    .description('run rule tests (*.test.yml) through the detection engine; exit 1 when a case fails')
    .option('--json', 'print the report as JSON')
    .action((path: string, opts: { json?: boolean }) => test(path, opts));
}
