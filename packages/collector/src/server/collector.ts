/**
 * A running collector: data directory, group committer, integrator, ingest
 * and the HTTP app, wired once. `close()` is the graceful shutdown of issue C
 * item 1: stop accepting, let in-flight batches commit, integrate, sign a last
 * checkpoint, close the database.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { CollectorConfig } from '../config/schema.js';
import { type Detection, openDetection } from '../detect/open-detection.js';
import { buildApp } from '../http/app.js';
import { GroupCommitter } from '../ingest/group-commit.js';
import { IngestService } from '../ingest/ingest-service.js';
import { Integrator } from '../integrate/integrator.js';
import { CollectorMetrics } from '../metrics/collector-metrics.js';
import { mqttConnectSettings } from '../mqtt/mqtt-config.js';
import { MqttIngest } from '../mqtt/mqtt-ingest.js';
import { noticeFromAlert } from '../notify/notice.js';
import { Notifier } from '../notify/notifier.js';
import { LiveFeed, type LiveFeedOptions } from '../query/live-feed.js';
import type { StoredAlert } from '../store/alert-types.js';
import { SyslogListeners } from '../syslog/syslog-listeners.js';
import { SyslogMetrics } from '../syslog/syslog-metrics.js';
import { DB_FILE, ensureFirstAdminToken, type OpenedDataDir, openDataDir } from './data-store.js';

export interface Collector {
  readonly app: FastifyInstance;
  readonly data: OpenedDataDir;
  readonly committer: GroupCommitter;
  readonly integrator: Integrator;
  readonly ingest: IngestService;
  /** The live tail's feed (GET /api/v1/events/stream). */
  readonly feed: LiveFeed;
  readonly metrics: CollectorMetrics;
  /** Rules, alerts and triage (undefined when detect.enabled is false). */
  readonly detection: Detection | undefined;
  /** Alert notifications: the durable outbox and its delivery loop. */
  readonly notifier: Notifier;
  /** The syslog inputs (config.syslog); bound by listen() when OpenCollectorOptions.syslog is true. */
  readonly syslog: SyslogListeners;
  /** MQTT ingest from the broker of config.mqtt (docs/mqtt.md); connects at listen(); undefined when mqtt.enabled is false. */
  readonly mqtt: MqttIngest | undefined;
  /** The first-run admin token, shown once; undefined on later runs. */
  readonly adminToken: string | undefined;
  /** Starts listening on the configured host and port; resolves to the URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface OpenCollectorOptions {
  /** fastify's logger option (the CLI passes one at config.logLevel; tests none). */
  logger?: boolean | { level: string };
  /** prom-client's process metrics in /metrics (default true). */
  processMetrics?: boolean;
  /** Live tail limits (maxLag, heartbeatMs, pollMs, chunk); tests shorten them. */
  tail?: Partial<LiveFeedOptions>;
  /** Told of every stored alert, again after a restart until it returns (detect/detection-service.ts: the notifier's seam). */
  onAlertStored?: (alert: StoredAlert) => void;
  /**
   * listen() also binds the syslog listeners of config.syslog (default false:
   * library users and tests opt in, so that two collectors in one test run do
   * not both take 5514; `seclog serve` turns it on).
   */
  syslog?: boolean;
}

export async function openCollector(config: CollectorConfig, options: OpenCollectorOptions = {}): Promise<Collector> {
  const data = await openDataDir(config.dataDir, config.log.origin, { db: config.db });
  try {
    const integrator = new Integrator(data.store, {
      origin: data.key.origin,
      signer: data.key.signer,
      checkpointIntervalMs: config.log.checkpointIntervalMs,
    });
    const metrics = new CollectorMetrics({
      store: data.store,
      integrator,
      dbPath: join(data.path, DB_FILE),
      processMetrics: options.processMetrics ?? true,
    });
    const feed = new LiveFeed(data.store, options.tail);
    const committer = new GroupCommitter(data.store, {
      windowMs: config.ingest.groupCommitWindowMs,
      // The live tail reads committed records from the store; it is told even when integrating failed.
      onCommitted: (_count, committed) => {
        try {
          integrator.onCommitted(committed);
        } finally {
          feed.notify();
        }
      },
      observer: metrics.commitObserver,
    });
    const ingest = new IngestService(data.store, committer, data.key.origin, config.ingest);
    const adminToken = ensureFirstAdminToken(data);
    integrator.start();
    // Alerts go to the notifier's durable outbox; enqueue returns once its rows are committed.
    // Its log lines go to the app's logger, which exists once buildApp below has run.
    let appLog: FastifyInstance['log'] | undefined;
    const notifier = new Notifier({
      store: data.store,
      config: config.notify,
      own: ingest.own,
      observer: metrics.notifyObserver,
      log: { warn: (obj, msg) => appLog?.warn(obj, msg), error: (obj, msg) => appLog?.error(obj, msg) },
    });
    const onAlertStored = (alert: StoredAlert) => {
      notifier.enqueue(noticeFromAlert(alert));
      options.onAlertStored?.(alert);
    };
    // After the integrator caught up: detection replays from its saved leaf to the tree size.
    const detection = config.detect.enabled
      ? await openDetection({
          store: data.store,
          integrator,
          own: ingest.own,
          config: config.detect,
          onAlertStored,
        })
      : undefined;
    let accepting = true;
    const tls = config.http.tls;
    const https = tls === undefined ? undefined : { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
    const app = await buildApp({
      store: data.store,
      ingest,
      integrator,
      verifierKey: data.key.verifierKey,
      bodyLimitBytes: config.http.bodyLimitBytes,
      // The compliance check reports the free space of the store's file system: only local for SQLite.
      ...(config.db === undefined ? { dataDir: config.dataDir } : {}),
      accepting: () => accepting,
      metrics: { registry: metrics, auth: config.http.metricsAuth },
      feed,
      ...(detection === undefined ? {} : { detection }),
      server: { logger: options.logger ?? false, ...(https ? { https } : {}) },
    });
    appLog = app.log;
    const syslog = new SyslogListeners({
      config: config.syslog,
      store: data.store,
      ingest,
      metrics: new SyslogMetrics(metrics.registry),
      maxBatchRecords: config.ingest.maxBatchRecords,
      log: { warn: (obj, msg) => appLog?.warn(obj, msg) },
    });
    const mqtt = config.mqtt.enabled
      ? new MqttIngest({
          settings: mqttConnectSettings(config.mqtt),
          store: data.store,
          ingest,
          maxPayloadBytes: config.http.bodyLimitBytes,
          registry: metrics.registry,
          countBatch: (source, code, records, duplicates) => metrics.countBatch(source, code, records, duplicates),
          log: {
            info: (obj, msg) => appLog?.info(obj, msg),
            warn: (obj, msg) => appLog?.warn(obj, msg),
            error: (obj, msg) => appLog?.error(obj, msg),
          },
        })
      : undefined;
    notifier.start();
    let closed: Promise<void> | undefined;
    return {
      app,
      data,
      committer,
      integrator,
      ingest,
      feed,
      metrics,
      detection,
      notifier,
      syslog,
      mqtt,
      adminToken,
      listen: async () => {
        const url = await app.listen({ host: config.http.host, port: config.http.port });
        if (options.syslog === true && SyslogListeners.enabled(config.syslog)) await syslog.start();
        mqtt?.start();
        return url;
      },
      close: () => {
        closed ??= (async () => {
          accepting = false;
          // The batch being handled commits and is answered; later ones stay queued at the broker.
          await mqtt?.close();
          // app.close stops accepting connections and waits for in-flight requests,
          // whose batches are in the committer; drain covers any left.
          await app.close();
          // Stops accepting and reading syslog; what was read commits first.
          await syslog.close();
          await committer.drain();
          // Waits for its alert records to commit and saves its state; the store is still open.
          if (detection !== undefined) {
            await detection.close();
            await committer.drain();
          }
          // In-flight deliveries are made due again; the outbox keeps them for the next start.
          await notifier.close();
          await committer.drain();
          integrator.stop();
          data.close();
        })();
        return closed;
      },
    };
  } catch (err) {
    data.close();
    throw err;
  }
}
