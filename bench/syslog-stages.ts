/**
 * The syslog path's own CPU per message, measured in this process with no
 * store, network or other work beside it: RFC 5424 parsing, the passthrough
 * record (syslogToPassthrough) and chaining it (chainAfter: canonical JSON,
 * SHA-256, the chain hash), in batches of 500 as the foreign batcher hands
 * them over. The throughput figure of the syslog bench moves with whatever
 * else the machine does; this one much less, so it is the one to compare
 * between two versions of the code (median of ROUNDS rounds).
 */
import { parseRfc5424, syslogToPassthrough } from '@seclog/core';
import { CollectorClock, chainAfter } from '../packages/collector/src/ingest/chain-append.js';
import type { StreamCursor } from '../packages/collector/src/store/types.js';

const MESSAGES = 20_000;
const BATCH = 500;
const ROUNDS = 15;

/** Median and least CPU µs per message over ROUNDS rounds of MESSAGES messages made by `frame`. */
export function measureSyslogStages(frame: (i: number) => Buffer): { medianUs: number; minUs: number } {
  const frames = Array.from({ length: MESSAGES }, (_, i) => frame(i));
  const clock = new CollectorClock();
  const tq = { synced: true, source: 'ntp' } as const;
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    let cursor: StreamCursor = {
      device: 'edge-0',
      stream: 'passthrough/syslog',
      ackedSeq: 0,
      head: new Uint8Array(32) as StreamCursor['head'],
    };
    for (let off = 0; off < MESSAGES; off += BATCH) {
      const events = [];
      const receivedAt = { ms: Date.now(), us: 0 };
      for (let i = off; i < off + BATCH; i++) {
        const msg = parseRfc5424(frames[i] as Buffer);
        events.push(syslogToPassthrough(msg, { deviceId: 'edge-0', receivedAt, attribution: 'source_map', sourceIp: '127.0.0.1' }));
      }
      cursor = chainAfter(cursor, events, clock, tq, receivedAt.ms * 1000).cursor;
    }
    const c = process.cpuUsage(c0);
    rounds.push((c.user + c.system) / MESSAGES);
  }
  rounds.sort((a, b) => a - b);
  return { medianUs: rounds[Math.floor(ROUNDS / 2)] as number, minUs: rounds[0] as number };
}
