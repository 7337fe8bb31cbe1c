/**
 * The stream `npm run bench -- detect` feeds the engine: 1,000 devices,
 * ~2,000 events per second of event time, mostly benign (seals, syslog
 * passthrough, logins and logouts, sessions, log reads, network noise,
 * harmless configuration changes, the odd failed login, denial or TLS
 * failure), with an attack burst every 2,000 events (brute force then a
 * successful login, password spraying, a burst of denials or of TLS
 * failures, a crash loop, a clock jump with log loss). 1 % of the records
 * are stamped up to 2 s before their neighbours (out of order). Records are
 * JSON round-tripped, as the collector parses them, and deterministic.
 */
import type { Attrs, DeviceRef, SecurityEvent, Severity } from '@seclog/core';
import { validateEvent } from '@seclog/core';
import { formatUs } from '@seclog/detect';

export const T0_US = Date.UTC(2026, 2, 2, 8) * 1000;
const DEVICES = 1000;
const EVENTS_PER_SECOND = 2000;
const ATTACK_EVERY = 2000;
const HASH = '5b0c7e4d9a102b3c4d5e6f700193a1f25b0c7e4d9a102b3c4d5e6f700193a1f2';

export interface StreamItem {
  readonly event: SecurityEvent;
  readonly receiveUs: number;
}

type Draft = Pick<SecurityEvent, 'name' | 'severity' | 'outcome' | 'device' | 'actor' | 'target' | 'attrs' | 'message'>;

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidV7(ms: number, n: number): string {
  const t = ms.toString(16).padStart(12, '0');
  const c = n.toString(16).padStart(15, '0');
  return `${t.slice(0, 8)}-${t.slice(8)}-7${c.slice(0, 3)}-8${c.slice(3, 6)}-${c.slice(6)}000`;
}

function draft(name: string, severity: Severity, device: DeviceRef, attrs: Attrs, more: Partial<Draft> = {}): Draft {
  const outcome = severity === 'info' ? 'success' : 'failure';
  return { name, severity, outcome, device, attrs, ...more };
}

export function buildStream(n: number): { items: StreamItem[]; bursts: number } {
  const rnd = prng(7);
  const int = (k: number) => Math.floor(rnd() * k);
  const seqs = new Map<string, number>();
  const items: StreamItem[] = [];
  const push = (d: Draft, at: number) => {
    const seq = (seqs.get(d.device.id) ?? 0) + 1;
    seqs.set(d.device.id, seq);
    const stamped = rnd() < 0.01 ? at - int(2_000_000) : at;
    const event = {
      v: 1,
      id: uuidV7(Math.floor(at / 1000), items.length),
      time: formatUs(stamped),
      ...d,
      stream: `s-${d.device.id}`,
      seq,
      boot: 'b1',
      mono_ms: Math.floor((at - T0_US) / 1000) + 5000,
      prev: HASH,
      tq: { synced: true, source: 'ntp', accuracy_ms: 12 },
    };
    items.push({ event: JSON.parse(JSON.stringify(event)) as SecurityEvent, receiveUs: at + 50_000 });
  };
  const dev = (): DeviceRef => ({ id: `dev-${int(DEVICES)}`, fw: '2.4.1', model: 'cam-x' });
  const user = () => ['admin', 'operator', 'maintainer', 'viewer', `svc-${int(20)}`][int(5)]!;
  const ip = () => `10.${int(4)}.${int(256)}.${1 + int(250)}`;
  const seal = { epoch: 7, first_seq: 1, last_seq: 60, chain_head: HASH, prev_seal_tag: HASH, oldest_retained_seq: 1 };
  const window = { epoch_start: '2026-03-02T08:00:00.000000Z', epoch_end: '2026-03-02T08:01:00.000000Z', tag: HASH };
  const benign: [weight: number, make: () => Draft][] = [
    [20, () => draft('log_seal', 'info', dev(), { ...seal, ...window })],
    [
      18,
      () => {
        const d = dev();
        const message = `sshd[${int(9000)}]: Accepted publickey for backup from 10.0.0.${int(250)} port 52144 ssh2`;
        return draft('passthrough', 'info', d, { format: 'rfc5424', app: 'sshd', host: d.id }, { outcome: 'unknown', message });
      },
    ],
    [
      10,
      () => draft('authn_login_success', 'info', dev(), { method: 'password', interface: 'web' }, { actor: { user: user(), ip: ip() } }),
    ],
    [8, () => draft('authn_logout', 'info', dev(), {}, { actor: { user: user() } })],
    [8, () => draft('session_start', 'info', dev(), { source: 'web' }, { actor: { user: user(), ip: ip() } })],
    [8, () => draft('session_end', 'info', dev(), { source: 'web', reason: 'logout' }, { actor: { user: user() } })],
    [6, () => draft('log_access', 'info', dev(), { action: 'query' }, { actor: { user: user() } })],
    [5, () => draft('net_conn_fail', 'low', dev(), { peer: 'mqtt.example.net', reason: 'timeout' })],
    [
      4,
      () =>
        draft(
          'config_change',
          'info',
          dev(),
          { category: 'other' },
          { actor: { user: user() }, target: { setting: 'display.brightness' } },
        ),
    ],
    [
      3,
      () =>
        draft('authn_login_fail', 'medium', dev(), { method: 'password', reason: 'bad_password' }, { actor: { user: user(), ip: ip() } }),
    ],
    [3, () => draft('authz_fail', 'medium', dev(), { action: 'read' }, { actor: { user: user() }, target: { resource: '/admin' } })],
    [2, () => draft('tls_fail', 'medium', dev(), { peer: 'api.example.net', reason: 'expired' })],
    [2, () => draft('time_sync', 'info', dev(), { state: 'regained', source: 'ntp' })],
    [2, () => draft('fw_update_end', 'info', dev(), { result: 'success', from_version: '2.4.0', to_version: '2.4.1' })],
    [1, () => draft('sys_startup', 'info', dev(), { reason: 'power_on' })],
  ];
  const total = benign.reduce((s, [w]) => s + w, 0);
  const benignDraft = (): Draft => {
    let r = rnd() * total;
    for (const [w, make] of benign) {
      r -= w;
      if (r < 0) return make();
    }
    return benign[0]![1]();
  };
  const fail = { method: 'password', reason: 'bad_password' };
  const attacks: ((at: number) => void)[] = [
    (at) => {
      const d = dev();
      const actor = { user: 'admin', ip: `203.0.113.${int(250)}` };
      for (let i = 0; i < 15; i++) push(draft('authn_login_fail', 'medium', d, fail, { actor }), at + i * 500_000);
      push(draft('authn_login_success', 'info', d, { method: 'password' }, { actor }), at + 8_000_000);
    },
    (at) => {
      const d = dev();
      const src = `198.51.100.${int(250)}`;
      for (let i = 0; i < 6; i++)
        push(draft('authn_login_fail', 'medium', d, fail, { actor: { user: `user${i}`, ip: src } }), at + i * 1_000_000);
    },
    (at) => {
      const d = dev();
      for (let i = 0; i < 12; i++)
        push(
          draft('authz_fail', 'medium', d, { action: 'write' }, { actor: { user: 'viewer' }, target: { resource: `/cfg/${i}` } }),
          at + i * 200_000,
        );
    },
    (at) => {
      const d = dev();
      for (let i = 0; i < 12; i++)
        push(draft('tls_fail', 'medium', d, { peer: 'mqtt.example.net', reason: 'unknown_ca' }), at + i * 300_000);
    },
    (at) => {
      const d = dev();
      for (let i = 0; i < 4; i++) push(draft('sys_crash', 'high', d, { component: 'rtsp' }), at + i * 1_000_000);
    },
    (at) => {
      const jump = { old_time: window.epoch_end, new_time: window.epoch_start, delta_ms: -3_600_000, source: 'manual' };
      push(draft('time_change', 'medium', dev(), jump, { outcome: 'success' }), at);
      push(draft('log_dropped', 'high', dev(), { from_seq: 1, to_seq: 10, count: 10, reason: 'overwritten' }), at);
    },
  ];
  let bursts = 0;
  let t = T0_US;
  while (items.length < n) {
    if (items.length > 0 && items.length % ATTACK_EVERY === 0) attacks[bursts++ % attacks.length]!(t);
    push(benignDraft(), t);
    t += 1_000_000 / EVENTS_PER_SECOND;
  }
  items.length = n;
  for (const it of items.slice(0, 5000)) {
    const issues = validateEvent(it.event, { chained: true });
    if (issues.length > 0) throw new Error(`bench event ${it.event.name} is invalid: ${JSON.stringify(issues)}`);
  }
  return { items, bursts };
}
