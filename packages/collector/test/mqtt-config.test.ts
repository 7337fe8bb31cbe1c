/** The mqtt.* configuration: what loadConfig refuses, and the connect settings it turns into (password never shown). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSeclogError } from '@seclog/core';
import { loadConfig } from '../src/config/load.js';
import { mqttConnectSettings } from '../src/mqtt/mqtt-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seclog-mqtt-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'hunter2-broker-secret';
writeFileSync(join(dir, 'pw'), `${SECRET}\nignored second line\n`, { mode: 0o600 });
writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n');

const load = (mqtt: Record<string, unknown>, env: Record<string, string> = {}) =>
  loadConfig({ env, cwd: dir, flags: { dataDir: join(dir, 'data'), mqtt } });

function refused(mqtt: Record<string, unknown>, key: string, env: Record<string, string> = {}): string {
  let message = '';
  assert.throws(
    () => load(mqtt, env),
    (e) => {
      message = (e as Error).message;
      return isSeclogError(e) && message.includes(key);
    },
    `expected a refusal naming ${key}`,
  );
  return message;
}

test('off by default; enabled needs a URL, and plain MQTT off this host needs mqtt.insecure', () => {
  assert.equal(load({}).mqtt.enabled, false);
  refused({ enabled: true }, 'mqtt.url: required');
  refused({ enabled: true, url: 'http://127.0.0.1:1883' }, 'mqtt.url');
  refused({ enabled: true, url: 'mqtt://broker.example.com' }, 'mqtt.url: tlsOrInsecure');
  const withPassword = refused({ enabled: true, url: `mqtts://c:${SECRET}@broker.example.com` }, 'mqtt.url: noPassword');
  assert.ok(!withPassword.includes(SECRET), 'the password in the URL is not shown');
  assert.equal(load({ enabled: true, url: 'mqtt://broker.example.com', insecure: true }).mqtt.insecure, true);
  assert.equal(load({ enabled: true, url: 'mqtts://broker.example.com' }).mqtt.url, 'mqtts://broker.example.com');
  assert.equal(load({ enabled: true, url: 'mqtt://127.0.0.1:1883' }).mqtt.clientId, 'seclog-collector');
});

test('TLS files must exist and need mqtts; certFile goes with keyFile; one password source', () => {
  refused({ enabled: true, url: 'mqtt://127.0.0.1', tls: { caFile: 'ca.pem' } }, 'mqtt.tls: needsMqtts');
  refused({ enabled: true, url: 'mqtts://b.example.com', tls: { caFile: 'missing.pem' } }, 'mqtt.tls.caFile');
  refused({ enabled: true, url: 'mqtts://b.example.com', tls: { certFile: 'ca.pem' } }, 'mqtt.tls: certAndKey');
  refused({ enabled: true, url: 'mqtt://127.0.0.1', passwordFile: 'pw', passwordEnv: 'SECLOG_MQTT_PW' }, 'mqtt.passwordEnv: oneSource', {
    SECLOG_MQTT_PW: 'x',
  });
  refused({ enabled: true, url: 'mqtt://127.0.0.1', passwordEnv: 'SECLOG_MQTT_PW' }, 'mqtt.passwordEnv: set');
  refused({ enabled: true, url: 'mqtt://127.0.0.1', passwordFile: 'nope' }, 'mqtt.passwordFile: exists');
});

test('connect settings read the password and CA; the password appears in no error', () => {
  const c = load({
    enabled: true,
    url: 'mqtts://b.example.com:8883',
    username: 'collector',
    passwordFile: 'pw',
    tls: { caFile: 'ca.pem' },
  });
  const s = mqttConnectSettings(c.mqtt, { cwd: dir });
  assert.equal(s.password, SECRET, 'the first line of the file');
  assert.equal(s.username, 'collector');
  assert.match(s.ca!.toString(), /BEGIN CERTIFICATE/);
  assert.equal(s.url.port, '8883');
  const fromEnv = load({ enabled: true, url: 'mqtt://127.0.0.1', passwordEnv: 'SECLOG_MQTT_PW' }, { SECLOG_MQTT_PW: SECRET });
  assert.equal(mqttConnectSettings(fromEnv.mqtt, { env: { SECLOG_MQTT_PW: SECRET }, cwd: dir }).password, SECRET);
  // A refusal with the password in the environment names the variable, never its value.
  const msg = refused({ enabled: true, url: 'mqtt://broker.example.com', passwordEnv: 'SECLOG_MQTT_PW' }, 'mqtt.url', {
    SECLOG_MQTT_PW: SECRET,
  });
  assert.ok(!msg.includes(SECRET));
});
