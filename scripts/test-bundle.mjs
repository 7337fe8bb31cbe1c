// Bundles test files for `npm test`: each test file with the workspace sources
// it imports becomes one ES module under .test-build/ (shared code split into
// chunks), so a test process loads a few files instead of hundreds through a
// TypeScript loader. Third-party packages stay external and load from
// node_modules as usual. Every source keeps its own `import.meta.url`, so paths
// computed from it (fixtures, the rule pack, child entry points) are the same
// as when the sources run directly.
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const BUILD_DIR = '.test-build';

/** The expression `import.meta.url`, not the same words inside a string or a longer name. */
const IMPORT_META_URL = /(?<![\w'"`.])import\.meta\.url(?![\w'"`])/g;

/** Bundles `files` (paths relative to `root`); resolves to the bundles' paths, which sort in the order given. */
export async function bundleTests(root, files) {
  const esbuild = await import('esbuild');
  const outdir = join(root, BUILD_DIR);
  rmSync(outdir, { recursive: true, force: true });
  const alias = Object.fromEntries(
    ['core', 'detect', 'agent', 'collector', 'web'].map((p) => [`@seclog/${p}`, join(root, 'packages', p, 'src', 'index.ts')]),
  );
  // `node --test` sorts the files it is given by path, so the bundles' paths carry the wanted order: .test-build/0000/…
  const out = files.map((f, i) => `${String(i).padStart(4, '0')}/${f.replace(/\.ts$/, '')}`);
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: files.map((f, i) => ({ in: f, out: out[i] })),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    alias,
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [
      {
        name: 'keep-module-urls',
        setup(build) {
          build.onLoad({ filter: /\.ts$/ }, async (args) => {
            const text = await readFile(args.path, 'utf8');
            return { contents: text.replace(IMPORT_META_URL, JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
          });
        },
      },
    ],
  });
  return out.map((o) => join(BUILD_DIR, `${o}.mjs`));
}

/** The test file a bundle was built from (reporters name files by their source). */
export function sourceOfBundle(path) {
  const m = new RegExp(`^${BUILD_DIR.replace('.', '\\.')}/\\d+/(.*)\\.mjs$`).exec(path);
  return m === null ? path : `${m[1]}.ts`;
}
