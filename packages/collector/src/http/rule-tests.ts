/**
 * Running one rule's tests for the dashboard: the `<rule>.test.yml` beside a
 * built-in rule file in the pack, run by @seclog/detect's runner against the
 * rule files loaded now (the same runner as `seclog rules test`). Custom
 * rules are stored without tests, so they have none to run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeclogError } from '@seclog/core';
import { runRuleTests } from '@seclog/detect';
import { builtinRulesDir } from '../detect/builtin-rules.js';
import type { RuleLibrary } from '../detect/rule-library.js';

export interface RuleTestAnswer {
  rule: string;
  pass: boolean;
  passed: number;
  failed: number;
  errors: number;
  files: { source: string; error?: string; cases: { name: string; pass: boolean; message?: string }[] }[];
}

export function runTestsOfRule(library: RuleLibrary, id: string, rulesDir = builtinRulesDir()): RuleTestAnswer {
  const file = library.fileOf(id);
  if (file === undefined) throw new SeclogError('HTTP_NOT_FOUND', `no loaded rule has id ${id}`, { id });
  if (file.origin !== 'builtin') {
    throw new SeclogError('HTTP_NOT_FOUND', `rule ${id} is a custom rule: custom rules are stored without tests (run seclog rules test)`, {
      id,
    });
  }
  const testSource = file.source.replace(/\.yml$/, '.test.yml');
  let text: string;
  try {
    text = readFileSync(join(rulesDir, testSource), 'utf8');
  } catch {
    throw new SeclogError('HTTP_NOT_FOUND', `rule ${id} has no test file (${testSource} in the rule pack)`, { id, file: testSource });
  }
  const rules = library.files.filter((f) => f.origin === 'builtin').map((f) => ({ source: f.source, text: f.text }));
  const report = runRuleTests({ rules, tests: [{ source: testSource, text }] });
  return {
    rule: id,
    pass: report.ok,
    passed: report.passed,
    failed: report.failed,
    errors: report.errors,
    files: report.files.map((f) => ({
      source: f.source,
      ...(f.error === undefined ? {} : { error: f.error }),
      cases: f.cases.map((c) => ({
        name: c.name,
        pass: c.status === 'pass',
        ...(c.status === 'pass' ? {} : { message: c.error ?? c.diff.join('; ') }),
      })),
    })),
  };
}
