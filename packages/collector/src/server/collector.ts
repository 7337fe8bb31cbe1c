/**
 * A running collector: data directory, group committer, integrator, ingest
 * and the HTTP app, wired once. `close()` is the graceful shutdown of issue C
 * item 1: stop accepting, let in-flight batches commit, integrate, sign a last
 * checkpoint, close the database.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { SignInOptions } from '../auth/sign-in.js';
import { registerClusterMetrics } from '../cluster/cluster-metrics.js';
import { INTEGRATOR_LEASE, LeaseKeeper, type LeaseTimings, nodeName } from '../cluster/lease-keeper.js';
import type { CollectorConfig } from '../config/schema.js';
import { type Detection, openDetection } from '../detect/open-detection.js';
import { buildApp } from '../http/app.js';
import type { DashboardRoutesOptions } from '../http/dashboard-routes.js';
import { GroupCommitter } from '../ingest/group-commit.js';
import { IngestService } from '../ingest/ingest-service.js';
import type { OwnEvent } from '../ingest/own-stream.js';
import { Integrator } from '../integrate/integrator.js';
import { CollectorMetrics } from '../metrics/collector-metrics.js';
import { mqttConnectSettings } from '../mqtt/mqtt-config.js';
import { MqttIngest } from '../mqtt/mqtt-ingest.js';
import { noticeFromAlert } from '../notify/notice.js';
import { Notifier } from '../notify/notifier.js';
import { LiveFeed, type LiveFeedOptions } from '../query/live-feed.js';
import { StorageMonitor } from '../retention/capacity.js';
import { DeviceReports } from '../retention/device-report.js';
import { policyOf } from '../retention/policy.js';
import { RetentionTicker } from '../retention/retention-ticker.js';
import { ReviewService } from '../review/review-service.js';
import { ReviewTicker } from '../review/review-ticker.js';
import { storageProviderOf } from '../review/storage-evidence.js';
import type { StoredAlert } from '../store/alert-types.js';
import { PgStore } from '../store/pg/pg-store.js';
import type { LookupAll } from '../syslog/attribution.js';
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
  /** Periodic reviews (docs/reviews.md); overdue ones raise alerts every reviews.checkIntervalMs. */
  readonly reviews: ReviewService;
  /** The integrator lease among collectors sharing a PostgreSQL database (undefined on SQLite: this node always integrates). */
  readonly cluster: LeaseKeeper | undefined;
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
  /** Serve the built dashboard at `/` (http/dashboard-routes.ts); the CLI passes @seclog/web's assets. */
  dashboard?: DashboardRoutesOptions;
  /** Integrator lease timings on PostgreSQL, over the configuration's `cluster` (tests shorten them). */
  cluster?: Partial<LeaseTimings>;
  /** Sign-in settings (lockout, session lengths, attempts per minute, the clock); tests set the clock. */
  signIn?: SignInOptions;
  /** Forward DNS for syslog.sourceMap host names (default node:dns; tests pass their own). */
  sourceMapLookup?: LookupAll;
}

export async function openCollector(config: CollectorConfig, options: OpenCollectorOptions = {}): Promise<Collector> {
  const data = await openDataDir(config.dataDir, config.log.origin, { db: config.db });
  try {
    // On PostgreSQL several collectors may share the database: only the lease holder writes the tree.
    const timings: LeaseTimings = { ...config.cluster, ...options.cluster };
    const lease = data.store instanceof PgStore ? data.store.lease(INTEGRATOR_LEASE, nodeName(), timings.ttlMs) : undefined;
    let keeper: LeaseKeeper | undefined;
    const integrator = new Integrator(data.store, {
      origin: data.key.origin,
      signer: data.key.signer,
      checkpointIntervalMs: config.log.checkpointIntervalMs,
      ...(lease === undefined ? {} : { fence: (leafCount: number) => lease.fence(leafCount), onFenced: () => keeper?.fenced() }),
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
    // Only the lease holder claims notifications; a node that steps down finishes what it claimed (docs/scaling.md).
    const startNotifier = () => {
      if (!notifier.dispatching) notifier.start();
    };
    let detection: Detection | undefined;
    if (lease !== undefined) {
      keeper = new LeaseKeeper({
        lease,
        timings,
        onLead: async () => {
          integrator.lead();
          await detection?.service.activate();
          startNotifier();
          appLog?.info({ holder: lease.holder, term: lease.term }, 'cluster: this collector took the integrator lease');
        },
        onFollow: () => {
          integrator.follow();
          detection?.service.standBy();
          notifier.pause();
          appLog?.warn({ holder: lease.holder }, 'cluster: this collector lost the integrator lease and follows');
        },
        onPoll: () => {
          if (integrator.integrate() > 0) feed.notify();
        },
        warn: (message, err) => appLog?.warn({ err }, `cluster: ${message}`),
      });
      registerClusterMetrics(metrics.registry, keeper);
    }
    if ((keeper?.acquireOnce() ?? 'leader') === 'leader') integrator.start();
    else integrator.follow();
    // Renewing from now on: the rest of the start-up may take longer than the lease lasts.
    keeper?.run();
    const onAlertStored = (alert: StoredAlert) => {
      notifier.enqueue(noticeFromAlert(alert));
      options.onAlertStored?.(alert);
    };
    // After the integrator caught up: detection replays from its saved leaf to the tree size.
    detection = config.detect.enabled
      ? await openDetection({
          store: data.store,
          integrator,
          own: ingest.own,
          config: config.detect,
          onAlertStored,
          standby: !integrator.leading,
        })
      : undefined;
    // The role may have changed while detection opened.
    if (integrator.leading) await detection?.service.activate();
    else detection?.service.standBy();
    // Overdue reviews raise alerts like the detector's: stored, then handed to the notifier.
    const reviews = new ReviewService({
      store: data.store,
      origin: data.key.origin,
      verifierKey: data.key.verifierKey,
      signer: data.key.signer,
      tree: () => integrator.tree,
      append: (events) => ingest.own.append(...events),
      config: config.reviews,
      onAlertStored,
      // Read when evidence is collected, after the monitor below exists.
      storage: storageProviderOf({ store: data.store, status: () => storage.status, devices: config.devices }),
    });
    const reviewTicker = new ReviewTicker(
      reviews,
      config.reviews.checkIntervalMs,
      (message, err) => appLog?.warn({ err }, message),
      () => integrator.leading,
    );
    // Retention and capacity (docs/retention.md): one monitor gates ingest and answers GET /api/v1/storage.
    const retentionPolicy = policyOf(config.retention);
    const recordOwn = async (events: OwnEvent[]): Promise<void> => {
      await ingest.own.append(...events);
    };
    let retentionTicker: RetentionTicker | undefined;
    const storage = new StorageMonitor({
      store: data.store,
      settings: config.storage,
      capBytes: config.retention.maxPayloadBytes,
      ...(config.db === undefined ? { dataDir: config.dataDir } : {}),
      storeKind: config.db === undefined ? 'sqlite' : 'postgresql',
      record: recordOwn,
      prune: async () => {
        await retentionTicker?.run('pressure');
      },
    });
    ingest.storageGate = (critical) => storage.admit(critical);
    retentionTicker = new RetentionTicker({
      store: data.store,
      policy: retentionPolicy,
      retentionEnabled: config.retention.enabled,
      retentionIntervalMs: config.retention.intervalMinutes * 60_000,
      storageIntervalMs: config.storage.checkIntervalSeconds * 1000,
      monitor: storage,
      record: recordOwn,
      leading: () => integrator.leading,
      warn: (message, err) => appLog?.warn({ err }, message),
    });
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
      config,
      reviews,
      devices: new DeviceReports(data.store, config.devices),
      storage: {
        monitor: storage,
        policy: retentionPolicy,
        retentionEnabled: config.retention.enabled,
        retentionIntervalMinutes: config.retention.intervalMinutes,
      },
      accepting: () => accepting,
      metrics: { registry: metrics, auth: config.http.metricsAuth },
      feed,
      ...(detection === undefined ? {} : { detection }),
      ...(options.dashboard === undefined ? {} : { dashboard: options.dashboard }),
      ...(options.signIn === undefined ? {} : { signIn: options.signIn }),
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
      ...(options.sourceMapLookup === undefined ? {} : { sourceMapLookup: options.sourceMapLookup }),
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
    if (integrator.leading) startNotifier();
    reviewTicker.start();
    retentionTicker.start();
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
      reviews,
      cluster: keeper,
      listen: async () => {
        const url = await app.listen({ host: config.http.host, port: config.http.port });
        if (options.syslog === true && SyslogListeners.enabled(config.syslog)) await syslog.start();
        mqtt?.start();
        return url;
      },
      close: () => {
        closed ??= (async () => {
          accepting = false;
          await reviewTicker.stop();
          await retentionTicker.stop();
          // The role stays as it is from here: a leader signs the last checkpoint, then lets the lease go.
          await keeper?.stop();
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
          keeper?.release();
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
