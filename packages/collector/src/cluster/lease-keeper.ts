/**
 * Which collector of a shared PostgreSQL database is the integrator
 * (issue I item 2). Every node ingests and acknowledges after its own
 * commit; the holder of the `integrator` lease (store/pg/pg-lease.ts) also
 * appends the Merkle leaves, signs checkpoints, runs detection and sends
 * notifications. The keeper renews the lease while it leads and tries to take
 * it while it follows, on timers; the role switches go through `onLead` and
 * `onFollow`, one at a time.
 *
 * A leader also polls the store's event count: the other nodes' commits
 * reach it only through the database, not through its own group committer.
 *
 * Timings (the `cluster` settings; defaults): TTL 3 s, renewed every second, a follower tries every
 * 500 ms. A leader that is killed is replaced within TTL + one try; one that
 * stalls past its TTL is replaced too, and its next tree write fails the
 * fence, after which it follows.
 */
import { hostname } from 'node:os';
import type { LeaseState, PgLease } from '../store/pg/pg-lease.js';

export interface LeaseTimings {
  /** How long the lease lasts without a renewal, ms. */
  ttlMs: number;
  /** How often the holder renews it, ms (well under ttlMs). */
  renewMs: number;
  /** How often a follower tries to take it, ms. */
  tryMs: number;
  /** How often the holder looks for records other nodes committed, ms. */
  pollMs: number;
}

export const LEASE_DEFAULTS: Readonly<LeaseTimings> = Object.freeze({ ttlMs: 3000, renewMs: 1000, tryMs: 500, pollMs: 200 });

/** The lease name the integrator role is held under. */
export const INTEGRATOR_LEASE = 'integrator';

/** A name for this process in the lease row: host, pid and a random suffix, so a restarted process is another holder. */
export function nodeName(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

export type ClusterRole = 'leader' | 'follower';

export interface LeaseKeeperOptions {
  lease: PgLease;
  timings?: Partial<LeaseTimings>;
  /** Became the holder: catch up, start detection and notifications. A throw is warned and the lease released. */
  onLead: () => Promise<void> | void;
  /** Lost the lease (or stopping): stop writing. */
  onFollow: () => Promise<void> | void;
  /** The holder's periodic look at other nodes' commits (integrator.integrate). */
  onPoll: () => void;
  /** Role changes, with the lease term (metrics, logs). */
  onRole?: (role: ClusterRole, term: number | undefined) => void;
  warn?: (message: string, err?: unknown) => void;
}

export class LeaseKeeper {
  readonly #opts: LeaseKeeperOptions;
  readonly #t: LeaseTimings;
  #role: ClusterRole = 'follower';
  #timer: NodeJS.Timeout | undefined;
  #poller: NodeJS.Timeout | undefined;
  /** The role switch in progress: ticks wait for it. */
  #busy: Promise<void> | undefined;
  #stopped = false;
  #running = false;
  /** Role changes since start (metrics). */
  transitions = 0;
  /** ms since the epoch when this node last became the leader. */
  leadingSinceMs: number | undefined;

  constructor(opts: LeaseKeeperOptions) {
    this.#opts = opts;
    this.#t = { ...LEASE_DEFAULTS, ...opts.timings };
    if (this.#t.renewMs * 2 > this.#t.ttlMs) throw new RangeError('the lease must be renewed at least twice per TTL');
  }

  get role(): ClusterRole {
    return this.#role;
  }

  get holder(): string {
    return this.#opts.lease.holder;
  }

  get term(): number | undefined {
    return this.#opts.lease.term;
  }

  /** The stored lease (who holds it, until when). */
  state(): LeaseState | undefined {
    return this.#opts.lease.read();
  }

  /**
   * Start-up: tries once to take the lease, without calling onLead or onFollow (the caller
   * starts as leader or follower on the answer). The timers start with run(), once the
   * collector is built; meanwhile the integrator's fenced writes renew the lease.
   */
  acquireOnce(): ClusterRole {
    let got = false;
    try {
      got = this.#opts.lease.tryAcquire();
    } catch (err) {
      this.#warn('could not reach the lease', err);
    }
    this.#setRole(got ? 'leader' : 'follower');
    return this.#role;
  }

  /** Starts renewing (leader) or trying (follower), and the leader's poll. */
  run(): void {
    this.#running = true;
    this.#startPoller();
    this.#arm();
  }

  /** Called when a tree write was refused by the fence: step down now rather than at the next renewal. */
  fenced(): void {
    if (this.#role === 'leader' && this.#opts.lease.term === undefined) void this.#switch(() => this.#stepDown());
  }

  /** Shutdown, first step: no more renewals, tries or role switches (the role stays as it is). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#poller);
    await this.#busy;
  }

  /** Shutdown, last step (after the final checkpoint): lets the lease expire now, so another node takes it at its next try. */
  release(): void {
    if (this.#role !== 'leader') return;
    try {
      this.#opts.lease.release();
    } catch (err) {
      this.#warn('could not release the lease', err);
    }
  }

  #arm(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), this.#role === 'leader' ? this.#t.renewMs : this.#t.tryMs);
    this.#timer.unref();
  }

  #setRole(role: ClusterRole): void {
    if (role !== this.#role) this.transitions++;
    this.#role = role;
    if (role === 'leader') this.leadingSinceMs = Date.now();
    this.#startPoller();
    this.#opts.onRole?.(role, this.#opts.lease.term);
  }

  #startPoller(): void {
    clearInterval(this.#poller);
    this.#poller = undefined;
    if (this.#role !== 'leader' || !this.#running || this.#stopped) return;
    this.#poller = setInterval(() => this.#poll(), this.#t.pollMs);
    this.#poller.unref();
  }

  #poll(): void {
    if (this.#busy !== undefined || this.#role !== 'leader') return;
    try {
      this.#opts.onPoll();
    } catch (err) {
      this.#warn('integrating failed', err);
    }
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    if (this.#busy !== undefined) await this.#busy;
    try {
      if (this.#role === 'leader') {
        if (!this.#opts.lease.renew()) await this.#switch(() => this.#stepDown());
      } else if (this.#opts.lease.tryAcquire()) {
        await this.#switch(() => this.#stepUp());
      }
    } catch (err) {
      // The database is unreachable: a leader keeps its role until the lease is gone (its writes fail meanwhile).
      this.#warn('lease renewal failed', err);
    }
    this.#arm();
  }

  #switch(fn: () => Promise<void>): Promise<void> {
    const run = (this.#busy ?? Promise.resolve()).then(fn).finally(() => {
      if (this.#busy === run) this.#busy = undefined;
    });
    this.#busy = run;
    return run;
  }

  async #stepUp(): Promise<void> {
    if (this.#stopped) return;
    this.#setRole('leader');
    try {
      await this.#opts.onLead();
    } catch (err) {
      this.#warn('taking over as integrator failed; letting the lease go', err);
      try {
        this.#opts.lease.release();
      } catch {
        // expires on its own
      }
      await this.#stepDown();
    }
  }

  async #stepDown(): Promise<void> {
    if (this.#role !== 'leader') return;
    this.#setRole('follower');
    try {
      await this.#opts.onFollow();
    } catch (err) {
      this.#warn('stepping down failed', err);
    }
  }

  #warn(message: string, err?: unknown): void {
    if (this.#opts.warn !== undefined) this.#opts.warn(message, err);
    else process.emitWarning(`cluster: ${message}${err === undefined ? '' : `: ${(err as Error).message}`}`, { code: 'SECLOG_CLUSTER' });
  }
}
