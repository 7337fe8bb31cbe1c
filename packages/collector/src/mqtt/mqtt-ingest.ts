/**
 * MQTT ingest (docs/mqtt.md): the collector is a client of the user's
 * broker, subscribed to `seclog/+/events` and `seclog/+/cursor` at QoS 1 in
 * a persistent session, so batches published while it is away wait at the
 * broker.
 *
 * One message, in this order:
 *   1. the device's bearer token from the MQTT 5 user property
 *      `authorization` (the broker cannot tell us who published);
 *   2. the topic's device, the token's device and the batch's device must be
 *      one device, else AUTH_DEVICE_MISMATCH and an `authz_fail` record;
 *   3. IngestService.ingest: the same classification, seals and group commit
 *      as HTTP ingest, resolving after the durable commit;
 *   4. the answer (the HTTP ingest response, or the HTTP error body) is
 *      published on `seclog/<device>/ack` at QoS 1, with the request's
 *      correlation data and a `status` user property (the HTTP status);
 *   5. only then the PUBACK for the message goes out (MQTT.js
 *      customHandleAcks): a message the collector did not commit is
 *      redelivered by the broker after a crash, and a duplicate is answered
 *      from the stored cursor without being stored again.
 *
 * A refused message (invalid batch, fork, bad token) is acknowledged too:
 * redelivering it would be refused again forever; the device learns of the
 * refusal from the answer and its shipper decides (split, skip, wait).
 *
 * MQTT.js handles one incoming packet at a time until its callback runs,
 * so batches are taken one after another on the connection; the ack's
 * PUBLISH is queued before the PUBACK on the same socket, so a device never
 * sees its message acknowledged by the broker before the collector's
 * answer is on its way. The ack publish is not awaited: its PUBACK is an
 * incoming packet queued behind the one being handled.
 */
import { ERROR_CODES, type ErrorCode, SeclogError } from '@seclog/core';
import { connect, type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import { Counter, Gauge, type Registry } from 'prom-client';
import { deviceForToken } from '../http/auth.js';
import { errorBody, toSeclogError } from '../http/errors.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { DeviceRow, Store } from '../store/types.js';
import { decodeBatchPayload } from './batch-payload.js';
import type { MqttConnectSettings } from './mqtt-config.js';
import { ackTopic, CURSOR_FILTER, EVENTS_FILTER, type InboundKind, parseInboundTopic } from './topics.js';

export interface MqttIngestLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface MqttIngestOptions {
  settings: MqttConnectSettings;
  store: Store;
  ingest: IngestService;
  /** Largest payload after gzip decoding (the collector's http.bodyLimitBytes). */
  maxPayloadBytes: number;
  /** Where the message counters go (the collector's registry). */
  registry?: Registry;
  /** Batch outcomes in the ingest metrics (CollectorMetrics.countBatch with source `mqtt`). */
  countBatch?: (source: string, code: string, records: number, duplicates: number) => void;
  log?: MqttIngestLog;
  /** Reconnect backoff: full jitter between baseMs and a doubling cap up to maxMs. */
  backoff?: { baseMs: number; maxMs: number };
}

export interface MqttIngestStatus {
  connected: boolean;
  /** Connection attempts that failed since the last success. */
  failures: number;
  lastError: string | undefined;
}

/** PUBACK reason codes (MQTT 5 §3.4.2.1): the message is settled either way; the code tells the broker why. */
const PUBACK_OK = 0;
const PUBACK_NOT_AUTHORIZED = 135;
const PUBACK_PAYLOAD_INVALID = 153;

const NO_LOG: MqttIngestLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Answer {
  status: number;
  body: unknown;
  code: string;
}

function userProperty(packet: IPublishPacket, name: string): string | undefined {
  const v = packet.properties?.userProperties?.[name];
  return Array.isArray(v) ? v[0] : v;
}

function bearerOf(packet: IPublishPacket): string {
  const h = userProperty(packet, 'authorization');
  if (h === undefined || h === '') {
    throw new SeclogError('AUTH_TOKEN_MISSING', 'the message has no MQTT 5 user property `authorization: Bearer <token>`', {});
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (m === null)
    throw new SeclogError('AUTH_TOKEN_INVALID', 'the authorization user property is not a bearer token', { reason: 'scheme' });
  return m[1]!;
}

export class MqttIngest {
  readonly #o: MqttIngestOptions;
  readonly #log: MqttIngestLog;
  readonly #messages: Counter<'kind' | 'outcome'> | undefined;
  readonly #connectedGauge: Gauge | undefined;
  #client: MqttClient | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;
  #connected = false;
  #failures = 0;
  #lastError: string | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  /** Messages being handled; close() lets them finish so their answers and PUBACKs go out. */
  readonly #inFlight = new Set<Promise<void>>();
  readonly #readyWaiters: (() => void)[] = [];

  constructor(options: MqttIngestOptions) {
    this.#o = options;
    this.#log = options.log ?? NO_LOG;
    if (options.registry !== undefined) {
      const registers = [options.registry];
      this.#messages = new Counter({
        name: 'seclog_mqtt_messages_total',
        help: 'MQTT messages handled, by kind (events, cursor) and outcome (ok, or the error code of docs/errors.md)',
        labelNames: ['kind', 'outcome'],
        registers,
      });
      this.#connectedGauge = new Gauge({
        name: 'seclog_mqtt_connected',
        help: '1 while the collector is connected and subscribed to the MQTT broker',
        registers,
      });
    }
  }

  /** Connects in the background; a broker that is down is retried with backoff (status() says how it goes). */
  start(): void {
    if (this.#client !== undefined || this.#closing) return;
    const s = this.#o.settings;
    const opts: IClientOptions = {
      protocolVersion: 5,
      clientId: s.clientId,
      // A persistent session: the subscription and the QoS 1 messages queued
      // for it outlive a collector restart (for sessionExpirySec).
      clean: false,
      // The broker drops larger messages instead of sending them (MQTT 5 §3.1.2.11.4): room for
      // the largest accepted payload plus its properties; MQTT's own ceiling is 256 MiB - 1.
      properties: {
        sessionExpiryInterval: s.sessionExpirySec,
        maximumPacketSize: Math.min(this.#o.maxPayloadBytes + 65_536, 268_435_455),
      },
      keepalive: s.keepaliveSec,
      connectTimeout: 10_000,
      // Reconnects are scheduled here with a growing delay; MQTT.js would retry at a fixed period.
      reconnectPeriod: 0,
      resubscribe: false,
      customHandleAcks: (topic, payload, packet, done) => this.#onPublish(topic, payload, packet as IPublishPacket, done),
      rejectUnauthorized: true,
      ...(s.username === undefined ? {} : { username: s.username }),
      ...(s.password === undefined ? {} : { password: s.password }),
      ...(s.ca === undefined ? {} : { ca: s.ca }),
      ...(s.cert === undefined ? {} : { cert: s.cert }),
      ...(s.key === undefined ? {} : { key: s.key }),
    };
    const client = connect(s.url.toString(), opts);
    this.#client = client;
    client.on('connect', (connack) => this.#onConnect(client, connack));
    client.on('close', () => this.#onClose());
    // QoS 0 messages (cursor requests) bypass customHandleAcks: there is no PUBACK to hold back.
    client.on('message', (topic, payload, packet) => {
      if (packet.qos === 0) this.#onPublish(topic, payload, packet, () => undefined);
    });
    client.on('error', (err) => {
      this.#lastError = err.message;
      this.#log.warn({ err: { message: err.message, code: (err as { code?: unknown }).code } }, 'mqtt: broker connection error');
    });
  }

  /** The MQTT.js client (diagnostics and tests: its `packetsend` events show what went to the broker). */
  get client(): MqttClient | undefined {
    return this.#client;
  }

  status(): MqttIngestStatus {
    return { connected: this.#connected, failures: this.#failures, lastError: this.#lastError };
  }

  /** Resolves once connected and subscribed (tests; the collector does not wait for the broker). */
  ready(): Promise<void> {
    if (this.#connected) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /**
   * Stops taking messages: the one being handled finishes (its answer and
   * PUBACK go out), then the client disconnects. The session stays at the
   * broker, so what is published from now on waits for the next start.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true;
      clearTimeout(this.#reconnectTimer);
      await Promise.all(this.#inFlight);
      const client = this.#client;
      if (client !== undefined) {
        // A DISCONNECT with the session expiry unchanged; a broker that is gone ends it at once.
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => client.end(true, {}, () => resolve()), 2000);
          client.end(false, {}, () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      this.#setConnected(false);
    })();
    return this.#closed;
  }

  // ---- connection -----------------------------------------------------------

  #onConnect(client: MqttClient, connack: IConnackPacket): void {
    this.#failures = 0;
    // Subscribing on every connect is idempotent, and covers a broker that lost the session (restarted without persistence).
    client.subscribe({ [EVENTS_FILTER]: { qos: 1 }, [CURSOR_FILTER]: { qos: 1 } }, (err, granted) => {
      if (err || granted === undefined || granted.some((g) => g.qos > 2)) {
        this.#lastError = err?.message ?? 'subscription refused by the broker';
        this.#log.error({ granted }, `mqtt: cannot subscribe to ${EVENTS_FILTER}: ${this.#lastError}`);
        client.end(true);
        return;
      }
      this.#log.info({ sessionPresent: connack.sessionPresent }, `mqtt: subscribed to ${EVENTS_FILTER} at ${this.#o.settings.url.host}`);
      this.#setConnected(true);
    });
  }

  #onClose(): void {
    this.#setConnected(false);
    if (this.#closing || this.#reconnectTimer !== undefined) return;
    this.#failures++;
    const { baseMs, maxMs } = this.#o.backoff ?? { baseMs: 500, maxMs: 30_000 };
    const cap = Math.min(maxMs, baseMs * 2 ** Math.min(this.#failures - 1, 20));
    const delay = baseMs + Math.floor(Math.random() * Math.max(0, cap - baseMs));
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (!this.#closing) this.#client?.reconnect();
    }, delay);
    this.#reconnectTimer.unref();
  }

  #setConnected(up: boolean): void {
    this.#connected = up;
    this.#connectedGauge?.set(up ? 1 : 0);
    if (up) for (const w of this.#readyWaiters.splice(0)) w();
  }

  // ---- messages ---------------------------------------------------------------

  #onPublish(topic: string, payload: Buffer, packet: IPublishPacket, done: (error: Error | number, code?: number) => void): void {
    // Once closing, a message is left unacknowledged: the broker keeps it in the session for the next start.
    if (this.#closing) return;
    // A number as the first argument is the PUBACK reason code (MQTT.js).
    const work = this.#handle(topic, payload, packet).then(
      (code) => done(code),
      (err: unknown) => {
        // #handle answers every failure itself; this is a bug or a lost broker connection.
        this.#log.error({ err: { message: (err as Error).message } }, `mqtt: handling a message on ${topic} failed`);
        done(PUBACK_OK);
      },
    );
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  /** Handles one message and publishes the answer; resolves to the PUBACK reason code. */
  async #handle(topic: string, payload: Buffer, packet: IPublishPacket): Promise<number> {
    const parsed = parseInboundTopic(topic);
    if (parsed === undefined) return PUBACK_OK; // not ours (a broader subscription of a shared session)
    const { device, kind } = parsed;
    let answer: Answer;
    let records = 0;
    try {
      const row = await this.#authenticate(topic, device, packet);
      if (kind === 'cursor') {
        answer = { status: 200, code: 'ok', body: { device: row.id, streams: this.#o.ingest.cursors(row.id) } };
      } else {
        const batch = await decodeBatchPayload(payload, userProperty(packet, 'content-encoding'), this.#o.maxPayloadBytes);
        records = batch.records.length;
        if (batch.device !== row.id) {
          await this.#authzFail(row.id, topic, 'ingest', `device ${row.id} published a batch for device ${batch.device} on ${topic}`);
          throw new SeclogError('AUTH_DEVICE_MISMATCH', `the token is device ${row.id}'s, the batch names ${batch.device}`, {
            token: row.id,
            batch: batch.device,
          });
        }
        const ack = await this.#o.ingest.ingest(row, batch, 'mqtt');
        this.#o.countBatch?.('mqtt', 'ok', records, ack.duplicates);
        answer = { status: 200, code: 'ok', body: ack };
      }
    } catch (err) {
      const e = toSeclogError(err);
      if (e.code === 'HTTP_INTERNAL') this.#log.error({ err: { message: (err as Error).message } }, `mqtt: message on ${topic} failed`);
      if (kind === 'events') this.#o.countBatch?.('mqtt', e.code, records, 0);
      answer = { status: ERROR_CODES[e.code].status, code: e.code, body: errorBody(e) };
    }
    this.#messages?.inc({ kind, outcome: answer.code });
    this.#answer(device, kind, packet, answer);
    return pubackCode(answer);
  }

  /** The device of the message's token, which must be the topic's device. */
  async #authenticate(topic: string, topicDevice: string, packet: IPublishPacket): Promise<DeviceRow> {
    const row = deviceForToken(this.#o.store, bearerOf(packet));
    if (row.revokedUs !== null) {
      await this.#o.ingest.own.append({
        name: 'authn_login_fail',
        input: {
          actor: { user: row.id },
          attrs: { method: 'token', reason: 'revoked', interface: 'mqtt' },
          message: `revoked device ${row.id} published on ${topic}`,
        },
      });
      throw new SeclogError('AUTH_DEVICE_REVOKED', `device ${row.id} is revoked`, { device: row.id });
    }
    if (row.id !== topicDevice) {
      await this.#authzFail(row.id, topic, 'publish', `device ${row.id} published on ${topic}, another device's topic`);
      throw new SeclogError('AUTH_DEVICE_MISMATCH', `the token is device ${row.id}'s, the topic names ${topicDevice}`, {
        token: row.id,
        topic: topicDevice,
      });
    }
    return row;
  }

  async #authzFail(device: string, topic: string, action: string, message: string): Promise<void> {
    await this.#o.ingest.own.append({
      name: 'authz_fail',
      input: {
        actor: { user: device },
        target: { resource: `mqtt:${topic}` },
        attrs: { action, interface: 'mqtt' },
        message,
      },
    });
  }

  #answer(device: string, kind: InboundKind, packet: IPublishPacket, a: Answer): void {
    const client = this.#client;
    if (client === undefined) return;
    const correlationData = packet.properties?.correlationData;
    client.publish(
      ackTopic(device),
      JSON.stringify(a.body),
      {
        qos: 1,
        properties: {
          contentType: 'application/json',
          userProperties: { status: String(a.status), kind },
          ...(correlationData === undefined ? {} : { correlationData }),
        },
      },
      (err) => {
        if (err) this.#log.warn({ err: { message: err.message } }, `mqtt: the answer to ${device} was not delivered to the broker`);
      },
    );
  }
}

function pubackCode(a: Answer): number {
  if (a.status === 200) return PUBACK_OK;
  const code = a.code as ErrorCode;
  if (code.startsWith('AUTH_')) return PUBACK_NOT_AUTHORIZED;
  if (code.startsWith('HTTP_BODY') || code === 'HTTP_UNSUPPORTED_MEDIA_TYPE') return PUBACK_PAYLOAD_INVALID;
  return PUBACK_OK;
}
