import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSeclogError, type SeclogError } from '@seclog/core';
import { LEASE_DEFAULTS } from '../src/cluster/lease-keeper.js';
import { CONFIG_DEFAULTS } from '../src/config/defaults.js';
import { type LoadConfigOptions, loadConfig } from '../src/config/load.js';
import { COLLECTOR_DEFAULTS } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seclog-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes a YAML file into the temp dir and returns its path. */
function yaml(text: string): string {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(path, text);
  return path;
}

// cwd = the temp dir, so no stray ./seclog.yaml of the developer is read.
const load = (o: LoadConfigOptions = {}) => loadConfig({ env: {}, cwd: dir, ...o });

function rejects(o: LoadConfigOptions, code: string): SeclogError {
  try {
    load(o);
  } catch (err) {
    assert.ok(isSeclogError(err), String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

const errorsOf = (err: SeclogError) => err.details.errors as { key: string; rule: string; message: string; source?: string }[];

test('defaults: loopback listeners from COLLECTOR_DEFAULTS, no TLS, no origin', () => {
  const c = load();
  assert.equal(c.dataDir, COLLECTOR_DEFAULTS.dataDir);
  assert.deepEqual({ host: c.http.host, port: c.http.port }, COLLECTOR_DEFAULTS.http);
  assert.equal(c.syslog.tcpPort, COLLECTOR_DEFAULTS.syslog.tcpPort);
  assert.equal(c.syslog.tlsPort, 6514);
  assert.equal(c.http.tls, undefined);
  assert.equal(c.log.origin, undefined);
  assert.ok(c.log.checkpointIntervalMs <= 1000);
  assert.ok(c.ingest.groupCommitWindowMs > 0 && c.ingest.groupCommitWindowMs < 20);
  assert.deepEqual(c, CONFIG_DEFAULTS);
});

test('precedence: flags > env > file > defaults, objects merged key by key', () => {
  const file = yaml('http:\n  port: 9001\n  bodyLimitBytes: 9000000\ningest:\n  maxBatchRecords: 10\nlogLevel: debug\n');
  const env = { SECLOG_HTTP_PORT: '9002', SECLOG_INGEST_MAX_BATCH_RECORDS: '20', SECLOG_DATA_DIR: '/var/lib/seclog' };
  const c = load({ file, env, flags: { http: { port: 9003 } } });
  assert.equal(c.http.port, 9003);
  assert.equal(c.ingest.maxBatchRecords, 20);
  assert.equal(c.dataDir, '/var/lib/seclog');
  assert.equal(c.http.bodyLimitBytes, 9000000);
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.http.host, '127.0.0.1');
  assert.equal(c.ingest.maxBatchBytes, CONFIG_DEFAULTS.ingest.maxBatchBytes);
});

test('./seclog.yaml in cwd is read when no file is given', () => {
  const cwd = mkdtempSync(join(dir, 'cwd-'));
  writeFileSync(join(cwd, 'seclog.yaml'), 'http:\n  port: 7000\n');
  assert.equal(loadConfig({ env: {}, cwd }).http.port, 7000);
});

const coercions: { name: string; env: Record<string, string>; check: (c: ReturnType<typeof load>) => unknown; want: unknown }[] = [
  { name: 'integer', env: { SECLOG_SYSLOG_UDP_PORT: '1514' }, check: (c) => c.syslog.udpPort, want: 1514 },
  { name: 'boolean true', env: { SECLOG_HTTP_INSECURE_BIND: 'true' }, check: (c) => c.http.insecureBind, want: true },
  { name: 'boolean 0', env: { SECLOG_SYSLOG_UDP_ENABLED: '0' }, check: (c) => c.syslog.udpEnabled, want: false },
  { name: 'enum string', env: { SECLOG_LOG_LEVEL: 'warn' }, check: (c) => c.logLevel, want: 'warn' },
  { name: 'camelCase split', env: { SECLOG_LOG_CHECKPOINT_INTERVAL_MS: '250' }, check: (c) => c.log.checkpointIntervalMs, want: 250 },
  { name: 'empty is unset', env: { SECLOG_HTTP_PORT: '' }, check: (c) => c.http.port, want: 8080 },
  { name: 'other SECLOG_ variables ignored', env: { SECLOG_TEST_CONCURRENCY: '4' }, check: (c) => c.http.port, want: 8080 },
];
for (const c of coercions) test(`env coercion: ${c.name}`, () => assert.deepEqual(c.check(load({ env: c.env })), c.want));

test('flags given as strings (argv) are typed like env values', () => {
  const c = load({ flags: { http: { port: '9100' }, syslog: { tcpEnabled: 'false' } } });
  assert.equal(c.http.port, 9100);
  assert.equal(c.syslog.tcpEnabled, false);
});

test('every error is reported at once with its key path and source', () => {
  const file = yaml('http:\n  port: 70000\ningest:\n  groupCommitWindowMs: -1\nlogLevel: loud\n');
  const err = rejects({ file, env: { SECLOG_SYSLOG_TCP_PORT: 'abc', SECLOG_LOG_ORIGIN: 'has space' } }, 'CONFIG_INVALID');
  const byKey = new Map(errorsOf(err).map((e) => [e.key, e]));
  assert.deepEqual([...byKey.keys()].sort(), ['http.port', 'ingest.groupCommitWindowMs', 'log.origin', 'logLevel', 'syslog.tcpPort']);
  assert.match(err.message, /^ {2}http\.port: maximum \(got 70000\)/m);
  assert.match(err.message, /^ {2}syslog\.tcpPort: type \(got "abc"\)/m);
  assert.match(err.message, /^ {2}logLevel: enum \(got "loud"\) — one of fatal, error, warn, info/m);
  assert.equal(byKey.get('http.port')?.source, file);
  assert.equal(byKey.get('syslog.tcpPort')?.source, 'SECLOG_SYSLOG_TCP_PORT');
  assert.equal(byKey.get('ingest.groupCommitWindowMs')?.rule, 'minimum');
});

test('unknown keys are errors, with a did-you-mean when close', () => {
  const file = yaml('http:\n  prot: 80\ndata_dir: /x\nzzz: 1\n');
  const err = rejects({ file }, 'CONFIG_INVALID');
  const lines = errorsOf(err).map((e) => e.message);
  assert.ok(
    lines.some((l) => l.startsWith('http.prot: unknown (got 80)') && l.includes('did you mean http.port?')),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => l.startsWith('data_dir: unknown') && l.includes('did you mean dataDir?')));
  assert.ok(lines.some((l) => l.startsWith('zzz: unknown') && !l.includes('did you mean')));
});

test('a misspelt SECLOG_ variable is an error with a suggestion', () => {
  const err = rejects({ env: { SECLOG_HTTP_PROT: '80' } }, 'CONFIG_INVALID');
  assert.match(err.message, /SECLOG_HTTP_PROT: unknown .*did you mean SECLOG_HTTP_PORT\?/);
});

test('a TLS block missing keyFile names http.tls.keyFile', () => {
  const err = rejects({ env: { SECLOG_HTTP_TLS_CERT_FILE: join(dir, 'cert.pem') } }, 'CONFIG_INVALID');
  assert.ok(errorsOf(err).some((e) => e.key === 'http.tls.keyFile' && e.rule === 'required'));
});

test('a body limit below the batch limit is refused, not clamped', () => {
  const err = rejects({ flags: { http: { bodyLimitBytes: 100_000 }, ingest: { maxBatchBytes: 200_000 } } }, 'CONFIG_INVALID');
  assert.deepEqual(
    errorsOf(err).map((e) => [e.key, e.rule]),
    [['http.bodyLimitBytes', 'atLeastMaxBatchBytes']],
  );
});

test('cluster: the lease timings default to LEASE_DEFAULTS, come from the file or SECLOG_CLUSTER_*, and a slow renewal is refused', () => {
  assert.deepEqual(load().cluster, LEASE_DEFAULTS);
  const c = load({ file: yaml('cluster:\n  ttlMs: 10000\n  renewMs: 2000\n'), env: { SECLOG_CLUSTER_TRY_MS: '250' } });
  assert.deepEqual(c.cluster, { ...LEASE_DEFAULTS, ttlMs: 10_000, renewMs: 2000, tryMs: 250 });
  const err = rejects({ env: { SECLOG_CLUSTER_TTL_MS: '3000', SECLOG_CLUSTER_RENEW_MS: '2000' } }, 'CONFIG_INVALID');
  assert.deepEqual(
    errorsOf(err).map((e) => [e.key, e.rule]),
    [['cluster.renewMs', 'atMostHalfTtl']],
  );
  assert.match(err.message, /cluster\.renewMs.*half of cluster\.ttlMs \(1500\)/);
  assert.deepEqual(
    errorsOf(rejects({ flags: { cluster: { ttlMs: 400, renewMs: 100 } } }, 'CONFIG_INVALID')).map((e) => e.key),
    ['cluster.ttlMs'],
  );
});

const fileErrors: { name: string; text: string; want: RegExp }[] = [
  { name: 'bad indentation', text: 'http:\n  port: 1\n port: 2\n', want: /:3:\d+: / },
  { name: 'unclosed quote', text: 'dataDir: "abc\nlogLevel: info\n', want: /:\d+:\d+: / },
  { name: 'duplicate key', text: 'logLevel: info\nlogLevel: debug\n', want: /:2:1: .*[Uu]nique/ },
];
for (const c of fileErrors) {
  test(`YAML error names the line: ${c.name}`, () => {
    const err = rejects({ file: yaml(c.text) }, 'CONFIG_FILE_INVALID');
    assert.match(err.message, c.want);
    assert.equal(typeof (err.details.errors as { line: number }[])[0]?.line, 'number');
  });
}

test('a missing explicit file and a non-mapping file are CONFIG_FILE_INVALID', () => {
  rejects({ file: join(dir, 'absent.yaml') }, 'CONFIG_FILE_INVALID');
  rejects({ file: yaml('- a\n- b\n') }, 'CONFIG_FILE_INVALID');
  assert.equal(load({ file: yaml('# only a comment\n') }).http.port, 8080);
});

test('a non-loopback http.host without TLS is refused, naming the key and the flag', () => {
  const err = rejects({ env: { SECLOG_HTTP_HOST: '0.0.0.0' } }, 'CONFIG_INSECURE_BIND');
  assert.match(err.message, /http\.host: loopbackOrTls \(got "0\.0\.0\.0"\)/);
  assert.match(err.message, /http\.insecureBind: true \(SECLOG_HTTP_INSECURE_BIND=true\)/);
  assert.equal(load({ env: { SECLOG_HTTP_HOST: '0.0.0.0', SECLOG_HTTP_INSECURE_BIND: 'true' } }).http.host, '0.0.0.0');
});

test('a non-loopback syslog.host with plain TCP/UDP is refused unless forced or TLS-only', () => {
  const err = rejects({ flags: { syslog: { host: '192.0.2.10' } } }, 'CONFIG_INSECURE_BIND');
  assert.match(err.message, /syslog\.host: loopbackOrTls .*syslog\.insecureBind: true/);
  assert.equal(load({ flags: { syslog: { host: '192.0.2.10', insecureBind: true } } }).syslog.host, '192.0.2.10');
  assert.equal(load({ flags: { syslog: { host: '::', tcpEnabled: false, udpEnabled: false } } }).syslog.host, '::');
});

for (const host of ['::1', '[::1]', 'localhost', '127.0.0.2']) {
  test(`loopback ${host} needs no TLS`, () => assert.equal(load({ flags: { http: { host }, syslog: { host } } }).http.host, host));
}

test('TLS: existing files make a public bind safe; a missing file is CONFIG_TLS_FILE naming the key', () => {
  const cert = yaml('cert');
  const key = yaml('key');
  const ok = load({ flags: { http: { host: '0.0.0.0', tls: { certFile: cert, keyFile: key } } } });
  assert.equal(ok.http.tls?.certFile, cert);
  const err = rejects({ flags: { http: { tls: { certFile: cert, keyFile: join(dir, 'nope.pem'), caFile: dir } } } }, 'CONFIG_TLS_FILE');
  assert.deepEqual(
    errorsOf(err).map((e) => e.key),
    ['http.tls.keyFile', 'http.tls.caFile'],
  );
  assert.match(err.message, /http\.tls\.keyFile: exists \(got ".*nope\.pem"\) — no such file/);
  assert.match(err.message, /http\.tls\.caFile: exists .*not a regular file/);
});

test('schema errors and unsafe binds are reported together under CONFIG_INVALID', () => {
  const err = rejects({ flags: { http: { host: '0.0.0.0', port: -1 } } }, 'CONFIG_INVALID');
  assert.deepEqual(
    errorsOf(err)
      .map((e) => e.key)
      .sort(),
    ['http.host', 'http.port'],
  );
});

test('the result is deeply frozen', () => {
  const c = load({ flags: { http: { tls: { certFile: yaml('c'), keyFile: yaml('k') } } } });
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.http) && Object.isFrozen(c.http.tls) && Object.isFrozen(c.ingest));
  assert.throws(() => {
    (c.http as { port: number }).port = 1;
  }, TypeError);
  assert.equal(load().http.port, 8080, 'defaults object untouched');
});
