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
import { buildApp } from '../http/app.js';
import { GroupCommitter } from '../ingest/group-commit.js';
import { IngestService } from '../ingest/ingest-service.js';
import { Integrator } from '../integrate/integrator.js';
import { CollectorMetrics } from '../metrics/collector-metrics.js';
import { LiveFeed, type LiveFeedOptions } from '../query/live-feed.js';
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
}

export async function openCollector(config: CollectorConfig, options: OpenCollectorOptions = {}): Promise<Collector> {
  const data = await openDataDir(config.dataDir, config.log.origin);
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
      onCommitted: () => {
        try {
          integrator.onCommitted();
        } finally {
          feed.notify();
        }
      },
      observer: metrics.commitObserver,
    });
    const ingest = new IngestService(data.store, committer, data.key.origin, config.ingest);
    const adminToken = ensureFirstAdminToken(data);
    integrator.start();
    let accepting = true;
    const tls = config.http.tls;
    const https = tls === undefined ? undefined : { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
    const app = await buildApp({
      store: data.store,
      ingest,
      integrator,
      verifierKey: data.key.verifierKey,
      bodyLimitBytes: config.http.bodyLimitBytes,
      accepting: () => accepting,
      metrics: { registry: metrics, auth: config.http.metricsAuth },
      feed,
      server: { logger: options.logger ?? false, ...(https ? { https } : {}) },
    });
    let closed: Promise<void> | undefined;
    return {
      app,
      data,
      committer,
      integrator,
      ingest,
      feed,
      metrics,
      adminToken,
      listen: () => app.listen({ host: config.http.host, port: config.http.port }),
      close: () => {
        closed ??= (async () => {
          accepting = false;
          // app.close stops accepting connections and waits for in-flight requests,
          // whose batches are in the committer; drain covers any left.
          await app.close();
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
