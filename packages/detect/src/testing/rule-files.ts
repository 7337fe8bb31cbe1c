/**
 * Rule folders: every `*.yml` below a folder is a rule file, except
 * `*.test.yml`, which are rule tests. The package is pure, so the caller
 * hands in the two file-system calls it needs (`node:fs` fits as it is):
 *
 * ```ts
 * import * as fs from 'node:fs';
 * const { ruleSet } = loadRulesDir(BUILTIN_RULES_DIR, fs);
 * ```
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRuleFile } from '../rule/parse-file.js';
import { type BuildRuleSetOptions, buildRuleSet, type RuleSet } from '../rule/rule-set.js';
import type { ParsedRuleFile } from '../rule/types.js';

/** The built-in rule pack: the repository's `rules/` folder (same depth from src/testing and dist/testing). */
export const BUILTIN_RULES_DIR: string = fileURLToPath(new URL('../../../../rules/', import.meta.url));

export const RULE_FILE_SUFFIX = '.yml';
export const RULE_TEST_SUFFIX = '.test.yml';

/** One directory entry, as `fs.readdirSync(dir, { withFileTypes: true })` returns it. */
export interface RulesDirEntry {
  readonly name: string;
  isFile(): boolean;
  isDirectory(): boolean;
}

/** The file-system calls a rules folder is read with; `node:fs` satisfies it. */
export interface RulesDirFs {
  readdirSync(path: string, options: { withFileTypes: true }): readonly RulesDirEntry[];
  readFileSync(path: string, encoding: 'utf8'): string;
}

/** A rule or test file: its path (for messages, as the folder was given plus the relative part) and its text. */
export interface RuleFileText {
  readonly source: string;
  readonly text: string;
}

export interface RulesDirContents {
  /** Rule files (`*.yml` that are not tests), sorted by path. */
  readonly rules: readonly RuleFileText[];
  /** Test files (`*.test.yml`), sorted by path. */
  readonly tests: readonly RuleFileText[];
  /** Other files found (a `.yaml` rule would be silently skipped otherwise: callers may warn). */
  readonly ignored: readonly string[];
}

export interface LoadedRules {
  readonly files: readonly ParsedRuleFile[];
  readonly ruleSet: RuleSet;
}

export function isRuleTestFile(path: string): boolean {
  return path.endsWith(RULE_TEST_SUFFIX);
}

export function isRuleFile(path: string): boolean {
  return path.endsWith(RULE_FILE_SUFFIX) && !isRuleTestFile(path);
}

/** The rule file a test file belongs to: `x/brute-force.test.yml` → `x/brute-force.yml`. */
export function companionRuleFile(testSource: string): string {
  return `${testSource.slice(0, -RULE_TEST_SUFFIX.length)}${RULE_FILE_SUFFIX}`;
}

/** Read every rule and test file below `dir` (recursively; hidden entries are skipped). */
export function readRulesDir(dir: string | URL, fs: RulesDirFs): RulesDirContents {
  const root = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const rules: RuleFileText[] = [];
  const tests: RuleFileText[] = [];
  const ignored: string[] = [];
  const walk = (path: string): void => {
    const entries = [...fs.readdirSync(path, { withFileTypes: true })].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = join(path, e.name);
      if (e.isDirectory()) walk(full);
      else if (!e.isFile()) ignored.push(full);
      else if (isRuleTestFile(e.name)) tests.push({ source: full, text: fs.readFileSync(full, 'utf8') });
      else if (isRuleFile(e.name)) rules.push({ source: full, text: fs.readFileSync(full, 'utf8') });
      else ignored.push(full);
    }
  };
  walk(root);
  return { rules, tests, ignored };
}

/** Parse and link rule files; the first error is thrown (SeclogError with source, line and column). */
export function loadRuleFiles(files: readonly RuleFileText[], options: BuildRuleSetOptions = {}): LoadedRules {
  const parsed = files.map((f) => parseRuleFile(f.text, { source: f.source }));
  return { files: parsed, ruleSet: buildRuleSet(parsed, options) };
}

/** Load every rule file below `dir` (not the tests) into one linked rule set. */
export function loadRulesDir(dir: string | URL, fs: RulesDirFs, options: BuildRuleSetOptions = {}): LoadedRules {
  return loadRuleFiles(readRulesDir(dir, fs).rules, options);
}
