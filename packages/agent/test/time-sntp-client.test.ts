import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeNtpPacket } from '../src/time/sntp/ntp-packet.js';
import { ntpFromUnixMs } from '../src/time/sntp/ntp-timestamp.js';
import { parseServerAddress, type ServerAddress } from '../src/time/sntp/server-address.js';
import { estimateFromSamples, pollServer, type ServerPoll, type ServerPollOptions } from '../src/time/sntp/sntp-poll.js';
import { MAX_IGNORED_REPORTED, type SntpSample } from '../src/time/sntp/sntp-query.js';
import { type Answer, type FakeNtpServer, type FakeRequest, honest, honestReply, startFakeNtp } from './time-fake-server.js';

const HOUR = 3_600_000;

let server: FakeNtpServer;
before(async () => {
  server = await startFakeNtp();
});
after(() => server.close());

function opts(o: Partial<ServerPollOptions> = {}): ServerPollOptions {
  return {
    samples: 1,
    sampleSpacingMs: 0,
    // generous: a loaded CI machine (or the first, cold exchange) may take hundreds of ms; tests of timeouts pass their own
    timeoutMs: 2000,
    maxRootDistanceMs: 1000,
    clockResolutionMs: 1,
    now: Date.now,
    mono: () => performance.now(),
    ...o,
  };
}

function address(spec: string): ServerAddress {
  const a = parseServerAddress(spec);
  assert.ok(!('problem' in a));
  return a;
}

/** Poll a fresh fake server (so no late packet of another test is counted) that answers with `answer`. */
async function pollFresh(answer: Answer, o: Partial<ServerPollOptions> = {}): Promise<{ p: ServerPoll; requests: FakeRequest[] }> {
  const srv = await startFakeNtp({ answer });
  try {
    const p = await pollServer(address(srv.spec), opts(o));
    return { p, requests: srv.requests };
  } finally {
    await srv.close();
  }
}

/** The requests the fake server of the last `pollWith` received (sequential tests only). */
let lastRequests: FakeRequest[] = [];

async function pollWith(answer: Answer, o: Partial<ServerPollOptions> = {}): Promise<ServerPoll> {
  const { p, requests } = await pollFresh(answer, o);
  lastRequests = requests;
  return p;
}

/** The estimate's error bound must cover the true offset (the fake servers run on our own clock, skewed by a known amount). */
function assertCovers(p: ServerPoll, trueOffsetMs: number): void {
  assert.ok(p.estimate, JSON.stringify(p.rejections));
  const { offsetMs, errorMs } = p.estimate;
  assert.ok(Math.abs(offsetMs - trueOffsetMs) <= errorMs + 1, `offset ${offsetMs} ± ${errorMs}, true ${trueOffsetMs}`);
}

function reasons(p: ServerPoll): string[] {
  return p.rejections.map((r) => r.reason);
}

test('an honest server: one sample, offset near zero, stratum and delay sane', async () => {
  const p = await pollWith(honest());
  assert.deepEqual(reasons(p), []);
  assert.equal(p.samples.length, 1);
  assert.equal(p.address, '127.0.0.1');
  const s = p.samples[0]!;
  // same clock on both ends: the offset can only be off by half the round trip and the clock resolution
  assert.ok(s.delayMs >= 0, `delay ${s.delayMs}`);
  assert.ok(Math.abs(s.offsetMs) <= s.delayMs / 2 + 2, `offset ${s.offsetMs}, delay ${s.delayMs}`);
  assert.equal(s.stratum, 2);
  assert.equal(s.referenceId, '192.0.2.1');
  assert.ok(p.estimate);
  assert.ok(p.estimate.errorMs >= 1 + 1 + 3, 'error includes root delay / 2, root dispersion and clock resolution');
});

test('the request is a fresh client-mode packet with a random transmit timestamp', async () => {
  await pollWith(honest(), { samples: 3 });
  assert.equal(lastRequests.length, 3);
  const transmits = new Set(lastRequests.map((r) => r.bytes.subarray(40, 48).toString('hex')));
  assert.equal(transmits.size, 3);
  for (const r of lastRequests) {
    assert.equal(r.packet?.mode, 3);
    assert.equal(r.packet?.version, 4);
    assert.ok(
      r.bytes.subarray(1, 40).every((b) => b === 0),
      'nothing but the first byte and the transmit timestamp is set',
    );
  }
  // a fresh socket (source port) per exchange
  assert.equal(new Set(lastRequests.map((r) => r.rinfo.port)).size, 3);
});

test('a server skewed by +1 h: the offset is measured, not refused', async () => {
  const p = await pollWith(honest({ skewMs: HOUR }));
  assert.deepEqual(reasons(p), []);
  assertCovers(p, HOUR);
});

test('a server 1 h behind, and an injected local clock 1 h ahead, both read as −1 h', async () => {
  const a = await pollWith(honest({ skewMs: -HOUR }));
  const b = await pollWith(honest(), { now: () => Date.now() + HOUR });
  for (const p of [a, b]) assertCovers(p, -HOUR);
});

interface BadCase {
  name: string;
  answer: Answer;
  reason: string;
  field: string;
  /** The exchange ended at once (the server's own answer), or the client kept waiting until the timeout. */
  ends: 'at-once' | 'timeout';
  kiss?: string;
}

const bad: BadCase[] = [
  {
    name: 'does not echo our transmit timestamp',
    answer: honest({ echo: false }),
    reason: 'originate-mismatch',
    field: 'originate',
    ends: 'timeout',
  },
  {
    name: 'truncated packet (47 bytes)',
    answer: (r) => ({ bytes: honestReply(r).subarray(0, 47) }),
    reason: 'short-packet',
    field: 'length',
    ends: 'timeout',
  },
  {
    name: 'reply from another port',
    answer: (r) => ({ bytes: honestReply(r), via: 'other-port' }),
    reason: 'wrong-source',
    field: 'source',
    ends: 'timeout',
  },
  {
    name: 'reply from another address',
    answer: (r) => ({ bytes: honestReply(r), via: 'other-address' }),
    reason: 'wrong-source',
    field: 'source',
    ends: 'timeout',
  },
  { name: 'no answer', answer: () => undefined, reason: 'timeout', field: 'answer', ends: 'timeout' },
  { name: 'wrong mode (3, client)', answer: honest({ fields: { mode: 3 } }), reason: 'mode', field: 'mode', ends: 'at-once' },
  { name: 'wrong mode (5, broadcast)', answer: honest({ fields: { mode: 5 } }), reason: 'mode', field: 'mode', ends: 'at-once' },
  { name: 'wrong version (2)', answer: honest({ fields: { version: 2 } }), reason: 'version', field: 'version', ends: 'at-once' },
  { name: 'wrong version (5)', answer: honest({ fields: { version: 5 } }), reason: 'version', field: 'version', ends: 'at-once' },
  {
    name: 'leap indicator 3 (unsynchronised)',
    answer: honest({ fields: { leap: 3 } }),
    reason: 'leap-unsynchronised',
    field: 'leap',
    ends: 'at-once',
  },
  { name: 'stratum 16', answer: honest({ fields: { stratum: 16 } }), reason: 'stratum', field: 'stratum', ends: 'at-once' },
  {
    name: 'transmit timestamp zero',
    answer: honest({ fields: { transmit: { seconds: 0, fraction: 0 } } }),
    reason: 'transmit-zero',
    field: 'transmit',
    ends: 'at-once',
  },
  {
    name: 'receive timestamp zero',
    answer: honest({ fields: { receive: { seconds: 0, fraction: 0 } } }),
    reason: 'receive-zero',
    field: 'receive',
    ends: 'at-once',
  },
  {
    name: 'negative root delay',
    answer: honest({ fields: { rootDelayMs: -10 } }),
    reason: 'root-delay',
    field: 'rootDelay',
    ends: 'at-once',
  },
  {
    name: 'root dispersion of 2 s',
    answer: honest({ fields: { rootDispersionMs: 2000 } }),
    reason: 'root-distance',
    field: 'rootDispersion',
    ends: 'at-once',
  },
  {
    name: 'transmit before receive',
    answer: (r) => ({
      bytes: honestReply(r, { fields: { receive: ntpFromUnixMs(Date.now() + 5000), transmit: ntpFromUnixMs(Date.now()) } }),
    }),
    reason: 'timestamps-inverted',
    field: 'transmit',
    ends: 'at-once',
  },
  {
    name: 'server claims to have held the request longer than the round trip',
    answer: (r) => ({
      bytes: honestReply(r, { fields: { receive: ntpFromUnixMs(Date.now() - 5000), transmit: ntpFromUnixMs(Date.now()) } }),
    }),
    reason: 'delay-negative',
    field: 'transmit',
    ends: 'at-once',
  },
  {
    name: "kiss-o'-death RATE",
    answer: honest({ fields: { stratum: 0, leap: 3, referenceId: Buffer.from('RATE') } }),
    reason: 'kiss-o-death',
    field: 'stratum',
    ends: 'at-once',
    kiss: 'RATE',
  },
  {
    name: "kiss-o'-death DENY",
    answer: honest({ fields: { stratum: 0, referenceId: Buffer.from('DENY') } }),
    reason: 'kiss-o-death',
    field: 'stratum',
    ends: 'at-once',
    kiss: 'DENY',
  },
  {
    name: "kiss-o'-death RSTR",
    answer: honest({ fields: { stratum: 0, referenceId: Buffer.from('RSTR') } }),
    reason: 'kiss-o-death',
    field: 'stratum',
    ends: 'at-once',
    kiss: 'RSTR',
  },
];

// Concurrently: the cases that wait for a timeout would otherwise add up. The timeout is long enough that the
// forged packet arrives before it even on a loaded machine.
const FOREIGN_TIMEOUT_MS = 1000;
describe('refused replies', { concurrency: 4 }, () => {
  for (const c of bad) {
    test(`refused: ${c.name}`, async () => {
      const samples = c.ends === 'at-once' ? 3 : 1;
      const t0 = performance.now();
      const { p, requests } = await pollFresh(c.answer, c.ends === 'at-once' ? { samples } : { samples, timeoutMs: FOREIGN_TIMEOUT_MS });
      const took = performance.now() - t0;
      assert.equal(p.samples.length, 0);
      assert.equal(p.estimate, undefined);
      const r = p.rejections.find((x) => x.reason === c.reason);
      assert.ok(r, `rejections ${JSON.stringify(p.rejections)}`);
      assert.equal(r.field, c.field);
      assert.ok(r.rule.length > 0);
      if (c.reason !== 'timeout') assert.match(r.from ?? '', /^127\.0\.0\.[12]:\d+$/);
      if (c.ends === 'timeout') {
        assert.ok(took >= FOREIGN_TIMEOUT_MS - 10, `waited for the genuine answer (${took} ms)`);
        assert.equal(p.rejections.at(-1)?.reason, 'timeout');
      } else {
        // the server's own (unusable) answer ends the exchange (no timeout follows) and the poll: no more requests to it
        assert.equal(p.rejections.at(-1)?.reason, c.reason);
        assert.equal(p.rejections.length, 1);
        assert.equal(requests.length, 1);
      }
      assert.equal(p.kiss, c.kiss);
    });
  }
});

test('a forged reply from another port does not stop the genuine answer from being used', async () => {
  const p = await pollWith((r) => [
    { bytes: honestReply(r, { skewMs: HOUR }), via: 'other-port' },
    { bytes: honestReply(r, { skewMs: HOUR, echo: false }) },
    { bytes: honestReply(r), delayMs: 20 },
  ]);
  assert.deepEqual(reasons(p), ['wrong-source', 'originate-mismatch']);
  assert.equal(p.samples.length, 1);
  assertCovers(p, 0);
});

test('a flood of forged packets is reported only up to a bound, and the genuine answer still wins', async () => {
  const p = await pollWith((r) => [
    ...Array.from({ length: 200 }, () => ({ bytes: honestReply(r, { echo: false }) })),
    { bytes: honestReply(r), delayMs: 30 },
  ]);
  assert.equal(p.samples.length, 1);
  assert.equal(p.rejections.length, MAX_IGNORED_REPORTED);
  assert.ok(p.rejections.every((x) => x.reason === 'originate-mismatch'));
});

test('version 3 replies are accepted', async () => {
  const p = await pollWith(honest({ fields: { version: 3 } }));
  assert.equal(p.samples[0]?.version, 3);
});

test('a late duplicate after the answer is ignored (the socket is closed)', async () => {
  const p = await pollWith((r) => [{ bytes: honestReply(r) }, { bytes: honestReply(r, { skewMs: HOUR }), delayMs: 10 }], {
    samples: 2,
    sampleSpacingMs: 30,
  });
  assert.equal(p.samples.length, 2);
  assert.ok(p.samples.every((s) => Math.abs(s.offsetMs) <= s.delayMs / 2 + 2));
});

test('one lost packet among several samples: the others still make an estimate', async () => {
  const p = await pollWith((r) => (r.n === 1 ? undefined : { bytes: honestReply(r) }), { samples: 3, timeoutMs: 600 });
  assert.equal(p.samples.length, 2);
  assert.deepEqual(reasons(p), ['timeout']);
  assert.ok(p.estimate);
});

test('samples that queued (long delay) do not pull the offset: median of the shorter-delay half', async () => {
  // odd requests: stamped +2 s at once but sent 150 ms later, so they look slow and skewed by about (4000 − wait) / 2 ms
  // (large enough to stay skewed even when a loaded machine stretches the wait)
  const answer: Answer = (r) => (r.n % 2 === 1 ? { bytes: honestReply(r, { skewMs: 2000 }), delayMs: 150 } : { bytes: honestReply(r) });
  const p = await pollWith(answer, { samples: 4 });
  assert.equal(p.samples.length, 4);
  const naive = p.samples.map((s) => s.offsetMs).sort((a, b) => a - b);
  assert.ok((naive[1]! + naive[2]!) / 2 > 500, `a plain median would be pulled (${naive.join(', ')})`);
  assert.equal(p.estimate!.samplesUsed, 2);
  assertCovers(p, 0);
});

test('a server that answers LI 3 after good samples is not believed for them either', async () => {
  const p = await pollWith((r) => ({ bytes: honestReply(r, r.n === 1 ? { fields: { leap: 3 } } : {}) }), { samples: 3 });
  assert.equal(p.samples.length, 1);
  assert.equal(p.estimate, undefined);
  assert.equal(lastRequests.length, 2);
});

test('a name that does not resolve is a rejection, not an exception', async () => {
  const p = await pollServer(
    address('time.example.invalid'),
    opts({
      resolve: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      },
    }),
  );
  assert.deepEqual(p.rejections, [
    { reason: 'resolve-failed', field: 'address', rule: 'host name must resolve to an IP address', got: 'ENOTFOUND' },
  ]);
});

test('names resolve through the injected resolver and the reply must come from that address', async () => {
  server.answer = honest();
  const p = await pollServer(address(`ntp.test:${server.port}`), opts({ resolve: async () => ({ address: '127.0.0.1', family: 4 }) }));
  assert.equal(p.address, '127.0.0.1');
  assert.equal(p.samples.length, 1);
});

test('IPv6: a server on [::1]', async (t) => {
  let v6: FakeNtpServer;
  try {
    v6 = await startFakeNtp({ family: 6 });
  } catch (err) {
    t.skip(`no IPv6 loopback here (${(err as Error).message})`);
    return;
  }
  try {
    const p = await pollServer(address(v6.spec), opts());
    assert.equal(p.address, '::1');
    assert.deepEqual(reasons(p), []);
    assertCovers(p, 0);
  } finally {
    await v6.close();
  }
});

test('a port where nothing listens: the exchange ends as a result, never thrown', async () => {
  const closed = await startFakeNtp();
  const spec = closed.spec;
  await closed.close();
  const p = await pollServer(address(spec), opts({ timeoutMs: 200 }));
  assert.equal(p.samples.length, 0);
  assert.ok(['timeout', 'socket-error'].includes(p.rejections.at(-1)?.reason ?? ''), JSON.stringify(p.rejections));
});

test('aborting a poll ends it without waiting for the timeout', async () => {
  const ac = new AbortController();
  server.answer = () => undefined;
  const t0 = performance.now();
  const pending = pollServer(address(server.spec), opts({ samples: 3, timeoutMs: 5000, signal: ac.signal }));
  setTimeout(() => ac.abort(), 50);
  const p = await pending;
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(p.samples.length, 0);
});

const sample = (offsetMs: number, delayMs: number): SntpSample => ({
  offsetMs,
  delayMs,
  stratum: 2,
  leap: 0,
  version: 4,
  rootDelayMs: 4,
  rootDispersionMs: 1,
  referenceId: 'x',
  sentAtMs: 0,
});

test('estimate: table of sample sets', () => {
  const cases: { name: string; samples: SntpSample[]; offset: number; used: number; error: number }[] = [
    { name: 'one sample', samples: [sample(10, 4)], offset: 10, used: 1, error: 4 / 2 + 4 / 2 + 1 + 0 + 1 },
    { name: 'two: the shorter delay wins', samples: [sample(10, 4), sample(90, 40)], offset: 10, used: 1, error: 2 + 2 + 1 + 1 },
    {
      name: 'four: median of the two shortest',
      samples: [sample(10, 4), sample(90, 40), sample(14, 6), sample(-80, 50)],
      offset: 12,
      used: 2,
      error: 3 + 2 + 1 + 2 + 1,
    },
    {
      name: 'five: three used, the median ignores the odd one (its spread still counts in the error)',
      samples: [sample(10, 1), sample(11, 2), sample(500, 3), sample(0, 90), sample(0, 91)],
      offset: 11,
      used: 3,
      error: 1.5 + 2 + 1 + 489 + 1,
    },
  ];
  for (const c of cases) {
    const e = estimateFromSamples(c.samples, 1);
    assert.ok(e, c.name);
    assert.equal(e.offsetMs, c.offset, c.name);
    assert.equal(e.samplesUsed, c.used, c.name);
    assert.equal(e.errorMs, c.error, c.name);
  }
  assert.equal(estimateFromSamples([], 1), undefined);
});

test('encodeNtpPacket is what the fake server speaks (sanity of the test double)', () => {
  const b = encodeNtpPacket({ mode: 4, version: 4, stratum: 1, referenceId: Buffer.from('GPS\0') });
  assert.equal(b[0], 0x24);
  assert.equal(b.subarray(12, 16).toString('latin1'), 'GPS\0');
});
