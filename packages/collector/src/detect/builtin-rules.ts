/**
 * The built-in rule pack: `rules/**\/*.yml` at the repository root, without
 * the rule tests (`*.test.yml`); @seclog/detect exports where it is
 * (`BUILTIN_RULES_DIR`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { BUILTIN_RULES_DIR } from '@seclog/detect';

export interface RuleText {
  /** Path relative to the pack (`auth/brute-force.yml`), the source named in rule errors. */
  readonly source: string;
  readonly text: string;
}

/** The pack's folder, as a path. */
export function builtinRulesDir(): string {
  return BUILTIN_RULES_DIR;
}

/** Rule files of a folder, recursively, sorted by path so the rule order is stable; [] when the folder is missing. */
export function readRuleFiles(dir: string): RuleText[] {
  const out: RuleText[] = [];
  const walk = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.yml') && !name.endsWith('.test.yml')) {
        out.push({ source: relative(dir, path).split(sep).join('/'), text: readFileSync(path, 'utf8') });
      }
    }
  };
  walk(dir);
  return out;
}
