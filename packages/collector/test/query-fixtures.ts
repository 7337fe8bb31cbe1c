/** Shared by the query, tail and event-route tests: varied records ingested over HTTP, and small readers. */
import assert from 'node:assert/strict';
import type { ChainedEvent } from '@seclog/core';
import { recordChainHashHex, uuidv7, ZERO_HASH_HEX } from '@seclog/core';
import type { TestCollector } from './ingest-fixtures.js';

export type RecordShape = Partial<Pick<ChainedEvent, 'name' | 'severity' | 'outcome' | 'actor' | 'target' | 'message' | 'time' | 'attrs'>>;

/** The stream state of one test device, so later batches chain on. */
export class TestDevice {
  readonly stream = uuidv7();
  readonly #boot = uuidv7();
  #seq = 0;
  #prev = ZERO_HASH_HEX;

  constructor(
    readonly id: string,
    readonly token: string,
  ) {}

  /** The next records of the stream, each shaped by its entry of `shapes`. */
  records(shapes: RecordShape[]): ChainedEvent[] {
    return shapes.map((s) => {
      const seq = ++this.#seq;
      // The default name, authn_login_fail, needs an actor.user.
      const actor = 'actor' in s ? s.actor : s.name === undefined ? { user: 'someone' } : undefined;
      const rec: ChainedEvent = {
        v: 1,
        id: uuidv7(),
        name: s.name ?? 'authn_login_fail',
        time: s.time ?? new Date().toISOString().replace('Z', '000Z'),
        severity: s.severity ?? 'medium',
        outcome: s.outcome ?? 'failure',
        device: { id: this.id },
        ...(actor ? { actor } : {}),
        ...(s.target ? { target: s.target } : {}),
        attrs: s.attrs ?? { method: 'password', reason: 'bad_password' },
        ...(s.message ? { message: s.message } : {}),
        stream: this.stream,
        seq,
        boot: this.#boot,
        mono_ms: seq * 10,
        prev: this.#prev,
        tq: { synced: true, source: 'ntp' },
      };
      this.#prev = recordChainHashHex(rec);
      return rec;
    });
  }
}

export function enrolDevice(t: TestCollector, id: string): TestDevice {
  return new TestDevice(id, t.enrol(id).token);
}

/** Ingests the records over HTTP; asserts the batch was accepted. */
export async function ingest(t: TestCollector, d: TestDevice, shapes: RecordShape[]): Promise<ChainedEvent[]> {
  const records = d.records(shapes);
  const res = await t.c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
    payload: { device: d.id, stream: d.stream, records },
  });
  assert.equal(res.statusCode, 200, res.body);
  return records;
}

/** Splits a server-sent-events text into events (comments dropped). */
export function parseSse(text: string): { id?: string; event?: string; data?: string }[] {
  const out: { id?: string; event?: string; data?: string }[] = [];
  for (const block of text.split('\n\n')) {
    const e: { id?: string; event?: string; data?: string } = {};
    for (const line of block.split('\n')) {
      const m = /^(id|event|data): ?(.*)$/.exec(line);
      if (m !== null) e[m[1] as 'id' | 'event' | 'data'] = m[2];
    }
    if (e.data !== undefined) out.push(e);
  }
  return out;
}
