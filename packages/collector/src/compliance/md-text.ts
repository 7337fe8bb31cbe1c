/**
 * Markdown building blocks for the generated documentation. Every value that
 * comes from data (device ids, rule titles, configuration) goes through
 * `mdText`, which backslash-escapes the characters markdown gives meaning to,
 * `<` and `>` included: the source then renders as plain text in any
 * CommonMark renderer (no raw HTML gets through), and our own HTML renderer
 * (docs-html.ts) turns each escape back into the literal character, escaped
 * for HTML.
 */

// Only what is special inline: values never start a line, so #, - and 1. need no escape.
const SPECIAL = /[\\`*_[\]<>|&~]/g;

export function mdText(value: string | number): string {
  // Line breaks would end a table row or a list item: a value stays on its line.
  return String(value)
    .replace(/[\r\n]+/g, ' ')
    .replace(SPECIAL, (c) => `\\${c}`);
}

export function mdTable(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return [];
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`), ''];
}

export function mdList(items: readonly string[]): string[] {
  return [...items.map((i) => `- ${i}`), ''];
}

export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

/** A configuration section as "key: value" lines, one per leaf, for sections whose shape this module does not know. */
export function flatten(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [`${prefix || 'value'}: ${JSON.stringify(value)}`];
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${prefix}: none`];
    if (value.every((v) => v === null || typeof v !== 'object')) return [`${prefix}: ${value.map((v) => JSON.stringify(v)).join(', ')}`];
    return value.flatMap((v, i) => flatten(v, `${prefix}[${i}]`));
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [`${prefix}: {}`];
  return entries.flatMap(([k, v]) => flatten(v, prefix === '' ? k : `${prefix}.${k}`));
}
