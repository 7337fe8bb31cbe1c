/**
 * Rate-limited diagnostic records in the collector's own stream for what
 * the syslog listeners refuse (docs/syslog.md "Limits and bad input").
 *
 * A sender that streams garbage, or a spoofed UDP flood, must not turn each
 * bad message into a committed record: per key (event, reason, peer) the
 * first occurrence is recorded at once, later ones within the window are
 * only counted and recorded as one record with `count` when the window ends.
 * Keys are bounded; past the bound every new peer shares one key.
 *
 * Events used (no catalogue entry is specific to a malformed syslog frame):
 * net_conn_fail (reason `limit` for the connection and rate limits, `other`
 * with attrs.error for framing and decoding errors), tls_fail (handshake or
 * client certificate refused) and authz_fail (a seclog record from a sender
 * not authenticated as its device).
 */
import type { AttrValue, EventInput } from '@seclog/core';
import type { OwnEvent } from '../ingest/own-stream.js';

export interface Diagnostic {
  name: 'net_conn_fail' | 'tls_fail' | 'authz_fail';
  /** Grouping beyond the name and peer, e.g. the reason. */
  kind: string;
  peer: string;
  input: EventInput;
}

interface Window {
  first: Diagnostic;
  /** Occurrences after the first one, not yet recorded. */
  more: number;
  startMs: number;
}

/** Open windows at most: a flood from many (spoofed) peers costs at most twice this many records a window. */
const MAX_KEYS = 256;

export class SyslogDiagnostics {
  readonly #append: (e: OwnEvent) => Promise<unknown>;
  readonly #windowMs: number;
  readonly #windows = new Map<string, Window>();
  readonly #timer: NodeJS.Timeout;
  readonly #pending = new Set<Promise<unknown>>();
  readonly #onError: (err: unknown) => void;

  constructor(append: (e: OwnEvent) => Promise<unknown>, opts: { windowMs?: number; onError?: (err: unknown) => void } = {}) {
    this.#append = append;
    this.#windowMs = opts.windowMs ?? 60_000;
    this.#onError = opts.onError ?? (() => {});
    this.#timer = setInterval(() => this.#flush(false), Math.max(10, Math.floor(this.#windowMs / 2)));
    this.#timer.unref();
  }

  report(d: Diagnostic): void {
    let key = `${d.name}\0${d.kind}\0${d.peer}`;
    if (!this.#windows.has(key) && this.#windows.size >= MAX_KEYS) key = `${d.name}\0${d.kind}\0*`;
    const w = this.#windows.get(key);
    if (w !== undefined) {
      w.more++;
      return;
    }
    this.#windows.set(key, { first: d, more: 0, startMs: Date.now() });
    this.#emit(d, 1);
  }

  /** Records the counts still open and waits for every record to be committed. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#flush(true);
    await Promise.allSettled([...this.#pending]);
  }

  #flush(all: boolean): void {
    const now = Date.now();
    for (const [key, w] of this.#windows) {
      if (!all && now - w.startMs < this.#windowMs) continue;
      this.#windows.delete(key);
      if (w.more > 0) this.#emit(w.first, w.more, true);
    }
  }

  #emit(d: Diagnostic, count: number, repeat = false): void {
    const attrs: Record<string, AttrValue> = { ...(d.input.attrs ?? {}) };
    // net_conn_fail has a count attribute; the others say it in the message.
    if (d.name === 'net_conn_fail') attrs.count = count;
    const message = repeat
      ? `${d.input.message ?? d.name} (${count} more within ${Math.round(this.#windowMs / 1000)} s)`
      : (d.input.message ?? d.name);
    const p = this.#append({ name: d.name, input: { ...d.input, attrs, message } }).catch(this.#onError);
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }
}
