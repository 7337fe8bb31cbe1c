import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeNtpPacket, encodeClientRequest, encodeNtpPacket, kissCode, NTP_PACKET_BYTES } from '../src/time/sntp/ntp-packet.js';
import { NTP_ERA_S, NTP_UNIX_OFFSET_S, ntpFromUnixMs, unixMsFromNtp } from '../src/time/sntp/ntp-timestamp.js';
import { parseServerAddress } from '../src/time/sntp/server-address.js';

const ERA1_START_MS = (NTP_ERA_S - NTP_UNIX_OFFSET_S) * 1000; // 2036-02-07T06:28:16Z
const YEAR_MS = 365.25 * 86_400_000;

test('era 1 starts at 2036-02-07T06:28:16Z', () => {
  assert.equal(new Date(ERA1_START_MS).toISOString(), '2036-02-07T06:28:16.000Z');
  assert.deepEqual(ntpFromUnixMs(ERA1_START_MS), { seconds: 0, fraction: 0 });
  assert.deepEqual(ntpFromUnixMs(ERA1_START_MS - 1000), { seconds: 2 ** 32 - 1, fraction: 0 });
});

test('known vectors: Unix epoch and a half second', () => {
  assert.deepEqual(ntpFromUnixMs(0), { seconds: NTP_UNIX_OFFSET_S, fraction: 0 });
  assert.deepEqual(ntpFromUnixMs(500), { seconds: NTP_UNIX_OFFSET_S, fraction: 2 ** 31 });
  assert.equal(unixMsFromNtp({ seconds: NTP_UNIX_OFFSET_S, fraction: 2 ** 31 }, 0), 500);
});

test('a fraction that rounds up to a whole second carries into the seconds', () => {
  // 0.9999999999 s rounds to 2^32 units
  const ts = ntpFromUnixMs(999.99999999);
  assert.deepEqual(ts, { seconds: NTP_UNIX_OFFSET_S + 1, fraction: 0 });
});

test('property: ms → NTP → ms round trip within 1 µs, for times 1970–2105 decoded near the truth', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: Math.floor(135 * YEAR_MS) }),
      fc.integer({ min: 0, max: 999 }),
      fc.integer({ min: Math.floor(-60 * YEAR_MS), max: Math.floor(60 * YEAR_MS) }),
      (ms, us, pivotDelta) => {
        const t = ms + us / 1000;
        const back = unixMsFromNtp(ntpFromUnixMs(t), t + pivotDelta);
        assert.ok(Math.abs(back - t) < 0.001, `${t} came back as ${back}`);
        const ts = ntpFromUnixMs(t);
        assert.ok(Number.isInteger(ts.seconds) && ts.seconds >= 0 && ts.seconds < 2 ** 32);
        assert.ok(Number.isInteger(ts.fraction) && ts.fraction >= 0 && ts.fraction < 2 ** 32);
      },
    ),
    { numRuns: 2000 },
  );
});

test('property: around the 2036 wrap, either side decodes to the right era from a pivot on the other side', () => {
  fc.assert(
    fc.property(fc.integer({ min: -86_400_000, max: 86_400_000 }), fc.integer({ min: -3_600_000, max: 3_600_000 }), (d, skew) => {
      const t = ERA1_START_MS + d;
      const back = unixMsFromNtp(ntpFromUnixMs(t), ERA1_START_MS + skew);
      assert.ok(Math.abs(back - t) < 0.001);
    }),
  );
  // a server reply of 2036-02-07T06:28:17Z (seconds = 1, era 1) read by a client whose clock says 2036-02-07T06:28:15Z
  assert.equal(unixMsFromNtp({ seconds: 1, fraction: 0 }, ERA1_START_MS - 1000), ERA1_START_MS + 1000);
  // …and a client whose RTC reset to 1970 still reads a 2026 reply correctly
  const t2026 = Date.UTC(2026, 0, 1);
  assert.equal(unixMsFromNtp(ntpFromUnixMs(t2026), 0), t2026);
});

const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const ts = fc.record({ seconds: u32, fraction: u32 });

test('property: packet encode → decode round trip (header fields exact, 16.16 fields to the unit)', () => {
  fc.assert(
    fc.property(
      fc.record({
        leap: fc.integer({ min: 0, max: 3 }),
        version: fc.integer({ min: 0, max: 7 }),
        mode: fc.integer({ min: 0, max: 7 }),
        stratum: fc.integer({ min: 0, max: 255 }),
        poll: fc.integer({ min: -128, max: 127 }),
        precision: fc.integer({ min: -128, max: 127 }),
        rootDelayUnits: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        rootDispersionUnits: u32,
        referenceId: fc.uint8Array({ minLength: 4, maxLength: 4 }),
        reference: ts,
        originate: ts,
        receive: ts,
        transmit: ts,
      }),
      (p) => {
        const fields = {
          ...p,
          rootDelayMs: (p.rootDelayUnits / 65536) * 1000,
          rootDispersionMs: (p.rootDispersionUnits / 65536) * 1000,
        };
        const bytes = encodeNtpPacket(fields);
        assert.equal(bytes.length, NTP_PACKET_BYTES);
        const d = decodeNtpPacket(bytes);
        assert.ok(d);
        for (const k of ['leap', 'version', 'mode', 'stratum', 'poll', 'precision', 'rootDelayMs', 'rootDispersionMs'] as const) {
          assert.equal(d[k], fields[k], k);
        }
        assert.deepEqual([...d.referenceId], [...p.referenceId]);
        for (const k of ['reference', 'originate', 'receive', 'transmit'] as const) assert.deepEqual(d[k], { ...p[k] }, k);
        assert.deepEqual(encodeNtpPacket(d), bytes);
      },
    ),
  );
});

test('client request: LI 0, VN 4, mode 3, only the transmit timestamp set', () => {
  const transmit = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const req = encodeClientRequest(transmit);
  assert.equal(req.length, 48);
  assert.equal(req[0], 0x23);
  assert.deepEqual([...req.subarray(40)], [...transmit]);
  assert.ok(req.subarray(1, 40).every((b) => b === 0));
  assert.throws(() => encodeClientRequest(new Uint8Array(7)), RangeError);
});

test('decoding refuses a truncated packet and ignores extension fields', () => {
  const full = encodeNtpPacket({ mode: 4, stratum: 2 });
  assert.equal(decodeNtpPacket(full.subarray(0, 47)), undefined);
  assert.equal(decodeNtpPacket(Buffer.concat([full, Buffer.alloc(20, 0xff)]))?.stratum, 2);
});

test('kiss codes are read as ASCII, NULs cut, other bytes escaped', () => {
  const kod = (bytes: number[]) => kissCode(decodeNtpPacket(encodeNtpPacket({ referenceId: Uint8Array.from(bytes) }))!);
  assert.equal(kod([0x52, 0x41, 0x54, 0x45]), 'RATE');
  assert.equal(kod([0x44, 0x45, 0x4e, 0x59]), 'DENY');
  assert.equal(kod([0x58, 0x00, 0x00, 0x00]), 'X');
  assert.equal(kod([0x1b, 0x41, 0x42, 0x43]), '\\x1bABC');
});

const addressCases: { spec: string; want: { host: string; port: number } | 'problem' }[] = [
  { spec: 'pool.ntp.org', want: { host: 'pool.ntp.org', port: 123 } },
  { spec: 'ntp1.example.net:1123', want: { host: 'ntp1.example.net', port: 1123 } },
  { spec: '192.0.2.1', want: { host: '192.0.2.1', port: 123 } },
  { spec: '192.0.2.1:50123', want: { host: '192.0.2.1', port: 50123 } },
  { spec: '::1', want: { host: '::1', port: 123 } },
  { spec: '[::1]', want: { host: '::1', port: 123 } },
  { spec: '[2001:db8::1]:4123', want: { host: '2001:db8::1', port: 4123 } },
  { spec: '[2001:db8::1', want: 'problem' },
  { spec: '[pool.ntp.org]:123', want: 'problem' },
  { spec: 'host:0', want: 'problem' },
  { spec: 'host:65536', want: 'problem' },
  { spec: 'host:12x', want: 'problem' },
  { spec: 'bad host', want: 'problem' },
  { spec: '', want: 'problem' },
  { spec: '[::1]x', want: 'problem' },
];
for (const c of addressCases) {
  test(`server address ${JSON.stringify(c.spec)}`, () => {
    const r = parseServerAddress(c.spec);
    if (c.want === 'problem') assert.ok('problem' in r, JSON.stringify(r));
    else assert.deepEqual(r, { spec: c.spec, ...c.want });
  });
}
