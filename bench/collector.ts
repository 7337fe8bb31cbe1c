/**
 * `npm run bench -- collector`: durable HTTP ingest of a real collector
 * (DESIGN.md §7, issue C item 11).
 *
 * The collector runs in a child process (openCollector on a temp data dir,
 * SQLite WAL + synchronous=FULL, HTTP on loopback, the code of the tests'
 * collector-child entry); this process is the load generator, so client and
 * server never share an event loop. 1,000 devices are enrolled with the
 * `high` profile; each ships one stream of chained records with real
 * `log_seal` records on its enrolment policy (core's Sealer keyed by its k_0),
 * in batches of 100, each closed by a seal (99 events + 1 seal). Bodies are
 * encoded before the clock starts.
 *
 *   max       closed loop, CONCURRENCY batches in flight (one per device at
 *             a time): acknowledged records/s after a warm-up
 *   bare      better-sqlite3, same pragmas, the same rows (the 14 columns the
 *             collector stores) into a table without secondary indexes, 1,000
 *             rows per transaction, in this process
 *   latency   open loop at half the measured maximum, batches sent on a fixed
 *             schedule; latency from the scheduled send to the ACK (a late
 *             send counts against the server: no coordinated omission)
 *   RSS       of the server process, sampled every 100 ms
 *
 * Environment: SECLOG_BENCH_DEVICES (1000), SECLOG_BENCH_CONCURRENCY (64),
 * SECLOG_BENCH_SECONDS (5, per measured phase), SECLOG_BENCH_PROVISION
 * (150000: records/s to encode batches for), SECLOG_BENCH_RATE (the open
 * loop's records/s instead of half the maximum), SECLOG_BENCH_PROFILE=1
 * (server under --cpu-prof from the sources; prints where its time went
 * during the max phase, and keeps the .cpuprofile in the temp directory).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ChainedEvent,
  type ChainHead,
  canonicalize,
  chainHash,
  createSealerState,
  eventTimeNow,
  genesisHead,
  type Hash,
  Sealer,
  type SecurityEvent,
  uuidv7,
} from '@seclog/core';
import Database from 'better-sqlite3';
import {
  addDevice,
  type BatchWrite,
  createApiToken,
  type DeviceFile,
  openDataDir,
  openSqliteStore,
} from '../packages/collector/src/index.js';
import { type ChildCollector, startChildCollector } from '../packages/collector/test/support/child-collector.js';
import { summariseProfile } from './cpu-profile.js';
import { type Figure, report } from './harness.js';

const env = process.env;
const DEVICES = Number(env.SECLOG_BENCH_DEVICES ?? 1000);
const CONCURRENCY = Number(env.SECLOG_BENCH_CONCURRENCY ?? 64);
const PHASE_MS = Number(env.SECLOG_BENCH_SECONDS ?? 5) * 1000;
const PROFILE = env.SECLOG_BENCH_PROFILE === '1';
/** Records/s the encoded batches are provisioned for (the max phase ends early, and says so, when they run out). */
const PROVISION = Number(env.SECLOG_BENCH_PROVISION ?? 150_000);
const BATCH = 100;
const WARMUP_MS = 1500;
const BARE_ROWS = 300_000;

/** One stored row, as the collector's events table holds it (for the bare insert). */
interface Row {
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

/** One device stream: sealed, chained records encoded as ready-to-send batch bodies. */
class Feed {
  readonly device: string;
  readonly stream = uuidv7();
  readonly #sealer: Sealer;
  readonly #boot = uuidv7();
  #head: ChainHead;
  #n = 0;
  #clockMs = 0;
  readonly bodies: Buffer[] = [];
  /** In flight, for the open loop: scheduled send times waiting for this device. */
  busy = false;
  readonly backlog: number[] = [];

  constructor(file: DeviceFile) {
    this.device = file.device;
    this.#head = genesisHead(this.stream);
    this.#sealer = new Sealer(
      createSealerState({ ...file.seal, deviceId: file.device, stream: this.stream, k0: Buffer.from(file.sealKey, 'hex') }),
    );
  }

  /** Encodes `batches` more bodies of BATCH records; pushes each record's row to `rows` while it has room. */
  generate(
    batches: number,
    rows: Row[],
    stats: { eventBytes: number; sampled: number; recordBytes: number; seals: number; records: number },
  ): void {
    for (let b = 0; b < batches; b++) {
      const texts: string[] = [];
      while (texts.length < BATCH) {
        // Never behind the last stamp: an epoch is [start, end) and the next one starts at the end.
        const nowMs = Math.max(Date.now(), this.#clockMs);
        this.#clockMs = nowMs;
        // Every batch ends with a seal: the policy asks for one per 1,000 records or per
        // minute, but the Sealer may close an epoch early (as at shutdown), and a seal per
        // batch puts the collector's seal check on the measured path for every device.
        if (texts.length === BATCH - 1 || this.#sealer.sealDue(nowMs, this.#head.seq)) {
          // Closing early at `now` would leave the records stamped in this same millisecond at the
          // epoch's (excluded) end: seal 1 ms later, and stamp what follows from there.
          const sealMs = ++this.#clockMs;
          const attrs = this.#sealer.seal({ lastSeq: this.#head.seq, chainHead: this.#head.hash, oldestRetainedSeq: 1, nowMs: sealMs });
          const seal = { v: 1, id: uuidv7(), name: 'log_seal', time: eventTimeNow(sealMs), severity: 'info', outcome: 'success' } as const;
          texts.push(this.#append({ ...seal, device: { id: this.device }, attrs, tq: { synced: true, source: 'ntp' } }, rows));
          stats.seals++;
          continue;
        }
        const i = this.#n++;
        const ev: SecurityEvent = {
          v: 1,
          id: uuidv7(),
          name: 'authn_login_fail',
          time: eventTimeNow(nowMs),
          severity: 'medium',
          outcome: 'failure',
          device: { id: this.device },
          actor: { user: `user${i % 97}`, ip: `203.0.113.${i % 250}` },
          attrs: { method: 'password', reason: 'bad_password' },
          tq: { synced: true, source: 'ntp' },
        };
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
      // Canonical JSON is JSON: the body embeds each record's text as it was hashed.
      this.bodies.push(Buffer.from(`{"device":${JSON.stringify(this.device)},"stream":"${this.stream}","records":[${texts.join(',')}]}`));
    }
  }

  #append(ev: SecurityEvent, rows: Row[]): string {
    const head = this.#head;
    const rec = { ...ev, stream: this.stream, seq: head.seq + 1, boot: this.#boot, mono_ms: this.#n, prev: head.hash } as ChainedEvent;
    const canonical = canonicalize(rec);
    const digest = createHash('sha256').update(canonical).digest();
    const h = chainHash(rec.seq, Buffer.from(head.hash, 'hex'), digest);
    this.#head = { stream: this.stream, seq: rec.seq, hash: h.toString('hex') };
    if (rows.length < BARE_ROWS) {
      rows.push({
        device: this.device,
        stream: this.stream,
        seq: rec.seq,
        timeUs: Date.parse(rec.time) * 1000,
        name: rec.name,
        outcome: rec.outcome,
        severity: rec.severity,
        ip: rec.actor?.ip ?? null,
        user: rec.actor?.user ?? null,
        digest,
        chainHash: h,
        canonical,
      });
    }
    return canonical;
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 1024 });

/** POSTs one batch body; resolves with the status and the records the ACK says were accepted. */
function post(url: URL, token: string, body: Buffer): Promise<{ status: number; accepted: number }> {
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

/** CPU seconds (user + system) a process has used, from /proc on Linux (clock ticks of 10 ms); undefined elsewhere. */
function cpuSeconds(pid: number): number | undefined {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return undefined;
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ');
  if (fields === undefined) return undefined;
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/** RSS of a process: /proc on Linux, else the last value the child reported. */
class RssProbe {
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

interface Tokens {
  get(device: string): string;
}

/** Closed loop: `concurrency` workers, each sending some device's next batch as soon as its last one is acknowledged. */
async function closedLoop(
  url: URL,
  feeds: Feed[],
  tokens: Tokens,
  serverPid: number,
  concurrency: number,
  warmupMs: number,
  measureMs: number,
) {
  const ready = [...feeds];
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + measureMs;
  let cpuFrom: number | undefined;
  let clientFrom = process.cpuUsage();
  const cpuTimer = setTimeout(() => {
    cpuFrom = cpuSeconds(serverPid);
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
      const { accepted } = await post(url, tokens.get(f.device), body);
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
  const cpuTo = cpuSeconds(serverPid);
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

/** Open loop at `ratePerSec` records/s: batch k is due at start + k·interval, whatever happened to batch k − 1. */
async function openLoop(url: URL, feeds: Feed[], tokens: Tokens, ratePerSec: number, ms: number) {
  const intervalMs = (1000 * BATCH) / ratePerSec;
  const latencies: number[] = [];
  let inFlight = 0;
  let ranOut = false;
  let failed: unknown;
  const send = (f: Feed, dueAt: number) => {
    const body = f.bodies.shift();
    if (body === undefined) {
      ranOut = true;
      return;
    }
    f.busy = true;
    inFlight++;
    post(url, tokens.get(f.device), body).then(
      () => {
        latencies.push(performance.now() - dueAt);
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
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return { p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? Number.NaN, batches: latencies.length, ranOut };
}

/** The same rows into a plain table with the collector's pragmas, 1,000 per transaction. */
function bareInsert(path: string, rows: readonly Row[]): { rate: number; perCpuSecond: number } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (
    pos INTEGER PRIMARY KEY, device TEXT NOT NULL, stream TEXT, seq INTEGER, received_us INTEGER NOT NULL, time_us INTEGER NOT NULL,
    name TEXT NOT NULL, outcome TEXT NOT NULL, severity TEXT NOT NULL, actor_ip TEXT, actor_user TEXT,
    digest BLOB NOT NULL, chain_hash BLOB NOT NULL, canonical TEXT NOT NULL) STRICT`);
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const tx = db.transaction((from: number, to: number) => {
    const receivedUs = Date.now() * 1000;
    for (let i = from; i < to; i++) {
      const r = rows[i]!;
      insert.run(
        i,
        r.device,
        r.stream,
        r.seq,
        receivedUs,
        r.timeUs,
        r.name,
        r.outcome,
        r.severity,
        r.ip,
        r.user,
        r.digest,
        r.chainHash,
        r.canonical,
      );
    }
  });
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < rows.length; i += 1000) tx.immediate(i, Math.min(rows.length, i + 1000));
  const rate = rows.length / ((performance.now() - start) / 1000);
  const used = process.cpuUsage(cpu);
  db.close();
  return { rate, perCpuSecond: rows.length / ((used.user + used.system) / 1e6) };
}

/**
 * The same rows through the collector's Store (its real schema and indexes),
 * 10 batches of 100 per commitBatches call: what the store costs before any
 * HTTP, validation, hashing or Merkle work.
 */
function storeOnly(path: string, rows: readonly Row[]): { rate: number; perCpuSecond: number } {
  const store = openSqliteStore(path);
  const batches: BatchWrite[] = [];
  for (let i = 0; i < rows.length; i += BATCH) {
    const slice = rows.slice(i, i + BATCH).filter((r) => r.device === rows[i]!.device);
    const { device, stream } = slice[0]!;
    const receivedUs = Date.now() * 1000;
    const records = slice.map((r) => ({
      record: JSON.parse(r.canonical) as ChainedEvent,
      canonical: r.canonical,
      digest: r.digest as Uint8Array as Hash,
      chainHash: r.chainHash as Uint8Array as Hash,
      receivedUs,
    }));
    const last = slice.at(-1)!;
    batches.push({ device, stream, records, cursor: { device, stream, ackedSeq: last.seq, head: last.chainHash as Uint8Array as Hash } });
  }
  let n = 0;
  for (const b of batches) n += b.records.length;
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < batches.length; i += 10) store.commitBatches(batches.slice(i, i + 10));
  const rate = n / ((performance.now() - start) / 1000);
  const used = process.cpuUsage(cpu);
  store.close();
  return { rate, perCpuSecond: n / ((used.user + used.system) / 1e6) };
}

const mib = (n: number) => n / (1024 * 1024);

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'seclog-bench-collector-'));
  let child: ChildCollector | undefined;
  try {
    const dataDir = join(root, 'data');
    const t0 = performance.now();
    const dd = await openDataDir(dataDir);
    const metricsToken = createApiToken(dd.enrol, 'auditor', 'bench').token;
    const files = dd.store.transaction(() =>
      Array.from({ length: DEVICES }, (_, i) => addDevice(dd.enrol, `cam-${String(i).padStart(4, '0')}`, 'high', 'http://127.0.0.1')),
    );
    dd.close();
    const tokenOf = new Map(files.map((f) => [f.device, f.token]));
    const tokens: Tokens = { get: (d) => tokenOf.get(d)! };
    const feeds = files.map((f) => new Feed(f));
    const rows: Row[] = [];
    const stats = { eventBytes: 0, sampled: 0, recordBytes: 0, seals: 0, records: 0 };
    // Enough for the warm-up and the max phase at up to PROVISION records/s.
    const maxBatches = Math.ceil((PROVISION * (WARMUP_MS + PHASE_MS)) / 1000 / BATCH / DEVICES) + 1;
    for (const f of feeds) f.generate(maxBatches, rows, stats);
    process.stdout.write(
      `collector bench: ${DEVICES} devices enrolled, ${maxBatches * DEVICES} batches encoded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );

    const profileDir = join(root, 'profile');
    const reported = { value: 0 };
    child = await startChildCollector(dataDir, {
      ...(PROFILE ? { execArgv: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], launcher: 'tsx' as const } : {}),
      rssMs: 200,
      onRss: (n) => {
        reported.value = n;
      },
    });
    const url = new URL(child.url);
    const rss = new RssProbe(child.pid, reported);
    const idleRss = rss.read();

    rss.start();
    const maxStartNs = process.hrtime.bigint() + BigInt(WARMUP_MS) * 1_000_000n;
    const max = await closedLoop(url, feeds, tokens, child.pid, CONCURRENCY, WARMUP_MS, PHASE_MS);
    const maxEndNs = process.hrtime.bigint();
    const rssAtMax = rss.stop();
    process.stdout.write(
      `max: ${Math.round(max.rate)} records/s over ${max.seconds.toFixed(1)} s at ${CONCURRENCY} in flight${max.ranOut ? ' (ran out of encoded batches)' : ''}\n`,
    );

    // Half the maximum, open loop; top the feeds up first (outside any clock).
    const half = Number(env.SECLOG_BENCH_RATE ?? max.rate / 2);
    const needBatches = Math.ceil((half * (PHASE_MS + 1000)) / 1000 / BATCH / DEVICES) + 1;
    for (const f of feeds) if (f.bodies.length < needBatches) f.generate(needBatches - f.bodies.length, rows, stats);
    rss.start();
    const latency = await openLoop(url, feeds, tokens, half, PHASE_MS);
    const rssAtHalf = rss.stop();
    process.stdout.write(`latency at ${Math.round(half)} records/s: p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms\n`);

    // Seal and chain failures never refuse a batch, they are recorded: /metrics counts them.
    const scrape = await fetch(`${child.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    const text = await scrape.text();
    const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    const groupBatches = sample('seclog_commit_group_batches_sum') / sample('seclog_commit_group_batches_count');
    const commitMs = (1000 * sample('seclog_commit_duration_seconds_sum')) / sample('seclog_commit_duration_seconds_count');
    let integrityFailures = 0;
    for (const m of text.matchAll(/^seclog_integrity_failures_total\{kind="([^"]*)"\} (\S+)$/gm)) {
      integrityFailures += Number(m[2]);
      if (Number(m[2]) > 0) process.stdout.write(`collector recorded ${m[2]} integrity failures of kind ${m[1]}\n`);
    }
    assertEqual(await child.stop(), 0, `the collector did not stop cleanly: ${child.stderr()}`);
    child = undefined;

    const bare = bareInsert(join(root, 'bare.db'), rows);
    const store = storeOnly(join(root, 'store.db'), rows);
    const [load1] = loadavg();
    const figures: Figure[] = [
      {
        name: `durable ingest, ${DEVICES} devices, batches of ${BATCH} (acknowledged)`,
        value: max.rate,
        unit: 'records/s',
        better: 'higher',
      },
      { name: 'bare better-sqlite3 insert, same rows, 1,000/tx', value: bare.rate, unit: 'rows/s', better: 'higher' },
      { name: '  ingest ÷ bare insert', value: max.rate / bare.rate, unit: 'x', better: 'higher' },
      { name: 'Store.commitBatches alone, same rows, 1,000/tx', value: store.rate, unit: 'rows/s', better: 'higher' },
      { name: '  store ÷ bare insert', value: store.rate / bare.rate, unit: 'x', better: 'higher' },
      { name: 'durable ingest per second of server CPU', value: max.perCpuSecond, unit: 'records/cpu-s', better: 'higher' },
      { name: 'bare insert per second of CPU', value: bare.perCpuSecond, unit: 'rows/cpu-s', better: 'higher' },
      { name: '  ingest ÷ bare insert, per CPU second', value: max.perCpuSecond / bare.perCpuSecond, unit: 'x', better: 'higher' },
      { name: 'Store.commitBatches per second of CPU', value: store.perCpuSecond, unit: 'rows/cpu-s', better: 'higher' },
      { name: 'server CPU share during the max phase', value: max.cpuShare, unit: 'cores', better: 'higher' },
      { name: 'load generator CPU share during the max phase', value: max.clientCpuShare, unit: 'cores', better: 'lower' },
      { name: `ACK latency p50 at half load (${Math.round(half)} records/s)`, value: latency.p50, unit: 'ms', better: 'lower' },
      { name: 'ACK latency p99 at half load', value: latency.p99, unit: 'ms', better: 'lower' },
      { name: 'server RSS, max under max load', value: mib(rssAtMax), unit: 'MiB', better: 'lower' },
      { name: 'server RSS, max at half load', value: mib(rssAtHalf), unit: 'MiB', better: 'lower' },
      { name: 'server RSS, idle after start', value: mib(idleRss), unit: 'MiB', better: 'lower' },
      { name: 'event size (JCS, before chain fields)', value: stats.eventBytes / stats.sampled, unit: 'B', better: 'lower' },
      { name: 'record size as stored (JCS, chained)', value: stats.recordBytes / stats.records, unit: 'B', better: 'lower' },
      { name: 'log_seal records among those encoded', value: stats.seals, unit: 'records', better: 'higher' },
      { name: 'batches per group commit (mean, whole run, /metrics)', value: groupBatches, unit: 'batches', better: 'higher' },
      { name: 'group commit transaction (mean, whole run, /metrics)', value: commitMs, unit: 'ms', better: 'lower' },
      { name: 'integrity failures the collector recorded (must be 0)', value: integrityFailures, unit: 'records', better: 'lower' },
      { name: 'machine load average (1 min) at the end', value: load1 ?? Number.NaN, unit: 'runnable', better: 'lower' },
    ];
    report('collector', figures);

    if (PROFILE) {
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file === undefined) throw new Error('the server wrote no CPU profile');
      // Outside the repository: a profile is megabytes, and bench/results keeps only figures.
      const kept = join(tmpdir(), `seclog-collector-server-${Date.now()}.cpuprofile`);
      copyFileSync(join(profileDir, file), kept);
      process.stdout.write(
        `\nserver CPU during the max phase (${kept}, opens in Chrome DevTools)\n${summariseProfile(kept, maxStartNs / 1000n, maxEndNs / 1000n)}\n`,
      );
    }
  } finally {
    child?.process.kill('SIGKILL');
    agent.destroy();
    rmSync(root, { recursive: true, force: true });
  }
}

function assertEqual(a: unknown, b: unknown, message: string): void {
  if (a !== b) throw new Error(`${message} (${String(a)} ≠ ${String(b)})`);
}
