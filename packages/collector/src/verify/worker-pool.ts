/**
 * A small pool of verifier worker threads. Work is independent per item
 * until the sequential checks (links, the tree top, the proof), so the main
 * thread hands out chunks and consumes the replies in order; `run` returns a
 * promise per request, and the caller keeps them in a queue.
 *
 * From source (tests, `npm run bench`) the worker is a .ts file, and worker
 * threads do not inherit `--import tsx`: it is bundled once per process with
 * esbuild (tsx through its API transforms ~40 files per worker, seconds of
 * start-up), or else started through tsx's loader. Built, it is the .js
 * beside this one.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SeclogError } from '@seclog/core';
import type { ChunkTask } from './chunk-check.js';
import { bundleSourceEntry } from './source-bundle.js';

export type WorkerRequest =
  | { id: number; type: 'open'; db: string; sealed: string[] }
  | { id: number; type: 'chunk'; task: ChunkTask }
  | { id: number; type: 'lines'; bytes: Uint8Array }
  | { id: number; type: 'notes'; notes: string[]; origin: string; verifierKey: string };

/** A request without its id (the pool numbers them). */
export type WorkerTask = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; code: string | undefined } };

interface Slot {
  readonly worker: Worker;
  inFlight: number;
}

/** From source: the worker and its imports bundled once per process by esbuild (which tsx brings), else tsx's loader. */
let sourceEntry: Promise<string> | undefined;

function bundleSourceWorker(): Promise<string> {
  sourceEntry ??= (async () => {
    const target = fileURLToPath(new URL('./verify-worker.ts', import.meta.url));
    const outfile = await bundleSourceEntry(target, 'verify-worker').catch(() => undefined);
    if (outfile !== undefined) return `import(${JSON.stringify(pathToFileURL(outfile).href)});`;
    const tsx = import.meta.resolve('tsx/esm/api');
    return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(target).href)}); });`;
  })();
  return sourceEntry;
}

async function startWorker(): Promise<Worker> {
  if (import.meta.url.endsWith('.ts')) return new Worker(await bundleSourceWorker(), { eval: true });
  return new Worker(new URL('./verify-worker.js', import.meta.url));
}

export class WorkerPool {
  readonly #slots: Slot[] = [];
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; slot: Slot }>();
  #next = 1;
  #failed: Error | undefined;
  #closing = false;

  private constructor(workers: Worker[]) {
    for (const worker of workers) {
      const slot: Slot = { worker, inFlight: 0 };
      worker.on('message', (reply: WorkerReply) => this.#reply(reply));
      worker.on('error', (err) => this.#fail(err));
      worker.on('exit', (code) => {
        if (!this.#closing) this.#fail(new Error(`a verifier worker exited with code ${code}`));
      });
      this.#slots.push(slot);
    }
  }

  static async start(size: number): Promise<WorkerPool> {
    const workers: Worker[] = [];
    for (let i = 0; i < size; i++) workers.push(await startWorker());
    return new WorkerPool(workers);
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Runs `task` on the least busy worker (or on `worker` when given, e.g. to open a store on each). */
  run<T>(task: WorkerTask, transfer: ArrayBuffer[] = [], worker?: number): Promise<T> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    const slot = worker === undefined ? this.#slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a)) : (this.#slots[worker] as Slot);
    const id = this.#next++;
    slot.inFlight++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, slot });
      slot.worker.postMessage({ ...task, id }, transfer);
    });
  }

  /** The same task on every worker. */
  async each(task: WorkerTask): Promise<void> {
    await Promise.all(this.#slots.map((_, i) => this.run(task, [], i)));
  }

  #reply(reply: WorkerReply): void {
    const w = this.#waiting.get(reply.id);
    if (w === undefined) return;
    this.#waiting.delete(reply.id);
    w.slot.inFlight--;
    if (reply.ok) w.resolve(reply.result);
    else w.reject(new SeclogError('VERIFY_INPUT_INVALID', reply.error.message, { code: reply.error.code ?? null }));
  }

  #fail(err: Error): void {
    this.#failed ??= err;
    for (const w of this.#waiting.values()) w.reject(err);
    this.#waiting.clear();
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}
