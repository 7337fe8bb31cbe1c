/**
 * Fuzzing the syslog listeners (fast-check): random bytes, random mixes of
 * valid, mutated and broken frames cut into random chunks over TCP, random
 * datagrams over UDP. After every run the collector still serves (a canary
 * message is stored), no connection is left open, and nothing crashed the
 * process (an uncaught exception fails the test run). SECLOG_FUZZ_RUNS
 * raises the number of runs for a longer soak.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeEventSyslog, frameLf, frameOctetCounted } from '@seclog/core';
import fc from 'fast-check';
import { StreamBuilder } from './ingest-harness.js';
import {
  closedByServer,
  enrol,
  metric,
  passthrough,
  type SyslogCollector,
  sendAndClose,
  startSyslogCollector,
  tcpConnect,
  udpSend,
  waitFor,
} from './syslog-fixtures.js';

const RUNS = Number(process.env.SECLOG_FUZZ_RUNS ?? 40);

let sc: SyslogCollector;
let seclogFrames: Buffer[] = [];
before(async () => {
  sc = await startSyslogCollector({
    maxMessageBytes: 2048,
    connectionRatePerSec: 1_000_000,
    sourceMap: [{ source: '127.0.0.1', device: 'fz-1' }],
  });
  enrol(sc.c, 'fz-1');
  const b = new StreamBuilder('fz-1', { startMs: Date.now() - 60_000 });
  b.add(20);
  seclogFrames = b.records.map((r) => Buffer.from(encodeEventSyslog(r)));
});
after(async () => {
  await sc.close();
});

const valid = fc.constantFrom(
  '<13>1 - - app - - - plain',
  '<34>1 2026-11-27T10:00:00Z h sshd 1 - [a@1 x="]\\"\\\\"] text with ] and "',
  '<38>Nov 27 10:00:01 host1 sshd[813]: Accepted',
  'no pri at all',
);

/** One frame's bytes: valid (octet or LF), a mutated seclog message, or junk. */
const frame = fc.oneof(
  valid.map((m) => Buffer.from(frameOctetCounted(m))),
  valid.map((m) => Buffer.from(frameLf(m))),
  fc.tuple(fc.nat(19), fc.nat(4000), fc.integer({ min: 0, max: 255 })).map(([i, at, byte]) => {
    const body = Buffer.from(seclogFrames[i] as Buffer);
    body[at % body.length] = byte;
    return Buffer.concat([Buffer.from(`${body.length} `), body]);
  }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.constantFrom('0 x', '99999999999999999999 ', '12 short', '\n\n\n', '<', '5 <13>').map((s) => Buffer.from(s)),
);

async function canary(tag: string): Promise<void> {
  const s = await tcpConnect(sc.addrs.tcp!.port);
  await sendAndClose(s, Buffer.from(frameOctetCounted(`<13>1 - - canary - - - ${tag}`)));
  await waitFor(() => passthrough(sc.c).some((r) => r.rec.message === tag), `canary ${tag}`, 10_000);
}

test('random frames in random chunks over TCP never stop the listener', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(400), { maxLength: 6 }), async (frames, cuts) => {
      const bytes = Buffer.concat(frames);
      const s = await tcpConnect(sc.addrs.tcp!.port);
      let at = 0;
      for (const c of cuts) {
        if (at >= bytes.length) break;
        s.write(bytes.subarray(at, at + c));
        at += c;
      }
      s.end(bytes.subarray(at));
      assert.equal(await closedByServer(s, 10_000), true);
      await canary(`tcp-${run++}`);
    }),
    { numRuns: RUNS },
  );
  await waitFor(() => sc.c.syslog.openConnections === 0, 'every connection closed');
  assert.ok((await metric(sc.c, 'seclog_syslog_errors_total', { transport: 'tcp', reason: 'frame_invalid' })) > 0);
});

test('random datagrams over UDP are stored or dropped one by one, never stopping the listener', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.oneof(
          frame,
          fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
        ),
        { maxLength: 10 },
      ),
      async (dgrams) => {
        for (const d of dgrams) await udpSend(sc.addrs.udp!.port, d);
        const tag = `udp-${run++}`;
        await udpSend(sc.addrs.udp!.port, `<13>1 - - canary - - - ${tag}`);
        await waitFor(() => passthrough(sc.c).some((r) => r.rec.message === tag), `canary ${tag}`, 10_000);
      },
    ),
    { numRuns: RUNS },
  );
});
