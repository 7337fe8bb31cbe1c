#!/usr/bin/env node
// Keeps the package graph of DESIGN.md §2 honest:
// - a package depends only on packages below it in the list;
// - core and detect are pure: no file, network, process or timer modules.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const order = ['core', 'detect', 'agent', 'collector', 'web', 'cli'];
const allowedDeps = {
  core: [],
  detect: ['core'],
  agent: ['core'],
  collector: ['core', 'detect'],
  web: ['core'],
  cli: ['core', 'detect', 'agent', 'collector', 'web'],
};
const pure = new Set(['core', 'detect']);
const impure = [
  'fs',
  'fs/promises',
  'net',
  'dgram',
  'tls',
  'http',
  'https',
  'http2',
  'child_process',
  'worker_threads',
  'timers',
  'timers/promises',
  'cluster',
  'os',
];
const problems = [];

function files(dir, out = []) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.(ts|tsx|mts)$/.test(e)) out.push(p);
  }
  return out;
}

const importRe = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

for (const pkg of order) {
  const dir = join(root, 'packages', pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
  for (const d of deps.filter((d) => d.startsWith('@seclog/'))) {
    const name = d.slice('@seclog/'.length);
    if (!allowedDeps[pkg].includes(name))
      problems.push(`packages/${pkg}/package.json depends on ${d}: dependencies only point down DESIGN.md §2's list`);
  }
  for (const file of files(join(dir, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2];
      const rel = file.slice(root.length);
      if (spec.startsWith('@seclog/')) {
        const name = spec.slice('@seclog/'.length).split('/')[0];
        if (!allowedDeps[pkg].includes(name)) problems.push(`${rel} imports ${spec}, which ${pkg} may not depend on`);
        else if (!deps.includes(`@seclog/${name}`))
          problems.push(`${rel} imports ${spec} but packages/${pkg}/package.json does not list it`);
      }
      if (pure.has(pkg)) {
        const mod = spec.replace(/^node:/, '');
        if (impure.includes(mod)) problems.push(`${rel} imports ${spec}: @seclog/${pkg} is pure (no files, network, processes or timers)`);
      }
      if (/\/(src|dist)\//.test(spec) && spec.includes('packages/'))
        problems.push(`${rel} reaches into another package's files (${spec}); import its public index`);
    }
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(`boundary: ${p}`);
  process.exit(1);
}
console.log(`boundaries ok (${order.length} packages)`);
