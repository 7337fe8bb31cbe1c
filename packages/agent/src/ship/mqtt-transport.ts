/**
 * The shipper's two requests over an MQTT broker (docs/mqtt.md):
 *
 *   POST api/v1/ingest         → PUBLISH seclog/<device>/events, QoS 1,
 *                                payload = the batch body as given (gzip too)
 *   GET api/v1/ingest/cursor   → PUBLISH seclog/<device>/cursor, QoS 0
 *
 * Each carries the device token as the MQTT 5 user property `authorization`
 * and fresh correlation data; the collector answers on seclog/<device>/ack
 * with the HTTP answer's body, its status as the user property `status`,
 * and the same correlation data, which is how an answer finds its request.
 * An answer to nothing pending (a batch the collector took from its session
 * after this request timed out) is dropped: the shipper re-reads the cursor
 * after any failure, so nothing depends on it.
 *
 * The session is clean: answers published while the device is away are not
 * kept for it. A connection lost with requests pending fails them like a
 * dropped HTTP connection, the shipper backs off and asks for the cursor
 * again — that is the resume. Connecting happens on demand, once per
 * request at most, so the shipper's backoff paces reconnects too.
 */
import { randomBytes } from 'node:crypto';
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { type HttpAnswer, TimeoutError, type Transport } from './transport.js';
import type { MqttShipOptions } from './transport-options.js';

export interface MqttTransportOptions {
  device: string;
  options: MqttShipOptions;
  /** Whole exchange: connecting, publishing and the collector's answer. */
  timeoutMs: number;
}

interface Pending {
  resolve: (a: HttpAnswer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

class ConnectionLost extends Error {
  readonly code = 'ECONNRESET';
}

export function createMqttTransport(t: MqttTransportOptions): Transport {
  const { device, options: m } = t;
  const events = `seclog/${device}/events`;
  const cursor = `seclog/${device}/cursor`;
  const ack = `seclog/${device}/ack`;
  const pending = new Map<string, Pending>();
  let client: MqttClient | undefined;
  let ready = false;
  /** A connect or reconnect is under way (MQTT.js does not say so while reconnectPeriod is 0). */
  let connecting = false;
  let closed = false;
  let lastError: (Error & { code?: string }) | undefined;
  /** Requests waiting for the connection (and the ack subscription). */
  let waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  const failAll = (err: Error): void => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.reject(err);
    }
  };
  const settleWaiters = (err: Error | undefined): void => {
    const ws = waiters;
    waiters = [];
    for (const w of ws) err === undefined ? w.resolve() : w.reject(err);
  };

  const onAnswer = (topic: string, payload: Buffer, packet: IPublishPacket): void => {
    if (topic !== ack) return;
    const id = packet.properties?.correlationData?.toString('hex');
    const p = id === undefined ? undefined : pending.get(id);
    if (p === undefined || id === undefined) return;
    pending.delete(id);
    clearTimeout(p.timer);
    const raw = packet.properties?.userProperties?.status;
    const status = Number(Array.isArray(raw) ? raw[0] : raw);
    p.resolve({
      status: Number.isInteger(status) ? status : 0,
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
  };

  const build = (): MqttClient => {
    const opts: IClientOptions = {
      protocolVersion: 5,
      clientId: m.clientId ?? `seclog-${device}`,
      clean: true,
      keepalive: m.keepaliveSec ?? 60,
      connectTimeout: t.timeoutMs,
      // Reconnecting is on demand (the next request); the shipper's backoff paces it.
      reconnectPeriod: 0,
      manualConnect: true,
      rejectUnauthorized: true,
      ...(m.username === undefined ? {} : { username: m.username }),
      ...(m.password === undefined ? {} : { password: m.password }),
      ...(m.ca === undefined ? {} : { ca: typeof m.ca === 'string' ? m.ca : [...m.ca] }),
      ...(m.cert === undefined ? {} : { cert: m.cert }),
      ...(m.key === undefined ? {} : { key: m.key }),
    };
    const c = connect(m.url, opts);
    c.on('connect', () => {
      connecting = false;
      c.subscribe(ack, { qos: 1 }, (err, granted) => {
        if (err || granted === undefined || granted.some((g) => g.qos > 2)) {
          lastError = Object.assign(new Error(`the broker refused the subscription to ${ack}`), { code: 'ERR_SECLOG_MQTT_SUBSCRIBE' });
          settleWaiters(lastError);
          c.end(true);
          return;
        }
        ready = true;
        settleWaiters(undefined);
      });
    });
    c.on('message', onAnswer);
    c.on('error', (err) => {
      lastError = err as Error & { code?: string };
    });
    c.on('close', () => {
      ready = false;
      connecting = false;
      const err = lastError ?? new ConnectionLost(`the connection to the MQTT broker closed`);
      lastError = undefined;
      settleWaiters(err);
      failAll(err instanceof ConnectionLost ? err : Object.assign(new ConnectionLost(err.message), { cause: err }));
    });
    return c;
  };

  const connected = (deadline: number): Promise<void> => {
    if (ready) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new TimeoutError(`no connection to the MQTT broker within ${t.timeoutMs} ms`));
        },
        Math.max(0, deadline - Date.now()),
      );
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      waiters.push(waiter);
      if (connecting || client?.connected === true) return; // the ack subscription is on its way
      connecting = true;
      if (client === undefined) {
        client = build();
        client.connect();
      } else {
        client.reconnect();
      }
    });
  };

  return {
    async request(method, path, headers, body) {
      if (closed) throw new ConnectionLost('transport closed');
      const deadline = Date.now() + t.timeoutMs;
      const route = path.replace(/^\//, '');
      const isIngest = method === 'POST' && route === 'api/v1/ingest';
      const isCursor = method === 'GET' && route === 'api/v1/ingest/cursor';
      if (!isIngest && !isCursor) {
        const msg = `no such request over MQTT: ${method} ${route}`;
        return {
          status: 404,
          headers: {},
          body: Buffer.from(JSON.stringify({ error: { code: 'HTTP_NOT_FOUND', message: msg, details: {} } })),
        };
      }
      await connected(deadline);
      const c = client!;
      const id = randomBytes(12);
      const key = id.toString('hex');
      const userProperties: Record<string, string> = {};
      if (headers.authorization !== undefined) userProperties.authorization = headers.authorization;
      if (headers['content-encoding'] !== undefined) userProperties['content-encoding'] = headers['content-encoding'];
      return new Promise<HttpAnswer>((resolve, reject) => {
        const timer = setTimeout(
          () => {
            pending.delete(key);
            reject(new TimeoutError(`no answer from the collector on ${ack} within ${t.timeoutMs} ms`));
          },
          Math.max(0, deadline - Date.now()),
        );
        pending.set(key, { resolve, reject, timer });
        // A batch is QoS 1: the broker keeps it for a collector that is away.
        // A cursor request is QoS 0: an answer to it only helps while this request waits.
        c.publish(
          isIngest ? events : cursor,
          body ?? Buffer.alloc(0),
          { qos: isIngest ? 1 : 0, properties: { correlationData: id, contentType: 'application/json', userProperties } },
          (err) => {
            if (err === undefined || err === null) return;
            const p = pending.get(key);
            if (p === undefined) return;
            pending.delete(key);
            clearTimeout(p.timer);
            reject(err);
          },
        );
      });
    },
    close() {
      closed = true;
      const err = new ConnectionLost('transport closed');
      settleWaiters(err);
      failAll(err);
      client?.end(true);
    },
  };
}
