/**
 * One syslog TCP or TLS connection: RFC 6587 framing (octet counting or LF,
 * decided per frame as rsyslog's imtcp does), a rate limit and backpressure.
 *
 * Memory is bounded per connection: the socket delivers at most one read
 * chunk at a time, the frame decoder holds at most one partial frame
 * (maxMessageBytes), and reading pauses while more than MAX_PENDING_BYTES of
 * received messages wait for their commit, or while the connection is over
 * its rate (connectionRatePerSec). A paused socket stops reading, the
 * kernel's receive window fills and TCP pushes back on the sender, whose own
 * queue (rsyslog's action queue) then holds the messages: nothing is dropped
 * for being fast.
 *
 * A framing error (a frame that is neither octet-counted nor LF-terminated,
 * or longer than the limit) closes this connection only. Every whole frame
 * before the error still commits, from earlier chunks and from the chunk the
 * error was found in (those boundaries were sound); nothing after the error
 * is used: past it no boundary can be trusted.
 */
import type { Socket } from 'node:net';
import { createSyslogFrameDecoder, SeclogError, type SyslogFrameDecoder } from '@seclog/core';
import type { Attribution } from './attribution.js';
import type { SyslogDiagnostics } from './diagnostics.js';
import type { MessageSink } from './message-sink.js';
import type { SyslogMetrics } from './syslog-metrics.js';

/** Received bytes whose messages are not yet durable, per connection, before reading pauses. */
export const MAX_PENDING_BYTES = 256 * 1024;

export interface ConnectionContext {
  sink: MessageSink;
  metrics: SyslogMetrics;
  diagnostics: SyslogDiagnostics;
  maxMessageBytes: number;
  ratePerSec: number;
  /** The listener's local port (diagnostics). */
  port: number;
}

export class StreamConnection {
  readonly #socket: Socket;
  readonly #who: Attribution;
  readonly #transport: 'tcp' | 'tls';
  readonly #ctx: ConnectionContext;
  readonly #decoder: SyslogFrameDecoder;
  readonly #pending = new Set<Promise<void>>();
  #pendingBytes = 0;
  #tokens: number;
  #tokensAtMs = performance.now();
  #rateTimer: NodeJS.Timeout | undefined;
  /** Frames read but over the rate, waiting for the bucket to refill (at most one chunk's worth). */
  #deferred: Uint8Array[] = [];
  #deferredBytes = 0;
  #stopping = false;
  #failed = false;
  readonly closed: Promise<void>;

  constructor(socket: Socket, who: Attribution, transport: 'tcp' | 'tls', ctx: ConnectionContext) {
    this.#socket = socket;
    this.#who = who;
    this.#transport = transport;
    this.#ctx = ctx;
    this.#tokens = ctx.ratePerSec;
    // Room for a trailing CR LF after a message of the largest accepted size.
    this.#decoder = createSyslogFrameDecoder({ maxFrameBytes: ctx.maxMessageBytes + 2 });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    // Resets and timeouts end the connection; the messages already read still commit.
    socket.on('error', () => socket.destroy());
  }

  #onData(chunk: Buffer): void {
    if (this.#failed) return;
    // The whole frames of the chunk before a framing error were sent as such: they are delivered, then the connection closes.
    const { frames, error } = this.#decoder.decode(chunk);
    if (frames.length > 0) this.#submit(frames, chunk.length);
    if (error !== undefined) this.#fail(error);
  }

  #onEnd(): void {
    if (this.#failed) return;
    try {
      this.#decoder.end();
    } catch (err) {
      // The sender closed inside a frame: that partial message is lost (counted), the rest stands.
      this.#fail(err);
      return;
    }
    // The sender is done: the rest of its last chunk goes on now (at most one chunk beyond the rate).
    this.#release(true);
    void this.#settled().then(() => this.#socket.end());
  }

  /**
   * Token bucket, one second deep: frames within the budget go on at once; the
   * rest of the chunk waits (reading paused) until the budget has refilled.
   */
  #submit(frames: Uint8Array[], bytes: number): void {
    this.#pendingBytes += bytes;
    // A chunk of tiny frames holds thousands; push(...frames) would put them all on the stack.
    for (const f of frames) this.#deferred.push(f);
    this.#deferredBytes += bytes;
    this.#socket.pause();
    this.#release();
  }

  /** `all`: what was read goes on now, whatever the rate (shutdown, or the connection failed). */
  #release(all = false): void {
    const ctx = this.#ctx;
    const now = performance.now();
    this.#tokens = Math.min(ctx.ratePerSec, this.#tokens + ((now - this.#tokensAtMs) * ctx.ratePerSec) / 1000);
    this.#tokensAtMs = now;
    if (all && this.#rateTimer !== undefined) {
      clearTimeout(this.#rateTimer);
      this.#rateTimer = undefined;
    }
    const take = all ? this.#deferred.length : Math.min(this.#deferred.length, Math.floor(this.#tokens));
    if (take > 0) {
      const frames = this.#deferred.splice(0, take);
      this.#tokens -= take;
      // The chunk's bytes are released with its last frame.
      const bytes = this.#deferred.length === 0 ? this.#deferredBytes : 0;
      this.#deferredBytes -= bytes;
      const p = ctx.sink.handle(frames, this.#who, this.#transport, ctx.port).finally(() => {
        this.#pending.delete(p);
        this.#pendingBytes -= bytes;
        this.#maybeResume();
      });
      this.#pending.add(p);
    }
    if (this.#deferred.length > 0 && this.#rateTimer === undefined) {
      const waitMs = Math.max(1, Math.ceil(((Math.min(this.#deferred.length, ctx.ratePerSec) - this.#tokens) * 1000) / ctx.ratePerSec));
      this.#rateTimer = setTimeout(() => {
        this.#rateTimer = undefined;
        this.#release();
      }, waitMs);
    }
    this.#maybeResume();
  }

  #maybeResume(): void {
    if (this.#stopping || this.#failed) return;
    if (this.#pendingBytes <= MAX_PENDING_BYTES && this.#deferred.length === 0 && this.#socket.isPaused()) this.#socket.resume();
  }

  #fail(err: unknown): void {
    this.#failed = true;
    const ctx = this.#ctx;
    const code = err instanceof SeclogError ? err.code : 'SYSLOG_FRAME_INVALID';
    const reason = code === 'SYSLOG_TOO_LONG' ? 'too_long' : 'frame_invalid';
    ctx.metrics.error(this.#transport, reason);
    ctx.metrics.messages(this.#transport, 'dropped');
    const peer = this.#who.sourceIp || 'unknown';
    ctx.diagnostics.report({
      name: 'net_conn_fail',
      kind: code,
      peer,
      input: {
        ...(this.#who.sourceIp ? { actor: { ip: this.#who.sourceIp } } : {}),
        attrs: { peer, reason: 'other', direction: 'inbound', port: ctx.port, protocol: `syslog-${this.#transport}`, error: code },
        message: `syslog ${this.#transport} connection from ${peer} closed: ${(err as Error).message.slice(0, 200)}`,
      },
    });
    this.#socket.destroy();
    // Frames decoded before the error were whole: they still go on.
    this.#release(true);
  }

  #settled(): Promise<void> {
    return Promise.allSettled([...this.#pending]).then(() => undefined);
  }

  /** Shutdown: stop reading, let what was read commit, then close. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#socket.pause();
    this.#release(true);
    await this.#settled();
    this.#socket.end();
    // A peer that never reads its side would keep the socket half-open.
    const t = setTimeout(() => this.#socket.destroy(), 1000);
    t.unref();
    await this.closed;
    clearTimeout(t);
  }
}
