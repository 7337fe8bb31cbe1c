#!/usr/bin/env node
// Runs every test file under packages/*/test with node:test.
// Node 20 has no glob support in `node --test`, so the files are collected here.
// Usage: npm test [-- <substring>...]   (only files whose path contains a substring)
// Files start in an order made from their last durations (scripts/test-durations.json, written by
// `npm run test:durations`; see pairLongWithShort), passed through the bundles' paths:
// `node --test` runs files in path order.
//
// Each test file is first bundled with its workspace sources by esbuild (see
// test-bundle.mjs): loading hundreds of small TypeScript modules through tsx's
// loader thread cost 2–3 s per test file, about half of the suite's time.
// SECLOG_TEST_TSX=1 runs the sources through tsx instead, as before.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleTests } from './test-bundle.mjs';

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
const selected = pairLongWithShort(
  files
    .map((f) => relative(root, f))
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .sort()
    .sort((a, b) => expected(b) - expected(a)),
);
if (selected.length === 0) {
  console.error(`no test files match ${filters.join(' ') || '(all)'}`);
  process.exit(2);
}
const record = process.env.SECLOG_TEST_DURATIONS;
const measured = record === undefined ? undefined : join(tmpdir(), `seclog-test-durations-${process.pid}.json`);
const viaTsx = process.env.SECLOG_TEST_TSX === '1';
const entries = viaTsx ? selected : await bundleTests(root, selected);
const args = [
  '--conditions=seclog-source',
  ...(viaTsx ? ['--import', 'tsx'] : ['--enable-source-maps']),
  '--test',
  // Three on two cores: many long tests wait on child processes (docs/development.md, "How npm test runs").
  `--test-concurrency=${process.env.SECLOG_TEST_CONCURRENCY ?? 3}`,
  ...(measured === undefined
    ? []
    : [
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        `--test-reporter=${join(root, 'scripts', 'test-durations-reporter.mjs')}`,
        `--test-reporter-destination=${measured}`,
      ]),
  ...entries,
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

/**
 * The order files start in, from a list longest first: each long file is
 * followed by short ones that add up to about as long, so one worker runs the
 * long file while the other works through the short ones. The longest files
 * are end-to-end tests with several processes each: started side by side they
 * slow each other down (one run longest-first, with other work on the machine:
 * 1,046 s of test time, against 852 s alphabetically and 848 s in this order).
 */
function pairLongWithShort(longestFirst) {
  const order = [];
  let i = 0;
  let j = longestFirst.length - 1;
  while (i <= j) {
    const long = longestFirst[i++];
    order.push(long);
    let budget = expected(long);
    while (budget > 0 && i <= j) {
      const short = longestFirst[j--];
      order.push(short);
      budget -= expected(short);
    }
  }
  return order;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}
