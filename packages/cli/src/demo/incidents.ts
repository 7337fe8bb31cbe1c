/**
 * The scripted incidents of the demo, each on one device at a fixed offset
 * of the timeline (seconds at normal speed; `--fast` divides them by ten).
 * What the demo does is the attack or the fault; what it prints as evidence
 * is read back from the collector's store: alerts (printed as they are
 * stored), `log_dropped` from the device, `log_integrity_fail` from the
 * collector's own checks.
 */
import type { Store } from '@seclog/collector';
import { rewriteRing } from './ring-rewrite.js';
import type { SimDevice } from './sim-device.js';

export interface DemoContext {
  readonly store: Store;
  /** Print a timeline line about `who`. */
  say(who: string, text: string): void;
  /** Sleep `ms` of the normal-speed timeline (scaled by --fast, never below `minMs`); rejects when the demo stops. */
  wait(ms: number, minMs?: number): Promise<void>;
  /** Poll `fn` until it gives a value (real time, at most `timeoutMs`); undefined on timeout. */
  waitFor<T>(fn: () => T | undefined, timeoutMs: number): Promise<T | undefined>;
}

export interface Incident {
  /** Start, seconds into the timeline at normal speed. */
  readonly at: number;
  readonly device: string;
  readonly title: string;
  run(ctx: DemoContext, dev: SimDevice): Promise<void>;
}

const BRUTE_IP = '203.0.113.77';
const SPRAY_IP = '198.51.100.23';
const INTRUDER_IP = '203.0.113.66';
/** Same length as INTRUDER_IP: the attacker's rewrite must not move any frame of the ring. */
const COVER_IP = '10.20.13.117';
const HOUR_MS = 3_600_000;

interface DroppedAttrs {
  from_seq: number;
  to_seq: number;
  count: number;
  reason: string;
}

/** The device's log_dropped records as the collector stored them. */
export function storedDrops(store: Store, device: string): DroppedAttrs[] {
  return store
    .queryEvents({ device, name: 'log_dropped', limit: 1000 })
    .events.map((e) => (JSON.parse(e.canonical) as { attrs: DroppedAttrs }).attrs);
}

/** The collector's own log_integrity_fail records about `device`. */
export function integrityFailures(store: Store, device: string): { kind: string; seq: number; message: string }[] {
  return store
    .queryEvents({ device: 'collector', name: 'log_integrity_fail', limit: 1000 })
    .events.map((e) => JSON.parse(e.canonical) as { attrs: { kind: string; seq: number; device_id: string }; message: string })
    .filter((r) => r.attrs.device_id === device)
    .map((r) => ({ kind: r.attrs.kind, seq: r.attrs.seq, message: r.message }));
}

export const INCIDENTS: readonly Incident[] = [
  {
    at: 10,
    device: 'gw-1',
    title: 'password spraying',
    async run(ctx, dev) {
      const users = ['admin', 'root', 'support', 'guest', 'service', 'operator'];
      ctx.say(dev.id, `password spraying: one try each for ${users.length} accounts from ${SPRAY_IP}`);
      for (const user of users) {
        await dev.log.loginFailed({ user, sourceIp: SPRAY_IP, method: 'password', reason: 'bad_password', interface: 'ssh' });
        await ctx.wait(2_000);
      }
    },
  },
  {
    at: 18,
    device: 'bulb-1',
    title: 'ring overflow while offline',
    async run(ctx, dev) {
      dev.link.down();
      ctx.say(dev.id, `uplink lost; the device keeps logging into its ${dev.spec.ringBytes / 1024} KiB ring`);
      await ctx.wait(30_000);
      // A flapping Wi-Fi client: far more records than the ring holds while nothing can be shipped.
      const before = dev.log.status().lastSeq;
      for (let i = 0; i < 150; i++) {
        await dev.log.sessionStarted({ user: 'app', source: 'wifi', role: 'viewer' });
        await dev.log.sessionEnded({ user: 'app', source: 'wifi', reason: 'connection_lost', durationSeconds: 1 });
      }
      const s = dev.log.status();
      ctx.say(dev.id, `logged ${s.lastSeq - before} records offline; the ring holds seqs ${s.ring?.oldestSeq}–${s.lastSeq}`);
      await ctx.wait(15_000);
      dev.link.restore();
      ctx.say(dev.id, 'uplink back; uploading the ring');
      await dev.log.flush({ timeoutMs: 30_000 });
      const drops = await ctx.waitFor(() => {
        const d = storedDrops(ctx.store, dev.id).filter((x) => x.reason === 'overwritten');
        return d.length > 0 ? d : undefined;
      }, 10_000);
      if (drops === undefined) ctx.say(dev.id, 'the collector has no log_dropped record yet');
      else {
        const total = drops.reduce((n, d) => n + d.count, 0);
        const ranges = drops
          .map((d) => `${d.from_seq}–${d.to_seq}`)
          .reverse()
          .join(', ');
        ctx.say('collector', `stored log_dropped from ${dev.id}: ${total} records overwritten before upload (seqs ${ranges})`);
      }
    },
  },
  {
    at: 25,
    device: 'cam-1',
    title: 'brute force, then a successful login',
    async run(ctx, dev) {
      ctx.say(dev.id, `brute force: 14 failed logins for admin from ${BRUTE_IP}`);
      for (let i = 0; i < 14; i++) {
        await dev.log.loginFailed({ user: 'admin', sourceIp: BRUTE_IP, method: 'password', reason: 'bad_password', interface: 'web' });
        await ctx.wait(1_000);
      }
      await ctx.wait(8_000);
      ctx.say(dev.id, `successful login as admin from ${BRUTE_IP}: the guess worked`);
      await dev.log.loginSucceeded({ user: 'admin', sourceIp: BRUTE_IP, method: 'password', interface: 'web' });
    },
  },
  {
    at: 40,
    device: 'cam-2',
    title: 'firmware update with an invalid signature',
    async run(ctx, dev) {
      const image = 'a3f1c2d4e5b6a7980123456789abcdef0123456789abcdef0123456789abcdef';
      ctx.say(dev.id, 'firmware update 2.4.1 -> 2.5.0 from an unofficial mirror');
      await dev.log.firmwareUpdateStarted({
        fromVersion: '2.4.1',
        toVersion: '2.5.0',
        source: 'http://mirror.example.org/ipcam-x2-2.5.0.bin',
        imageSha256: image,
        sizeBytes: 18_874_368,
        jobId: 'upd-7731',
      });
      await ctx.wait(3_000);
      ctx.say(dev.id, 'image signature does not verify: update rejected');
      await dev.log.firmwareUpdateFinished({
        result: 'rejected',
        fromVersion: '2.4.1',
        toVersion: '2.5.0',
        imageSha256: image,
        signatureValid: false,
        reason: 'signature_invalid',
        jobId: 'upd-7731',
      });
    },
  },
  {
    at: 55,
    device: 'plc-1',
    title: 'clock set back by an hour',
    async run(ctx, dev) {
      ctx.say(dev.id, 'someone sets the wall clock back by one hour');
      dev.stepClock(-HOUR_MS);
      // The agent compares the wall clock with the monotonic one every second.
      await ctx.wait(20_000, 2_500);
      ctx.say(dev.id, 'NTP steps the clock forward again');
      dev.stepClock(HOUR_MS);
    },
  },
  {
    at: 62,
    device: 'gw-2',
    title: 'intrusion, then a rewrite of the ring',
    async run(ctx, dev) {
      dev.link.down();
      ctx.say(dev.id, `uplink cut; an intruder logs in as support from ${INTRUDER_IP} and opens SSH on the WAN`);
      await dev.log.loginSucceeded({ user: 'support', sourceIp: INTRUDER_IP, method: 'password', interface: 'ssh' });
      await dev.log.configChanged({
        user: 'support',
        sourceIp: INTRUDER_IP,
        category: 'firewall',
        setting: 'fw.wan.ssh',
        oldValue: 'closed',
        newValue: 'open',
        interface: 'ssh',
      });
      await ctx.wait(5_000);
      ctx.say(dev.id, 'the intruder reboots the device (the logger seals the epoch and erases its key)');
      await dev.stop();
      const r = rewriteRing(dev.ringPath, (rec) =>
        (rec.actor as { ip?: string } | undefined)?.ip === INTRUDER_IP ? { field: 'ip', to: COVER_IP } : undefined,
      );
      ctx.say(
        dev.id,
        `the intruder rewrites the ring: ${r.edited} records from seq ${r.seq} now say ${r.field} ${r.to}; ` +
          `${r.rechained} records re-chained, seals ${r.resealed.join(', ')} re-signed with the current key (epoch ${r.keyEpoch})`,
      );
      await ctx.wait(5_000);
      dev.link.restore();
      await dev.start();
      ctx.say(dev.id, 'boots again, uplink back; the ring ships to the collector');
      await dev.log.flush({ timeoutMs: 30_000 });
      const found = await ctx.waitFor(() => {
        const f = integrityFailures(ctx.store, dev.id);
        return f.length > 0 ? f : undefined;
      }, 10_000);
      if (found === undefined) ctx.say('collector', `no log_integrity_fail for ${dev.id} yet`);
      else for (const f of found) ctx.say('collector', `log_integrity_fail ${f.kind}: ${f.message}`);
    },
  },
  {
    at: 90,
    device: 'cam-3',
    title: 'device goes silent',
    async run(ctx, dev) {
      dev.link.down();
      ctx.say(dev.id, 'goes silent (cable cut); "Device gone silent" fires 10 minutes after its last seal');
    },
  },
];

/** Seconds into the normal-speed timeline when the last incident starts. */
export const TIMELINE_SECONDS = Math.max(...INCIDENTS.map((i) => i.at));
