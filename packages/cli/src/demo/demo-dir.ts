/**
 * The demo's own directory: `collector/` (the collector's data directory:
 * SQLite store, log key) and `fleet/` (the simulated devices' ring files).
 * A marker file says the demo made it, so a later demo may replace it;
 * any other non-empty directory is refused, so the demo can never wipe
 * someone's data (./seclog-data in particular).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DEFAULT_DEMO_DIR = './seclog-demo';
const MARKER = '.seclog-demo';

export interface DemoDir {
  readonly path: string;
  readonly collector: string;
  readonly fleet: string;
  /** An earlier demo's directory was replaced. */
  readonly replaced: boolean;
}

export function prepareDemoDir(dir: string): DemoDir {
  const path = resolve(dir);
  let replaced = false;
  if (existsSync(path)) {
    const entries = readdirSync(path);
    if (entries.length > 0) {
      if (!entries.includes(MARKER)) {
        throw new Error(`${path} exists and was not made by seclog demo; give another --data directory`);
      }
      rmSync(path, { recursive: true, force: true });
      replaced = true;
    }
  }
  // The collector's directory is made by the collector (initDataDir), with its own mode.
  const collector = join(path, 'collector');
  const fleet = join(path, 'fleet');
  mkdirSync(fleet, { recursive: true, mode: 0o700 });
  writeFileSync(join(path, MARKER), 'made by `seclog demo`; the next demo run on this directory replaces it\n');
  return { path, collector, fleet, replaced };
}
