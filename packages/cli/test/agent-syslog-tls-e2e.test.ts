/**
 * The agent's syslog-tls transport end to end: SecurityLogger (ship.transport
 * 'syslog-tls', a client certificate naming the device) → the collector's
 * RFC 5425 listener → the device's own stream in the store, every record
 * once with its chain, and `seclog verify --data` passes. Certificates come
 * from the openssl CLI (skips without it; fails under SECLOG_TEST_REQUIRE_ALL=1).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SecurityLogger } from '@seclog/agent';
import { loadConfig, openCollector } from '@seclog/collector';
import { enrolDevice, ownEvents, type RunningCollector, range, storedRecords } from './support/agent-collector.js';
import { runCli } from './support/run-cli.js';

const OPENSSL = process.env.SECLOG_OPENSSL || 'openssl';
const haveOpenssl = (() => {
  try {
    execFileSync(OPENSSL, ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const MISSING = 'openssl not found: install Debian package openssl';
if (!haveOpenssl && process.env.SECLOG_TEST_REQUIRE_ALL === '1') test('openssl is available', () => assert.fail(MISSING));
const skip = haveOpenssl ? false : MISSING;

const root = mkdtempSync(join(tmpdir(), 'seclog-agent-syslog-'));
after(() => rmSync(root, { recursive: true, force: true }));

const ossl = (args: string[]) => execFileSync(OPENSSL, args, { cwd: root, stdio: 'pipe' });
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A CA, the listener's certificate for 127.0.0.1, and a client certificate whose CN is the device id. */
function pki(device: string) {
  ossl(['req', '-x509', ...newKey, '-days', '2', '-subj', '/CN=e2e-ca', '-keyout', 'ca.key', '-out', 'ca.crt']);
  const leaf = (name: string, ext: string) => {
    writeFileSync(join(root, `${name}.ext`), ext);
    ossl(['req', ...newKey, '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    ossl(
      ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2'].concat([
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.crt`,
      ]),
    );
  };
  leaf('listener', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf(device, 'extendedKeyUsage=clientAuth\n');
  const read = (f: string) => readFileSync(join(root, f), 'utf8');
  return { ca: read('ca.crt'), cert: read(`${device}.crt`), key: read(`${device}.key`) };
}

test('SecurityLogger over syslog-tls into the collector listener: every record once, chained; verify passes', { skip }, async () => {
  const keys = pki('gw-t');
  const dataDir = join(root, 'data');
  const config = loadConfig({
    env: {},
    cwd: root,
    flags: {
      dataDir,
      http: { port: 0 },
      ingest: { perDeviceRatePerSec: 1_000_000 },
      logLevel: 'silent',
      syslog: {
        tcpEnabled: false,
        udpEnabled: false,
        tlsPort: 0,
        tls: { certFile: join(root, 'listener.crt'), keyFile: join(root, 'listener.key'), caFile: join(root, 'ca.crt') },
      },
    },
  });
  const c = await openCollector(config, { processMetrics: false, syslog: true });
  const url = await c.listen();
  const r: RunningCollector = { c, url, dataDir, port: Number(new URL(url).port) };
  const port = r.c.syslog.addresses().tls!.port;
  try {
    const file = enrolDevice(r, 'gw-t', root, 'high');
    const log = await SecurityLogger.open({
      ...file,
      store: { path: join(root, 'gw-t.ring') },
      ship: {
        transport: 'syslog-tls',
        syslogTls: { host: '127.0.0.1', port, servername: 'localhost', ...keys },
        backoff: { baseMs: 20, maxMs: 200 },
      },
    });
    const stream = log.status().stream;
    await log.loginFailed({ user: 'root', sourceIp: '198.51.100.4', method: 'password', reason: 'bad_password' });
    const rs = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        log.event('authz_fail', { actor: { user: `u${i % 3}` }, target: { resource: '/etc/shadow' }, attrs: { action: 'read' } }),
      ),
    );
    assert.ok(rs.every((x) => x.recorded));
    await log.flush({ timeoutMs: 20_000 });
    const last = log.status().lastSeq;
    assert.equal(log.status().ship.ackedSeq, last, 'marked shipped once written');
    await log.close();
    // Written is not stored: wait for the listener to commit what it read.
    const deadline = Date.now() + 10_000;
    while (storedRecords(r.c, stream).length < last && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    const stored = storedRecords(r.c, stream);
    assert.deepEqual(
      stored.map((s) => s.seq),
      range(1, stored.at(-1)!.seq),
      'every record once, in order, in the device stream',
    );
    assert.ok(stored.length >= 302, `stored ${stored.length}`);
    assert.deepEqual(ownEvents(r.c, 'log_integrity_fail'), []);
    assert.deepEqual(ownEvents(r.c, 'log_gap'), []);
  } finally {
    await r.c.close();
  }
  const verify = runCli(['verify', '--data', dataDir, '--workers', '1']);
  assert.equal(verify.code, 0, `${verify.stdout}\n${verify.stderr}`);
});
