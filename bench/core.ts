/**
 * `npm run bench -- core`: the event model's hot paths — RFC 5424 parsing,
 * canonical JSON (what the chain hashes) and validation (what every edge runs).
 */
import {
  type CatalogueEntry,
  canonicalize,
  createSyslogFrameDecoder,
  encodeEventSyslog,
  frameOctetCounted,
  getCatalogueEntry,
  parseRfc5424,
  type SecurityEvent,
  validateEvent,
} from '@seclog/core';
import { type Figure, measureRate, report } from './harness.js';

/** ~300 B records like a device sends: the login-failure example with chain fields. */
function sampleEvents(n: number): SecurityEvent[] {
  const entry = getCatalogueEntry('authn_login_fail') as CatalogueEntry;
  return Array.from({ length: n }, (_, i) => ({
    v: 1,
    id: `019ac5e2-7b10-7c3a-9d41-${i.toString(16).padStart(12, '0')}`,
    name: entry.name,
    time: `2026-11-27T13:33:${String(i % 60).padStart(2, '0')}.123456Z`,
    severity: 'medium',
    outcome: 'failure',
    device: { id: `cam-${i % 1000}`, fw: '2.4.1' },
    actor: { user: `user${i % 97}`, ip: `203.0.113.${i % 250}`, port: 40000 + (i % 20000) },
    attrs: { method: 'password', reason: 'bad_password', interface: 'web' },
    stream: 's1',
    seq: i + 1,
    boot: 'b7e1c2',
    mono_ms: 1000 + i,
    prev: 'a3f1c9e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8',
    tq: { synced: true, source: 'ntp', accuracy_ms: 12 },
  }));
}

/** Foreign RFC 5424 messages of ~300 B, as rsyslog forwards them. */
function sampleSyslog(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) =>
    new TextEncoder().encode(
      `<38>1 2026-11-27T10:15:02.${String(i % 1_000_000).padStart(6, '0')}+01:00 gw-${i % 100} sshd ${800 + (i % 50)} - [origin ip="192.0.2.${i % 250}" software="OpenSSH"][meta sequenceId="${i + 1}"] Failed password for root from 203.0.113.${i % 250} port ${40000 + i} ssh2 after ${i % 7} attempts; session=${i.toString(36)} ` +
        'x'.repeat(60),
    ),
  );
}

export async function run(): Promise<void> {
  const events = sampleEvents(1000);
  const syslog = sampleSyslog(1000);
  const avgSyslogBytes = syslog.reduce((n, m) => n + m.length, 0) / syslog.length;
  const avgEventBytes = events.reduce((n, e) => n + canonicalize(e).length, 0) / events.length;
  const framed = Buffer.concat(syslog.map((m) => frameOctetCounted(new TextDecoder().decode(m))));

  let i = 0;
  const parse = measureRate(
    () => {
      for (let k = 0; k < 100; k++) parseRfc5424(syslog[i++ % syslog.length] as Uint8Array);
    },
    { itemsPerCall: 100 },
  );
  const frames = measureRate(
    () => {
      const dec = createSyslogFrameDecoder({ maxFrameBytes: 65536 });
      for (const f of dec.push(framed)) parseRfc5424(f);
    },
    { itemsPerCall: syslog.length },
  );
  const jcs = measureRate(
    () => {
      for (let k = 0; k < 100; k++) canonicalize(events[i++ % events.length]);
    },
    { itemsPerCall: 100 },
  );
  // Records as devices send them: members already in canonical order (JSON.parse keeps it).
  const canonicalOrder = events.map((e) => JSON.parse(canonicalize(e)) as SecurityEvent);
  const jcsSorted = measureRate(
    () => {
      for (let k = 0; k < 100; k++) canonicalize(canonicalOrder[i++ % canonicalOrder.length]);
    },
    { itemsPerCall: 100 },
  );
  const validate = measureRate(
    () => {
      for (let k = 0; k < 100; k++)
        if (validateEvent(events[i++ % events.length], { chained: true }).length !== 0) throw new Error('invalid sample');
    },
    { itemsPerCall: 100 },
  );
  const encode = measureRate(
    () => {
      for (let k = 0; k < 100; k++) encodeEventSyslog(events[i++ % events.length] as SecurityEvent);
    },
    { itemsPerCall: 100 },
  );

  const figures: Figure[] = [
    { name: `rfc5424 parse (${Math.round(avgSyslogBytes)} B messages)`, value: parse, unit: 'msgs/s', better: 'higher' },
    { name: 'rfc5424 octet-counted stream: deframe + parse', value: frames, unit: 'msgs/s', better: 'higher' },
    { name: `jcs encode (${Math.round(avgEventBytes)} B records, members unsorted)`, value: jcs, unit: 'events/s', better: 'higher' },
    { name: 'jcs encode (members in canonical order)', value: jcsSorted, unit: 'events/s', better: 'higher' },
    { name: 'validate (chained record)', value: validate, unit: 'events/s', better: 'higher' },
    { name: 'rfc5424 encode seclog event', value: encode, unit: 'events/s', better: 'higher' },
  ];
  report('core', figures);
}
