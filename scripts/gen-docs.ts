/**
 * `npm run docs`: regenerate the documentation that is derived from code —
 * docs/events.md, docs/event-schema.json, docs/errors.md and
 * docs/configuration.md, the generated tables of docs/agent.md and the
 * agent's typed-method types. Tests fail when
 * the committed files differ from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fillAgentDoc, renderTypedEventsSource } from '@seclog/agent';
import { renderConfigurationMarkdown } from '@seclog/collector';
import { catalogueEntries, eventJsonSchema, renderErrorsMarkdown, renderEventsMarkdown } from '@seclog/core';

const docs = new URL('../docs/', import.meta.url);
const files: [string, string][] = [
  ['events.md', renderEventsMarkdown(catalogueEntries())],
  ['event-schema.json', `${JSON.stringify(eventJsonSchema(catalogueEntries()), null, 2)}\n`],
  ['errors.md', renderErrorsMarkdown()],
  ['configuration.md', renderConfigurationMarkdown()],
  ['agent.md', fillAgentDoc(readFileSync(new URL('agent.md', docs), 'utf8'))],
  ['../packages/agent/src/api/event-methods.generated.ts', renderTypedEventsSource(catalogueEntries())],
];
for (const [name, text] of files) {
  writeFileSync(new URL(name, docs), text);
  process.stdout.write(`wrote docs/${name}\n`);
}
