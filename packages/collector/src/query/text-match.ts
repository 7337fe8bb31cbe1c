/**
 * Free-text matching (`q`): a record matches when one of its string values,
 * at any depth (message, actor.user, attrs values, device id, name …),
 * contains the text, with ASCII letters matching either case and every other
 * character matching exactly — the case rule of SQLite's LIKE, so a backend
 * can prefilter in SQL and this function decides, identically everywhere.
 *
 * The prefilter searches the canonical JSON text, where a value appears
 * JSON-escaped: the pattern is the escaped text, so a `"` or `\` in the query
 * finds the same character in a value. It can also hit a key name (`user`) or
 * a number, which the exact check then drops.
 */

const UPPER_A = 0x41;
const UPPER_Z = 0x5a;

/** ASCII letters to lower case; everything else as is (SQLite LIKE's folding). */
export function asciiLower(s: string): string {
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= UPPER_A && c <= UPPER_Z) {
      needs = true;
      break;
    }
  }
  return needs ? s.replace(/[A-Z]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 32)) : s;
}

/** A LIKE pattern (ESCAPE '\') that every canonical record holding the text as part of a string value matches. */
export function textLikePattern(text: string): string {
  const inJson = JSON.stringify(text).slice(1, -1);
  return `%${inJson.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function valueHas(v: unknown, needle: string): boolean {
  if (typeof v === 'string') return asciiLower(v).includes(needle);
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some((x) => valueHas(x, needle));
  for (const x of Object.values(v as Record<string, unknown>)) if (valueHas(x, needle)) return true;
  return false;
}

/** The exact rule: does a string value of the record (canonical JSON text) contain `text`? */
export function recordHasText(canonical: string, text: string): boolean {
  return valueHas(JSON.parse(canonical) as unknown, asciiLower(text));
}
