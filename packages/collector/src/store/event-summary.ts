/** What both backends share for Store.summarizeEvents: the window check and one order of the rows. */
import { SeclogError } from '@seclog/core';
import type { EventSummaryRow } from './types.js';

/** A window of record times in µs: safe integers, from ≤ to (STORE_QUERY_INVALID otherwise). */
export function checkWindow(fromUs: number, toUs: number): void {
  if (!Number.isSafeInteger(fromUs) || !Number.isSafeInteger(toUs) || fromUs > toUs) {
    throw new SeclogError('STORE_QUERY_INVALID', `[${fromUs}, ${toUs}) is not a window of µs times`, { field: 'window' });
  }
}

const syncedRank = (s: boolean | null): number => (s === null ? 0 : s ? 2 : 1);

/** By device, then name (UTF-16 code units), then synced: null, false, true. */
export function sortSummary(rows: EventSummaryRow[]): EventSummaryRow[] {
  return rows.sort((a, b) =>
    a.device !== b.device
      ? a.device < b.device
        ? -1
        : 1
      : a.name !== b.name
        ? a.name < b.name
          ? -1
          : 1
        : syncedRank(a.synced) - syncedRank(b.synced),
  );
}
