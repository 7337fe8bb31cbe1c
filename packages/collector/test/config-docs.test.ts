import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderConfigurationMarkdown } from '../src/config/docs.js';
import { CONFIG_LEAVES, envVarFor } from '../src/config/key-paths.js';

const docsUrl = new URL('../../../docs/configuration.md', import.meta.url);
const regenerate =
  "node --conditions=seclog-source --import tsx -e \"import('./packages/collector/src/config/docs.ts').then((m) => require('node:fs').writeFileSync('docs/configuration.md', m.renderConfigurationMarkdown()))\"";

test('docs/configuration.md is what the schema and defaults render', () => {
  assert.equal(
    readFileSync(docsUrl, 'utf8'),
    renderConfigurationMarkdown(),
    `docs/configuration.md is stale; regenerate with:\n${regenerate}`,
  );
});

test('every schema key appears in docs/configuration.md with its variable', () => {
  const page = readFileSync(docsUrl, 'utf8');
  for (const leaf of CONFIG_LEAVES) assert.ok(page.includes(`| \`${leaf.path}\` `) && page.includes(`\`${leaf.env}\``), leaf.path);
});

test('every leaf has a description, and environment names are unique', () => {
  for (const leaf of CONFIG_LEAVES) assert.ok(leaf.schema.description, `${leaf.path} has no description`);
  const names = CONFIG_LEAVES.map((l) => l.env);
  assert.equal(new Set(names).size, names.length);
});

const envCases: [string[], string][] = [
  [['dataDir'], 'SECLOG_DATA_DIR'],
  [['http', 'port'], 'SECLOG_HTTP_PORT'],
  [['http', 'tls', 'certFile'], 'SECLOG_HTTP_TLS_CERT_FILE'],
  [['ingest', 'perDeviceRatePerSec'], 'SECLOG_INGEST_PER_DEVICE_RATE_PER_SEC'],
  [['logLevel'], 'SECLOG_LOG_LEVEL'],
];
for (const [segments, want] of envCases) test(`env name of ${segments.join('.')}`, () => assert.equal(envVarFor(segments), want));
