/**
 * Page cursors: opaque to clients, a position and a fingerprint of the filter
 * inside. The position is where the next page starts (exclusive, pages go down
 * in position); the fingerprint makes a cursor replayed with another filter a
 * 400 instead of a page of some other query. The limit may change between pages.
 *
 *   base64url("c1." + beforePos + "." + first 16 hex of SHA-256(filter JSON))
 */
import { createHash } from 'node:crypto';
import { SeclogError } from '@seclog/core';
import type { FilterView } from './filter-view.js';

const VERSION = 'c1';

function fingerprint(view: FilterView): string {
  const sorted = Object.keys(view)
    .sort()
    .map((k) => [k, view[k as keyof FilterView]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

export function encodeCursor(beforePos: number, view: FilterView): string {
  return Buffer.from(`${VERSION}.${beforePos}.${fingerprint(view)}`).toString('base64url');
}

/** The position a cursor continues below; throws HTTP_QUERY_INVALID (field cursor) for anything else. */
export function decodeCursor(cursor: string, view: FilterView): number {
  const bad = (why: string) => new SeclogError('HTTP_QUERY_INVALID', `cursor: ${why}`, { field: 'cursor' });
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw bad('malformed (pass back the `next` value of a page unchanged)');
  const m = /^c1\.(0|[1-9][0-9]{0,15})\.([0-9a-f]{16})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (m === null) throw bad('malformed (pass back the `next` value of a page unchanged)');
  const pos = Number(m[1]);
  if (!Number.isSafeInteger(pos)) throw bad('malformed position');
  if (m[2] !== fingerprint(view)) throw bad('belongs to a query with other filters; repeat the filters of the first page');
  return pos;
}
