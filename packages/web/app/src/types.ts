/** Shapes of the API answers the pages read (the collector's OpenAPI at /docs is the reference). */

export interface Session {
  user: string;
  role: 'admin' | 'analyst' | 'auditor' | string;
  csrfToken: string;
  expires: string;
}

export interface EventRecord {
  id: string;
  name: string;
  time: string;
  severity: string;
  outcome: string;
  device?: { id?: string; fw?: string; model?: string };
  actor?: { user?: string; ip?: string; port?: number; session?: string; process?: string };
  target?: { resource?: string; user?: string; setting?: string };
  attrs?: Record<string, unknown>;
  message?: string;
  stream?: string;
  seq?: number;
  [k: string]: unknown;
}

/** A stored event as the events API answers it. */
export interface StoredEvent {
  leafIndex: number;
  received: string;
  record: EventRecord;
}

/** A slot whose record retention removed: what still proves it (docs/retention.md). */
export interface PrunedEvent {
  leafIndex: number;
  received: string;
  record: null;
  pruned: { at: string | null; message: string; device?: string; stream?: string; seq?: number };
}

export type ListedEvent = StoredEvent | PrunedEvent;

export const isStored = (e: ListedEvent): e is StoredEvent => e.record !== null;

export interface EventPage {
  events: ListedEvent[];
  next: string | null;
}

export interface Alert {
  id: string;
  rule: { id: string; version: string; title: string; type: string };
  severity: string;
  tags: string[];
  groupKey: string;
  device: string | null;
  count: number;
  windowStart: string;
  windowEnd: string;
  evidenceTotal: number;
  status: 'new' | 'acknowledged' | 'in_progress' | 'closed';
  assignee: string | null;
  resolution: string | null;
  created: string;
  updated: string;
  logLeafIndex: number | null;
}

export interface AlertTransition {
  from: string;
  to: string;
  assignee: string | null;
  resolution: string | null;
  comment: string | null;
  actor: string;
  at: string;
  logLeafIndex: number | null;
}

export interface AlertDetail extends Alert {
  evidence: string[];
  transitions: AlertTransition[];
}

export interface Rule {
  id: string;
  title: string;
  kind: string;
  level: string | null;
  status: string | null;
  version: string;
  enabled: boolean;
  alerting: boolean;
  source: string;
  file: string;
  sha256: string;
}

export interface ComplianceReport {
  at: string;
  window: { from: string; to: string; days: number };
  pass: boolean;
  items: { id: string; title: string; pass: boolean; why?: string; evidence: string[] }[];
}

export interface CheckpointRow {
  treeSize: number;
  root: string;
  created: string;
  note: string;
}
