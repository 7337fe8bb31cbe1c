/**
 * A minimal SNTP server (RFC 4330 server side) on loopback, serving this
 * host's clock to the simulated fleet. The agents' own SNTP clients poll it,
 * so their records carry real time quality (`tq.synced`, offset, accuracy),
 * their `time_sync` records are the tracker's, and a clock set wrong on a
 * device shows against it.
 *
 *   0      1        2      3          4           8            12      16          24          32          40          48
 *   +------+--------+------+----------+-----------+------------+-------+-----------+-----------+-----------+-----------+
 *   |LI VN |stratum | poll |precision | root delay| root disp. | ref id| reference | originate | receive   | transmit  |
 *   | mode |        |      |          |           |            |       | timestamp | (client's | timestamp | timestamp |
 *   |      |        |      |          |           |            |       |           | transmit) |           |           |
 *   +------+--------+------+----------+-----------+------------+-------+-----------+-----------+-----------+-----------+
 */
import { createSocket, type Socket } from 'node:dgram';

/** Seconds from the NTP era (1900) to the Unix epoch. */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

function writeNtpTime(buf: Buffer, at: number, ms: number): void {
  const seconds = Math.floor(ms / 1000);
  buf.writeUInt32BE((seconds + NTP_UNIX_OFFSET_S) >>> 0, at);
  buf.writeUInt32BE(Math.floor(((ms - seconds * 1000) / 1000) * 0x1_0000_0000) >>> 0, at + 4);
}

export interface DemoNtp {
  /** `127.0.0.1:port`, as the agent's time options take it. */
  readonly address: string;
  close(): Promise<void>;
}

export async function startDemoNtp(): Promise<DemoNtp> {
  const socket: Socket = createSocket('udp4');
  socket.on('message', (req, from) => {
    if (req.length < 48 || ((req[0] as number) & 0x07) !== 3) return;
    const receivedMs = Date.now();
    const res = Buffer.alloc(48);
    res[0] = (0 << 6) | (4 << 3) | 4; // no leap warning, version 4, server
    res[1] = 2; // stratum 2: synchronised to an upstream server (this host's clock)
    res[2] = req[2] as number;
    res.writeInt8(-20, 3); // precision ~1 µs
    res.writeUInt32BE(0x0000_0100, 8); // root dispersion 1/256 s
    res.write('DEMO', 12, 'latin1');
    writeNtpTime(res, 16, receivedMs);
    req.copy(res, 24, 40, 48); // originate = the client's transmit timestamp
    writeNtpTime(res, 32, receivedMs);
    writeNtpTime(res, 40, Date.now());
    socket.send(res, from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => undefined);
  return {
    address: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
