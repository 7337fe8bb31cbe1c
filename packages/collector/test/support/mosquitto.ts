/**
 * A real Debian mosquitto for the MQTT tests: started here on a free
 * loopback port with a config file in a temp dir (anonymous, persistence in
 * that dir so a restart keeps the sessions, a raised max_queued_messages:
 * the default of 1000 drops QoS 1 messages for an offline session under
 * load). Tests skip with MOSQUITTO_MISSING when the binary is missing, and
 * fail instead under SECLOG_TEST_REQUIRE_ALL=1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect, freePort, REQUIRE_ALL, sleep } from './peers.js';

export { freePort, REQUIRE_ALL, sleep };

// SECLOG_MOSQUITTO names another binary (or a missing one, to see the skip).
export const MOSQUITTO = (
  process.env.SECLOG_MOSQUITTO ? [process.env.SECLOG_MOSQUITTO] : ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']
).find((p) => existsSync(p));
export const MOSQUITTO_MISSING = 'mosquitto not found: install Debian package mosquitto (apt-get install mosquitto)';

export interface Broker {
  readonly port: number;
  readonly url: string;
  /** Stops the broker (SIGTERM: it saves its persistence file) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and persistence directory. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
  /** What mosquitto printed (for failure messages). */
  output(): string;
}

export async function startBroker(extraConfig: string[] = []): Promise<Broker> {
  if (MOSQUITTO === undefined) throw new Error(MOSQUITTO_MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'seclog-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      // Started as root (CI), mosquitto would switch to the mosquitto user, which cannot read
      // this private temp dir (persistence, certificates); the option is ignored for other users.
      'user root',
      'persistence true',
      `persistence_location ${dir}/`,
      'max_queued_messages 100000',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...extraConfig,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let out = '';
  const start = async (): Promise<void> => {
    const c = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (c.exitCode !== null || Date.now() > deadline) throw new Error(`mosquitto did not start on ${port}:\n${out}`);
      await sleep(25);
    }
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop,
    start,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => out,
  };
}
