/**
 * A thin cursor over the `yaml` package's node tree that remembers where each
 * node came from, so every error and warning can name its line and YAML path.
 */
import { type ErrorCode, SeclogError } from '@seclog/core';
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { RuleWarning, SourcePos } from './types.js';

export interface DocContext {
  readonly source: string;
  readonly lines: LineCounter;
  readonly doc: Document.Parsed;
  readonly warnings: RuleWarning[];
}

export class YNode {
  constructor(
    readonly ctx: DocContext,
    readonly node: Node | null,
    /** YAML path for messages, e.g. `detection.selection.name|contains`. */
    readonly path: string,
    /** Offset to report when the node itself has no range (an absent value). */
    private readonly fallbackOffset = 0,
  ) {}

  pos(): SourcePos {
    const offset = this.node?.range?.[0] ?? this.fallbackOffset;
    const { line, col } = this.ctx.lines.linePos(offset);
    return { source: this.ctx.source, line: Math.max(line, 1), column: Math.max(col, 1) };
  }

  fail(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): never {
    throw this.error(code, message, extra);
  }

  /** The error `fail` throws; `throw node.error(…)` lets TypeScript narrow after it. */
  error(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): SeclogError {
    const p = this.pos();
    return new SeclogError(code, `${p.source}:${p.line}:${p.column}: ${this.path ? `${this.path}: ` : ''}${message}`, {
      source: p.source,
      line: p.line,
      column: p.column,
      path: this.path,
      ...extra,
    });
  }

  warn(code: string, message: string): void {
    this.ctx.warnings.push({ code, message: `${this.path ? `${this.path}: ` : ''}${message}`, pos: this.pos() });
  }

  /** The node after following a YAML alias (`*anchor`). */
  private resolved(): Node | null {
    let n = this.node;
    for (let i = 0; n !== null && isAlias(n) && i < 16; i++) n = (n.resolve(this.ctx.doc) as Node | undefined) ?? null;
    return n;
  }

  isMap(): boolean {
    return isMap(this.resolved());
  }
  isSeq(): boolean {
    return isSeq(this.resolved());
  }
  /** A scalar or an absent value (`key:` with nothing after it is null). */
  isScalar(): boolean {
    const n = this.resolved();
    return n === null || isScalar(n);
  }

  /** The scalar's value (null for an empty value); fails on a map or list. */
  scalar(): unknown {
    const n = this.resolved();
    if (n === null) return null;
    if (!isScalar(n)) this.fail('RULE_INVALID', `expected a single value, got a ${isMap(n) ? 'map' : 'list'}`);
    return n.value;
  }

  string(): string {
    const v = this.scalar();
    if (typeof v !== 'string') this.fail('RULE_INVALID', `expected a string, got ${describe(v)}`);
    return v;
  }

  optionalString(): string | undefined {
    return this.node === null ? undefined : this.string();
  }

  boolean(): boolean {
    const v = this.scalar();
    if (typeof v !== 'boolean') this.fail('RULE_INVALID', `expected true or false, got ${describe(v)}`);
    return v;
  }

  /** Entries of a map, keys as strings, in document order. */
  entries(): YEntry[] {
    const n = this.resolved();
    if (!isMap(n)) this.fail('RULE_INVALID', `expected a map, got ${this.kindName()}`);
    const out: YEntry[] = [];
    for (const pair of n.items) {
      const rawKey = new YNode(this.ctx, (pair.key as Node | null) ?? null, this.path, n.range?.[0] ?? 0);
      const k = rawKey.scalar();
      if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'boolean')
        rawKey.fail('RULE_INVALID', `a map key must be a plain value, got ${describe(k)}`);
      const key = String(k);
      const path = this.path ? `${this.path}.${key}` : key;
      const keyNode = new YNode(this.ctx, (pair.key as Node | null) ?? null, path, n.range?.[0] ?? 0);
      const keyEnd = (pair.key as Node | null)?.range?.[1] ?? rawKey.fallbackOffset;
      const value = new YNode(this.ctx, (pair.value as Node | null) ?? null, path, keyEnd);
      out.push({ key, keyNode, value });
    }
    return out;
  }

  /** A map's entries by key (keys are unique: the parser refuses duplicates). */
  fields(): Map<string, YEntry> {
    return new Map(this.entries().map((e) => [e.key, e]));
  }

  items(): YNode[] {
    const n = this.resolved();
    if (!isSeq(n)) this.fail('RULE_INVALID', `expected a list, got ${this.kindName()}`);
    return n.items.map((item, i) => new YNode(this.ctx, (item as Node | null) ?? null, `${this.path}[${i}]`, n.range?.[0] ?? 0));
  }

  /** A list of strings, or one string standing for a list of one. */
  stringList(): string[] {
    if (this.isSeq()) return this.items().map((i) => i.string());
    return [this.string()];
  }

  kindName(): string {
    const n = this.resolved();
    if (n === null) return 'nothing';
    if (isMap(n)) return 'a map';
    if (isSeq(n)) return 'a list';
    return describe((n as { value?: unknown }).value);
  }
}

export interface YEntry {
  readonly key: string;
  readonly keyNode: YNode;
  readonly value: YNode;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'a map or list';
  return `${typeof v} ${String(v)}`;
}
