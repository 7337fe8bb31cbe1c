/**
 * Where the built dashboard is: dist/app of this package, written by
 * `npm run build -w @seclog/web` (Vite). The collector cannot import this
 * package (dependencies point down), so the CLI's serve command asks here and
 * passes the directory in.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the built assets (from src/ or dist/ alike: both sit one level below the package). */
export function dashboardAssetsDir(): string {
  return fileURLToPath(new URL('../dist/app/', import.meta.url));
}

/** True when the assets were built (index.html exists). */
export function dashboardBuilt(dir: string = dashboardAssetsDir()): boolean {
  return existsSync(join(dir, 'index.html'));
}
