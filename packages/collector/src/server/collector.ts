/**
 * A running collector: data directory, group committer, integrator, ingest
 * and the HTTP app, wired once. `close()` is the graceful shutdown of issue C
 * item 1: stop accepting, let in-flight batches commit, integrate, sign a last
 * checkpoint, close the database.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { CollectorConfig } from '../config/schema.js';
import { buildApp } from '../http/app.js';
import { GroupCommitter } from '../ingest/group-commit.js';
import { IngestService } from '../ingest/ingest-service.js';
import { Integrator } from '../integrate/integrator.js';
import { ensureFirstAdminToken, type OpenedDataDir, openDataDir } from './data-store.js';

export interface Collector {
  readonly app: FastifyInstance;
  readonly data: OpenedDataDir;
  readonly committer: GroupCommitter;
  readonly integrator: Integrator;
  readonly ingest: IngestService;
  /** The first-run admin token, shown once; undefined on later runs. */
  readonly adminToken: string | undefined;
  /** Starts listening on the configured host and port; resolves to the URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface OpenCollectorOptions {
  /** fastify's logger option (the CLI passes one at config.logLevel; tests none). */
  logger?: boolean | { level: string };
}

export async function openCollector(config: CollectorConfig, options: OpenCollectorOptions = {}): Promise<Collector> {
  const data = await openDataDir(config.dataDir, config.log.origin);
  try {
    const integrator = new Integrator(data.store, {
      origin: data.key.origin,
      signer: data.key.signer,
      checkpointIntervalMs: config.log.checkpointIntervalMs,
    });
    const committer = new GroupCommitter(data.store, {
      windowMs: config.ingest.groupCommitWindowMs,
      onCommitted: () => integrator.onCommitted(),
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
      server: { logger: options.logger ?? false, ...(https ? { https } : {}) },
    });
    let closed: Promise<void> | undefined;
    return {
      app,
      data,
      committer,
      integrator,
      ingest,
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
