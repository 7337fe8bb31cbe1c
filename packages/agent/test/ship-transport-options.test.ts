/** The settings of the mqtt and syslog-tls transports, checked with the other shipper options. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeclogError } from '@seclog/core';
import { MemoryShipSource, Shipper, type ShipperOptions } from '../src/index.js';
import { REALTIME } from './ship-setup.js';

const base: ShipperOptions = { url: 'http://127.0.0.1:1', device: 'd', token: 't', source: new MemoryShipSource('s'), profile: REALTIME };

const bad: { name: string; o: Partial<ShipperOptions>; key: string }[] = [
  { name: 'an unknown transport', o: { transport: 'carrier-pigeon' as 'mqtt' }, key: "transport: must be 'http'" },
  { name: 'mqtt without settings', o: { transport: 'mqtt' }, key: 'needs mqtt: { url' },
  {
    name: 'mqtt with an http url',
    o: { transport: 'mqtt', mqtt: { url: 'http://127.0.0.1:1883' } },
    key: 'mqtt.url: must be mqtt: or mqtts:',
  },
  { name: 'plain mqtt to a remote broker', o: { transport: 'mqtt', mqtt: { url: 'mqtt://broker.example.com' } }, key: 'in clear' },
  { name: 'a CA over plain mqtt', o: { transport: 'mqtt', mqtt: { url: 'mqtt://127.0.0.1', ca: 'x' } }, key: 'need an mqtts url' },
  { name: 'a cert without its key', o: { transport: 'mqtt', mqtt: { url: 'mqtts://b.example.com', cert: 'x' } }, key: 'cert and key' },
  {
    name: 'a device id that is not one topic level',
    o: { device: 'site/7', transport: 'mqtt', mqtt: { url: 'mqtt://127.0.0.1' } },
    key: 'cannot be one MQTT topic level',
  },
  { name: 'syslog-tls without settings', o: { transport: 'syslog-tls' }, key: 'needs syslogTls: { host' },
  { name: 'syslog-tls with a bad port', o: { transport: 'syslog-tls', syslogTls: { host: 'c', port: 70_000 } }, key: 'syslogTls.port' },
];
for (const c of bad) {
  test(`transport options refused: ${c.name}`, () => {
    assert.throws(
      () => new Shipper({ ...base, ...c.o }),
      (e) => isSeclogError(e, 'AGENT_SHIP_OPTIONS_INVALID') && (e as Error).message.includes(c.key),
    );
  });
}

test('transport options accepted; the collector URL is not checked for clear text when it carries nothing', () => {
  for (const o of [
    { transport: 'mqtt', mqtt: { url: 'mqtt://127.0.0.1:1883' } },
    { transport: 'mqtt', mqtt: { url: 'mqtts://broker.example.com', ca: 'pem', cert: 'c', key: 'k' } },
    { transport: 'mqtt', mqtt: { url: 'mqtt://broker.example.com', insecure: true } },
    { url: 'http://collector.example.com', transport: 'mqtt', mqtt: { url: 'mqtt://[::1]:1883' } },
    { url: 'http://collector.example.com', transport: 'syslog-tls', syslogTls: { host: 'collector.example.com' } },
  ] as Partial<ShipperOptions>[]) {
    const s = new Shipper({ ...base, ...o });
    void s.close();
  }
});
