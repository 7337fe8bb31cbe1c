/**
 * Syslog channel: alerts to a SIEM as RFC 5424 over TCP with octet counting
 * (RFC 6587 §3.4.1) or over UDP (RFC 5426), one message per alert.
 *
 * What "delivered" means here is weaker than for a webhook or SMTP: plain
 * syslog has no application acknowledgement, so a TCP message counts as
 * delivered once the kernel took it (the write callback), and a UDP one once
 * it was sent. A connection the SIEM dropped is noticed at the next write
 * (or its close event) and reopened; what was in flight when it broke can
 * be lost without seclog knowing, which is why the outbox keeps the
 * delivered rows and the alerts stay in the log. TLS (RFC 5425) and RELP
 * are not offered yet; a non-loopback host needs `insecure: true`.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6, connect as netConnect, type Socket } from 'node:net';
import { frameOctetCounted } from '@seclog/core';
import type { Channel, Delivery, SendResult } from '../types.js';
import { alertSyslogMessage, syslogHostname } from './syslog-message.js';

export interface SyslogChannelConfig {
  name: string;
  host: string;
  port: number;
  protocol: 'tcp' | 'udp';
  facility: number;
}

/**
 * Message size limits: rsyslog's default maxMessageSize is 8 KiB; over UDP
 * RFC 5426 §3.2 asks receivers for at least 2,048 octets, beyond which a
 * datagram may be dropped or fragmented.
 */
const MAX_TCP_BYTES = 8192;
const MAX_UDP_BYTES = 2048;

export class SyslogChannel implements Channel {
  readonly type = 'syslog' as const;
  readonly name: string;
  readonly peer: { host: string; port: number; protocol: string };
  readonly #cfg: SyslogChannelConfig;
  readonly #hostname = syslogHostname();
  #tcp: Socket | undefined;
  #connecting: Promise<Socket> | undefined;
  #udp: UdpSocket | undefined;

  constructor(cfg: SyslogChannelConfig) {
    this.#cfg = cfg;
    this.name = cfg.name;
    this.peer = { host: cfg.host, port: cfg.port, protocol: `syslog-${cfg.protocol}` };
  }

  message(d: Delivery): string {
    return alertSyslogMessage(d.notice, d.idempotencyKey, {
      facility: this.#cfg.facility,
      hostname: this.#hostname,
      maxBytes: this.#cfg.protocol === 'tcp' ? MAX_TCP_BYTES : MAX_UDP_BYTES,
      timestamp: new Date().toISOString(),
    });
  }

  async send(d: Delivery, signal: AbortSignal): Promise<SendResult> {
    let text: string;
    try {
      text = this.message(d);
    } catch (err) {
      return { kind: 'reject', reason: `cannot write the alert as RFC 5424: ${(err as Error).message}` };
    }
    if (this.#cfg.protocol === 'udp') {
      await this.#sendUdp(Buffer.from(text, 'utf8'));
    } else {
      const socket = await this.#connectTcp(signal);
      await this.#write(socket, frameOctetCounted(text), signal);
    }
    return { kind: 'delivered' };
  }

  close(): void {
    this.#tcp?.destroy();
    this.#tcp = undefined;
    this.#udp?.close();
    this.#udp = undefined;
  }

  #sendUdp(bytes: Uint8Array): Promise<void> {
    if (this.#udp === undefined) {
      const udp = createSocket(isIPv6(this.#cfg.host) ? 'udp6' : 'udp4');
      udp.on('error', () => {
        // A send error arrives in the send callback too; this listener only keeps the process up.
      });
      udp.unref();
      this.#udp = udp;
    }
    const udp = this.#udp;
    return new Promise((resolve, reject) => {
      udp.send(bytes, this.#cfg.port, this.#cfg.host, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** The open connection, or one being opened: deliveries in flight at once share it rather than each opening one. */
  #connectTcp(signal: AbortSignal): Promise<Socket> {
    const open = this.#tcp;
    if (open !== undefined && !open.destroyed && open.writable) return Promise.resolve(open);
    this.#tcp = undefined;
    this.#connecting ??= this.#openTcp(signal).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #openTcp(signal: AbortSignal): Promise<Socket> {
    const socket = netConnect({ host: this.#cfg.host, port: this.#cfg.port });
    socket.unref();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        socket.destroy();
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      socket.once('error', (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      });
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    // A receiver does not talk back; if it closes, the next send reconnects.
    socket.on('data', () => undefined);
    socket.on('end', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.#tcp === socket) this.#tcp = undefined;
    });
    this.#tcp = socket;
    return socket;
  }

  #write(socket: Socket, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        socket.destroy();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.write(bytes, (err) => {
        signal.removeEventListener('abort', onAbort);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve();
      });
    });
  }
}
