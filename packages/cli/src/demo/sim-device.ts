/**
 * One simulated device: the real SecurityLogger (@seclog/agent) on its own
 * ring file in the demo directory, shipping over HTTP to the demo's
 * collector through a NetworkLink the demo can cut. The simulation is only
 * in what the "product" calls and in the cable; the logging is the SDK's.
 */
import { join } from 'node:path';
import { type LoggerConfig, type LoggerTimeOptions, type Receipt, SecurityLogger, type ShipReport } from '@seclog/agent';
import type { DeviceFile } from '@seclog/collector';
import { NetworkLink } from './network-link.js';

export interface DeviceSpec {
  readonly id: string;
  readonly profile: 'low' | 'high';
  readonly model: string;
  readonly fw: string;
  /** Ring size in bytes: small enough that 8 devices do not write 128 MiB of zeros at start. */
  readonly ringBytes: number;
}

export interface SimDeviceOptions {
  readonly spec: DeviceSpec;
  readonly file: DeviceFile;
  readonly fleetDir: string;
  /** Low profile: the upload period (the profile's hour is too long to watch). */
  readonly uploadIntervalMs: number;
  /** The demo's SNTP server and poll settings. */
  readonly time: LoggerTimeOptions;
  readonly onReport: (device: string, report: ShipReport) => void;
}

/** Internal addresses of the fleet's operators, and the accounts they use. */
const OPERATORS = ['operator', 'maint', 'svc-backup', 'installer'] as const;

export class SimDevice {
  readonly spec: DeviceSpec;
  readonly link: NetworkLink;
  readonly ringPath: string;
  readonly #file: DeviceFile;
  readonly #opts: SimDeviceOptions;
  #log: SecurityLogger | undefined;
  /** Added to the wall clock the logger reads: a clock set wrong. */
  #clockOffsetMs = 0;
  #traffic: NodeJS.Timeout | undefined;
  #n = 0;
  #sessions = 0;
  /** Patch level of the application bundle the everyday updates move forward. */
  #bundle = 4;

  constructor(opts: SimDeviceOptions) {
    this.spec = opts.spec;
    this.#file = opts.file;
    this.#opts = opts;
    this.link = new NetworkLink(opts.file.collector);
    this.ringPath = join(opts.fleetDir, `${opts.spec.id}.ring`);
  }

  get id(): string {
    return this.spec.id;
  }

  get running(): boolean {
    return this.#log !== undefined;
  }

  /** The logger; throws when the device is off. */
  get log(): SecurityLogger {
    if (this.#log === undefined) throw new Error(`${this.id} is off`);
    return this.#log;
  }

  /** Power on: open (or reopen) the logger on the ring, which resumes the stream and ships what it holds. */
  async start(): Promise<void> {
    if (this.#log !== undefined) return;
    const config: LoggerConfig = {
      ...this.#file,
      store: { path: this.ringPath, capacity: this.spec.ringBytes },
      fw: this.spec.fw,
      model: this.spec.model,
      now: () => Date.now() + this.#clockOffsetMs,
      time: this.#opts.time,
      // Retries every few seconds at most, so a restored link is used soon.
      ship: { transport: this.link.transport(), backoff: { baseMs: 200, maxMs: 2_000 } },
      ...(this.spec.profile === 'low' ? { overrides: { uploadIntervalMs: this.#opts.uploadIntervalMs } } : {}),
      onReport: (r) => this.#opts.onReport(this.id, r),
    };
    this.#log = await SecurityLogger.open(config);
  }

  /** Power off: the logger seals the open epoch (and erases its key) and closes the ring. */
  async stop(): Promise<void> {
    this.stopTraffic();
    const log = this.#log;
    this.#log = undefined;
    await log?.close({ graceMs: 1_000 });
  }

  /** Set the device's wall clock `deltaMs` away from where it is; the agent's clock watch sees the step. */
  stepClock(deltaMs: number): void {
    this.#clockOffsetMs += deltaMs;
  }

  /** Everyday use at about one event per `meanMs` (uniform 0.5–1.5×). */
  startTraffic(meanMs: number, random: () => number): void {
    this.stopTraffic();
    const next = (): void => {
      this.#traffic = setTimeout(
        () => {
          if (this.#log === undefined) return;
          this.everydayEvent(random).catch(() => undefined);
          next();
        },
        meanMs * (0.5 + random()),
      );
      this.#traffic.unref();
    };
    next();
  }

  stopTraffic(): void {
    clearTimeout(this.#traffic);
    this.#traffic = undefined;
  }

  /** One event of normal operation: logins and sessions mostly, sometimes a setting, a denial, a rotation, an update. */
  everydayEvent(random: () => number): Promise<Receipt> {
    const log = this.log;
    const n = this.#n++;
    const user = OPERATORS[Math.floor(random() * OPERATORS.length)] as string;
    const sourceIp = `10.20.${1 + Math.floor(random() * 8)}.${10 + Math.floor(random() * 200)}`;
    const r = random();
    if (r < 0.22) return log.loginSucceeded({ user, sourceIp, method: random() < 0.5 ? 'password' : 'publickey', interface: 'ssh' });
    if (r < 0.38) {
      this.#sessions++;
      return log.sessionStarted({ user, sourceIp, source: 'web', role: user === 'operator' ? 'admin' : 'viewer', idleTimeoutSeconds: 900 });
    }
    if (r < 0.52 && this.#sessions > 0) {
      this.#sessions--;
      return log.sessionEnded({ user, source: 'web', reason: random() < 0.7 ? 'logout' : 'idle_timeout', durationSeconds: 60 + n });
    }
    if (r < 0.6) return log.loggedOut({ user, interface: 'ssh' });
    if (r < 0.66) return log.loginFailed({ user, sourceIp, method: 'password', reason: 'bad_password', interface: 'web' });
    if (r < 0.76) {
      const settings = [
        { category: 'network', setting: 'net.dns.servers', oldValue: '10.20.0.2', newValue: '10.20.0.3' },
        { category: 'service', setting: 'svc.telemetry.interval_s', oldValue: '60', newValue: '30' },
        { category: 'time', setting: 'time.timezone', oldValue: 'UTC', newValue: 'Europe/Berlin' },
      ] as const;
      const s = settings[n % settings.length] as (typeof settings)[number];
      return log.configChanged({ user, sourceIp, ...s, interface: 'web' });
    }
    // time_sync records come from the agent's own SNTP client (demo-ntp.ts), not from here.
    if (r < 0.86) return log.loginSucceeded({ user, sourceIp, method: 'publickey', interface: 'ssh' });
    if (r < 0.92) return log.accessDenied({ user: 'viewer', sourceIp, resource: '/api/config/firewall', action: 'write', role: 'viewer' });
    if (r < 0.96)
      return log.credentialChanged({ credentialType: 'certificate', action: 'rotated', reason: 'scheduled', resource: 'tls:device-cert' });
    if (r < 0.98) return this.#bundleUpdate();
    return log.bootVerified({ stage: 'runtime', component: 'app-bundle', result: 'pass', version: `1.3.${this.#bundle}` });
  }

  /** A routine, correctly signed update of the application bundle (the firmware stays): start, then success. */
  async #bundleUpdate(): Promise<Receipt> {
    const log = this.log;
    const from = `1.3.${this.#bundle}`;
    const to = `1.3.${++this.#bundle}`;
    const jobId = `${this.id}-bundle-${this.#bundle}`;
    await log.firmwareUpdateStarted({
      component: 'app-bundle',
      fromVersion: from,
      toVersion: to,
      source: 'https://updates.example.net',
      jobId,
    });
    return log.firmwareUpdateFinished({
      component: 'app-bundle',
      result: 'success',
      fromVersion: from,
      toVersion: to,
      signatureValid: true,
      jobId,
    });
  }
}
