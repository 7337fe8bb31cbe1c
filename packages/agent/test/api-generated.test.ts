import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { catalogueEntries } from '@seclog/core';
import { fillAgentDoc, renderTypedEventsSource, typedMethods } from '../src/index.js';

const generated = new URL('../src/api/event-methods.generated.ts', import.meta.url);
const agentDoc = new URL('../../../docs/agent.md', import.meta.url);

test('api/event-methods.generated.ts is what the catalogue renders (run `npm run docs` after catalogue changes)', () => {
  assert.equal(readFileSync(generated, 'utf8'), renderTypedEventsSource(catalogueEntries()));
});

test('the generated types declare exactly the runtime methods, in catalogue order', () => {
  const declared = [...readFileSync(generated, 'utf8').matchAll(/^ {2}(\w+)\(fields\??: /gm)].map((m) => m[1]);
  assert.deepEqual(
    declared,
    typedMethods().map((m) => m.method),
  );
});

test('docs/agent.md: the generated tables are up to date (run `npm run docs`)', () => {
  const text = readFileSync(agentDoc, 'utf8');
  assert.equal(text, fillAgentDoc(text));
  for (const m of typedMethods()) assert.ok(text.includes(`\`${m.method}\``), m.method);
});
