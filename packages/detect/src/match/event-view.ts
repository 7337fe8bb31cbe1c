/**
 * One event as the compiled rules see it. Every field any rule names gets a
 * slot at load time; per event a slot's value, its text and its lower-cased
 * text are computed at most once, however many rules test it, and only when
 * a rule asks. Reset per event by bumping an epoch: no allocation for the
 * cache itself.
 */
import type { SecurityEvent } from '@seclog/core';
import { compileFieldPath } from '../field-aliases.js';
import { KEYWORD_PATHS } from '../fields/known-fields.js';

export class FieldSlots {
  readonly paths: string[] = [];
  readonly getters: ((record: unknown) => unknown)[] = [];
  private readonly index = new Map<string, number>();

  /** The slot for a seclog path (already alias-resolved). */
  slot(path: string): number {
    let i = this.index.get(path);
    if (i === undefined) {
      i = this.paths.length;
      this.index.set(path, i);
      this.paths.push(path);
      this.getters.push(compileFieldPath(path));
    }
    return i;
  }
}

/** The text form Sigma compares: strings as they are, numbers and booleans as written. */
export function textOf(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isFinite(v) ? String(v) : undefined;
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return undefined;
  }
}

/**
 * Lower case for Sigma's case-insensitive matching. Most record text is
 * already lower-case ASCII (names, addresses, ids); checking that is a scan,
 * while toLowerCase allocates a new string every time (measured ≈ 60 ns
 * a call either way on the dev machine), so the copy is made only when needed.
 */
export function foldCase(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return s.toLowerCase();
  }
  return s;
}

const keywordGetters = KEYWORD_PATHS.map((p) => compileFieldPath(p));

export class EventView {
  event: SecurityEvent | undefined;
  private epoch = 0;
  private readonly rawAt: Float64Array;
  private readonly rawVal: unknown[];
  private readonly textAt: Float64Array;
  private readonly textVal: (string | undefined)[];
  private readonly foldAt: Float64Array;
  private readonly foldVal: (string | undefined)[];
  private keywordsAt = -1;
  private readonly keywordRaw: string[] = [];
  private foldedKeywordsAt = -1;
  private readonly keywordFolded: string[] = [];

  constructor(private readonly slots: FieldSlots) {
    const n = slots.paths.length;
    this.rawAt = new Float64Array(n).fill(-1);
    this.textAt = new Float64Array(n).fill(-1);
    this.foldAt = new Float64Array(n).fill(-1);
    this.rawVal = new Array(n).fill(undefined);
    this.textVal = new Array(n).fill(undefined);
    this.foldVal = new Array(n).fill(undefined);
  }

  reset(event: SecurityEvent): void {
    this.event = event;
    this.epoch++;
  }

  raw(slot: number): unknown {
    if (this.rawAt[slot] !== this.epoch) {
      this.rawVal[slot] = this.slots.getters[slot]!(this.event);
      this.rawAt[slot] = this.epoch;
    }
    return this.rawVal[slot];
  }

  /** The value's text (undefined for absent, null, objects and lists). */
  text(slot: number): string | undefined {
    if (this.textAt[slot] !== this.epoch) {
      this.textVal[slot] = textOf(this.raw(slot));
      this.textAt[slot] = this.epoch;
    }
    return this.textVal[slot];
  }

  /** The value's text in lower case, for Sigma's default case-insensitive matching. */
  folded(slot: number): string | undefined {
    if (this.foldAt[slot] !== this.epoch) {
      const t = this.text(slot);
      this.foldVal[slot] = t === undefined ? undefined : foldCase(t);
      this.foldAt[slot] = this.epoch;
    }
    return this.foldVal[slot];
  }

  /** Texts a keyword search looks in: KEYWORD_PATHS and every attrs value. */
  keywordTexts(folded: boolean): readonly string[] {
    if (this.keywordsAt !== this.epoch) {
      const out = this.keywordRaw;
      out.length = 0;
      for (const g of keywordGetters) {
        const t = textOf(g(this.event));
        if (t !== undefined) out.push(t);
      }
      const attrs = this.event?.attrs;
      if (attrs !== undefined) {
        for (const k in attrs) {
          const t = textOf(attrs[k]);
          if (t !== undefined) out.push(t);
        }
      }
      this.keywordsAt = this.epoch;
    }
    if (!folded) return this.keywordRaw;
    if (this.foldedKeywordsAt !== this.epoch) {
      const out = this.keywordFolded;
      out.length = 0;
      for (const t of this.keywordRaw) out.push(foldCase(t));
      this.foldedKeywordsAt = this.epoch;
    }
    return this.keywordFolded;
  }
}
