/**
 * `seclog export`: the selected events of a data directory to one file.
 *
 * bundle (default)  core's seclog-bundle/v1 against the latest stored
 *                   checkpoint: event lines in leaf order, the batch proof,
 *                   an optional consistency proof, the trailer. Events the
 *                   checkpoint does not cover yet are left out (and counted).
 * ocsf, ecs         NDJSON, one core encoding per line, no proofs
 * cef               one CEF line per event, no proofs
 * syslog            one RFC 5424 line per event (seclog's SD element and the
 *                   canonical JSON as MSG), no proofs
 *
 * A bundle's header states its event count, so the selection is scanned
 * twice (count, then write) over the same fixed range: memory stays at one
 * chunk of rows and one write buffer whatever the export's size. The export
 * is recorded as a `log_access` event of the collector's own stream before
 * the file is installed, so no export exists without its record.
 */
import { type BundleEvent, buildBundle, type ChainedEvent, encodeEventSyslog, SeclogError, toCef, toEcs, toOcsf } from '@seclog/core';
import type { OwnEvent } from '../ingest/own-stream.js';
import { formatUs } from '../query/event-view.js';
import type { Store } from '../store/types.js';
import { AtomicFile } from './atomic-file.js';
import { bundleFilterOf, checkSelection, type ExportSelection, Selector, scanRows } from './selection.js';

export const EXPORT_FORMATS = ['bundle', 'ocsf', 'ecs', 'cef', 'syslog'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportTarget {
  readonly store: Store;
  /** The log's verifier key (the checkpoint must carry its signature). */
  readonly verifierKey: string;
  /** Appends the collector's own events durably (OwnStreamBuilder.appendNow on the data directory). */
  readonly record: (events: OwnEvent[]) => void;
}

export interface ExportOptions {
  readonly selection: ExportSelection;
  readonly format?: ExportFormat;
  /** The output file; written atomically. */
  readonly out: string;
  /** Bundles: a tree size the reader already holds, for a consistency proof to the checkpoint. */
  readonly consistencyFrom?: number;
  /** Who exports (the OS user running the CLI): the log_access actor. */
  readonly actor: string;
  /** Called every few thousand rows with the rows scanned so far and the rows to scan. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly nowUs?: number;
}

export interface ExportSummary {
  readonly format: ExportFormat;
  readonly path: string;
  readonly events: number;
  readonly bytes: number;
  /** Bundles: the checkpoint's tree size. */
  readonly treeSize?: number;
  /** Bundles: selected events after the checkpoint, not in the bundle. */
  readonly beyondCheckpoint?: number;
  readonly seconds: number;
}

const PROGRESS_EVERY = 4096;

const ENCODERS: Record<Exclude<ExportFormat, 'bundle'>, (ev: ChainedEvent) => string> = {
  ocsf: (ev) => JSON.stringify(toOcsf(ev)),
  ecs: (ev) => JSON.stringify(toEcs(ev)),
  cef: (ev) => toCef(ev),
  syslog: (ev) => encodeEventSyslog(ev),
};

export async function exportEvents(target: ExportTarget, opts: ExportOptions): Promise<ExportSummary> {
  const started = performance.now();
  const format = opts.format ?? 'bundle';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new SeclogError('EXPORT_OPTIONS_INVALID', `format must be one of ${EXPORT_FORMATS.join(', ')}`, { field: 'format' });
  }
  checkSelection(opts.selection);
  const { store } = target;
  const file = new AtomicFile(opts.out);
  try {
    const written = format === 'bundle' ? writeBundle(target, opts, file) : writeEncoded(store, opts, format, file);
    target.record([
      {
        name: 'log_access',
        input: {
          actor: { user: opts.actor },
          attrs: {
            action: 'export',
            filter: JSON.stringify(bundleFilterOf(opts.selection)),
            results: written.events,
            format,
          },
          message: `${opts.actor} exported ${written.events} events (${format}) from the data directory to ${opts.out}`,
        },
      },
    ]);
    await file.commit();
    return { format, path: opts.out, ...written, bytes: file.bytes, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    file.abort();
    throw err;
  }
}

function writeBundle(
  target: ExportTarget,
  opts: ExportOptions,
  file: AtomicFile,
): { events: number; treeSize: number; beyondCheckpoint: number } {
  const { store } = target;
  const cp = store.latestCheckpoint();
  if (cp === undefined || cp.treeSize === 0) {
    throw new SeclogError(
      'EXPORT_OPTIONS_INVALID',
      'the log has no signed checkpoint to prove a bundle against yet; start the collector once (it signs one), or choose another --format',
      { field: 'checkpoint' },
    );
  }
  const size = cp.treeSize;
  const selector = new Selector(opts.selection, true);
  const end = store.eventCount();
  const total = 2 * size;
  let count = 0;
  let scanned = 0;
  for (const row of scanRows(store, 0, size)) {
    if (selector.take(row, false) !== undefined) count++;
    if (++scanned % PROGRESS_EVERY === 0) opts.onProgress?.(scanned, total);
  }
  let beyond = 0;
  for (const row of scanRows(store, size, end)) if (selector.take(row, false)?.explains === false) beyond++;
  function* events(): Generator<BundleEvent, void, undefined> {
    for (const row of scanRows(store, 0, size)) {
      const taken = selector.take(row, true);
      if (++scanned % PROGRESS_EVERY === 0) opts.onProgress?.(scanned, total);
      if (taken === undefined) continue;
      if (taken.pruned === true) {
        const at = store.retention().prunedAt(row.pos);
        yield {
          leafIndex: row.pos,
          receivedUs: row.receivedUs,
          pruned: {
            at: at === undefined ? null : formatUs(at),
            deviceId: row.device,
            stream: row.stream ?? '',
            seq: row.seq ?? 0,
            chainHash: row.chainHash,
            recordDigest: row.digest,
          },
        };
        continue;
      }
      yield { leafIndex: row.pos, receivedUs: row.receivedUs, record: taken.record as ChainedEvent };
    }
  }
  const nodes = store.nodeStore();
  const lines = buildBundle({
    checkpoint: cp.note,
    vkey: target.verifierKey,
    events: events(),
    eventCount: count,
    nodeHash: (level, index) => nodes.getNode(level, index) as Uint8Array,
    createdUs: opts.nowUs ?? Date.now() * 1000,
    filter: bundleFilterOf(opts.selection),
    ...(opts.consistencyFrom === undefined ? {} : { consistencyFrom: opts.consistencyFrom }),
  });
  for (const line of lines) file.write(line);
  opts.onProgress?.(total, total);
  return { events: count, treeSize: size, beyondCheckpoint: beyond };
}

function writeEncoded(store: Store, opts: ExportOptions, format: Exclude<ExportFormat, 'bundle'>, file: AtomicFile): { events: number } {
  const encode = ENCODERS[format];
  const selector = new Selector(opts.selection, false);
  const end = store.eventCount();
  let count = 0;
  let scanned = 0;
  for (const row of scanRows(store, 0, end)) {
    const taken = selector.take(row, true);
    if (++scanned % PROGRESS_EVERY === 0) opts.onProgress?.(scanned, end);
    // The other formats carry records only: a pruned slot has none (bundles prove it as a leaf).
    if (taken === undefined || taken.pruned === true) continue;
    file.write(`${encode(taken.record as ChainedEvent)}\n`);
    count++;
  }
  opts.onProgress?.(end, end);
  return { events: count };
}
