/**
 * What an export selects, and the scan that finds it. The criteria are the
 * ones a `seclog-bundle/v1` filter can state, so a verifier can check that
 * the bundle holds nothing else: receive time (the collector's clock, which
 * the leaf commits to; not the device's `time`), devices and event names.
 *
 * The scan walks positions in leaf order in chunks (bounded memory), reading
 * the columns first and parsing a record only when a criterion or the output
 * needs it. It reads every row of the range: an indexed query (Store.queryEvents)
 * returns pages newest first by device time, which is neither the leaf order
 * a bundle needs nor its time criterion.
 */
import type { BundleFilter, ChainedEvent } from '@seclog/core';
import { SeclogError } from '@seclog/core';
import type { Store, StoredEvent } from '../store/types.js';

export interface ExportSelection {
  /** Receive time, µs since the Unix epoch: from inclusive, to exclusive. */
  readonly fromUs?: number;
  readonly toUs?: number;
  readonly devices?: readonly string[];
  readonly names?: readonly string[];
}

export interface SelectedEvent {
  readonly row: StoredEvent;
  /** Parsed on demand (`withRecords`). */
  readonly record: ChainedEvent | undefined;
  /** Not selected by the criteria: a log_gap record that explains gaps in selected streams. */
  readonly explains: boolean;
  /** Retention removed the record (its canonical text is empty): only its leaf can be exported. */
  readonly pruned?: true;
}

const COLLECTOR = 'collector';
const LOG_GAP = 'log_gap';

/** The bundle filter that states the selection (absent criteria are absent). */
export function bundleFilterOf(sel: ExportSelection): BundleFilter {
  const f: { -readonly [K in keyof BundleFilter]: BundleFilter[K] } = {};
  if (sel.fromUs !== undefined || sel.toUs !== undefined) f.receivedUs = [sel.fromUs ?? 0, sel.toUs ?? Number.MAX_SAFE_INTEGER];
  if (sel.devices !== undefined) f.devices = [...sel.devices];
  if (sel.names !== undefined) f.names = [...sel.names];
  return f;
}

export function checkSelection(sel: ExportSelection): void {
  const bad = (field: string, why: string): never => {
    throw new SeclogError('EXPORT_OPTIONS_INVALID', `${field} ${why}`, { field });
  };
  for (const [k, v] of [
    ['from', sel.fromUs],
    ['to', sel.toUs],
  ] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) bad(k, 'is not a time after 1970');
  }
  if (sel.fromUs !== undefined && sel.toUs !== undefined && sel.toUs < sel.fromUs) bad('to', 'is before from');
  if (sel.devices?.length === 0) bad('device', 'names no device');
  if (sel.names?.length === 0) bad('name', 'names no event');
}

export class Selector {
  readonly #sel: ExportSelection;
  readonly #devices: ReadonlySet<string> | undefined;
  readonly #names: ReadonlySet<string> | undefined;
  readonly #nameNeedles: readonly string[];
  /** Add log_gap records of the selected devices as explanations (bundles only). */
  readonly #explain: boolean;

  constructor(sel: ExportSelection, explain: boolean) {
    this.#sel = sel;
    this.#devices = sel.devices === undefined ? undefined : new Set(sel.devices);
    this.#names = sel.names === undefined ? undefined : new Set(sel.names);
    this.#nameNeedles = (sel.names ?? []).map((n) => `"name":${JSON.stringify(n)}`);
    // Under a name filter every gap is explained by the filter itself.
    this.#explain = explain && sel.names === undefined;
  }

  /** How `row` is taken: undefined (not at all), or selected / as an explanation, with its record when parsed. */
  take(row: StoredEvent, withRecord: boolean): SelectedEvent | undefined {
    const { fromUs, toUs } = this.#sel;
    const inTime = (fromUs === undefined || row.receivedUs >= fromUs) && (toUs === undefined || row.receivedUs < toUs);
    if (row.canonical.length === 0) {
      // A pruned slot has no name: a name filter never selects it; the others do as for any row.
      const taken = inTime && this.#names === undefined && (this.#devices === undefined || this.#devices.has(row.device));
      return taken ? { row, record: undefined, explains: false, pruned: true } : undefined;
    }
    let record: ChainedEvent | undefined;
    const parse = (): ChainedEvent => {
      record ??= JSON.parse(row.canonical) as ChainedEvent;
      return record;
    };
    let selected = inTime && (this.#devices === undefined || this.#devices.has(row.device));
    if (selected && this.#names !== undefined) {
      // A name the text does not even contain cannot be the record's; otherwise the parse decides.
      selected = this.#nameNeedles.some((n) => row.canonical.includes(n)) && this.#names.has(parse().name);
    }
    if (selected) return { row, record: withRecord ? parse() : undefined, explains: false };
    if (!this.#explain || row.device !== COLLECTOR || !row.canonical.includes('"name":"log_gap"')) return undefined;
    const rec = parse();
    const device = rec.attrs?.device_id;
    if (rec.name !== LOG_GAP || (this.#devices !== undefined && !(typeof device === 'string' && this.#devices.has(device))))
      return undefined;
    return { row, record: withRecord ? rec : undefined, explains: true };
  }
}

/** Rows at positions [fromPos, toPos), in order, read `chunk` at a time. */
export function* scanRows(store: Store, fromPos: number, toPos: number, chunk = 4096): Generator<StoredEvent, void, undefined> {
  for (let at = fromPos; at < toPos; at += chunk) {
    const rows = store.readEvents(at, Math.min(toPos, at + chunk));
    for (const r of rows) yield r;
  }
}
