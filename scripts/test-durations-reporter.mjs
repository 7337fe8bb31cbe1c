// A node:test reporter that writes how long each test file took, as JSON
// ({ "packages/…/x.test.ts": ms }), so run-tests.mjs can start the longest
// files first. Used by `npm run test:durations`; never by `npm test` itself.
// run-tests.mjs merges what it writes into the record, so a run of some files keeps the others.
import { relative } from 'node:path';
import { sourceOfBundle } from './test-bundle.mjs';

export default async function* durations(source) {
  const byFile = {};
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, nesting, details } = event.data;
    if (file === undefined || nesting !== 0) continue;
    const key = sourceOfBundle(relative(process.cwd(), file));
    byFile[key] = Math.round((byFile[key] ?? 0) + (details?.duration_ms ?? 0));
  }
  const sorted = Object.fromEntries(Object.entries(byFile).sort(([a], [b]) => a.localeCompare(b)));
  yield `${JSON.stringify(sorted, null, 2)}\n`;
}
