/**
 * The syslog path's own CPU per message, measured in this process with no
 * store, network or other work beside it: RFC 5424 parsing, the passthrough
 * record (syslogToPassthrough) and chaining it (chainAfter: canonical JSON,
 * SHA-256, the chain hash), in batches of 500 as the foreign batcher hands
 * them over. The throughput figure of the syslog bench moves with whatever
 * else the machine does; this one much less, so it is the one to compare
 * between two versions of the code (median of ROUNDS rounds).
 */
import { type ChainedEvent, parseRfc5424, syslogToPassthrough } from '@seclog/core';
import { CollectorClock, chainAfter } from '../packages/collector/src/ingest/chain-append.js';
import type { StreamCursor } from '../packages/collector/src/store/types.js';
import { type Row, rowOf } from './ingest-load.js';

const MESSAGES = 20_000;
const BATCH = 500;
const ROUNDS = 15;

const ZERO_HEAD = new Uint8Array(32) as StreamCursor['head'];

/**
 * `count` messages of `connections` senders (`frame(conn, i)`, without the octet count) as the
 * rows the collector stores for them: parsed, made passthrough records of device `edge-<conn>` and
 * chained per device, in batches of BATCH as the listener hands them over.
 */
export function syslogRows(frame: (conn: number, i: number) => Buffer, connections: number, count: number): Row[] {
  const clock = new CollectorClock();
  const tq = { synced: true, source: 'ntp' } as const;
  const rows: Row[] = [];
  const cursors = new Map<number, StreamCursor>();
  for (let off = 0; off < count; off += BATCH * connections) {
    for (let conn = 0; conn < connections; conn++) {
      const device = `edge-${conn}`;
      const receivedAt = { ms: Date.now(), us: 0 };
      const events = [];
      for (let i = off + conn; i < Math.min(count, off + BATCH * connections); i += connections) {
        const msg = parseRfc5424(frame(conn, i));
        events.push(syslogToPassthrough(msg, { deviceId: device, receivedAt, attribution: 'source_map', sourceIp: '127.0.0.1' }));
      }
      const cursor = cursors.get(conn) ?? { device, stream: 'passthrough/syslog', ackedSeq: 0, head: ZERO_HEAD };
      const chained = chainAfter(cursor, events, clock, tq, receivedAt.ms * 1000);
      cursors.set(conn, chained.cursor);
      for (const r of chained.records) {
        rows.push(rowOf(device, r.record as ChainedEvent, Buffer.from(r.digest), Buffer.from(r.chainHash), r.canonical));
      }
    }
  }
  return rows;
}

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
      head: ZERO_HEAD,
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
