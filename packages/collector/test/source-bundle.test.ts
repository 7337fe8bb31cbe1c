// The esbuild bundle that test and bench children run from source: each module keeps its own
// import.meta.url, so the collector in a child finds the built-in rule pack (it once found none
// and the collector bench measured "detection on" without rules).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BUILTIN_RULES_DIR } from '@seclog/detect';
import { bundleSourceEntry } from '../src/verify/source-bundle.js';

const dir = mkdtempSync(join(tmpdir(), 'seclog-bundle-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a bundled entry sees each source module at its own place: the rule pack is found', async (t) => {
  const rules = fileURLToPath(new URL('../src/detect/builtin-rules.ts', import.meta.url));
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    `import { builtinRulesDir, readRuleFiles } from ${JSON.stringify(rules)};\nconsole.log(JSON.stringify([builtinRulesDir(), readRuleFiles(builtinRulesDir()).length]));\n`,
  );
  const out = await bundleSourceEntry(entry, 'rules-probe');
  if (out === undefined) {
    t.skip('esbuild is not installed (it comes with tsx: npm ci)');
    return;
  }
  const [where, count] = JSON.parse(execFileSync(process.execPath, [out], { encoding: 'utf8' })) as [string, number];
  assert.equal(where, BUILTIN_RULES_DIR);
  assert.ok(count >= 20, `${count} rule files`);
});
