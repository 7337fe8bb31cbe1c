/**
 * Best-effort shipping as RFC 5425 syslog over TLS (docs/agent.md
 * "Transports"): every record of a batch becomes one message in core's
 * seclog RFC 5424 encoding (the chained record, losslessly, as MSG),
 * octet-counted (RFC 6587 §3.4.1), written to one TLS connection.
 *
 * Syslog has no application acknowledgement, so this transport answers the
 * shipper itself:
 *   - a batch is "acknowledged" once its frames are written to the socket
 *     (the write callback: handed to the kernel, not received, not stored);
 *     the ring's acked mark then moves past it and the ring may reuse its
 *     space. Frames in flight when the connection or the collector dies are
 *     lost for this transport; the collector sees the gap in the chain when
 *     later records arrive, and a later HTTP or MQTT shipper fills it from
 *     the ring if the records are still there.
 *   - the cursor is the ring's own acked mark (nothing to ask the collector).
 *   - a record the encoder refuses is answered as refused (the shipper skips
 *     it with a report), like a collector refusing it.
 * A write error or a closed connection fails the request like a network
 * failure: the shipper backs off and re-sends from its acked mark, so a
 * record is sent again only when its batch's write did not complete.
 */
import * as tls from 'node:tls';
import { encodeEventSyslog, frameOctetCounted, type SecurityEvent } from '@seclog/core';
import { type HttpAnswer, TimeoutError, type Transport } from './transport.js';
import type { SyslogTlsShipOptions } from './transport-options.js';

export interface SyslogTlsTransportOptions {
  device: string;
  options: SyslogTlsShipOptions;
  /** Connect, handshake and write of one batch. */
  timeoutMs: number;
  /** The stream shipped and its acked mark: the answer to a cursor request. */
  cursor: () => { stream: string; seq: number };
}

const json = (status: number, v: unknown): HttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(v)),
});

const refusal = (status: number, code: string, message: string, details: Record<string, unknown>): HttpAnswer =>
  json(status, { error: { code, message, details } });

export function createSyslogTlsTransport(t: SyslogTlsTransportOptions): Transport {
  const s = t.options;
  let socket: tls.TLSSocket | undefined;
  let opening: Promise<tls.TLSSocket> | undefined;
  let closed = false;

  const open = (deadline: number): Promise<tls.TLSSocket> => {
    if (socket !== undefined && !socket.destroyed && socket.writable) return Promise.resolve(socket);
    opening ??= new Promise<tls.TLSSocket>((resolve, reject) => {
      const sock = tls.connect({
        host: s.host,
        port: s.port ?? 6514,
        servername: s.servername ?? (/^[\d.:[\]]+$/.test(s.host) ? undefined : s.host),
        ...(s.ca === undefined ? {} : { ca: typeof s.ca === 'string' ? s.ca : [...s.ca] }),
        ...(s.cert === undefined ? {} : { cert: s.cert, key: s.key }),
        rejectUnauthorized: true,
      });
      const timer = setTimeout(
        () => sock.destroy(new TimeoutError(`no TLS connection to ${s.host}:${s.port ?? 6514} within ${t.timeoutMs} ms`)),
        Math.max(0, deadline - Date.now()),
      );
      sock.once('secureConnect', () => {
        clearTimeout(timer);
        opening = undefined;
        socket = sock;
        // The listener sends nothing; anything it does send is read and dropped.
        sock.resume();
        sock.on('error', () => undefined);
        sock.once('close', () => {
          if (socket === sock) socket = undefined;
        });
        resolve(sock);
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        opening = undefined;
        reject(err);
      });
    });
    return opening;
  };

  const writeAll = (sock: tls.TLSSocket, data: Buffer, deadline: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => sock.destroy(new TimeoutError(`writing to ${s.host} took more than ${t.timeoutMs} ms`)),
        Math.max(0, deadline - Date.now()),
      );
      const onClose = (): void => {
        clearTimeout(timer);
        reject(Object.assign(new Error('the syslog connection closed during a write'), { code: 'ECONNRESET' }));
      };
      sock.once('close', onClose);
      sock.write(data, (err) => {
        clearTimeout(timer);
        sock.off('close', onClose);
        if (err) reject(err);
        else resolve();
      });
    });

  return {
    async request(method, path, _headers, body) {
      if (closed) throw Object.assign(new Error('transport closed'), { code: 'ECONNRESET' });
      const route = path.replace(/^\//, '');
      if (method === 'GET' && route === 'api/v1/ingest/cursor') {
        const c = t.cursor();
        return json(200, { device: t.device, streams: [{ stream: c.stream, seq: c.seq, head: '', gaps: [] }] });
      }
      if (method !== 'POST' || route !== 'api/v1/ingest' || body === undefined) {
        return refusal(404, 'HTTP_NOT_FOUND', `no such request over syslog: ${method} ${route}`, {});
      }
      const deadline = Date.now() + t.timeoutMs;
      const batch = JSON.parse(body.toString('utf8')) as { stream: string; records: (SecurityEvent & { seq?: number })[] };
      const frames: Uint8Array[] = [];
      for (let i = 0; i < batch.records.length; i++) {
        try {
          frames.push(frameOctetCounted(encodeEventSyslog(batch.records[i]!)));
        } catch (err) {
          const e = err as { code?: string; message?: string };
          return refusal(422, e.code ?? 'SYSLOG_ENCODE_FAILED', `record ${i} cannot be sent as syslog: ${e.message}`, { index: i });
        }
      }
      const sock = await open(deadline);
      await writeAll(sock, Buffer.concat(frames), deadline);
      const last = batch.records.at(-1)?.seq ?? 0;
      return json(200, { acked: { stream: batch.stream, seq: last, head: '' }, accepted: batch.records.length, duplicates: 0, gaps: [] });
    },
    close() {
      closed = true;
      socket?.end();
      socket = undefined;
    },
  };
}
