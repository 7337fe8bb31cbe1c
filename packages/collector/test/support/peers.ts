/**
 * What every test that starts a real peer (rsyslogd, mosquitto, chronyd,
 * PostgreSQL, …) needs: finding its binary (an environment variable names
 * another one, or a missing one to see the skip), the skip message that
 * says what to install, a failing test instead of the skip under
 * SECLOG_TEST_REQUIRE_ALL=1 (CI), and free loopback ports.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { test } from 'node:test';

export const REQUIRE_ALL = process.env.SECLOG_TEST_REQUIRE_ALL === '1';

export interface Peer {
  /** The binary's path; undefined when none of the candidates exists. */
  readonly path: string | undefined;
  /** For node:test's `skip` option: false when found, else the message saying what to install. */
  readonly skip: string | false;
  readonly missing: string;
}

/**
 * Looks for `name` at `envVar` (when set) or the first existing candidate. When it is missing
 * under SECLOG_TEST_REQUIRE_ALL=1, registers a failing test in the calling file.
 */
export function findPeer(name: string, envVar: string, candidates: readonly string[], debianPackage: string): Peer {
  const env = process.env[envVar];
  const path = (env ? [env] : candidates).find((p) => existsSync(p));
  const missing = `${name} not found: install Debian package ${debianPackage} (apt-get install ${debianPackage})`;
  if (path === undefined && REQUIRE_ALL) test(`${name} is available (SECLOG_TEST_REQUIRE_ALL=1)`, () => assert.fail(missing));
  return { path, skip: path === undefined ? missing : false, missing };
}

/** A loopback port nothing listens on right now (TCP, or UDP). */
export function freePort(kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  return new Promise((resolve, reject) => {
    if (kind === 'udp') {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
      return;
    }
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** True when a TCP connection to the loopback port succeeds. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
