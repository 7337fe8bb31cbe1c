/**
 * The storage section of a review's evidence from the collector's capacity
 * monitor and the devices' overwrite horizons (retention/, docs/retention.md).
 * Both are measured now, when the evidence is collected, not as of the
 * period's end: the facts say so.
 */
import type { StorageStatus } from '../retention/capacity.js';
import { type DeviceHorizonSettings, devicesBelowHorizon, reportDevices } from '../retention/device-report.js';
import type { Store } from '../store/types.js';
import type { StorageEvidence, StorageProvider } from './evidence.js';

export interface StorageSources {
  store: Store;
  /** The capacity monitor's latest status (undefined before its first check). */
  status: () => StorageStatus | undefined;
  devices: DeviceHorizonSettings;
}

const LIST_MAX = 100;
const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;

export function storageProviderOf(src: StorageSources): StorageProvider {
  return (): StorageEvidence => {
    const facts: string[] = [];
    const status = src.status();
    if (status === undefined) facts.push('collector storage: not measured yet (the monitor has not run its first check)');
    else {
      facts.push(
        `collector storage (measured ${status.at}): ${status.level}, ${status.usedPercent}% used` +
          (status.disk === null ? '' : ` of ${gib(status.disk.totalBytes)} at ${status.disk.path}`) +
          `; database ${gib(status.database.bytes)}`,
        status.projection.daysUntilFull === null
          ? 'projected days until full: unknown (no ingest in the rate window, or the disk is not measured)'
          : `projected days until full: ${Math.floor(status.projection.daysUntilFull)} at ${gib(status.projection.bytesPerDay)} a day`,
      );
    }
    const reports = reportDevices(src.store, src.devices);
    const below = devicesBelowHorizon(reports);
    const known = reports.filter((r) => r.ring.horizonHours !== null);
    facts.push(
      `device overwrite horizons (now): ${known.length} of ${reports.length} device(s) measurable; ${below.length} below the minimum of ${src.devices.minHorizonHours} h${
        below.length > 0
          ? `: ${below
              .slice(0, 10)
              .map((r) => `${r.id} (${r.ring.horizonHours?.toFixed(1)} h)`)
              .join(', ')}`
          : ''
      }`,
    );
    return {
      available: true,
      facts,
      details: {
        status: status ?? null,
        horizons: known
          .slice(0, LIST_MAX)
          .map((r) => ({ device: r.id, horizonHours: r.ring.horizonHours, belowMinimum: r.ring.belowMinimum })),
        belowMinimum: below.map((r) => r.id).slice(0, LIST_MAX),
      },
    };
  };
}
