/**
 * Load generation against a collector running in a child process, shared by
 * `npm run bench -- collector` and the end-to-end part of `-- detect`:
 * sealed, chained device streams encoded as ready-to-send batch bodies, the
 * HTTP client, a closed loop (the maximum) and an open loop (a fixed rate,
 * latency from the scheduled send), and probes of the server's CPU and RSS.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import {
  type ChainedEvent,
  type ChainHead,
  canonicalize,
  chainHash,
  createSealerState,
  eventTimeNow,
  genesisHead,
  Sealer,
  type SecurityEvent,
  uuidv7,
} from '@seclog/core';
import type { DeviceFile } from '../packages/collector/src/index.js';

/** Records per batch body: 99 events and the seal that closes the batch. */
export const BATCH = 100;
/** Rows kept for the collector bench's bare-insert comparison. */
export const KEEP_ROWS = 300_000;

/** One stored row, as the collector's events table holds it (for the bare insert). */
export interface Row {
  device: string;
  stream: string;
  seq: number;
  timeUs: number;
  name: string;
  outcome: string;
  severity: string;
  ip: string | null;
  user: string | null;
  digest: Buffer;
  chainHash: Buffer;
  canonical: string;
}

/** A chained record as the row the collector stores for it. */
export function rowOf(device: string, rec: ChainedEvent, digest: Buffer, chainHash: Buffer, canonical: string): Row {
  return {
    device,
    stream: rec.stream,
    seq: rec.seq,
    timeUs: Date.parse(rec.time) * 1000,
    name: rec.name,
    outcome: rec.outcome,
    severity: rec.severity,
    ip: rec.actor?.ip ?? null,
    user: rec.actor?.user ?? null,
    digest,
    chainHash,
    canonical,
  };
}

export interface EncodeStats {
  eventBytes: number;
  sampled: number;
  recordBytes: number;
  seals: number;
  records: number;
}

export const newEncodeStats = (): EncodeStats => ({ eventBytes: 0, sampled: 0, recordBytes: 0, seals: 0, records: 0 });

/** The i-th event of a device's stream, stamped `nowMs` (no chain fields). */
export type EventMaker = (i: number, device: string, nowMs: number) => SecurityEvent;

/** A failed password login by `user` from `ip`, stamped `nowMs`. */
export function failedLoginEvent(device: string, nowMs: number, user: string, ip: string): SecurityEvent {
  return {
    v: 1,
    id: uuidv7(),
    name: 'authn_login_fail',
    time: eventTimeNow(nowMs),
    severity: 'medium',
    outcome: 'failure',
    device: { id: device },
    actor: { user, ip },
    attrs: { method: 'password', reason: 'bad_password' },
    tq: { synced: true, source: 'ntp' },
  };
}

/** The collector bench's events: failed logins over 97 users and 250 addresses. */
export const failedLogin: EventMaker = (i, device, nowMs) => failedLoginEvent(device, nowMs, `user${i % 97}`, `203.0.113.${i % 250}`);

/** One device stream: sealed, chained records encoded as ready-to-send batch bodies. */
export class Feed {
  readonly device: string;
  readonly stream = uuidv7();
  readonly #sealer: Sealer;
  readonly #boot = uuidv7();
  readonly #make: EventMaker;
  #head: ChainHead;
  #n = 0;
  #clockMs = 0;
  readonly bodies: Buffer[] = [];
  /** In flight, for the open loop: scheduled send times waiting for this device. */
  busy = false;
  readonly backlog: number[] = [];

  constructor(file: DeviceFile, make: EventMaker = failedLogin) {
    this.device = file.device;
    this.#make = make;
    this.#head = genesisHead(this.stream);
    this.#sealer = new Sealer(
      createSealerState({ ...file.seal, deviceId: file.device, stream: this.stream, k0: Buffer.from(file.sealKey, 'hex') }),
    );
  }

  /** Encodes `batches` more bodies of BATCH records; pushes each record's row to `rows` while it has room. */
  generate(batches: number, rows: Row[] | undefined, stats: EncodeStats): void {
    for (let b = 0; b < batches; b++) {
      const texts: string[] = [];
      while (texts.length < BATCH) {
        const nowMs = this.#tick();
        // Every batch ends with a seal: the policy asks for one per 1,000 records or per
        // minute, but the Sealer may close an epoch early (as at shutdown), and a seal per
        // batch puts the collector's seal check on the measured path for every device.
        if (texts.length === BATCH - 1 || this.#sealer.sealDue(nowMs, this.#head.seq)) {
          texts.push(this.#seal(rows, stats));
          continue;
        }
        const i = this.#n++;
        const ev = this.#make(i, this.device, nowMs);
        // Sizes from a sample: canonicalising every event twice would double the encoding time.
        if ((i & 63) === 0) {
          stats.eventBytes += canonicalize(ev).length;
          stats.sampled++;
        }
        const text = this.#append(ev, rows);
        stats.recordBytes += text.length;
        stats.records++;
        texts.push(text);
      }
      this.bodies.push(this.#body(texts));
    }
  }

  /**
   * One body holding exactly `count` events from `make` (seals where due in between) and a closing seal; returns
   * it with the ids of those events, in order. For bursts encoded at send time.
   */
  encode(count: number, make: EventMaker, stats: EncodeStats): { body: Buffer; ids: string[] } {
    const texts: string[] = [];
    const ids: string[] = [];
    while (ids.length < count) {
      const nowMs = this.#tick();
      if (this.#sealer.sealDue(nowMs, this.#head.seq)) {
        texts.push(this.#seal(undefined, stats));
        continue;
      }
      const ev = make(this.#n++, this.device, nowMs);
      ids.push(ev.id);
      texts.push(this.#append(ev, undefined));
      stats.records++;
    }
    this.#tick();
    texts.push(this.#seal(undefined, stats));
    return { body: this.#body(texts), ids };
  }

  /** Now in ms, never behind the last stamp: an epoch is [start, end) and the next one starts at the end. */
  #tick(): number {
    this.#clockMs = Math.max(Date.now(), this.#clockMs);
    return this.#clockMs;
  }

  #seal(rows: Row[] | undefined, stats: EncodeStats): string {
    // Closing early at `now` would leave the records stamped in this same millisecond at the
    // epoch's (excluded) end: seal 1 ms later, and stamp what follows from there.
    const sealMs = ++this.#clockMs;
    const attrs = this.#sealer.seal({ lastSeq: this.#head.seq, chainHead: this.#head.hash, oldestRetainedSeq: 1, nowMs: sealMs });
    const seal = { v: 1, id: uuidv7(), name: 'log_seal', time: eventTimeNow(sealMs), severity: 'info', outcome: 'success' } as const;
    stats.seals++;
    return this.#append({ ...seal, device: { id: this.device }, attrs, tq: { synced: true, source: 'ntp' } }, rows);
  }

  #body(texts: readonly string[]): Buffer {
    // Canonical JSON is JSON: the body embeds each record's text as it was hashed.
    return Buffer.from(`{"device":${JSON.stringify(this.device)},"stream":"${this.stream}","records":[${texts.join(',')}]}`);
  }

  #append(ev: SecurityEvent, rows: Row[] | undefined): string {
    const head = this.#head;
    const rec = { ...ev, stream: this.stream, seq: head.seq + 1, boot: this.#boot, mono_ms: this.#n, prev: head.hash } as ChainedEvent;
    const canonical = canonicalize(rec);
    const digest = createHash('sha256').update(canonical).digest();
    const h = chainHash(rec.seq, Buffer.from(head.hash, 'hex'), digest);
    this.#head = { stream: this.stream, seq: rec.seq, hash: h.toString('hex') };
    if (rows !== undefined && rows.length < KEEP_ROWS) {
      rows.push(rowOf(this.device, rec, digest, h, canonical));
    }
    return canonical;
  }
}

export const agent = new Agent({ keepAlive: true, maxSockets: 1024 });

/** POSTs one batch body; resolves with the status and the records the ACK says were accepted. */
export function post(url: URL, token: string, body: Buffer): Promise<{ status: number; accepted: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/api/v1/ingest',
        headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${token}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            reject(new Error(`ingest answered ${status}: ${text.slice(0, 300)}`));
            return;
          }
          resolve({ status, accepted: (JSON.parse(text) as { accepted: number }).accepted });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used, from /proc on Linux (clock ticks of 10 ms); undefined elsewhere. */
export function cpuSeconds(pid: number): number | undefined {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return undefined;
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ');
  if (fields === undefined) return undefined;
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** RSS of a process: /proc on Linux, else the last value the child reported. */
export class RssProbe {
  readonly #pid: number;
  readonly #reported: { value: number };
  max = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(pid: number, reported: { value: number }) {
    this.#pid = pid;
    this.#reported = reported;
  }

  read(): number {
    const path = `/proc/${this.#pid}/status`;
    if (existsSync(path)) {
      const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(path, 'utf8'))?.[1];
      if (kib !== undefined) return Number(kib) * 1024;
    }
    return this.#reported.value;
  }

  start(): void {
    this.max = 0;
    this.#timer = setInterval(() => {
      this.max = Math.max(this.max, this.read());
    }, 100);
  }

  stop(): number {
    clearInterval(this.#timer);
    this.max = Math.max(this.max, this.read());
    return this.max;
  }
}

export interface Tokens {
  get(device: string): string;
}

/** Closed loop: `concurrency` workers, each sending some device's next batch as soon as its last one is acknowledged. */
export function closedLoop(
  url: URL,
  feeds: Feed[],
  tokens: Tokens,
  serverPid: number,
  concurrency: number,
  warmupMs: number,
  measureMs: number,
) {
  return closedLoopOver([{ url, pid: serverPid }], () => url, feeds, tokens, concurrency, warmupMs, measureMs);
}

/** A collector process the load goes to. */
export interface Target {
  readonly url: URL;
  readonly pid: number;
}

/**
 * The closed loop over several collectors (`npm run bench -- postgres`): `route` names the collector a
 * device's batches go to; the CPU figures add up every target's process and `extraPids` (a database).
 */
export async function closedLoopOver(
  targets: readonly Target[],
  route: (device: string) => URL,
  feeds: Feed[],
  tokens: Tokens,
  concurrency: number,
  warmupMs: number,
  measureMs: number,
  extraPids: () => readonly number[] = () => [],
) {
  const cpuOf = (): number | undefined => {
    let total = 0;
    for (const pid of [...targets.map((t) => t.pid), ...extraPids()]) {
      const s = cpuSeconds(pid);
      if (s === undefined) return undefined;
      total += s;
    }
    return total;
  };
  const ready = [...feeds];
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + measureMs;
  let cpuFrom: number | undefined;
  let clientFrom = process.cpuUsage();
  const cpuTimer = setTimeout(() => {
    cpuFrom = cpuOf();
    clientFrom = process.cpuUsage();
  }, warmupMs);
  let acked = 0;
  let lastAckAt = measureFrom;
  let ran_out = false;
  const worker = async () => {
    while (performance.now() < end) {
      const f = ready.shift();
      if (f === undefined) {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      const body = f.bodies.shift();
      if (body === undefined) {
        ran_out = true;
        return;
      }
      const { accepted } = await post(route(f.device), tokens.get(f.device), body);
      const now = performance.now();
      if (now >= measureFrom && now <= end) {
        acked += accepted;
        lastAckAt = now;
      }
      ready.push(f);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearTimeout(cpuTimer);
  const cpuTo = cpuOf();
  const client = process.cpuUsage(clientFrom);
  const seconds = (Math.min(lastAckAt, end) - measureFrom) / 1000;
  // Records per second of server CPU: what one dedicated core would ingest, whatever else ran on the machine.
  const perCpuSecond = cpuFrom === undefined || cpuTo === undefined ? Number.NaN : acked / (cpuTo - cpuFrom);
  return {
    rate: acked / seconds,
    acked,
    seconds,
    ranOut: ran_out,
    perCpuSecond,
    cpuShare: ((cpuTo ?? 0) - (cpuFrom ?? 0)) / seconds,
    clientCpuShare: (client.user + client.system) / 1e6 / seconds,
  };
}

/**
 * Open loop at `ratePerSec` records/s: batch k is due at start + k·interval, whatever happened to batch k − 1.
 * `records` and `seconds`: what was acknowledged, from the start until the last ACK.
 */
export async function openLoop(url: URL, feeds: Feed[], tokens: Tokens, ratePerSec: number, ms: number) {
  const intervalMs = (1000 * BATCH) / ratePerSec;
  const latencies: number[] = [];
  let inFlight = 0;
  let ranOut = false;
  let failed: unknown;
  let records = 0;
  let lastAckAt = 0;
  const send = (f: Feed, dueAt: number) => {
    const body = f.bodies.shift();
    if (body === undefined) {
      ranOut = true;
      return;
    }
    f.busy = true;
    inFlight++;
    post(url, tokens.get(f.device), body).then(
      ({ accepted }) => {
        lastAckAt = performance.now();
        latencies.push(lastAckAt - dueAt);
        records += accepted;
        inFlight--;
        f.busy = false;
        const next = f.backlog.shift();
        if (next !== undefined) send(f, next);
      },
      (err: unknown) => {
        failed = err;
        inFlight--;
      },
    );
  };
  const start = performance.now();
  let k = 0;
  while (performance.now() - start < ms && failed === undefined && !ranOut) {
    const due = Math.floor((performance.now() - start) / intervalMs) + 1;
    for (; k < due; k++) {
      const f = feeds[k % feeds.length]!;
      const dueAt = start + k * intervalMs;
      if (f.busy) f.backlog.push(dueAt);
      else send(f, dueAt);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  while (inFlight > 0 && failed === undefined) await new Promise((r) => setTimeout(r, 5));
  if (failed !== undefined) throw failed;
  const seconds = (lastAckAt - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return { p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? Number.NaN, batches: latencies.length, records, seconds, ranOut };
}

/** Reads the answer of a JSON GET with a bearer token. */
export async function getJson<T>(url: string, token: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}
