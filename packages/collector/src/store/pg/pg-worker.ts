/**
 * The connection thread of a PgStore: owns one pg Client and answers the
 * requests its store posts on the channel, one at a time, in order. After
 * posting each reply it bumps the shared signal word and notifies, which
 * wakes the store's thread blocked in Atomics.wait (pg-bridge.ts).
 *
 * One connection is enough: the store's thread waits for every answer, so
 * there is never more than one statement in flight, and a transaction's
 * statements all run on this client between its BEGIN and COMMIT.
 *
 * int8 columns come back as JS numbers (positions, µs times and counts stay
 * far below 2^53; a larger value is an error rather than a silent rounding).
 */
import { workerData } from 'node:worker_threads';
import pg from 'pg';
import type { PgConnectOptions, PgErrorInfo, PgReply, PgRequest, PgWorkerData } from './pg-protocol.js';

const INT8_OID = 20;
const QUERY_TIMEOUT_GRACE_MS = 2_000;

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${text} is beyond the safe integer range`);
  return n;
}

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format);
  },
};

// SQLSTATE classes that mean the session is gone: 08 connection exception, 57P0x shutdown / crash.
const LOST_STATES = /^(08|57P0)/;

function errorInfo(err: unknown, client: pg.Client | undefined, broken: boolean): PgErrorInfo {
  const e = err as { message?: unknown; code?: unknown; constraint?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const serverError = code !== undefined && /^[0-9A-Z]{5}$/.test(code);
  return {
    message: typeof e.message === 'string' ? e.message : String(err),
    code,
    constraint: typeof e.constraint === 'string' ? e.constraint : undefined,
    lost: broken || client === undefined || !serverError || LOST_STATES.test(code ?? ''),
  };
}

class Connection {
  #options: PgConnectOptions | undefined;
  #client: pg.Client | undefined;
  /** Set when the socket failed: the client is dropped and, outside a transaction, replaced. */
  #broken = false;

  async connect(options = this.#options): Promise<void> {
    if (options === undefined) throw new Error('no connection was opened on this thread');
    this.#options = options;
    const client = new pg.Client({
      connectionString: options.url,
      connectionTimeoutMillis: options.connectTimeoutMs,
      // The server cancels a statement at statement_timeout and the session lives on; pg's own
      // query_timeout, a little later, catches a server that no longer answers at all.
      statement_timeout: options.statementTimeoutMs,
      query_timeout: options.statementTimeoutMs + QUERY_TIMEOUT_GRACE_MS,
      application_name: options.applicationName,
      types,
    });
    // An idle connection that dies emits 'error' here; the next request sees #broken.
    client.on('error', () => {
      this.#broken = true;
    });
    this.#broken = false;
    this.#client = client;
    try {
      await client.connect();
    } catch (err) {
      this.#broken = true;
      throw err;
    }
  }

  async query(text: string, values: unknown[] | undefined, fresh: boolean): Promise<pg.QueryResult> {
    if (this.#broken || this.#client === undefined) {
      if (!fresh) throw Object.assign(new Error('the connection to PostgreSQL was lost inside a transaction'), { code: 'ECONNRESET' });
      await this.#drop();
      await this.connect();
    }
    return (this.#client as pg.Client).query({ text, values });
  }

  async #drop(): Promise<void> {
    const c = this.#client;
    this.#client = undefined;
    if (c !== undefined) await c.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.#drop();
    this.#options = undefined;
    this.#broken = false;
  }

  info(err: unknown): PgErrorInfo {
    const info = errorInfo(err, this.#client, this.#broken);
    if (info.lost) this.#broken = true;
    return info;
  }
}

const data = workerData as PgWorkerData;
const port = data.port;
const signal = new Int32Array(data.signal);
const conn = new Connection();

function send(reply: PgReply): void {
  port.postMessage(reply);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

async function handle(req: PgRequest): Promise<PgReply> {
  let index = 0;
  try {
    switch (req.op) {
      case 'connect':
        await conn.close();
        await conn.connect(req.options);
        return { id: req.id, ok: true, results: [] };
      case 'query': {
        const results: { rows: Record<string, unknown>[]; rowCount: number }[] = [];
        for (const st of req.statements) {
          const r = await conn.query(st.text, st.values, req.fresh && index === 0);
          // A script of several statements answers with one result each: keep the last.
          const last = (Array.isArray(r) ? r.at(-1) : r) as pg.QueryResult | undefined;
          results.push({ rows: (last?.rows ?? []) as Record<string, unknown>[], rowCount: last?.rowCount ?? 0 });
          index++;
        }
        return { id: req.id, ok: true, results };
      }
      case 'close':
        await conn.close();
        return { id: req.id, ok: true, results: [] };
    }
  } catch (err) {
    return { id: req.id, ok: false, error: conn.info(err), index };
  }
}

// Requests are answered strictly in order: each waits for the one before.
let chain: Promise<void> = Promise.resolve();
port.on('message', (req: PgRequest) => {
  chain = chain.then(async () => {
    send(await handle(req));
  });
});
