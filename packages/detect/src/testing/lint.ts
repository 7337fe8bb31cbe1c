/**
 * Linting a rule folder: parse every rule file (each file's first error is
 * reported and the others still checked), link them into one rule set when
 * they all parse, and parse every test file. Pure: the caller reads the files.
 */
import { isSeclogError } from '@seclog/core';
import { parseRuleFile } from '../rule/parse-file.js';
import { type BuildRuleSetOptions, buildRuleSet, type RuleSet } from '../rule/rule-set.js';
import type { ParsedRuleFile } from '../rule/types.js';
import type { RuleFileText } from './rule-files.js';
import { parseRuleTestFile } from './test-file.js';

export interface LintProblem {
  readonly source: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** An error code (RULE_INVALID, RULE_TEST_INVALID, …) or a warning code (field-unknown, logsource, …). */
  readonly code: string;
  /** The message, starting with `file:line:column:` where the place is known. */
  readonly message: string;
  /** For RULE_UNSUPPORTED: the Sigma construct refused. */
  readonly construct: string | undefined;
}

export interface LintReport {
  readonly errors: readonly LintProblem[];
  readonly warnings: readonly LintProblem[];
  /** Rules, correlations and filters parsed. */
  readonly documents: number;
  /** The linked rule set, when every file parsed and linking succeeded. */
  readonly ruleSet: RuleSet | undefined;
}

function problemOf(err: unknown, source: string): LintProblem {
  if (!isSeclogError(err)) throw err;
  const d = err.details as { source?: string; line?: number; column?: number; construct?: string };
  return {
    source: d.source ?? source,
    line: d.line,
    column: d.column,
    code: err.code,
    message: err.message,
    construct: d.construct,
  };
}

export function lintRules(rules: readonly RuleFileText[], tests: readonly RuleFileText[], options: BuildRuleSetOptions = {}): LintReport {
  const errors: LintProblem[] = [];
  const parsed: ParsedRuleFile[] = [];
  for (const f of rules) {
    try {
      parsed.push(parseRuleFile(f.text, { source: f.source }));
    } catch (err) {
      errors.push(problemOf(err, f.source));
    }
  }
  const documents = parsed.reduce((n, f) => n + f.documents.length, 0);
  let ruleSet: RuleSet | undefined;
  let rawWarnings = parsed.flatMap((f) => f.warnings);
  if (errors.length === 0) {
    // Linking needs every file: a rule in a broken file would show up as an unknown reference.
    try {
      ruleSet = buildRuleSet(parsed, options);
      rawWarnings = [...ruleSet.warnings];
    } catch (err) {
      errors.push(problemOf(err, rules[0]?.source ?? '<rules>'));
    }
  }
  for (const t of tests) {
    try {
      parseRuleTestFile(t.text, { source: t.source });
    } catch (err) {
      errors.push(problemOf(err, t.source));
    }
  }
  const warnings = rawWarnings.map((w) => ({
    source: w.pos.source,
    line: w.pos.line,
    column: w.pos.column,
    code: w.code,
    message: `${w.pos.source}:${w.pos.line}:${w.pos.column}: ${w.message}`,
    construct: undefined,
  }));
  return { errors, warnings, documents, ruleSet };
}
