/**
 * The records of who changed what in detection: `alert_transition` for
 * triage, `log_config_change` for rule changes. Like log_access
 * (query/access-log.ts), the record is committed BEFORE the change is made,
 * and a failed append refuses the change (DETECT_AUDIT_FAILED): no
 * transition or rule change happens unrecorded. A crash between the two
 * leaves a record of a change that did not happen, which the next attempt
 * repeats, never the reverse.
 */
import { SeclogError } from '@seclog/core';
import { type Principal, principalActor } from '../auth/principal.js';
import type { OwnEvent, OwnStream } from '../ingest/own-stream.js';

/** Who asks: the principal (API token or user) and the client address. */
export interface Actor {
  readonly principal: Principal;
  readonly ip?: string;
}

/** How the actor appears in records and the triage history. */
export function actorUser(a: Actor): string {
  return principalActor(a.principal);
}

export function actorField(a: Actor): { user: string; ip?: string } {
  return { user: actorUser(a), ...(a.ip ? { ip: a.ip } : {}) };
}

/** Commits the record; resolves to its leaf position. */
export async function appendAudit(own: OwnStream, event: OwnEvent, what: string): Promise<number> {
  try {
    const [pos] = await own.append(event);
    return pos!;
  } catch (err) {
    throw new SeclogError(
      'DETECT_AUDIT_FAILED',
      `the ${event.name} record of ${what} could not be committed, so nothing was changed: ${(err as Error).message}`,
      { event: event.name },
      { cause: err },
    );
  }
}
