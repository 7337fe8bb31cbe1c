/**
 * The messages between a PgStore's thread and its connection thread
 * (pg-bridge.ts, pg-worker.ts). Plain data: they cross threads by structured
 * clone, so a bytea value arrives as a Uint8Array, not a Buffer.
 */
import type { MessagePort } from 'node:worker_threads';

export interface PgWorkerData {
  /** Int32 slot 0: bumped by the worker after each reply, so the caller's Atomics.wait wakes. */
  signal: SharedArrayBuffer;
  /** The worker's end of the request channel (transferred). */
  port: MessagePort;
}

/** What a `connect` request opens; a thread serves one connection at a time, and another after `close`. */
export interface PgConnectOptions {
  /** postgres://… connection string. */
  url: string;
  /** Connect timeout and per-statement timeout, ms (pg's connectionTimeoutMillis; the server's statement_timeout). */
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** application_name of the session (pg_stat_activity). */
  applicationName: string;
}

export type PgRequest =
  | { id: number; op: 'connect'; options: PgConnectOptions }
  /**
   * One statement. `fresh`: sent outside any transaction, so the worker may replace a connection
   * it lost; inside a transaction a lost connection fails the call instead (its BEGIN is gone).
   */
  | { id: number; op: 'query'; statements: PgStatement[]; fresh: boolean }
  | { id: number; op: 'close' };

/** One statement; several in one request run in order and stop at the first error (one thread hop for all). */
export interface PgStatement {
  text: string;
  /** Absent: simple protocol, so `text` may hold several statements separated by `;`. */
  values: unknown[] | undefined;
}

export interface PgErrorInfo {
  message: string;
  /** SQLSTATE for a server error; a Node error code (ECONNREFUSED …) for a socket error. */
  code: string | undefined;
  constraint: string | undefined;
  /** True when the connection is unusable (socket error, server shut down, connect timeout). */
  lost: boolean;
}

export type PgReply =
  | { id: number; ok: true; results: { rows: Record<string, unknown>[]; rowCount: number }[] }
  /** `index`: the statement that failed (the ones before it ran). */
  | { id: number; ok: false; error: PgErrorInfo; index: number };
