/**
 * One HTTP(S) exchange with the collector over a keep-alive agent. Network
 * and TLS failures reject with the underlying error (its `code` says which);
 * any HTTP status resolves, and the shipper decides what it means.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { createTlsAgent, type TlsPinOptions } from './tls-pin.js';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Transport {
  request(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: Buffer): Promise<HttpAnswer>;
  /** Drop idle and in-flight connections. */
  close(): void;
}

export interface HttpTransportOptions {
  /** Collector base URL, http: or https:. */
  url: URL;
  tls?: TlsPinOptions;
  /** Whole exchange, connect and handshake included. */
  timeoutMs: number;
  /** Answers larger than this are cut off as a failure: a collector's answer is a few hundred bytes. */
  maxAnswerBytes?: number;
}

export class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
}

export function createHttpTransport(opts: HttpTransportOptions): Transport {
  const secure = opts.url.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: 8, timeout: opts.timeoutMs };
  const agent: http.Agent | https.Agent = secure ? createTlsAgent(opts.tls, agentOptions) : new http.Agent(agentOptions);
  const base = opts.url.pathname.endsWith('/') ? opts.url.pathname : `${opts.url.pathname}/`;
  const maxAnswer = opts.maxAnswerBytes ?? 1024 * 1024;
  const live = new Set<http.ClientRequest>();
  const requestFn = secure ? https.request : http.request;

  return {
    request(method, path, headers, body) {
      return new Promise<HttpAnswer>((resolve, reject) => {
        const req = requestFn({
          agent,
          protocol: opts.url.protocol,
          hostname: opts.url.hostname.replace(/^\[|\]$/g, ''),
          port: opts.url.port || (secure ? 443 : 80),
          method,
          path: `${base}${path.replace(/^\//, '')}`,
          headers: body === undefined ? headers : { ...headers, 'content-length': String(body.length) },
        });
        live.add(req);
        const timer = setTimeout(
          () => req.destroy(new TimeoutError(`no answer from the collector within ${opts.timeoutMs} ms`)),
          opts.timeoutMs,
        );
        const done = (): void => {
          clearTimeout(timer);
          live.delete(req);
        };
        req.once('error', (err) => {
          done();
          reject(err);
        });
        req.once('response', (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > maxAnswer) req.destroy(new Error(`the collector's answer exceeds ${maxAnswer} bytes`));
            else chunks.push(c);
          });
          res.once('end', () => {
            done();
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
          });
          res.once('error', (err) => {
            done();
            reject(err);
          });
        });
        req.end(body);
      });
    },
    close() {
      for (const req of live) req.destroy(new Error('transport closed'));
      agent.destroy();
    },
  };
}
