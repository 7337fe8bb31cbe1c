/**
 * `npm run bench -- syslog`: syslog TCP ingest (DESIGN.md §7, issue E item 7).
 *
 * One load generator (this process) sends the same pre-encoded load to two
 * receivers on this machine, one after the other:
 *
 *   seclog    a collector in a child process (bench/syslog-child.ts: SQLite
 *             WAL + synchronous=FULL, group commit, Merkle integration and
 *             detection on), its syslog TCP listener; a message counts when
 *             it is durably stored (the collector's own counter)
 *   rsyslog   Debian rsyslogd with imtcp -> omfile (its defaults: no fsync,
 *             no validation, hashing or indexing); a message counts when its
 *             line is in the output file
 *
 * The load: RFC 5424 messages of ~300 bytes, octet-counted (RFC 6587), over
 * SECLOG_BENCH_CONNECTIONS connections (4), each from its own loopback
 * address (127.0.0.1–4, which the collector's syslog.sourceMap maps to four
 * devices), written as fast as each socket drains. A warm-up of 20,000
 * messages (SECLOG_BENCH_WARMUP), then SECLOG_BENCH_MESSAGES (200,000) timed from the first byte
 * to the last message counted. The ratio seclog/rsyslog is the figure of
 * DESIGN.md §7 (target ≥ 0.5). Without rsyslogd only the seclog figure is reported.
 *
 * First, in this process, the CPU per message of parsing, building the
 * passthrough record and chaining it (bench/syslog-stages.ts): the figure to
 * compare between versions of the code, since the throughput ones follow the
 * machine's load. Then the same messages, made into the rows the collector
 * stores, go through the bare better-sqlite3 insert of the collector bench
 * (bench/bare-insert.ts): bare ÷ rsyslog is the ceiling of the ratio above
 * for anything that keeps a row per message in SQLite on this machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bareInsert } from './bare-insert.js';
import { type Figure, report } from './harness.js';
import { measureSyslogStages, syslogRows } from './syslog-stages.js';

const env = process.env;
const CONNECTIONS = Number(env.SECLOG_BENCH_CONNECTIONS ?? 4);
const MESSAGES = Number(env.SECLOG_BENCH_MESSAGES ?? 200_000);
const WARMUP = Number(env.SECLOG_BENCH_WARMUP ?? 20_000);
const MESSAGE_BYTES = 300;
/** Rows for the bare insert: enough for a steady rate, few enough to keep this process small. */
const BARE_ROWS = 200_000;
const TIMEOUT_MS = 300_000;
const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => existsSync(p));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One RFC 5424 message of about MESSAGE_BYTES, octet-counted. */
function frame(conn: number, i: number): Buffer {
  const head =
    `<86>1 2026-11-27T10:00:00.${String(i % 1_000_000).padStart(6, '0')}Z edge-${conn} sshd ${1000 + (i % 9000)} - ` +
    `[origin@32473 ip="192.0.2.${conn + 1}" software="bench"] Failed password for invalid user admin${i} from ` +
    `203.0.113.${i % 250} port ${40000 + (i % 20000)} ssh2 `;
  const msg = head + 'x'.repeat(Math.max(0, MESSAGE_BYTES - head.length));
  return Buffer.from(`${Buffer.byteLength(msg)} ${msg}`);
}

/** A frame's message without its octet count (what the parser gets). */
const withoutCount = (f: Buffer): Buffer => f.subarray(f.indexOf(' ') + 1);

/** Per connection, its share of `count` messages as ~64 KiB chunks, numbered from `from`. */
function encodeLoad(from: number, count: number): Buffer[][] {
  const out: Buffer[][] = [];
  for (let c = 0; c < CONNECTIONS; c++) {
    const chunks: Buffer[] = [];
    let cur: Buffer[] = [];
    let size = 0;
    for (let i = from + c; i < from + count; i += CONNECTIONS) {
      const f = frame(c, i);
      cur.push(f);
      size += f.length;
      if (size >= 65_536) {
        chunks.push(Buffer.concat(cur));
        cur = [];
        size = 0;
      }
    }
    if (cur.length > 0) chunks.push(Buffer.concat(cur));
    out.push(chunks);
  }
  return out;
}

function open(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes every connection's chunks as fast as its socket drains. */
async function send(sockets: readonly Socket[], load: readonly Buffer[][]): Promise<void> {
  await Promise.all(
    sockets.map(async (s, c) => {
      for (const chunk of load[c] as Buffer[]) {
        if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
      }
    }),
  );
}

async function until(count: () => number, target: number, what: string): Promise<void> {
  const end = Date.now() + TIMEOUT_MS;
  while (count() < target) {
    if (Date.now() > end) throw new Error(`timed out: ${what} at ${count()} of ${target}`);
    await sleep(5);
  }
}

/** Warm-up, then the timed load: messages/s from the first byte to the last message counted. */
async function measure(port: number, count: () => number, name: string): Promise<number> {
  const warm = encodeLoad(0, WARMUP);
  const load = encodeLoad(WARMUP, MESSAGES);
  const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, (_, c) => open(port, `127.0.0.${c + 1}`)));
  try {
    await send(sockets, warm);
    await until(count, WARMUP, `${name} warm-up`);
    const t0 = performance.now();
    await send(sockets, load);
    await until(count, WARMUP + MESSAGES, name);
    return MESSAGES / ((performance.now() - t0) / 1000);
  } finally {
    for (const s of sockets) s.destroy();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  return exited;
}

function rssOf(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kib === undefined ? 0 : Number(kib) * 1024;
}

async function benchSeclog(root: string): Promise<{ rate: number; rssMax: number }> {
  const entry = fileURLToPath(new URL('./syslog-child.ts', import.meta.url));
  const flags = {
    syslog: {
      tcpPort: 0,
      udpEnabled: false,
      connectionRatePerSec: 10_000_000,
      sourceMap: Array.from({ length: CONNECTIONS }, (_, c) => ({ source: `127.0.0.${c + 1}`, device: `edge-${c}` })),
    },
  };
  const child = spawn(
    process.execPath,
    ['--conditions=seclog-source', '--import', 'tsx', entry, join(root, 'data'), JSON.stringify(flags)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stored = 0;
  let port = 0;
  let err = '';
  let out = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line.startsWith('stored ')) stored = Number(line.slice(7));
      else if (line.startsWith('syslog ')) port = Number(line.slice(7));
    }
  });
  try {
    const end = Date.now() + 60_000;
    while (port === 0) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`the collector did not start: ${err}`);
      await sleep(20);
    }
    let rssMax = 0;
    const probe = setInterval(() => {
      rssMax = Math.max(rssMax, rssOf(child.pid as number));
    }, 100);
    try {
      const rate = await measure(port, () => stored, 'seclog');
      return { rate, rssMax };
    } finally {
      clearInterval(probe);
    }
  } finally {
    await stop(child);
  }
}

async function benchRsyslog(root: string): Promise<number> {
  const dir = join(root, 'rsyslog');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  const port = await freePort();
  const outFile = join(dir, 'out.log');
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    [
      `global(workDirectory="${dir}" maxMessageSize="64k")`,
      'module(load="imtcp")',
      `input(type="imtcp" address="127.0.0.1" port="${port}")`,
      `action(type="omfile" file="${outFile}")`,
      '',
    ].join('\n'),
  );
  const child = spawn(RSYSLOGD as string, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (b: Buffer) => {
    log += b.toString();
  });
  try {
    const end = Date.now() + 10_000;
    for (;;) {
      const up = await new Promise<boolean>((resolve) => {
        const s = connect({ host: '127.0.0.1', port });
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (up) break;
      if (Date.now() > end || child.exitCode !== null) throw new Error(`rsyslogd did not start: ${log}`);
      await sleep(20);
    }
    // Lines in the output file, counted incrementally.
    let lines = 0;
    let fd = -1;
    const buf = Buffer.alloc(1 << 20);
    const count = () => {
      if (fd < 0) {
        if (!existsSync(outFile)) return lines;
        fd = openSync(outFile, 'r');
      }
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n <= 0) break;
        for (let i = 0; i < n; i++) if (buf[i] === 0x0a) lines++;
      }
      return lines;
    };
    try {
      return await measure(port, count, 'rsyslog');
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  } finally {
    await stop(child);
  }
}

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'seclog-bench-syslog-'));
  try {
    process.stdout.write(
      `syslog bench: ${CONNECTIONS} connections, ${WARMUP} warm-up + ${MESSAGES} timed messages of ~${MESSAGE_BYTES} B\n`,
    );
    // Before the child starts, so nothing else of this bench runs beside it.
    const stages = measureSyslogStages((i) => withoutCount(frame(0, i)));
    process.stdout.write(`parse + passthrough + chain: ${stages.medianUs.toFixed(1)} µs CPU per message (median)\n`);
    const bare = bareInsert(
      join(root, 'bare.db'),
      syslogRows((c, i) => withoutCount(frame(c, i)), CONNECTIONS, Math.min(MESSAGES, BARE_ROWS)),
    );
    process.stdout.write(`bare better-sqlite3 insert of the same messages as rows: ${Math.round(bare.rate)} rows/s\n`);
    const seclog = await benchSeclog(root);
    process.stdout.write(`seclog: ${Math.round(seclog.rate)} messages/s (durable), RSS max ${(seclog.rssMax / 1048576).toFixed(0)} MiB\n`);
    const figures: Figure[] = [
      {
        name: 'syslog TCP ingest into seclog (RFC 5424, octet-counted, durable)',
        value: seclog.rate,
        unit: 'messages/s',
        better: 'higher',
      },
      { name: 'collector RSS max during syslog ingest', value: seclog.rssMax / 1048576, unit: 'MiB', better: 'lower' },
      {
        name: 'CPU per message: parse + passthrough + chain (in process, no store), median',
        value: stages.medianUs,
        unit: 'µs',
        better: 'lower',
      },
      { name: '  least of the rounds', value: stages.minUs, unit: 'µs', better: 'lower' },
      { name: 'bare better-sqlite3 insert of the same messages as rows, 1,000/tx', value: bare.rate, unit: 'rows/s', better: 'higher' },
      { name: '  seclog ÷ bare insert', value: seclog.rate / bare.rate, unit: 'ratio', better: 'higher' },
    ];
    if (RSYSLOGD === undefined) {
      process.stdout.write('rsyslogd not found (apt-get install rsyslog): no comparison\n');
    } else {
      const rs = await benchRsyslog(root);
      process.stdout.write(`rsyslog imtcp -> omfile: ${Math.round(rs)} messages/s\n`);
      figures.push(
        { name: 'rsyslog imtcp -> omfile, same load', value: rs, unit: 'messages/s', better: 'higher' },
        { name: 'seclog / rsyslog (target >= 0.5)', value: seclog.rate / rs, unit: 'ratio', better: 'higher' },
        // No receiver that stores each message as a row in SQLite can pass this on this machine.
        { name: '  bare insert / rsyslog: the ceiling of that ratio', value: bare.rate / rs, unit: 'ratio', better: 'higher' },
      );
    }
    report('syslog', figures);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
