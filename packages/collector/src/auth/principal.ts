/**
 * Who a request acts as, however it proved it: an API token (automation)
 * or a signed-in user (the dashboard). Roles mean the same for both.
 */
import type { Role } from '../store/types.js';

export interface Principal {
  readonly kind: 'api-token' | 'user';
  /** The token id, or the user name. */
  readonly id: string;
  /** The token's name, or the user name. */
  readonly name: string;
  readonly role: Role;
}

/** How the principal appears in records (`actor.user`) and the triage history: `api-token/<id>` or `user/<name>`. */
export function principalActor(p: Principal): string {
  return `${p.kind}/${p.id}`;
}

/** For messages: "API token ci (analyst)", "user alice (admin)". */
export function principalLabel(p: Principal): string {
  return `${p.kind === 'api-token' ? 'API token' : 'user'} ${p.name} (${p.role})`;
}
