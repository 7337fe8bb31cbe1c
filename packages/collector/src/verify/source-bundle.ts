/**
 * Running a TypeScript entry from source in a fresh thread or process, which
 * does not inherit `--import tsx`: esbuild (which tsx brings) bundles the entry
 * and the workspace sources it imports into one .mjs in a temp directory, once
 * per call site. Third-party packages stay external and resolve through a
 * node_modules link beside the bundle. Each source module keeps its own
 * `import.meta.url` (the bundle's would send paths computed from it, such as
 * the built-in rule pack's folder, into the temp directory). Resolves to undefined without esbuild,
 * so the caller falls back to tsx's loader. Only used when running from
 * source (tests, benches); built code has its .js files.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));

/** The workspace packages a bundle resolves to their sources (everything the collector, or the CLI its tests run, may import). */
const SOURCE_ALIASES = {
  '@seclog/core': join(repo, 'packages/core/src/index.ts'),
  '@seclog/detect': join(repo, 'packages/detect/src/index.ts'),
  '@seclog/agent': join(repo, 'packages/agent/src/index.ts'),
  '@seclog/collector': join(repo, 'packages/collector/src/index.ts'),
  '@seclog/web': join(repo, 'packages/web/src/index.ts'),
};

/**
 * The expression `import.meta.url`, not the same words inside a string (this
 * file's plugin names them in one, and `npm test` bundles this file too).
 */
const IMPORT_META_URL = /(?<![\w'"`.])import\.meta\.url(?![\w'"`])/g;

/** Replaces `import.meta.url` in every TypeScript source with that source's own file URL. */
const keepModuleUrls: Plugin = {
  name: 'keep-module-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      return { contents: text.replace(IMPORT_META_URL, JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
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
    plugins: [keepModuleUrls],
    logLevel: 'warning',
  });
  return outfile;
}
