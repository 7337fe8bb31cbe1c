/**
 * `npm run docs`: regenerate the documentation that is derived from code —
 * docs/events.md, docs/event-schema.json, docs/errors.md and
 * docs/configuration.md. Tests fail when
 * the committed files differ from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { renderConfigurationMarkdown } from '@seclog/collector';
import { catalogueEntries, eventJsonSchema, renderErrorsMarkdown, renderEventsMarkdown } from '@seclog/core';

const docs = new URL('../docs/', import.meta.url);
const files: [string, string][] = [
  ['events.md', renderEventsMarkdown(catalogueEntries())],
  ['event-schema.json', `${JSON.stringify(eventJsonSchema(catalogueEntries()), null, 2)}\n`],
  ['errors.md', renderErrorsMarkdown()],
  ['configuration.md', renderConfigurationMarkdown()],
];
for (const [name, text] of files) {
  writeFileSync(new URL(name, docs), text);
  process.stdout.write(`wrote docs/${name}\n`);
}
