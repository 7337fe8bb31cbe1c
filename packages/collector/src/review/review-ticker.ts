/**
 * Runs ReviewService.tick every reviews.checkIntervalMs on the server: one
 * tick at a time (a slow one is not overlapped), errors reported, never
 * thrown; stop() waits for the tick in flight, so the store outlives it.
 */
import type { ReviewService } from './review-service.js';

export class ReviewTicker {
  readonly #reviews: ReviewService;
  readonly #intervalMs: number;
  readonly #warn: (message: string, err: unknown) => void;
  readonly #active: () => boolean;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  /** `active`: false skips the tick (a collector following another's lease leaves it to the leader). */
  constructor(
    reviews: ReviewService,
    intervalMs: number,
    warn: (message: string, err: unknown) => void,
    active: () => boolean = () => true,
  ) {
    this.#reviews = reviews;
    this.#intervalMs = intervalMs;
    this.#warn = warn;
    this.#active = active;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      void this.tick();
    }, this.#intervalMs).unref();
  }

  /** One tick now, unless one is running (then that one's promise). */
  tick(): Promise<void> {
    if (this.#running !== undefined || !this.#active()) return this.#running ?? Promise.resolve();
    this.#running = this.#reviews
      .tick()
      .then(
        () => undefined,
        (err: unknown) => this.#warn('reviews: the overdue check or a pending review record failed', err),
      )
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
