/**
 * The collector's Prometheus metrics, one registry per collector (tests open
 * several in one process, and prom-client's global registry would mix them).
 *
 * Where each figure comes from:
 * - the group committer's observer (every committed batch, whatever input it
 *   came through): accepted events by source, batch sizes, commit latency
 *   from submit to durable, transaction duration and group size, and the
 *   integrity findings the collector wrote into its own stream;
 * - the HTTP ingest route's hooks (./ingest-hooks.ts): duplicates and refused
 *   batches, which never reach the committer;
 * - gauges read at scrape time: integrator lag, tree and checkpoint, database
 *   file sizes. A scrape costs three indexed SQLite reads and two stat calls;
 * - the notifier's observer (notify/): settled notification attempts; the
 *   outbox's pending and dead rows are counted at scrape time (one more read).
 *
 * Label values are bounded: sources are a handful of inputs, outcomes and
 * codes come from fixed lists (the error registry), kinds from the catalogue.
 * No device id is ever a label: 1,000 devices would be 1,000 series each.
 */
import { statSync } from 'node:fs';
import { getCatalogueEntry } from '@seclog/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CommitObserver, CommitSample } from '../ingest/group-commit.js';
import { COLLECTOR_DEVICE_ID } from '../ingest/own-stream.js';
import type { Integrator } from '../integrate/integrator.js';
import type { DeliveryOutcome, NotifyObserver } from '../notify/types.js';
import type { BatchWrite, Store } from '../store/types.js';

export interface CollectorMetricsOptions {
  store: Store;
  integrator: Integrator;
  /** The SQLite database file; its `-wal` sibling is measured too. Absent for a store without files. */
  dbPath?: string;
  /** prom-client's process and Node.js metrics (default true; off in unit tests that open many collectors). */
  processMetrics?: boolean;
}

/** The input a committed batch came through (BatchWrite.source; the collector's own stream is 'collector'). */
export function sourceOf(batch: BatchWrite): string {
  if (batch.device === COLLECTOR_DEVICE_ID) return 'collector';
  return batch.source ?? 'http';
}

/** rejected: one record refused on its own while the rest of its request was stored (OTLP partial success). */
export type IngestOutcome = 'accepted' | 'duplicate' | 'refused' | 'rejected';

const INTEGRITY_KINDS: readonly string[] = [
  ...(getCatalogueEntry('log_integrity_fail')?.attrs.kind?.enum ?? []),
  // log_gap records count under their own kind.
  'gap',
];

export class CollectorMetrics {
  readonly registry = new Registry();
  readonly #events: Counter<'source' | 'outcome'>;
  readonly #batches: Counter<'source' | 'code'>;
  readonly #batchRecords: Histogram<'source'>;
  readonly #commitLatency: Histogram;
  readonly #commitDuration: Histogram;
  readonly #groupBatches: Histogram;
  readonly #commitRefused: Counter;
  readonly #integrity: Counter<'kind'>;
  readonly #gapRecords: Counter;
  readonly #notifications: Counter<'channel' | 'outcome'>;

  constructor(opts: CollectorMetricsOptions) {
    const registers = [this.registry];
    const { store, integrator, dbPath } = opts;
    this.#events = new Counter({
      name: 'seclog_ingest_events_total',
      help: 'Records received, by input and outcome (accepted: committed; duplicate: re-acknowledged, not stored; refused: in a refused batch; rejected: refused alone, the rest of its request stored)',
      labelNames: ['source', 'outcome'],
      registers,
    });
    this.#batches = new Counter({
      name: 'seclog_ingest_batches_total',
      help: 'Ingest batches answered, by input and result (ok, or the error code of docs/errors.md)',
      labelNames: ['source', 'code'],
      registers,
    });
    this.#batchRecords = new Histogram({
      name: 'seclog_ingest_batch_records',
      help: 'Records per committed batch',
      labelNames: ['source'],
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10_000],
      registers,
    });
    this.#commitLatency = new Histogram({
      name: 'seclog_commit_latency_seconds',
      help: 'From a batch handed to the group committer to its transaction being durable (what an ACK waits for after classification)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.#commitDuration = new Histogram({
      name: 'seclog_commit_duration_seconds',
      help: 'Duration of one group-commit transaction, fsync included',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.#groupBatches = new Histogram({
      name: 'seclog_commit_group_batches',
      help: 'Batches sharing one transaction (group commit)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    });
    this.#commitRefused = new Counter({
      name: 'seclog_commit_refused_total',
      help: 'Batches the store refused at commit (STORE_BATCH_INVALID); nothing of them was stored',
      registers,
    });
    this.#integrity = new Counter({
      name: 'seclog_integrity_failures_total',
      help: 'log_integrity_fail records the collector committed, by attrs.kind, and log_gap records (kind gap), since start',
      labelNames: ['kind'],
      registers,
    });
    this.#gapRecords = new Counter({
      name: 'seclog_log_gap_records_total',
      help: 'Records reported missing by the log_gap records committed since start (sum of attrs.count)',
      registers,
    });
    for (const kind of INTEGRITY_KINDS) this.#integrity.labels(kind).inc(0);
    // Channel names come from the configuration (at most 32), so the label stays bounded.
    this.#notifications = new Counter({
      name: 'seclog_notify_deliveries_total',
      help: 'Settled notification attempts, by channel and outcome (delivered; retry: failed, tried again later; dead: given up, recorded as net_conn_fail)',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    new Gauge({
      name: 'seclog_notify_outbox_rows',
      help: 'Notification outbox rows by state at scrape time (pending: waiting or in flight; dead: given up)',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = store.countOutbox();
        this.set({ state: 'pending' }, counts.pending);
        this.set({ state: 'dead' }, counts.dead);
      },
    });

    new Gauge({
      name: 'seclog_integrator_lag_events',
      help: 'Committed records not yet Merkle leaves',
      registers,
      collect() {
        this.set(integrator.lag());
      },
    });
    new Gauge({
      name: 'seclog_log_tree_size',
      help: 'Leaves in the Merkle tree',
      registers,
      collect() {
        this.set(integrator.size);
      },
    });
    new Gauge({
      name: 'seclog_log_checkpoint_size',
      help: 'Tree size of the newest signed checkpoint',
      registers,
      collect() {
        this.set(store.latestCheckpoint()?.treeSize ?? 0);
      },
    });
    new Gauge({
      name: 'seclog_log_checkpoint_age_seconds',
      help: 'Age of the newest signed checkpoint (it grows while the log is idle; alert when it grows while seclog_log_tree_size exceeds seclog_log_checkpoint_size)',
      registers,
      collect() {
        const cp = store.latestCheckpoint();
        this.set(cp === undefined ? 0 : Math.max(0, Date.now() / 1000 - cp.createdUs / 1e6));
      },
    });
    if (dbPath !== undefined) {
      new Gauge({
        name: 'seclog_db_size_bytes',
        help: 'Size of the SQLite database files at scrape time (file: db, wal)',
        labelNames: ['file'],
        registers,
        collect() {
          this.set({ file: 'db' }, statSync(dbPath, { throwIfNoEntry: false })?.size ?? 0);
          this.set({ file: 'wal' }, statSync(`${dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0);
        },
      });
    }
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** For GroupCommitOptions.observer. */
  readonly commitObserver: CommitObserver = {
    committed: (group: readonly CommitSample[], startMs: number, endMs: number) => {
      this.#commitDuration.observe((endMs - startMs) / 1000);
      this.#groupBatches.observe(group.length);
      for (const { batch, submittedMs } of group) {
        const source = sourceOf(batch);
        const n = batch.records.length;
        this.#events.inc({ source, outcome: 'accepted' }, n);
        this.#batchRecords.observe({ source }, n);
        this.#commitLatency.observe((endMs - submittedMs) / 1000);
        if (source === 'collector') this.#countFindings(batch);
      }
    },
    refused: () => {
      this.#commitRefused.inc();
    },
  };

  /** For NotifierOptions.observer. */
  readonly notifyObserver: NotifyObserver = {
    settled: (channel: string, outcome: DeliveryOutcome) => {
      this.#notifications.inc({ channel, outcome });
    },
  };

  /** One answered ingest request (./ingest-hooks.ts). `code` is 'ok' or an error code. */
  countBatch(source: string, code: string, records: number, duplicates: number): void {
    this.#batches.inc({ source, code });
    if (code !== 'ok' && records > 0) this.#events.inc({ source, outcome: 'refused' }, records);
    if (duplicates > 0) this.#events.inc({ source, outcome: 'duplicate' }, duplicates);
  }

  /** Records of an input that answers per record (OTLP): counted here, as no ingest hook sees them. */
  countRecords(source: string, outcome: Exclude<IngestOutcome, 'accepted'>, n: number): void {
    if (n > 0) this.#events.inc({ source, outcome }, n);
  }

  /** Prometheus text exposition. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #countFindings(batch: BatchWrite): void {
    for (const { record } of batch.records) {
      if (record.name === 'log_integrity_fail') {
        this.#integrity.inc({ kind: String(record.attrs?.kind ?? 'other') });
      } else if (record.name === 'log_gap') {
        this.#integrity.inc({ kind: 'gap' });
        const count = record.attrs?.count;
        if (typeof count === 'number' && count > 0) this.#gapRecords.inc(count);
      }
    }
  }
}
