/**
 * Running a TypeScript entry from source in a fresh thread or process, which
 * does not inherit `--import tsx`: esbuild (which tsx brings) bundles the entry
 * and the workspace sources it imports into one .mjs in a temp directory, once
 * per call site. Third-party packages stay external and resolve through a
 * node_modules link beside the bundle. Resolves to undefined without esbuild,
 * so the caller falls back to tsx's loader. Only used when running from
 * source (tests, benches); built code has its .js files.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));

/** The workspace packages a bundle resolves to their sources (everything the collector may import). */
const SOURCE_ALIASES = {
  '@seclog/core': join(repo, 'packages/core/src/index.ts'),
  '@seclog/detect': join(repo, 'packages/detect/src/index.ts'),
};

/** Bundles `entry` (an absolute .ts path) to `<temp>/<name>.mjs`; the path, or undefined without esbuild. */
export async function bundleSourceEntry(entry: string, name: string): Promise<string | undefined> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), `seclog-${name}-`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'junction');
  const outfile = join(dir, `${name}.mjs`);
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    packages: 'external',
    alias: SOURCE_ALIASES,
    logLevel: 'warning',
  });
  return outfile;
}
