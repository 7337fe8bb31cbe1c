/** Shared fixtures of the ingest, integrator and HTTP tests: a device chain and a collector on a temp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainedEvent } from '@seclog/core';
import { eventTimeNow, recordChainHashHex, uuidv7, ZERO_HASH_HEX } from '@seclog/core';
import { loadConfig } from '../src/config/load.js';
import { addDevice, type DeviceFile } from '../src/enrol/enrol.js';
import { type Collector, type OpenCollectorOptions, openCollector } from '../src/server/collector.js';

/** Records 1..n of one device stream, chained (`from` lets a test build a window). */
/** `n` chained records of `device` (failed logins, clock synced); `over` changes fields of every record before it is hashed. */
export function deviceChain(device: string, n: number, stream: string = uuidv7(), over: Partial<ChainedEvent> = {}): ChainedEvent[] {
  const out: ChainedEvent[] = [];
  let prev = ZERO_HASH_HEX;
  const boot = uuidv7();
  for (let seq = 1; seq <= n; seq++) {
    const rec: ChainedEvent = {
      v: 1,
      id: uuidv7(),
      name: 'authn_login_fail',
      time: eventTimeNow(Date.now()),
      severity: 'medium',
      outcome: 'failure',
      device: { id: device },
      actor: { user: 'admin', ip: '203.0.113.9' },
      attrs: { method: 'password', reason: 'bad_password' },
      stream,
      seq,
      boot,
      mono_ms: seq * 10,
      prev,
      tq: { synced: true, source: 'ntp' },
      ...over,
    };
    prev = recordChainHashHex(rec);
    out.push(rec);
  }
  return out;
}

export interface TestCollector {
  c: Collector;
  dir: string;
  admin: string;
  enrol(id: string): DeviceFile;
  cleanup(): Promise<void>;
}

export async function startTestCollector(
  overrides: Record<string, unknown> = {},
  options: OpenCollectorOptions = {},
): Promise<TestCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'seclog-c-'));
  const config = loadConfig({ env: {}, cwd: dir, flags: { dataDir: join(dir, 'data'), ...overrides } });
  const c = await openCollector(config, options);
  return {
    c,
    dir,
    admin: c.adminToken!,
    enrol: (id) => addDevice(c.data.enrol, id, 'low', 'http://127.0.0.1'),
    cleanup: async () => {
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
