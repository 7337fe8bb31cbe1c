/**
 * Test clients of a collector that comes and goes (reliability tests): a
 * device shipping chained batches that retries until acknowledged and
 * resumes from GET /api/v1/ingest/cursor, and a poller collecting every
 * signed checkpoint the collector serves.
 */
import type { Checkpoint, NoteVerifier } from '@seclog/core';
import { openCheckpoint } from '@seclog/core';
import type { SealedStream } from './sealed-stream.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where the collector is now: `up()` waits while it is down. */
export class ServerSwitch {
  #url: Promise<string>;
  #resolve: (url: string) => void = () => {};

  constructor() {
    this.#url = new Promise((r) => {
      this.#resolve = r;
    });
  }

  up(): Promise<string> {
    return this.#url;
  }

  /** The collector listens at `url`. */
  set(url: string): void {
    this.#resolve(url);
  }

  /** The collector is about to go away: later `up()` calls wait for the next `set`. */
  down(): void {
    this.#url = new Promise((r) => {
      this.#resolve = r;
    });
  }
}

export interface DeviceStats {
  posts: number;
  failures: number;
  resumes: number;
}

export class DeviceClient {
  /** Highest seq the collector acknowledged (an ACK means durable). */
  acked = 0;
  readonly stats: DeviceStats = { posts: 0, failures: 0, resumes: 0 };
  /** Broken promises seen: a cursor behind an ACK, a head that is not ours, an unexpected refusal. */
  readonly violations: string[] = [];
  readonly #stream: SealedStream;
  readonly #token: string;
  readonly #server: ServerSwitch;
  readonly #batch: number;

  constructor(stream: SealedStream, token: string, server: ServerSwitch, batch: number) {
    this.#stream = stream;
    this.#token = token;
    this.#server = server;
    this.#batch = batch;
  }

  get device(): string {
    return this.#stream.device;
  }

  get stream(): string {
    return this.#stream.stream;
  }

  /** Ships batches until `stop()` is true, retrying each until it is acknowledged. */
  async run(stop: () => boolean): Promise<void> {
    const auth = { authorization: `Bearer ${this.#token}` };
    let next = 1;
    let resume = true;
    while (!stop() && this.violations.length === 0) {
      const url = await this.#server.up();
      try {
        if (resume) {
          next = (await this.#cursor(url, auth)) + 1;
          resume = false;
          this.stats.resumes++;
        }
        const records = this.#stream.range(next, next + this.#batch - 1);
        this.stats.posts++;
        const res = await fetch(`${url}/api/v1/ingest`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ device: this.device, stream: this.stream, records }),
        });
        const body = (await res.json()) as { acked?: { seq: number; head: string }; error?: { code: string } };
        if (res.status === 200 && body.acked !== undefined) {
          const last = next + records.length - 1;
          if (body.acked.seq !== last || body.acked.head !== this.#stream.headAt(last)) {
            this.violations.push(`${this.device}: ack ${JSON.stringify(body.acked)} for seq ${next}..${last}`);
          }
          this.acked = Math.max(this.acked, body.acked.seq);
          next = body.acked.seq + 1;
        } else if (res.status >= 500 || res.status === 429) {
          // 503 while shutting down, 500: nothing acknowledged; ask where to resume.
          this.stats.failures++;
          resume = true;
          await sleep(10);
        } else {
          this.violations.push(`${this.device}: ${res.status} ${JSON.stringify(body)} for seq ${next}`);
        }
      } catch {
        // The collector went away mid-request: the batch may or may not be stored.
        this.stats.failures++;
        resume = true;
        await sleep(10);
      }
    }
  }

  async #cursor(url: string, auth: Record<string, string>): Promise<number> {
    const res = await fetch(`${url}/api/v1/ingest/cursor`, { headers: auth });
    if (res.status !== 200) throw new Error(`cursor: ${res.status}`);
    const body = (await res.json()) as { streams: { stream: string; seq: number; head: string }[] };
    const s = body.streams.find((x) => x.stream === this.stream);
    const seq = s?.seq ?? 0;
    if (seq < this.acked) this.violations.push(`${this.device}: cursor ${seq} is behind acknowledged seq ${this.acked}`);
    if (seq > 0 && s?.head !== this.#stream.headAt(seq)) this.violations.push(`${this.device}: stored head at ${seq} is not ours`);
    return seq;
  }
}

export interface SeenCheckpoint {
  checkpoint: Checkpoint;
  round: number;
}

/** Fetches the signed checkpoint every `periodMs`, verifying each against the pinned key and origin. */
export async function pollCheckpoints(
  server: ServerSwitch,
  token: string,
  pin: { origin: string; verifiers: readonly NoteVerifier[] },
  round: () => number,
  stop: () => boolean,
  out: SeenCheckpoint[],
  periodMs = 50,
): Promise<void> {
  while (!stop()) {
    const url = await server.up();
    let note: string | undefined;
    try {
      const res = await fetch(`${url}/api/v1/log/checkpoint`, { headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      if (res.status === 200) note = text;
    } catch {
      // The collector went away: the next round brings it back.
    }
    if (note !== undefined) {
      // A bad signature or origin throws: that is a failure, not a crash.
      const { checkpoint } = openCheckpoint(note, pin);
      if (out.at(-1)?.checkpoint.size !== checkpoint.size) out.push({ checkpoint, round: round() });
    }
    await sleep(periodMs);
  }
}
