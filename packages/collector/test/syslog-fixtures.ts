/**
 * Test support for the syslog listener tests: a collector on a temp data
 * directory with its syslog listeners on free loopback ports, senders for
 * TCP, TLS and UDP, throwaway certificates made by the openssl CLI, and
 * reads of what the collector stored.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { loadConfig } from '../src/config/load.js';
import { COLLECTOR_DEVICE_ID } from '../src/ingest/own-stream.js';
import { type Collector, type OpenCollectorOptions, openCollector } from '../src/server/collector.js';
import type { SyslogAddresses } from '../src/syslog/syslog-listeners.js';
import { k0Of, testDevice } from './ingest-harness.js';
import { freePort } from './support/peers.js';

export { sleep, waitFor } from './notify-fixtures.js';

export interface SyslogCollector {
  readonly c: Collector;
  readonly dir: string;
  readonly addrs: SyslogAddresses;
  close(): Promise<void>;
}

/** A collector with syslog TCP and UDP (and TLS when `syslog.tls` is in the flags) on free ports. */
export async function startSyslogCollector(
  syslog: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
  options: OpenCollectorOptions = {},
): Promise<SyslogCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'seclog-syslog-'));
  const config = loadConfig({
    env: {},
    cwd: dir,
    flags: {
      dataDir: join(dir, 'data'),
      http: { port: 0 },
      syslog: { tcpPort: 0, udpPort: 0, tlsPort: 0, ...syslog },
      ingest: { perDeviceRatePerSec: 1_000_000, groupCommitWindowMs: 1 },
      detect: { enabled: false },
      logLevel: 'silent',
      ...extra,
    },
  });
  const c = await openCollector(config, { ...options, processMetrics: false, syslog: true });
  await c.listen();
  return {
    c,
    dir,
    addrs: c.syslog.addresses(),
    close: async () => {
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Enrols a device directly in the store (test k_0 and seal policy of ingest-harness). */
export function enrol(c: Collector, id: string): void {
  c.data.store.putDevice(testDevice(id, k0Of(id)));
}

export interface StoredRec {
  pos: number;
  device: string;
  stream: string | null;
  seq: number | null;
  canonical: string;
  rec: Record<string, unknown> & { name: string; attrs: Record<string, unknown>; message?: string; device: { id: string } };
}

export function allStored(c: Collector): StoredRec[] {
  const store = c.data.store;
  return store.readEvents(0, store.eventCount()).map((e) => ({
    pos: e.pos,
    device: e.device,
    stream: e.stream,
    seq: e.seq,
    canonical: e.canonical,
    rec: JSON.parse(e.canonical) as StoredRec['rec'],
  }));
}

/** Passthrough records stored from syslog, in commit order. */
export function passthrough(c: Collector): StoredRec[] {
  return allStored(c).filter((r) => r.stream === 'passthrough/syslog');
}

/** The collector's own records named `name`. */
export function ownRecords(c: Collector, name: string): StoredRec[] {
  return allStored(c).filter((r) => r.device === COLLECTOR_DEVICE_ID && r.rec.name === name);
}

/** A TCP connection; resolves once connected. */
export function tcpConnect(port: number, host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.off('error', reject);
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Writes and ends; resolves when the server has closed its side too. */
export function sendAndClose(s: Socket, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve) => {
    s.once('close', () => resolve());
    s.end(data);
    s.resume();
  });
}

/** Resolves when the server closes the connection (or after timeoutMs with false). */
export function closedByServer(s: Socket, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), timeoutMs);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
    s.resume();
  });
}

export function udpSend(port: number, data: Uint8Array | string, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.send(typeof data === 'string' ? Buffer.from(data) : data, port, host, (err) => {
      s.close();
      if (err) reject(err);
      else resolve();
    });
  });
}

/** Scrapes one sample of the collector's metrics, e.g. ('seclog_syslog_errors_total', {transport:'tcp', reason:'frame_invalid'}). */
export async function metric(c: Collector, name: string, labels: Record<string, string>): Promise<number> {
  const m = await c.metrics.registry.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, want]) => String(x.labels[k]) === want));
  return v?.value ?? 0;
}

// --- certificates (openssl CLI) ---

export const OPENSSL_BIN = process.env.SECLOG_OPENSSL || 'openssl';

export function hasOpenssl(): boolean {
  try {
    execFileSync(OPENSSL_BIN, ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A client certificate signed by the CA whose CN is `clientName`. */
  clientCert: (name: string) => { cert: string; key: string };
  /** A client certificate signed by another CA (not trusted). */
  rogueClient: { cert: string; key: string };
}

function ossl(args: string[], cwd: string): void {
  execFileSync(OPENSSL_BIN, args, { cwd, stdio: 'pipe' });
}

/** A CA, a server certificate for 127.0.0.1/localhost, and client certificates on demand. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'seclog-syslog-pki-'));
  const ca = (name: string) => {
    ossl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
      ],
      dir,
    );
  };
  const leaf = (caName: string, name: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    ossl(
      [
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        `/CN=${name}`,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
      ],
      dir,
    );
    ossl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${caName}.crt`,
        '-CAkey',
        `${caName}.key`,
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.crt`,
      ],
      dir,
    );
    return { cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
  };
  ca('test-ca');
  ca('rogue-ca');
  leaf('test-ca', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const clients = new Map<string, { cert: string; key: string }>();
  return {
    dir,
    caCert: join(dir, 'test-ca.crt'),
    serverCert: join(dir, 'localhost.crt'),
    serverKey: join(dir, 'localhost.key'),
    clientCert: (name) => {
      let c = clients.get(name);
      if (c === undefined) {
        c = leaf('test-ca', name, 'extendedKeyUsage=clientAuth\n');
        clients.set(name, c);
      }
      return c;
    },
    rogueClient: leaf('rogue-ca', 'rogue-client', 'extendedKeyUsage=clientAuth\n'),
  };
}

/** A TLS connection trusting the test CA; resolves once the handshake is done. */
export function tlsOpen(port: number, pki: TestPki, client?: { cert: string; key: string }): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: readFileSync(pki.caCert),
      ...(client ?? {}),
    });
    s.once('secureConnect', () => {
      s.off('error', reject);
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', reject);
  });
}

// --- rsyslogd (Debian rsyslog) ---

export const RSYSLOGD = (process.env.SECLOG_RSYSLOGD ? [process.env.SECLOG_RSYSLOGD] : ['/usr/sbin/rsyslogd', '/sbin/rsyslogd']).find((p) =>
  existsSync(p),
);

export const freeTcpPort = (): Promise<number> => freePort('tcp');

export interface RsyslogForwarder {
  /** rsyslog's imtcp input (LF or octet-counted frames). */
  readonly inTcp: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * rsyslogd with its own configuration in `dir`: an imtcp input on a free
 * loopback port, forwarding to the collector's TCP port with omfwd,
 * octet-counted, RFC 5424, through the disk-assisted queue docs/syslog.md
 * recommends (retry forever).
 */
export async function startRsyslogForwarder(dir: string, collectorPort: number): Promise<RsyslogForwarder> {
  const inTcp = await freeTcpPort();
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    [
      `global(workDirectory="${dir}" maxMessageSize="16k")`,
      'module(load="imtcp")',
      `input(type="imtcp" address="127.0.0.1" port="${inTcp}")`,
      `action(type="omfwd" target="127.0.0.1" port="${collectorPort}" protocol="tcp" TCP_Framing="octet-counted"`,
      '       template="RSYSLOG_SyslogProtocol23Format" queue.type="LinkedList" queue.filename="fwd"',
      '       queue.saveOnShutdown="on" action.resumeRetryCount="-1" action.resumeInterval="1")',
      '',
    ].join('\n'),
  );
  return runRsyslogd(conf, dir, inTcp);
}

/**
 * rsyslogd on the configuration file `conf` (its pid file in `workDir`), once its imtcp input on
 * `inTcp` accepts connections (10 s at most; a failed start is killed and throws with its output).
 */
export async function runRsyslogd(conf: string, workDir: string, inTcp: number): Promise<RsyslogForwarder> {
  const proc: ChildProcess = spawn(RSYSLOGD as string, ['-n', '-f', conf, '-i', join(workDir, 'rsyslogd.pid')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  proc.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const end = Date.now() + 10_000;
  for (;;) {
    const up = await tcpConnect(inTcp).then(
      (s) => {
        s.destroy();
        return true;
      },
      () => false,
    );
    if (up) break;
    if (Date.now() > end || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`rsyslogd did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    inTcp,
    output: () => out,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
