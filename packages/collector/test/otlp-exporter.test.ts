// Interop with the official OpenTelemetry JS SDK (issue E item 5): @opentelemetry/exporter-logs-otlp-http
// (0.2xx, the JSON exporter) and @opentelemetry/sdk-logs post to a listening collector's /v1/logs, plain
// and gzip. Skips when the packages are not installed (a dev dependency of @seclog/collector); fails
// under SECLOG_TEST_REQUIRE_ALL=1.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestCollector, type TestCollector } from './ingest-fixtures.js';

const PACKAGES = ['@opentelemetry/exporter-logs-otlp-http', '@opentelemetry/sdk-logs', '@opentelemetry/resources'];
const MISSING = `the OpenTelemetry SDK is not installed: npm install --save-dev -w @seclog/collector ${PACKAGES.join(' ')} (exporter and sdk-logs 0.223.x, the last line for Node 20; resources of its 2.x line)`;

// biome-ignore lint/suspicious/noExplicitAny: the SDK's modules are loaded by name, without their types
type Module = Record<string, any>;
async function load(): Promise<Module[] | undefined> {
  try {
    return await Promise.all(PACKAGES.map((name) => import(name) as Promise<Module>));
  } catch {
    return undefined;
  }
}
const sdk = await load();
if (sdk === undefined && process.env.SECLOG_TEST_REQUIRE_ALL === '1') {
  test('the OpenTelemetry SDK is installed (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(MISSING));
}

let t: TestCollector;
let url: string;
let token: string;
before(async () => {
  if (sdk === undefined) return;
  t = await startTestCollector({ http: { port: 0 } });
  token = t.enrol('svc-1').token;
  url = await t.c.listen();
});
after(() => t?.cleanup());

/** Emits the records through the SDK and its OTLP/HTTP JSON exporter; resolves once they were exported. */
async function emitThroughSdk(compression: 'none' | 'gzip', tag: string): Promise<void> {
  const [{ OTLPLogExporter }, { LoggerProvider, SimpleLogRecordProcessor }, { resourceFromAttributes }] = sdk as [Module, Module, Module];
  const exporter = new OTLPLogExporter({ url: `${url}/v1/logs`, headers: { Authorization: `Bearer ${token}` }, compression });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'door-controller', 'host.name': 'door-7.local' }),
    // 0.2xx takes its exporter in an options object.
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('door-auth', '1.4.0');
  logger.emit({
    severityNumber: 13,
    severityText: 'WARN',
    body: `login refused for admin ${tag}`,
    attributes: { 'event.name': 'authn_login_fail', 'user.name': 'admin', method: 'password', reason: 'bad_password' },
  });
  logger.emit({ severityNumber: 17, severityText: 'ERROR', body: `relay timeout ${tag}`, attributes: { retries: 3 } });
  await provider.forceFlush();
  await provider.shutdown();
}

function storedWith(text: string): Record<string, unknown>[] {
  const s = t.c.data.store;
  return s
    .readEvents(0, s.eventCount())
    .filter((e) => e.device === 'svc-1' && e.canonical.includes(text))
    .map((e) => JSON.parse(e.canonical) as Record<string, unknown>);
}

for (const compression of ['none', 'gzip'] as const) {
  test(`the OpenTelemetry JS exporter's records are stored (compression ${compression})`, {
    skip: sdk === undefined ? MISSING : false,
  }, async () => {
    const tag = `via-sdk-${compression}`;
    await emitThroughSdk(compression, tag);
    const stored = storedWith(tag);
    assert.deepEqual(stored.map((e) => e.name).sort(), ['authn_login_fail', 'passthrough']);
    for (const e of stored) {
      assert.deepEqual(e.device, { id: 'svc-1' });
      assert.equal(e.stream, 'passthrough/otlp');
    }
    const login = stored.find((e) => e.name === 'authn_login_fail') as { actor: { user: string }; attrs: Record<string, unknown> };
    assert.equal(login.actor.user, 'admin');
    assert.equal(login.attrs.reason, 'bad_password');
  });
}
