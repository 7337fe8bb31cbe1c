import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeclogError } from '@seclog/core';
import { MemoryShipSource, normalizeFingerprint, Shipper, type ShipperOptions } from '../src/index.js';
import { tlsFailureReason } from '../src/ship/tls-pin.js';
import { REALTIME } from './ship-setup.js';

const base: ShipperOptions = { url: 'http://127.0.0.1:1', device: 'd', token: 't', source: new MemoryShipSource('s'), profile: REALTIME };

const bad: { name: string; o: Partial<ShipperOptions>; key: string }[] = [
  { name: 'plain http to a remote host', o: { url: 'http://collector.example.com' }, key: 'url: plain http' },
  { name: 'not a URL', o: { url: 'collector' }, key: 'url: not a URL' },
  { name: 'ftp', o: { url: 'ftp://127.0.0.1' }, key: 'url: must be http' },
  { name: 'pins over http', o: { tls: { certSha256: 'ab'.repeat(32) } }, key: 'tls: pins need an https url' },
  { name: 'empty token', o: { token: '' }, key: 'token' },
  { name: 'zero in flight', o: { maxInFlight: 0 }, key: 'maxInFlight' },
  { name: 'backoff max below base', o: { backoff: { baseMs: 100, maxMs: 10 } }, key: 'backoff.maxMs' },
];
for (const c of bad) {
  test(`options refused: ${c.name}`, () => {
    assert.throws(
      () => new Shipper({ ...base, ...c.o }),
      (e) => isSeclogError(e, 'AGENT_SHIP_OPTIONS_INVALID') && (e as Error).message.includes(c.key),
    );
  });
}

test('options accepted: loopback http, https with pins, http to a remote host when forced', () => {
  for (const o of [
    {},
    { url: 'http://localhost:8080' },
    { url: 'http://[::1]:8080/' },
    { url: 'https://collector.example.com', tls: { certSha256: `${'AB:'.repeat(31)}AB` } },
    { url: 'http://10.0.0.5:8080', allowInsecureHttp: true },
  ]) {
    const s = new Shipper({ ...base, ...o });
    void s.close();
  }
});

test('fingerprints: colons and case are normalised, anything else refused', () => {
  assert.equal(normalizeFingerprint(`${'AB:'.repeat(31)}AB`), 'ab'.repeat(32));
  assert.throws(
    () => normalizeFingerprint('abcd'),
    (e) => isSeclogError(e, 'AGENT_SHIP_OPTIONS_INVALID'),
  );
  assert.throws(
    () => normalizeFingerprint('zz'.repeat(32)),
    (e) => isSeclogError(e, 'AGENT_SHIP_OPTIONS_INVALID'),
  );
});

test('TLS error codes map to tls_fail reasons; other network errors are not TLS', () => {
  const table: [string, string | undefined][] = [
    ['ERR_SECLOG_CERT_PIN', 'pin_mismatch'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'unknown_ca'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'unknown_ca'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unknown_ca'],
    ['CERT_HAS_EXPIRED', 'expired_certificate'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'hostname_mismatch'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'protocol_version'],
    ['ECONNREFUSED', undefined],
    ['ETIMEDOUT', undefined],
  ];
  for (const [code, want] of table) assert.equal(tlsFailureReason(code), want, code);
});
