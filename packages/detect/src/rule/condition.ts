/**
 * Sigma conditions: `and`, `or`, `not`, brackets, `1 of <pattern>`,
 * `all of <pattern>`, `1 of them`, `all of them`.
 *
 * Precedence, least to most binding (Sigma rules specification, "Condition"):
 * or < and < not < x of < ( ). Operator words are matched case-insensitively.
 * Sigma 1 aggregations (`| count() by x > 5`) and `near` are refused with
 * their offset: correlation rules replace them.
 */
import type { ConditionNode } from './types.js';

export class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based offset in the condition text. */
    readonly offset: number,
    readonly kind: 'invalid' | 'unsupported',
    readonly construct?: string,
  ) {
    super(message);
  }
}

interface Token {
  readonly text: string;
  readonly lower: string;
  readonly offset: number;
  readonly kind: 'word' | '(' | ')';
}

const WORD = /[A-Za-z0-9_.\-*:]/;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ text: c, lower: c, offset: i, kind: c });
      i++;
      continue;
    }
    if (c === '|')
      throw new ConditionSyntaxError(
        `Sigma 1 aggregation "${text.slice(i).trim()}" is not supported: write a correlation rule (event_count, value_count) instead`,
        i,
        'unsupported',
        'aggregation',
      );
    if (WORD.test(c)) {
      const start = i;
      while (i < text.length && WORD.test(text[i]!)) i++;
      const w = text.slice(start, i);
      out.push({ text: w, lower: w.toLowerCase(), offset: start, kind: 'word' });
      continue;
    }
    throw new ConditionSyntaxError(`unexpected character ${JSON.stringify(c)}`, i, 'invalid');
  }
  return out;
}

const RESERVED = new Set(['and', 'or', 'not', 'of', 'them', 'near']);

/** Whether an identifier name matches a `1 of` pattern (`*` = any run of characters). */
export function matchesNamePattern(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}

/**
 * Parse a condition over the given search identifiers (in definition order).
 * Throws ConditionSyntaxError naming the offset.
 */
export function parseCondition(text: string, identifiers: readonly string[]): ConditionNode {
  const tokens = tokenize(text);
  let pos = 0;
  const known = new Set(identifiers);
  const peek = (): Token | undefined => tokens[pos];
  const endOffset = text.length;
  const at = (): number => peek()?.offset ?? endOffset;

  const expectEnd = (): void => {
    const t = peek();
    if (t !== undefined) throw new ConditionSyntaxError(`unexpected ${JSON.stringify(t.text)}`, t.offset, 'invalid');
  };

  const parseOr = (): ConditionNode => {
    const args = [parseAnd()];
    while (peek()?.lower === 'or') {
      pos++;
      args.push(parseAnd());
    }
    return args.length === 1 ? args[0]! : flatten('or', args);
  };
  const parseAnd = (): ConditionNode => {
    const args = [parseNot()];
    while (peek()?.lower === 'and') {
      pos++;
      args.push(parseNot());
    }
    return args.length === 1 ? args[0]! : flatten('and', args);
  };
  const parseNot = (): ConditionNode => {
    if (peek()?.lower === 'not') {
      pos++;
      return { op: 'not', arg: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): ConditionNode => {
    const t = peek();
    if (t === undefined) throw new ConditionSyntaxError('the condition ends where a search identifier was expected', endOffset, 'invalid');
    if (t.kind === '(') {
      pos++;
      const inner = parseOr();
      const close = peek();
      if (close?.kind !== ')') throw new ConditionSyntaxError('missing closing bracket', at(), 'invalid');
      pos++;
      return inner;
    }
    if (t.kind === ')') throw new ConditionSyntaxError('unexpected closing bracket', t.offset, 'invalid');
    const next = tokens[pos + 1];
    if (next?.lower === 'of') return parseOf(t);
    if (t.lower === 'near')
      throw new ConditionSyntaxError(
        'the Sigma 1 "near" operator is not supported: write a temporal correlation rule',
        t.offset,
        'unsupported',
        'near',
      );
    if (RESERVED.has(t.lower)) throw new ConditionSyntaxError(`unexpected ${JSON.stringify(t.text)}`, t.offset, 'invalid');
    if (t.text.includes('*'))
      throw new ConditionSyntaxError(`wildcard ${JSON.stringify(t.text)} is only allowed after "1 of" or "all of"`, t.offset, 'invalid');
    if (!known.has(t.text)) {
      const hint = identifiers.find((n) => n.toLowerCase() === t.lower);
      throw new ConditionSyntaxError(
        `unknown search identifier ${JSON.stringify(t.text)}${hint !== undefined ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`,
        t.offset,
        'invalid',
      );
    }
    pos++;
    return { op: 'id', name: t.text };
  };
  const parseOf = (q: Token): ConditionNode => {
    let quantifier: 'one' | 'all';
    if (q.lower === '1') quantifier = 'one';
    else if (q.lower === 'all') quantifier = 'all';
    else if (/^\d+$/.test(q.text))
      throw new ConditionSyntaxError(`"${q.text} of" is not supported: only "1 of" and "all of"`, q.offset, 'unsupported', `${q.text} of`);
    else throw new ConditionSyntaxError(`"${q.text} of": expected "1 of" or "all of"`, q.offset, 'invalid');
    pos += 2;
    const target = peek();
    if (target === undefined || target.kind !== 'word' || (RESERVED.has(target.lower) && target.lower !== 'them'))
      throw new ConditionSyntaxError('"of" must be followed by "them" or a search identifier pattern', at(), 'invalid');
    pos++;
    const them = target.lower === 'them';
    const names = them ? identifiers.filter((n) => !n.startsWith('_')) : identifiers.filter((n) => matchesNamePattern(target.text, n));
    if (names.length === 0)
      throw new ConditionSyntaxError(
        them ? '"them" selects no search identifier' : `pattern ${JSON.stringify(target.text)} matches no search identifier`,
        target.offset,
        'invalid',
      );
    return { op: 'of', quantifier, pattern: them ? 'them' : target.text, names };
  };

  if (tokens.length === 0) throw new ConditionSyntaxError('the condition is empty', 0, 'invalid');
  const tree = parseOr();
  expectEnd();
  return tree;
}

function flatten(op: 'and' | 'or', args: ConditionNode[]): ConditionNode {
  const out: ConditionNode[] = [];
  for (const a of args) {
    if (a.op === op) out.push(...a.args);
    else out.push(a);
  }
  return { op, args: out };
}

/** Every identifier a condition refers to, directly or through `of`. */
export function referencedNames(node: ConditionNode, into = new Set<string>()): Set<string> {
  switch (node.op) {
    case 'id':
      into.add(node.name);
      break;
    case 'not':
      referencedNames(node.arg, into);
      break;
    case 'and':
    case 'or':
      for (const a of node.args) referencedNames(a, into);
      break;
    case 'of':
      for (const n of node.names) into.add(n);
      break;
  }
  return into;
}

/** Evaluate a condition given each identifier's truth; the reference semantics the compiler must agree with. */
export function evaluateCondition(node: ConditionNode, value: (name: string) => boolean): boolean {
  switch (node.op) {
    case 'id':
      return value(node.name);
    case 'not':
      return !evaluateCondition(node.arg, value);
    case 'and':
      return node.args.every((a) => evaluateCondition(a, value));
    case 'or':
      return node.args.some((a) => evaluateCondition(a, value));
    case 'of':
      return node.quantifier === 'one' ? node.names.some(value) : node.names.every(value);
  }
}
