/**
 * The collector's syslog inputs (DESIGN.md §6, docs/syslog.md): plain TCP
 * (RFC 6587), TLS (RFC 5425) and UDP (RFC 5426), each switched on by the
 * configuration, all feeding one MessageSink.
 *
 * start() binds every enabled listener or none (a failure closes the ones
 * already bound). close() stops accepting, stops reading, lets every message
 * already read commit, then closes the connections: what a sender had
 * written that was not yet read is lost, which is what syslog without
 * application acknowledgements can promise (docs/syslog.md "Durability").
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer, isIP, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type Server as TlsServer } from 'node:tls';
import type { CollectorConfig } from '../config/schema.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Store } from '../store/types.js';
import { Attributor, type LookupAll, plainAddress, SourceMapResolver } from './attribution.js';
import { SyslogDiagnostics } from './diagnostics.js';
import { ForeignBatcher } from './foreign-batcher.js';
import { MessageSink } from './message-sink.js';
import { StreamConnection } from './stream-connection.js';
import type { SyslogMetrics, SyslogTransport } from './syslog-metrics.js';

type SyslogConfig = CollectorConfig['syslog'];

/**
 * Records per ForeignStreams.append (one commit), from all connections of a device together. Chaining
 * them runs on the event loop (~60 µs a record), so this also bounds how long one append holds it.
 */
const MAX_APPEND_RECORDS = 1000;
/** Passthrough records waiting for their append beyond which UDP datagrams are dropped (TCP pauses instead). */
const MAX_QUEUED_RECORDS = 100_000;
/** UDP sources whose rate is tracked; beyond, buckets that are full again are forgotten. */
const MAX_UDP_SOURCES = 4096;
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface SyslogListenersOptions {
  config: SyslogConfig;
  store: Store;
  ingest: IngestService;
  metrics: SyslogMetrics;
  /** config ingest.maxBatchRecords. */
  maxBatchRecords: number;
  /** The collector's log (warnings); default silent. */
  log?: { warn: (obj: Record<string, unknown>, msg: string) => void };
  /** Window of the rate-limited diagnostic records, ms (default 60 s; tests shorten it). */
  diagnosticWindowMs?: number;
  /** Forward DNS for source-map host names (default node:dns; tests pass their own). */
  sourceMapLookup?: LookupAll;
}

export interface SyslogAddress {
  host: string;
  port: number;
}

export interface SyslogAddresses {
  tcp?: SyslogAddress;
  udp?: SyslogAddress;
  tls?: SyslogAddress;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export class SyslogListeners {
  readonly #o: SyslogListenersOptions;
  readonly #diagnostics: SyslogDiagnostics;
  readonly #batcher: ForeignBatcher;
  readonly #sink: MessageSink;
  #attributor: Attributor | undefined;
  #tcp: Server | undefined;
  #tls: TlsServer | undefined;
  #udp: UdpSocket | undefined;
  readonly #connections = new Set<StreamConnection>();
  /** TCP connections and established TLS ones, counted against maxConnections. */
  #open = 0;
  readonly #udpPending = new Set<Promise<void>>();
  readonly #udpBuckets = new Map<string, Bucket>();
  #running = false;
  #started = false;
  #refreshTimer: NodeJS.Timeout | undefined;

  constructor(o: SyslogListenersOptions) {
    this.#o = o;
    const warn = (obj: Record<string, unknown>, msg: string) => o.log?.warn(obj, msg);
    this.#diagnostics = new SyslogDiagnostics((e) => o.ingest.own.append(e), {
      ...(o.diagnosticWindowMs === undefined ? {} : { windowMs: o.diagnosticWindowMs }),
      onError: (err) => warn({ err }, 'syslog: recording a diagnostic event failed'),
    });
    this.#batcher = new ForeignBatcher((a) => o.ingest.foreign.append(a), { source: 'syslog', maxRecords: MAX_APPEND_RECORDS });
    this.#sink = new MessageSink({
      ingest: o.ingest,
      batcher: this.#batcher,
      metrics: o.metrics,
      diagnostics: this.#diagnostics,
      maxMessageBytes: o.config.maxMessageBytes,
      maxBatchRecords: o.maxBatchRecords,
      retryRateLimited: (t) => t !== 'udp',
      running: () => this.#running,
      log: warn,
    });
  }

  /** True when the configuration enables any listener. */
  static enabled(config: SyslogConfig): boolean {
    return config.tcpEnabled || config.udpEnabled || config.tls !== undefined;
  }

  async start(): Promise<SyslogAddresses> {
    if (this.#started) throw new Error('syslog listeners already started');
    this.#started = true;
    const c = this.#o.config;
    const resolver = new SourceMapResolver(c.sourceMap, this.#o.sourceMapLookup);
    const attributor = new Attributor(this.#o.store, await resolver.resolve());
    this.#attributor = attributor;
    if (resolver.hasNames && c.sourceMapRefreshSeconds > 0) this.#refreshSourceMap(resolver, attributor, c.sourceMapRefreshSeconds);
    this.#running = true;
    try {
      if (c.tcpEnabled) this.#tcp = await this.#listenTcp(c.host, c.tcpPort);
      if (c.tls !== undefined) this.#tls = await this.#listenTls(c.host, c.tlsPort, c.tls);
      if (c.udpEnabled) this.#udp = await this.#listenUdp(c.host, c.udpPort);
    } catch (err) {
      await this.close();
      throw err;
    }
    return this.addresses();
  }

  addresses(): SyslogAddresses {
    const out: SyslogAddresses = {};
    const of = (a: AddressInfo | string | null | undefined) =>
      a !== null && a !== undefined && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
    const tcp = of(this.#tcp?.address());
    const tls = of(this.#tls?.address());
    const udp = this.#udp === undefined ? undefined : of(this.#udp.address());
    if (tcp) out.tcp = tcp;
    if (tls) out.tls = tls;
    if (udp) out.udp = udp;
    return out;
  }

  /** TCP and established TLS connections open now. */
  get openConnections(): number {
    return this.#open;
  }

  /** Stops accepting and reading, waits for what was read to commit, closes every connection. */
  async close(): Promise<void> {
    this.#running = false;
    clearInterval(this.#refreshTimer);
    const closing: Promise<unknown>[] = [];
    for (const s of [this.#tcp, this.#tls]) if (s !== undefined) closing.push(new Promise<void>((r) => s.close(() => r())));
    const udp = this.#udp;
    if (udp !== undefined) {
      closing.push(
        new Promise<void>((r) => {
          try {
            udp.close(() => r());
          } catch {
            r();
          }
        }),
      );
    }
    this.#tcp = undefined;
    this.#tls = undefined;
    this.#udp = undefined;
    await Promise.all([...[...this.#connections].map((c) => c.stop()), ...[...this.#udpPending]]);
    await Promise.all(closing);
    await this.#diagnostics.close();
  }

  /** Looks the source map's host names up again every `seconds`; one lookup round at a time. */
  #refreshSourceMap(resolver: SourceMapResolver, attributor: Attributor, seconds: number): void {
    let busy = false;
    this.#refreshTimer = setInterval(() => {
      if (busy || !this.#running) return;
      busy = true;
      resolver
        .resolve()
        .then((map) => {
          if (this.#running) attributor.setSourceMap(map);
        })
        .catch((err: unknown) => this.#o.log?.warn({ err }, 'syslog: resolving the source map failed'))
        .finally(() => {
          busy = false;
        });
    }, seconds * 1000);
    this.#refreshTimer.unref();
  }

  #admit(socket: Socket, transport: 'tcp' | 'tls'): boolean {
    const { metrics, config } = this.#o;
    if (!this.#running || this.#open >= config.maxConnections) {
      if (this.#running) this.#limitRefused(transport, socket.remoteAddress, socket.localPort ?? 0);
      else metrics.error(transport, 'shutdown');
      socket.destroy();
      return false;
    }
    this.#open++;
    socket.once('close', () => this.#open--);
    return true;
  }

  #limitRefused(transport: 'tcp' | 'tls', address: string | undefined, port: number): void {
    const peer = plainAddress(address) || 'unknown';
    const max = this.#o.config.maxConnections;
    this.#o.metrics.error(transport, 'connection_limit');
    this.#diagnostics.report({
      name: 'net_conn_fail',
      kind: 'limit',
      peer,
      input: {
        ...(peer !== 'unknown' ? { actor: { ip: peer } } : {}),
        attrs: { peer, reason: 'limit', direction: 'inbound', port, protocol: `syslog-${transport}` },
        message: `syslog ${transport} connection from ${peer} refused: ${max} connections open (syslog.maxConnections)`,
      },
    });
  }

  #attach(socket: Socket, transport: 'tcp' | 'tls', port: number, certDevice?: ReturnType<Attributor['certificateDevice']>): void {
    const { metrics, config } = this.#o;
    const who = (this.#attributor as Attributor).attribute(socket.remoteAddress, certDevice);
    const conn = new StreamConnection(socket, who, transport, {
      sink: this.#sink,
      metrics,
      diagnostics: this.#diagnostics,
      maxMessageBytes: config.maxMessageBytes,
      ratePerSec: config.connectionRatePerSec,
      port,
    });
    metrics.opened(transport);
    this.#connections.add(conn);
    void conn.closed.then(() => {
      this.#connections.delete(conn);
      metrics.closed(transport);
    });
  }

  #listenTcp(host: string, port: number): Promise<Server> {
    const server = createServer({ noDelay: true });
    server.on('connection', (socket) => {
      if (!this.#admit(socket, 'tcp')) return;
      this.#attach(socket, 'tcp', (server.address() as AddressInfo).port);
    });
    return listen(server, host, port);
  }

  #listenTls(host: string, port: number, tls: NonNullable<SyslogConfig['tls']>): Promise<TlsServer> {
    const { config } = this.#o;
    const ca = tls.caFile === undefined ? undefined : readFileSync(tls.caFile);
    const server = createTlsServer({
      cert: readFileSync(tls.certFile),
      key: readFileSync(tls.keyFile),
      ...(ca === undefined ? {} : { ca, requestCert: true }),
      // Checked below, so that a missing certificate can be allowed and a bad one recorded.
      rejectUnauthorized: false,
      handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
      minVersion: 'TLSv1.2',
    });
    // Handshakes in progress count against the cap of this server; established TLS
    // connections count with plain TCP ones against syslog.maxConnections (#admit).
    server.maxConnections = config.maxConnections;
    server.on('drop', (data) => this.#limitRefused('tls', data?.remoteAddress, data?.localPort ?? 0));
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
      this.#tlsFailed(socket, 'other', err.code ?? err.message);
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      if (!this.#admit(socket, 'tls')) return;
      let certDevice: ReturnType<Attributor['certificateDevice']>;
      if (ca !== undefined) {
        const cert = socket.getPeerCertificate();
        const presented = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
        if (presented && !socket.authorized) {
          this.#tlsFailed(
            socket,
            certReason(socket.authorizationError),
            String(socket.authorizationError ?? 'unverified'),
            cert.fingerprint256,
          );
          return;
        }
        if (!presented && config.requireClientCert) {
          this.#tlsFailed(socket, 'bad_certificate', 'no client certificate (syslog.requireClientCert)');
          return;
        }
        if (presented) certDevice = (this.#attributor as Attributor).certificateDevice(cert);
      }
      this.#attach(socket, 'tls', (server.address() as AddressInfo).port, certDevice);
    });
    return listen(server, host, port);
  }

  #tlsFailed(socket: TLSSocket, reason: string, detail: string, fingerprint?: string): void {
    const peer = plainAddress(socket.remoteAddress) || 'unknown';
    this.#o.metrics.error('tls', 'tls_failed');
    const port = socket.localPort ?? 0;
    const fp = fingerprint?.replace(/:/g, '').toLowerCase();
    this.#diagnostics.report({
      name: 'tls_fail',
      kind: reason,
      peer,
      input: {
        ...(peer !== 'unknown' ? { actor: { ip: peer } } : {}),
        attrs: {
          peer,
          reason,
          direction: 'inbound',
          port,
          ...(fp !== undefined && /^[0-9a-f]{64}$/.test(fp) ? { cert_fingerprint: fp } : {}),
        },
        message: `syslog TLS connection from ${peer} refused: ${detail.slice(0, 200)}`,
      },
    });
    socket.destroy();
  }

  #listenUdp(host: string, port: number): Promise<UdpSocket> {
    const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
    socket.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo, socket));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        try {
          // Bursts wait in the kernel while a commit runs; the default buffer (~200 KiB) overflows first.
          socket.setRecvBufferSize(4 * 1024 * 1024);
        } catch {
          // the system's cap (net.core.rmem_max) applies
        }
        // Errors after binding (ICMP unreachable on some systems) must not crash the collector.
        socket.on('error', (err) => this.#o.log?.warn({ err }, 'syslog: UDP socket error'));
        resolve(socket);
      });
    });
  }

  #onDatagram(msg: Buffer, rinfo: RemoteInfo, socket: UdpSocket): void {
    const { metrics, config } = this.#o;
    if (!this.#running) return;
    const who = (this.#attributor as Attributor).attribute(rinfo.address);
    const port = socket.address().port;
    if (!this.#takeUdp(who.sourceIp)) {
      metrics.messages('udp', 'dropped');
      metrics.error('udp', 'rate_limited');
      this.#diagnostics.report({
        name: 'net_conn_fail',
        kind: 'rate',
        peer: who.sourceIp,
        input: {
          actor: { ip: who.sourceIp },
          attrs: { peer: who.sourceIp, reason: 'limit', direction: 'inbound', port, protocol: 'syslog-udp' },
          message: `syslog UDP datagrams from ${who.sourceIp} dropped: over ${config.connectionRatePerSec}/s (syslog.connectionRatePerSec)`,
        },
      });
      return;
    }
    if (this.#batcher.queued > MAX_QUEUED_RECORDS) {
      metrics.messages('udp', 'dropped');
      metrics.error('udp', 'overloaded');
      return;
    }
    // A datagram is one message (RFC 5426 §3.1); it was copied out of the kernel into its own buffer.
    const p = this.#sink.handle([msg], who, 'udp', port).finally(() => this.#udpPending.delete(p));
    this.#udpPending.add(p);
  }

  #takeUdp(ip: string): boolean {
    const rate = this.#o.config.connectionRatePerSec;
    const now = performance.now();
    let b = this.#udpBuckets.get(ip);
    if (b === undefined) {
      if (this.#udpBuckets.size >= MAX_UDP_SOURCES) {
        for (const [k, v] of this.#udpBuckets) if (v.tokens + ((now - v.atMs) * rate) / 1000 >= rate) this.#udpBuckets.delete(k);
      }
      // Still full: every tracked source is busy; the newcomer is admitted untracked rather than tracked at another's cost.
      if (this.#udpBuckets.size >= MAX_UDP_SOURCES) return true;
      b = { tokens: rate, atMs: now };
      this.#udpBuckets.set(ip, b);
    }
    b.tokens = Math.min(rate, b.tokens + ((now - b.atMs) * rate) / 1000);
    b.atMs = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

function listen<S extends Server>(server: S, host: string, port: number): Promise<S> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** tls_fail's reason for Node's authorizationError. */
function certReason(error: Error | string | null | undefined): string {
  const code = String(error ?? '');
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'expired_certificate';
  if (/UNABLE_TO_GET_ISSUER|SELF_SIGNED|UNABLE_TO_VERIFY_LEAF|UNKNOWN_CA/.test(code)) return 'unknown_ca';
  if (code === 'CERT_REVOKED') return 'revoked';
  return 'bad_certificate';
}

export type { SyslogTransport };
