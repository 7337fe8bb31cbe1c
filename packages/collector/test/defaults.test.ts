import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COLLECTOR_DEFAULTS, isLoopbackHost } from '../src/index.js';

test('defaults bind loopback only', () => {
  assert.equal(COLLECTOR_DEFAULTS.http.host, '127.0.0.1');
  assert.equal(COLLECTOR_DEFAULTS.http.port, 8080);
  assert.ok(isLoopbackHost(COLLECTOR_DEFAULTS.http.host));
  assert.ok(isLoopbackHost(COLLECTOR_DEFAULTS.syslog.host));
});

test('loopback detection', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['0.0.0.0', '::', '192.0.2.1', '10.0.0.1', 'example.org', '128.0.0.1']) assert.ok(!isLoopbackHost(h), h);
});
