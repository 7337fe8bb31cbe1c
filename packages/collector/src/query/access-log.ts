/**
 * Every read of the log is itself logged (DESIGN.md §3): one `log_access`
 * record in the collector's own stream per query, event view and tail session,
 * naming the reader (API token id and role, address), the filter as given
 * and the number of events returned.
 *
 * The record is appended before the answer leaves, and the answer waits for
 * its commit: no read goes out unrecorded, and a failed append fails the
 * read (QUERY_AUDIT_FAILED) instead of losing its audit. The wait is one
 * group commit, shared with concurrent ingest (ingest.groupCommitWindowMs plus
 * one fsync), and the query itself has already run by then.
 */
import { SeclogError } from '@seclog/core';
import { type Principal, principalActor, principalLabel } from '../auth/principal.js';
import type { OwnStream } from '../ingest/own-stream.js';

export interface Reader {
  principal: Principal;
  /** The client address, when known. */
  ip?: string;
}

export type AccessAction = 'query' | 'view' | 'tail';

export async function recordAccess(
  own: OwnStream,
  reader: Reader,
  action: AccessAction,
  filter: Readonly<Record<string, unknown>>,
  results?: number,
): Promise<void> {
  const attrs: Record<string, string | number> = { action, role: reader.principal.role, filter: JSON.stringify(filter) };
  if (results !== undefined) attrs.results = results;
  const what = action === 'tail' ? 'started a live tail' : `${action === 'view' ? 'viewed' : 'queried'} ${results ?? 0} event(s)`;
  try {
    await own.append({
      name: 'log_access',
      input: {
        actor: { user: principalActor(reader.principal), ...(reader.ip ? { ip: reader.ip } : {}) },
        attrs,
        message: `${principalLabel(reader.principal)} ${what}`,
      },
    });
  } catch (err) {
    throw new SeclogError(
      'QUERY_AUDIT_FAILED',
      `the log_access record could not be committed, so nothing is returned: ${(err as Error).message}`,
      { action },
      { cause: err },
    );
  }
}
