/**
 * A synchronous PostgreSQL connection for the synchronous Store interface.
 *
 * The Store is synchronous (better-sqlite3's model: commitBatches returns the
 * positions, transaction(fn) runs a synchronous fn, reads return arrays) and
 * every caller relies on that; pg is asynchronous. So a worker thread owns the
 * connection (pg-worker.ts), and each call here posts one request on a
 * MessageChannel, blocks in Atomics.wait on a shared word the worker bumps
 * after answering, and takes the answer with receiveMessageOnPort (the
 * pattern of the synckit library). The event loop of the calling thread is
 * blocked for the round trip, exactly as it is for a SQLite statement or
 * fsync today; parallelism comes from running several collector processes on
 * one database (docs/scaling.md).
 *
 * Every wait has a timeout: a hung server or a dead worker becomes
 * STORE_PG_TIMEOUT and a closed bridge, never a hang. The server's
 * statement_timeout (shorter) normally answers first: STORE_PG_TIMEOUT too,
 * with the session still usable.
 *
 * From source (tests, benches) the worker is a .ts file that a worker thread
 * cannot load without tsx: preparePgWorker() bundles it once per process with
 * esbuild, the mechanism the verifier workers use (verify/source-bundle.ts),
 * else the thread registers tsx's loader itself. Built, it is the .js beside
 * this one. Opening stays synchronous either way, like openSqliteStore.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { SeclogError } from '@seclog/core';
import { bundleSourceEntry } from '../../verify/source-bundle.js';
import type { PgErrorInfo, PgReply, PgRequest, PgStatement, PgWorkerData } from './pg-protocol.js';

export interface PgBridgeOptions {
  /** Connect timeout, ms (default 10,000). */
  connectTimeoutMs?: number;
  /** The server's statement_timeout for the session, ms (default 30,000): a longer statement, lock waits included, is cancelled. */
  statementTimeoutMs?: number;
  /** How long a call waits for the worker's answer before the bridge gives up, ms (default statement timeout + 5,000). */
  callTimeoutMs?: number;
  /** application_name of the session (default 'seclog'). */
  applicationName?: string;
}

export const PG_BRIDGE_DEFAULTS = Object.freeze({ connectTimeoutMs: 10_000, statementTimeoutMs: 30_000, graceMs: 5_000 });

export type PgRow = Record<string, unknown>;

export interface PgResult<R = PgRow> {
  rows: R[];
  rowCount: number;
}

const workerSource = new URL('./pg-worker.ts', import.meta.url);
let bundled: string | undefined;
let bundling: Promise<void> | undefined;

/**
 * From source: bundles the worker once per process with esbuild (verify/source-bundle.ts), so
 * every later PgStore thread starts from one plain .mjs. Optional: without it (or without
 * esbuild) a thread loads the .ts through tsx's loader, which costs more per start. Built code
 * needs neither.
 */
export function preparePgWorker(): Promise<void> {
  if (!import.meta.url.endsWith('.ts')) return Promise.resolve();
  bundling ??= bundleSourceEntry(fileURLToPath(workerSource), 'pg-worker')
    .then((outfile) => {
      if (outfile !== undefined) bundled = `import(${JSON.stringify(pathToFileURL(outfile).href)});`;
    })
    .catch(() => undefined);
  return bundling;
}

/** The worker's code for `new Worker(…, { eval: true })` when running from source; undefined when built. */
function sourceWorker(): string | undefined {
  if (!import.meta.url.endsWith('.ts')) return undefined;
  if (bundled !== undefined) return bundled;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(workerSource.href)}); });`;
}

/** A connection thread and the channel to it. */
interface Thread {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly signal: Int32Array;
}

/**
 * Threads whose store closed cleanly, kept for the next open: starting one costs ~100 ms (a Node
 * environment and the pg module), opening a connection on a kept one a few ms.
 */
const idle: Thread[] = [];
const MAX_IDLE_THREADS = 4;

function startThread(): Thread {
  const signal = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const data: PgWorkerData = { signal, port: port2 };
  const source = sourceWorker();
  const options = { workerData: data, transferList: [port2] };
  const worker =
    source === undefined ? new Worker(new URL('./pg-worker.js', import.meta.url), options) : new Worker(source, { ...options, eval: true });
  // The store's thread never waits for the worker to exit, and an idle thread must not keep a process alive.
  worker.unref();
  port1.unref();
  const thread = { worker, port: port1, signal: new Int32Array(signal) };
  // A kept thread that died is not handed out again.
  worker.once('exit', () => {
    const i = idle.indexOf(thread);
    if (i >= 0) idle.splice(i, 1);
  });
  return thread;
}

function stopThread(t: Thread): void {
  t.port.close();
  void t.worker.terminate();
}

/** First words of a statement, for error details (never the values). */
const statementHead = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, 60);

/** Buffers for bytea values: structured clone delivered Uint8Arrays; callers expect what better-sqlite3 gives. */
function asBuffers(rows: PgRow[]): PgRow[] {
  for (const row of rows) {
    for (const k in row) {
      const v = row[k];
      if (v instanceof Uint8Array && !Buffer.isBuffer(v)) row[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
  }
  return rows;
}

export class PgBridge {
  readonly #thread: Thread;
  readonly #callTimeoutMs: number;
  #next = 1;
  #closed: string | undefined;
  /** Transaction depth, kept by PgStore: requests inside one may not reconnect. */
  depth = 0;

  private constructor(thread: Thread, callTimeoutMs: number) {
    this.#thread = thread;
    this.#callTimeoutMs = callTimeoutMs;
  }

  /** Starts (or reuses) a connection thread and connects (throws STORE_PG_UNAVAILABLE when the server cannot be reached). */
  static open(url: string, opts: PgBridgeOptions = {}): PgBridge {
    const statementTimeoutMs = opts.statementTimeoutMs ?? PG_BRIDGE_DEFAULTS.statementTimeoutMs;
    const connectTimeoutMs = opts.connectTimeoutMs ?? PG_BRIDGE_DEFAULTS.connectTimeoutMs;
    const callTimeoutMs = opts.callTimeoutMs ?? Math.max(statementTimeoutMs, connectTimeoutMs) + PG_BRIDGE_DEFAULTS.graceMs;
    const bridge = new PgBridge(idle.pop() ?? startThread(), callTimeoutMs);
    const options = { url, connectTimeoutMs, statementTimeoutMs, applicationName: opts.applicationName ?? 'seclog' };
    try {
      bridge.#call({ id: 0, op: 'connect', options }, 'connect');
    } catch (err) {
      bridge.#stop();
      throw err;
    }
    return bridge;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Runs one statement (several, separated by `;`, when `values` is absent) and returns its rows. */
  query<R = PgRow>(text: string, values?: readonly unknown[]): PgResult<R> {
    return this.many([{ text, values }])[0] as PgResult<R>;
  }

  /**
   * Runs the statements in order in one round trip to the connection thread; stops at the first
   * that fails and throws its error (the ones before it ran: inside a transaction, roll back).
   */
  many(statements: readonly { text: string; values?: readonly unknown[] | undefined }[]): PgResult[] {
    const list = statements.map((s) => ({
      text: s.text,
      values: s.values === undefined || s.values.length === 0 ? undefined : [...s.values],
    }));
    const reply = this.#call({ id: 0, op: 'query', statements: list, fresh: this.depth === 0 }, list);
    return reply.results.map((r) => ({ rows: asBuffers(r.rows), rowCount: r.rowCount }));
  }

  /** Ends the session; later calls throw STORE_CLOSED. The thread is kept for the next open (a few at most). Idempotent. */
  close(): void {
    if (this.#closed !== undefined) return;
    try {
      this.#call({ id: 0, op: 'close' }, 'close', 5_000);
    } catch {
      this.#stop();
      return;
    }
    this.#closed = 'closed';
    if (idle.length < MAX_IDLE_THREADS) idle.push(this.#thread);
    else stopThread(this.#thread);
  }

  #stop(why = 'closed'): void {
    this.#closed ??= why;
    stopThread(this.#thread);
  }

  #call(req: PgRequest, what: string | readonly PgStatement[], timeoutMs = this.#callTimeoutMs): Extract<PgReply, { ok: true }> {
    if (this.#closed !== undefined) {
      throw new SeclogError('STORE_CLOSED', `the PostgreSQL store is ${this.#closed}`, { reason: this.#closed });
    }
    const text = typeof what === 'string' ? what : what.map((s) => s.text).join('; ');
    const id = this.#next++;
    const { port, signal } = this.#thread;
    let seen = Atomics.load(signal, 0);
    port.postMessage({ ...req, id });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      // Returns at once when the worker bumped the word since `seen`.
      if (left > 0) Atomics.wait(signal, 0, seen, left);
      // Loaded before looking, so a reply that lands after the look wakes the next wait.
      const now = Atomics.load(signal, 0);
      const got = this.#take(id);
      if (got !== undefined) return this.#settle(got, what);
      if (left <= 0) break;
      seen = now;
    }
    this.#stop('broken by a timeout');
    throw new SeclogError(
      'STORE_PG_TIMEOUT',
      `no answer from the PostgreSQL connection thread within ${timeoutMs} ms (${statementHead(text)})`,
      {
        timeoutMs,
        statement: statementHead(text),
      },
    );
  }

  /** The reply to `id`, skipping none: replies come in request order, and only this thread sends. */
  #take(id: number): PgReply | undefined {
    for (;;) {
      const m = receiveMessageOnPort(this.#thread.port) as { message: PgReply } | undefined;
      if (m === undefined) return undefined;
      if (m.message.id === id) return m.message;
    }
  }

  #settle(reply: PgReply, what: string | readonly PgStatement[]): Extract<PgReply, { ok: true }> {
    if (reply.ok) return reply;
    throw pgError(reply.error, typeof what === 'string' ? what : (what[reply.index]?.text ?? ''));
  }
}

/** SQLSTATE of a statement the server cancelled at statement_timeout (the session stays usable). */
const QUERY_CANCELED = '57014';

export function pgError(e: PgErrorInfo, text: string): SeclogError {
  const statement = statementHead(text);
  if (e.code === QUERY_CANCELED) {
    return new SeclogError('STORE_PG_TIMEOUT', `PostgreSQL cancelled ${statement}: ${e.message}`, { sqlState: e.code, statement });
  }
  if (e.lost) {
    return new SeclogError('STORE_PG_UNAVAILABLE', `PostgreSQL connection failed: ${e.message}`, {
      reason: e.code ?? 'connection',
      statement,
    });
  }
  return new SeclogError('STORE_PG_FAILED', `PostgreSQL refused ${statement}: ${e.message}`, {
    sqlState: e.code,
    constraint: e.constraint,
    statement,
  });
}
