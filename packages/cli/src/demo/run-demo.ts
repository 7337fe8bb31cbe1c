/**
 * `seclog demo`: a collector on the embedded store in its own directory, an
 * admin account with a generated password, a fleet of simulated devices
 * running the real agent, everyday traffic and the scripted incidents of
 * incidents.ts. Runs until the signal aborts or `minutes` are up, then
 * shuts the fleet and the collector down in order (loggers first, so their
 * last seals reach the collector).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ShipReport } from '@seclog/agent';
import {
  addDevice,
  addUser,
  type Collector,
  type DashboardRoutesOptions,
  loadConfig,
  openCollector,
  type StoredAlert,
} from '@seclog/collector';
import { prepareDemoDir } from './demo-dir.js';
import { type DemoNtp, startDemoNtp } from './demo-ntp.js';
import { fleetOf } from './fleet-plan.js';
import { type DemoContext, INCIDENTS } from './incidents.js';
import { SimDevice } from './sim-device.js';

export interface DemoOptions {
  readonly dir: string;
  readonly devices: number;
  /** Stop after this many minutes; undefined: run until aborted. */
  readonly minutes: number | undefined;
  readonly port: number;
  /** Compress the timeline tenfold (tests, a quick look). */
  readonly fast: boolean;
  /** First line of `out`: the URL and credentials as JSON. */
  readonly json: boolean;
  /** One line of output, without its newline. */
  readonly out: (line: string) => void;
  readonly signal: AbortSignal;
  /** The built dashboard to serve at `/` (the CLI finds @seclog/web's); absent: the API only. */
  readonly dashboard?: DashboardRoutesOptions | undefined;
}

export interface DemoStart {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** The collector's first-run admin API token. */
  readonly token: string | undefined;
  readonly dataDir: string;
  readonly fleetDir: string;
  readonly devices: readonly { id: string; profile: string }[];
}

const ADMIN = 'admin';
/** Everyday traffic: one event per device about every 8 s (0.8 s with --fast). */
const TRAFFIC_MEAN_MS = 8_000;

/** Deterministic and seedable (mulberry32): the demo's traffic is the same every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function clock(startMs: number): string {
  const s = Math.max(0, Math.floor((Date.now() - startMs) / 1000));
  return `+${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function describeAlert(a: StoredAlert): string {
  const where = [a.device, a.groupKey].filter((x) => x !== null && x !== '').join(', ');
  return `ALERT ${a.severity} "${a.ruleTitle}"${where === '' ? '' : ` (${where})`}${a.count > 1 ? `, ${a.count} events` : ''}`;
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  const scale = opts.fast ? 0.1 : 1;
  const dir = prepareDemoDir(opts.dir);
  const startMs = Date.now();
  const say = (who: string, text: string): void => opts.out(`[${clock(startMs)}] ${who.padEnd(9)} ${text}`);
  // The demo's collector ignores seclog.yaml and SECLOG_*: it is a sandbox, whatever the shell has set up.
  const config = loadConfig({
    env: {},
    cwd: dir.path,
    flags: { dataDir: dir.collector, http: { port: opts.port }, logLevel: 'silent' },
  });
  let started = false;
  const early: string[] = [];
  const collector: Collector = await openCollector(config, {
    logger: false,
    ...(opts.dashboard === undefined ? {} : { dashboard: opts.dashboard }),
    onAlertStored: (a) => {
      const line = describeAlert(a);
      if (started) say('collector', line);
      else early.push(line);
    },
  });
  const devices: SimDevice[] = [];
  let ntp: DemoNtp | undefined;
  try {
    ntp = await startDemoNtp();
    // Two samples 200 ms apart sync a device in about a second; the poll period stays the agent's 15 min.
    const time = { servers: [ntp.address], samples: 2, sampleSpacingMs: 200, startDelayMaxMs: 300 };
    const url = await collector.listen().catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EADDRINUSE' ? new Error(`port ${opts.port} is in use: give --port N (0 picks a free one)`) : err;
    });
    const by = { user: 'seclog-demo', interface: 'cli' as const };
    const admin = await addUser(collector.data.enrol, ADMIN, 'admin', by);
    const onReport = (device: string, r: ShipReport): void => {
      if (r.kind === 'collector-unreachable') say(device, `shipping paused: ${r.message}`);
      else if (r.kind === 'collector-reachable')
        say(device, `shipping resumed after ${(r.outageMs / 1000).toFixed(1)} s (${r.failures} failed tries)`);
    };
    for (const spec of fleetOf(opts.devices)) {
      const file = addDevice(collector.data.enrol, spec.id, spec.profile, url);
      devices.push(new SimDevice({ spec, file, fleetDir: dir.fleet, uploadIntervalMs: opts.fast ? 3_000 : 30_000, time, onReport }));
    }
    const start: DemoStart = {
      url,
      user: ADMIN,
      password: admin.password as string,
      token: collector.adminToken,
      dataDir: dir.collector,
      fleetDir: dir.fleet,
      devices: devices.map((d) => ({ id: d.id, profile: d.spec.profile })),
    };
    if (opts.json) opts.out(JSON.stringify(start));
    opts.out(`seclog demo: dashboard ${url}`);
    opts.out(`  sign in as ${ADMIN} with password ${start.password} (shown once)`);
    if (start.token !== undefined) opts.out(`  admin API token: ${start.token}`);
    opts.out(
      `  data: ${dir.collector} (collector), ${dir.fleet} (device rings)${dir.replaced ? '; replaced the previous demo there' : ''}`,
    );
    opts.out(
      `  ${devices.length} devices (${devices.filter((d) => d.spec.profile === 'high').length} high, ` +
        `${devices.filter((d) => d.spec.profile === 'low').length} low profile); ` +
        `${opts.minutes === undefined ? 'Ctrl-C to stop' : `stopping after ${opts.minutes} min`}`,
    );

    const random = seeded(0x5ec106);
    for (const d of devices) await d.start();
    // Boot records after the first SNTP exchange, as a product that waits for time before serving would.
    const syncEnd = Date.now() + 10_000;
    while (devices.some((d) => !d.log.status().time.synced) && Date.now() < syncEnd) await sleep(100);
    for (const d of devices) {
      await d.log.systemStarted({ reason: 'power_on', slot: 'a', cleanShutdown: true });
      await d.log.bootVerified({ stage: 'bootloader', component: 'kernel', result: 'pass', version: d.spec.fw, enforced: true });
      d.startTraffic(TRAFFIC_MEAN_MS * scale, random);
    }
    started = true;
    for (const line of early) say('collector', line);
    say('fleet', `${devices.length} devices up, everyday traffic running`);

    const stopAt = opts.minutes === undefined ? undefined : startMs + opts.minutes * 60_000;
    const stopped = new AbortController();
    const onAbort = (): void => stopped.abort();
    // A Ctrl-C during the start-up above counts too.
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
    const minutesTimer = stopAt === undefined ? undefined : setTimeout(onAbort, Math.max(0, stopAt - Date.now()));
    const ctx: DemoContext = {
      store: collector.data.store,
      say,
      wait: (ms, minMs = 0) => sleep(Math.max(ms * scale, minMs), undefined, { signal: stopped.signal }),
      waitFor: async (fn, timeoutMs) => {
        const end = Date.now() + timeoutMs;
        for (;;) {
          const v = fn();
          if (v !== undefined || Date.now() > end || stopped.signal.aborted) return v;
          await sleep(100);
        }
      },
    };
    const byId = new Map(devices.map((d) => [d.id, d]));
    const played = INCIDENTS.map(async (inc) => {
      const dev = byId.get(inc.device);
      if (dev === undefined) return 'skipped';
      await ctx.wait(inc.at * 1000);
      await inc.run(ctx, dev);
      return 'played';
    });
    const results = await Promise.allSettled(played);
    if (!stopped.signal.aborted) {
      for (const [i, r] of results.entries()) {
        if (r.status === 'rejected') say('demo', `incident "${INCIDENTS[i]?.title}" failed: ${(r.reason as Error).message}`);
      }
      const skipped = results.filter((r) => r.status === 'fulfilled' && r.value === 'skipped').length;
      say(
        'demo',
        `timeline complete${skipped > 0 ? ` (${skipped} incidents skipped: fewer than 8 devices)` : ''}; everyday traffic goes on`,
      );
      say('demo', `try: seclog verify --data ${dir.collector}   (after the demo stops)`);
      await new Promise<void>((resolve) => {
        if (stopped.signal.aborted) resolve();
        else stopped.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    clearTimeout(minutesTimer);
    opts.signal.removeEventListener('abort', onAbort);
    say('demo', 'stopping: devices seal and ship, then the collector signs its last checkpoint');
  } finally {
    for (const d of devices) d.stopTraffic();
    await Promise.allSettled(
      devices.map(async (d) => {
        if (d.running && d.link.up) await d.log.flush({ timeoutMs: 5_000 }).catch(() => undefined);
        await d.stop();
      }),
    );
    await collector.close();
    await ntp?.close();
  }
  opts.out(`seclog demo: stopped; data kept in ${dir.path}`);
}
