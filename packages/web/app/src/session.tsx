/** Who is signed in: read once at start (GET /api/v1/auth/session), set by sign-in, cleared by sign-out or any 401. */
import { createContext, useContext } from 'react';
import type { Session } from './types.js';

export interface SessionValue {
  session: Session;
  signOut: () => void;
}

export const SessionContext = createContext<SessionValue | undefined>(undefined);

export function useSession(): SessionValue {
  const s = useContext(SessionContext);
  if (s === undefined) throw new Error('useSession outside the signed-in app');
  return s;
}

/** Roles that may read the log's checkpoints and proofs (POLICY.logReaders). */
export const canReadLog = (role: string): boolean => role === 'admin' || role === 'auditor';
/** Roles that triage alerts (POLICY.triagers). */
export const canTriage = (role: string): boolean => role === 'admin' || role === 'analyst';
