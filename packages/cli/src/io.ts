/** Reading command input: a file, or standard input for `-`. */
import { readFile } from 'node:fs/promises';

export async function readInput(path: string | undefined): Promise<string> {
  if (path === undefined || path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  return readFile(path, 'utf8');
}

/** One input record with the line it started on (1-based), for error messages. */
export interface InputRecord {
  line: number;
  value?: unknown;
  parseError?: string;
}

/**
 * Events come as NDJSON (one per line) or as one JSON array; blank lines are
 * skipped. A line that is not JSON is reported, not fatal, so one bad line
 * does not hide the others.
 */
export function splitRecords(text: string): InputRecord[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    try {
      const arr = JSON.parse(trimmed) as unknown;
      if (Array.isArray(arr)) return arr.map((value, i) => ({ line: i + 1, value }));
    } catch (err) {
      return [{ line: 1, parseError: `not a JSON array: ${(err as Error).message}` }];
    }
  }
  const out: InputRecord[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      out.push({ line: i + 1, value: JSON.parse(line) });
    } catch (err) {
      out.push({ line: i + 1, parseError: `not JSON: ${(err as Error).message}` });
    }
  });
  return out;
}
