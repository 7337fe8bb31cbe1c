#!/usr/bin/env node
// Runs every test file under packages/*/test with node:test through tsx.
// Node 20 has no glob support in `node --test`, so the files are collected here.
// Usage: npm test [-- <substring>...]   (only files whose path contains a substring)
// Files start longest first (scripts/test-durations.json, written by `npm run test:durations`),
// so the two workers finish together instead of one waiting on a long file started last.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);

function collect(dir, out) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const testDir = join(root, 'packages', pkg, 'test');
  try {
    if (statSync(testDir).isDirectory()) collect(testDir, files);
  } catch {
    // a package without tests yet
  }
}
// No record yet: alphabetical order.
const durations = readJson(join(root, 'scripts', 'test-durations.json'));
// A file not in the record yet is assumed long (new files are mostly end-to-end tests).
const expected = (f) => durations[f] ?? 30_000;
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort()
  .sort((a, b) => expected(b) - expected(a));
if (selected.length === 0) {
  console.error(`no test files match ${filters.join(' ') || '(all)'}`);
  process.exit(2);
}
const record = process.env.SECLOG_TEST_DURATIONS;
const measured = record === undefined ? undefined : join(tmpdir(), `seclog-test-durations-${process.pid}.json`);
const args = [
  '--conditions=seclog-source',
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${process.env.SECLOG_TEST_CONCURRENCY ?? 2}`,
  ...(measured === undefined
    ? []
    : [
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        `--test-reporter=${join(root, 'scripts', 'test-durations-reporter.mjs')}`,
        `--test-reporter-destination=${measured}`,
      ]),
  ...selected,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => {
  if (record !== undefined && measured !== undefined) {
    try {
      const merged = { ...readJson(record), ...readJson(measured) };
      const sorted = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
      writeFileSync(record, `${JSON.stringify(sorted, null, 2)}\n`);
    } finally {
      rmSync(measured, { force: true });
    }
  }
  process.exit(signal ? 1 : (code ?? 1));
});

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}
