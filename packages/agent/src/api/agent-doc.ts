/**
 * The generated parts of docs/agent.md: the typed methods, the profiles and
 * the event classes. The page keeps its prose; each generated part sits
 * between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`, which
 * `npm run docs` refills and a test compares.
 */
import type { CatalogueEntry } from '@seclog/core';
import { catalogueEntries } from '@seclog/core';
import { classOfEntry } from '../policy/event-class.js';
import { markdownTable, renderEventClasses, renderProfilesTable } from '../policy/markdown.js';
import { RECORD_FIELDS, typedFieldsOf } from './field-names.js';
import { hasTypedMethod } from './typed-methods.js';

const DEFAULT_NAMES = new Set(RECORD_FIELDS.map((f) => `${f.short}=${f.slot}.${f.key}`));

function fieldsCell(e: CatalogueEntry): string {
  const shown = typedFieldsOf(e).filter((f) => f.slot === 'attrs' || f.required || !DEFAULT_NAMES.has(`${f.name}=${f.path}`));
  return shown.map((f) => (f.required ? `**${f.name}**` : f.name) + (f.slot === 'attrs' ? '' : ` (${f.path})`)).join(', ') || '—';
}

export function renderTypedMethodsTable(entries: readonly CatalogueEntry[] = catalogueEntries()): string {
  const rows = entries.filter(hasTypedMethod).map((e) => {
    const c = classOfEntry(e);
    const cls = [c.mandatory ? 'mandatory' : 'optional', ...(c.critical ? ['critical'] : [])].join(', ');
    return [`\`${e.sdkMethod}\``, `[\`${e.name}\`](events.md#${e.name})`, fieldsCell(e), cls];
  });
  return markdownTable(['method', 'event', 'fields (**required**)', 'class'], rows);
}

export function renderAgentDocRegions(): Record<string, string> {
  return { methods: renderTypedMethodsTable(), profiles: renderProfilesTable(), classes: renderEventClasses() };
}

/** `text` with every generated region refilled; throws when a region's markers are missing. */
export function fillAgentDoc(text: string, regions: Record<string, string> = renderAgentDocRegions()): string {
  let out = text;
  for (const [name, body] of Object.entries(regions)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const a = out.indexOf(open);
    const b = out.indexOf(close);
    if (a < 0 || b < a) throw new Error(`docs/agent.md lacks the markers ${open} … ${close}`);
    out = `${out.slice(0, a + open.length)}\n${body}\n${out.slice(b)}`;
  }
  return out;
}
