/**
 * A small stand-in for the collector's ingest API (docs/ingest.md), for the
 * shipper's unit tests: one device, cursors per stream, gaps (optionally
 * reported and fillable, like a collector that fills gaps), scripted
 * failures, refused seqs, and a log of every request. Records are any JSON
 * object with a `seq`; chains are not checked (the end-to-end tests in
 * packages/cli run the real collector).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface RequestLog {
  method: string;
  path: string;
  at: number;
  status: number;
  gzip: boolean;
  /** First and last seq of a batch. */
  first?: number;
  last?: number;
  count?: number;
}

export interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Json = Record<string, unknown>;

export class FakeCollector {
  readonly token: string;
  url = '';
  readonly requests: RequestLog[] = [];
  /** Stored canonical text by seq, per stream. */
  readonly stored = new Map<string, Map<number, string>>();
  readonly cursors = new Map<string, number>();
  /** Open gaps per stream, half-open. */
  readonly gaps = new Map<string, { from: number; to: number }[]>();
  /** List open gaps in the cursor answer, and store records that fill them. */
  fillGaps = false;
  /** Seqs refused with 400 INGEST_RECORD_INVALID; `refuseWithIndex` names the record. */
  readonly refuse = new Set<number>();
  refuseWithIndex = true;
  maxBatchRecords = Number.POSITIVE_INFINITY;
  acceptGzip = true;
  /** One-shot answers for the next POSTs (or GETs), in order. */
  readonly postScript: Scripted[] = [];
  readonly getScript: Scripted[] = [];
  /** Batches to store and then drop the connection without answering (a lost acknowledgement). */
  loseAnswers = 0;
  /** Delay before answering the n-th POST (0-based); processing order is arrival order. */
  answerDelayMs: (n: number) => number = () => 0;
  /** POSTs in progress right now, and the most seen at once. */
  open = 0;
  maxOpen = 0;
  #server: Server | undefined;
  #posts = 0;

  constructor(token = 'sld_test') {
    this.token = token;
  }

  async start(port = 0): Promise<string> {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    await new Promise<void>((r) => this.#server!.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (s === undefined) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** Seqs stored for `stream`, ascending. */
  seqs(stream: string): number[] {
    return [...(this.stored.get(stream)?.keys() ?? [])].sort((a, b) => a - b);
  }

  posts(): RequestLog[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const gzip = req.headers['content-encoding'] === 'gzip';
    const log: RequestLog = { method: req.method ?? '', path: req.url ?? '', at: Date.now(), status: 0, gzip };
    this.requests.push(log);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      log.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: string, details: Json = {}): void =>
      send(status, { error: { code, message: `${code} (fake collector)`, details } });
    if (req.headers.authorization !== `Bearer ${this.token}`) return error(401, 'AUTH_TOKEN_INVALID');

    if (req.method === 'GET' && req.url === '/api/v1/ingest/cursor') {
      const s = this.getScript.shift();
      if (s) return send(s.status, s.body ?? {}, s.headers);
      const streams = [...this.cursors].map(([stream, seq]) => ({
        stream,
        seq,
        head: 'a'.repeat(64),
        ...(this.fillGaps ? { gaps: this.gaps.get(stream) ?? [] } : {}),
      }));
      return send(200, { device: 'dev-1', streams });
    }
    if (req.method !== 'POST' || req.url !== '/api/v1/ingest') return error(404, 'HTTP_NOT_FOUND');

    const n = this.#posts++;
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    try {
      let records: Json[];
      let stream: string;
      try {
        if (gzip && !this.acceptGzip) return error(415, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
        const body = JSON.parse((gzip ? gunzipSync(raw) : raw).toString('utf8')) as { stream: string; records: Json[] };
        records = body.records;
        stream = body.stream;
      } catch {
        return error(400, 'HTTP_BODY_INVALID');
      }
      log.first = records[0]?.seq as number;
      log.last = records.at(-1)?.seq as number;
      log.count = records.length;
      const s = this.postScript.shift();
      const delay = this.answerDelayMs(n);
      if (s) {
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        return send(s.status, s.body ?? {}, s.headers);
      }
      if (records.length > this.maxBatchRecords) return error(413, 'INGEST_BATCH_TOO_LARGE', { max: this.maxBatchRecords });
      const bad = records.findIndex((r) => this.refuse.has(r.seq as number));
      if (bad >= 0) return error(400, 'INGEST_RECORD_INVALID', this.refuseWithIndex ? { index: bad, field: 'attrs' } : {});
      // Classify and store at arrival, answer after the delay: like a collector committing in arrival order.
      const ack = this.#ingest(stream, records);
      if (this.loseAnswers > 0) {
        this.loseAnswers--;
        log.status = -1;
        req.socket.destroy();
        return;
      }
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      return send(200, ack);
    } finally {
      this.open--;
    }
  }

  #ingest(stream: string, records: Json[]): Json {
    const store = this.stored.get(stream) ?? new Map<number, string>();
    this.stored.set(stream, store);
    const gaps = this.gaps.get(stream) ?? [];
    this.gaps.set(stream, gaps);
    let cursor = this.cursors.get(stream) ?? 0;
    let accepted = 0;
    let duplicates = 0;
    for (const r of records) {
      const seq = r.seq as number;
      const text = JSON.stringify(r);
      if (seq <= cursor) {
        const g = gaps.findIndex((x) => x.from <= seq && seq < x.to);
        if (this.fillGaps && g >= 0) {
          store.set(seq, text);
          accepted++;
          const x = gaps[g]!;
          const parts = [
            { from: x.from, to: seq },
            { from: seq + 1, to: x.to },
          ].filter((p) => p.from < p.to);
          gaps.splice(g, 1, ...parts);
        } else {
          duplicates++;
        }
        continue;
      }
      if (seq > cursor + 1) gaps.push({ from: cursor + 1, to: seq });
      store.set(seq, text);
      accepted++;
      cursor = seq;
    }
    this.cursors.set(stream, cursor);
    return { acked: { stream, seq: cursor, head: 'a'.repeat(64) }, accepted, duplicates };
  }
}

/** A canonical-looking record for seq `seq` of `stream`. */
export function fakeRecord(stream: string, seq: number, pad = 0): { seq: number; canonical: string } {
  return { seq, canonical: JSON.stringify({ seq, stream, pad: 'x'.repeat(pad) }) };
}

export function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}
