/**
 * One retention run (docs/retention.md): find the events past their group's
 * age and, with a size cap, the oldest ones over it; remove their payloads
 * (Store.retention().prune keeps each leaf's inputs, so checkpoints and
 * proofs still verify); record the run in the store and as a
 * `log_retention_run` event in the collector's own stream.
 *
 * Only events a signed checkpoint covers are pruned: the integrator and the
 * detector have long finished with them, and a reader can prove the pruned
 * slot against a checkpoint that was signed while it still held its record.
 *
 * The walk is by position from a floor kept in the store's meta: below it
 * every event is pruned or always kept, so a run reads only what can still
 * expire, and stops at the first chunk too young for the shortest policy.
 * Receive times rise with positions (commit order), give or take a group
 * commit, so a young chunk means younger ones follow.
 */
import { formatEventTime, uuidv7 } from '@seclog/core';
import type { OwnEvent } from '../ingest/own-stream.js';
import type { RetentionRunRow, RetentionScanRow, Store } from '../store/types.js';
import { ALWAYS_KEPT, DAY_US, daysFor, describePolicy, expiredNames, groupOf, type RetentionPolicy, shortestDays } from './policy.js';

export const META_FLOOR = 'retention.floor';
export const META_COUNTED_TO = 'retention.payloadCountedTo';
export const META_PAYLOAD = 'retention.payloadBytes';

const CHUNK = 8192;
const PRUNE_BATCH = 2000;

export type RetentionTrigger = 'schedule' | 'manual' | 'pressure';

export interface RetentionRunOptions {
  readonly trigger: RetentionTrigger;
  /** Report what would go; prune and record nothing. */
  readonly dryRun?: boolean;
  readonly nowUs?: number;
  /** Appends the run's record to the collector's own stream (server: OwnStream.append; CLI: OwnStreamBuilder.appendNow). */
  readonly record?: (events: OwnEvent[]) => void | Promise<void>;
  /** Called between prune batches so a server keeps answering (SQLite runs on the event loop). */
  readonly pause?: () => Promise<void>;
}

export interface RetentionRunResult extends RetentionRunRow {
  /** Events pruned per group ('other' for names outside the catalogue, 'cap' entries are counted by group too). */
  readonly groups: Record<string, number>;
  /** Of `deleted`, pruned because of the size cap rather than age. */
  readonly overCap: number;
  /** Stored record bytes after the run (of the events below the newest position at its start). */
  readonly payloadBytes: number;
  /** PostgreSQL: month partitions rewritten whole, and the events of `deleted` pruned that way. */
  readonly months: { readonly count: number; readonly pruned: number };
}

const rfc3339 = (us: number): string => formatEventTime({ ms: Math.floor(us / 1000), us: Math.floor(us % 1000) });

function metaNumber(store: Store, key: string): number {
  const v = Number(store.getMeta(key) ?? '0');
  return Number.isSafeInteger(v) && v >= 0 ? v : 0;
}

/**
 * Stored record bytes of the unpruned events below `end`, counted incrementally: the store's meta
 * holds the count up to a position, and only the rows after it are read. `save` moves that position
 * to `end` (the storage monitor does, so a check reads only what arrived since the last one).
 */
export function payloadBytes(store: Store, end: number, save = false): number {
  const countedTo = Math.min(metaNumber(store, META_COUNTED_TO), end);
  const bytes = metaNumber(store, META_PAYLOAD) + store.retention().payloadBetween(countedTo, end).bytes;
  if (save && countedTo < end) {
    store.transaction(() => {
      store.setMeta(META_COUNTED_TO, String(end));
      store.setMeta(META_PAYLOAD, String(bytes));
    });
  }
  return bytes;
}

export async function runRetention(store: Store, policy: RetentionPolicy, opts: RetentionRunOptions): Promise<RetentionRunResult> {
  const startedUs = opts.nowUs ?? Date.now() * 1000;
  const dryRun = opts.dryRun === true;
  const retention = store.retention();
  const limit = store.latestCheckpoint()?.treeSize ?? 0;
  const end = store.eventCount();
  const floor = Math.min(metaNumber(store, META_FLOOR), limit);
  const payloadBefore = payloadBytes(store, end);
  const youngest = startedUs - shortestDays(policy) * DAY_US;

  // PostgreSQL: a month whose events have (nearly) all expired is rewritten whole first (pg-partition-retention.ts);
  // the walk below then meets its rows already pruned. A dry run leaves the months to the walk, which counts the same rows.
  const groups: Record<string, number> = {};
  const months = { count: 0, pruned: 0, bytes: 0 };
  if (!dryRun && retention.partitions !== undefined && limit > 0) {
    for (const m of await retention.partitions.months(youngest)) {
      const sel = expiredNames(policy, startedUs, m.toUs);
      if (sel.names.length === 0 && !sel.unknownExpired) continue;
      const done = await retention.partitions.rewrite(m.name, sel, limit, startedUs);
      if (done === null) continue;
      months.count++;
      months.pruned += done.pruned;
      months.bytes += done.bytes;
      for (const [name, n] of Object.entries(done.byName)) {
        const g = groupOf(name) ?? 'other';
        groups[g] = (groups[g] ?? 0) + n;
      }
    }
  }

  const chosen: RetentionScanRow[] = [];
  const chosenSet = new Set<number>();
  let chosenBytes = 0;
  // Age: past their group's days.
  let firstLive: RetentionScanRow | undefined;
  // Where the walk stopped without meeting a live row: the floor may not pass it.
  let stoppedAt: number | undefined;
  for (let p = floor; p < limit; p += CHUNK) {
    const rows = retention.scan(p, Math.min(limit, p + CHUNK));
    let anyOld = false;
    for (const r of rows) {
      // Old rows already pruned (a whole-month rewrite, an earlier cap) do not end the walk: live ones may follow.
      if (r.receivedUs < youngest) anyOld = true;
      if (r.bytes === 0 || ALWAYS_KEPT.has(r.name)) continue;
      if (r.receivedUs < startedUs - daysFor(policy, r.name) * DAY_US) {
        chosen.push(r);
        chosenSet.add(r.pos);
        chosenBytes += r.bytes;
      } else firstLive ??= r;
    }
    if (!anyOld) {
      stoppedAt = p;
      break;
    }
    // Each chunk is one synchronous read; a server yields between them (SQLite runs on the event loop).
    await opts.pause?.();
  }
  // Size cap: the oldest of the rest, by position, until the stored bytes fit.
  let overCap = 0;
  if (policy.maxPayloadBytes > 0 && payloadBefore - months.bytes - chosenBytes > policy.maxPayloadBytes) {
    let excess = payloadBefore - months.bytes - chosenBytes - policy.maxPayloadBytes;
    firstLive = undefined;
    outer: for (let p = floor; p < limit; p += CHUNK) {
      for (const r of retention.scan(p, Math.min(limit, p + CHUNK))) {
        if (r.bytes === 0 || ALWAYS_KEPT.has(r.name) || chosenSet.has(r.pos)) continue;
        if (excess <= 0) {
          firstLive = r;
          break outer;
        }
        chosen.push(r);
        chosenSet.add(r.pos);
        chosenBytes += r.bytes;
        excess -= r.bytes;
        overCap++;
      }
      await opts.pause?.();
    }
  }
  chosen.sort((a, b) => a.pos - b.pos);

  for (const r of chosen) {
    const g = groupOf(r.name) ?? 'other';
    groups[g] = (groups[g] ?? 0) + 1;
  }
  let deleted = months.pruned + chosen.length;
  let bytes = months.bytes + chosenBytes;
  if (!dryRun && chosen.length > 0) {
    deleted = months.pruned;
    bytes = months.bytes;
    for (let i = 0; i < chosen.length; i += PRUNE_BATCH) {
      const done = retention.prune(
        chosen.slice(i, i + PRUNE_BATCH).map((r) => r.pos),
        startedUs,
      );
      deleted += done.pruned;
      bytes += done.bytes;
      if (opts.pause !== undefined && i + PRUNE_BATCH < chosen.length) await opts.pause();
    }
  }
  // The oldest event still holding its payload: the first live one the walk met, else the first after the checkpoint.
  const oldestKeptUs = firstLive?.receivedUs ?? (limit < end ? (store.getEvent(limit)?.receivedUs ?? null) : null);
  const newFloor = firstLive?.pos ?? stoppedAt ?? limit;
  const payloadAfter = payloadBefore - bytes;
  const finishedUs = Math.max(startedUs, Date.now() * 1000);
  const run: RetentionRunRow = {
    id: `ret-${uuidv7()}`,
    startedUs,
    finishedUs,
    trigger: opts.trigger,
    dryRun,
    deleted,
    bytes,
    oldestKeptUs,
    policy: describePolicy(policy),
    byGroup: JSON.stringify(groups),
  };
  if (!dryRun) {
    store.transaction(() => {
      store.setMeta(META_FLOOR, String(Math.max(floor, newFloor)));
      store.setMeta(META_COUNTED_TO, String(end));
      store.setMeta(META_PAYLOAD, String(Math.max(0, payloadAfter)));
      retention.putRun(run);
    });
    await opts.record?.([
      {
        name: 'log_retention_run',
        input: {
          attrs: {
            run_id: run.id,
            trigger: run.trigger,
            deleted,
            bytes,
            ...(oldestKeptUs === null ? {} : { oldest_kept: rfc3339(oldestKeptUs) }),
            policy: run.policy.slice(0, 1024),
          },
          message: `retention (${run.trigger}) pruned ${deleted} events (${bytes} bytes)${overCap > 0 ? `, ${overCap} of them over the size cap` : ''}${months.count > 0 ? `, ${months.pruned} of them by rewriting ${months.count} whole month${months.count > 1 ? 's' : ''}` : ''}; leaves, checkpoints and stream heads kept`,
        },
      },
    ]);
  }
  return {
    ...run,
    groups,
    overCap,
    payloadBytes: dryRun ? payloadBefore - chosenBytes : payloadAfter,
    months: { count: months.count, pruned: months.pruned },
  };
}
