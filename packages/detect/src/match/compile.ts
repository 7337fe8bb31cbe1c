/**
 * Detection → predicate over an EventView. Everything that can be decided at
 * load is: wildcard shapes, lower-cased literals, sets for lists of exact
 * values, RegExps, CIDR masks, field slots. Per event the predicates only
 * read slots and compare.
 *
 * Value semantics (Sigma rules specification, "General" and "Special Field
 * Values"), as seclog applies them to its records:
 * - values compare as text, case-insensitively unless `|cased`; a number in a
 *   rule equals a number or numeric text with the same digits;
 * - `null` matches an absent field; `''` matches only an empty string;
 * - a list field (`redacted`) matches when any element does;
 * - `|neq` matches a present field that matches none of the values;
 * - `|gt` and friends compare numbers; text that is a decimal number counts;
 * - `|re` searches (unanchored) the field's text, case-sensitively unless `|i`;
 * - `|exists: true` holds for any present value (null included).
 */
import { KNOWN_PATHS } from '../fields/known-fields.js';
import type { ConditionNode, Detection, FieldItem, FieldTest, SigmaScalar } from '../rule/types.js';
import { type CompiledCidr, cidrContains, compileCidr } from './cidr.js';
import { type EventView, type FieldSlots, foldCase, textOf } from './event-view.js';
import { applyMatchKind, compilePattern, type StringTest, tokenizeSigmaString } from './wildcard.js';

export type Predicate = (view: EventView) => boolean;

const NEVER: Predicate = () => false;

/** Paths whose values are never lists or objects, so the fast scalar path applies. */
const OBJECT_PATHS = new Set(['device', 'actor', 'target', 'attrs', 'tq', 'redacted']);
function isScalarPath(path: string): boolean {
  return (KNOWN_PATHS.has(path) && !OBJECT_PATHS.has(path)) || path.startsWith('attrs.');
}

const NUMERIC_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

export function compileDetection(detection: Detection, slots: FieldSlots): Predicate {
  const idents = new Map<string, Predicate>();
  for (const [name, ident] of detection.identifiers) {
    const alts = ident.alternatives.map((items) => all(items.map((i) => compileItem(i, slots))));
    idents.set(name, any(alts));
  }
  return compileCondition(detection.condition, (name) => idents.get(name) ?? NEVER);
}

export function compileCondition(node: ConditionNode, ident: (name: string) => Predicate): Predicate {
  switch (node.op) {
    case 'id':
      return ident(node.name);
    case 'not': {
      const a = compileCondition(node.arg, ident);
      return (v) => !a(v);
    }
    case 'and':
      return all(node.args.map((a) => compileCondition(a, ident)));
    case 'or':
      return any(node.args.map((a) => compileCondition(a, ident)));
    case 'of': {
      const parts = node.names.map(ident);
      return node.quantifier === 'one' ? any(parts) : all(parts);
    }
  }
}

function all(ps: Predicate[]): Predicate {
  if (ps.length === 1) return ps[0]!;
  if (ps.length === 2) {
    const [a, b] = ps as [Predicate, Predicate];
    return (v) => a(v) && b(v);
  }
  return (v) => {
    for (let i = 0; i < ps.length; i++) if (!ps[i]!(v)) return false;
    return true;
  };
}

function any(ps: Predicate[]): Predicate {
  if (ps.length === 1) return ps[0]!;
  if (ps.length === 2) {
    const [a, b] = ps as [Predicate, Predicate];
    return (v) => a(v) || b(v);
  }
  return (v) => {
    for (let i = 0; i < ps.length; i++) if (ps[i]!(v)) return true;
    return false;
  };
}

/** A test of one scalar value (never undefined/null: those are handled by the caller). */
type ScalarTest = (value: unknown) => boolean;

export function compileItem(item: FieldItem, slots: FieldSlots): Predicate {
  if (item.path === undefined) return compileKeywords(item.test);
  const slot = slots.slot(item.path);
  const test = item.test;
  if (test.kind === 'exists') return test.exists ? (v) => v.raw(slot) !== undefined : (v) => v.raw(slot) === undefined;

  // Fast path: a scalar field, plain string values, no null and no negation.
  if (test.kind === 'string' && !test.negate && !test.values.includes(null) && isScalarPath(item.path)) {
    const matchers = stringMatchers(test);
    const cased = test.cased;
    const exactSet =
      !test.all && matchers.every((m) => m.exact !== undefined) && matchers.length > 3 ? new Set(matchers.map((m) => m.exact!)) : undefined;
    if (exactSet !== undefined) {
      return cased
        ? (v) => {
            const s = v.text(slot);
            return s !== undefined && exactSet.has(s);
          }
        : (v) => {
            const s = v.folded(slot);
            return s !== undefined && exactSet.has(s);
          };
    }
    if (matchers.length === 1) {
      const m = matchers[0]!.test;
      return cased
        ? (v) => {
            const s = v.text(slot);
            return s !== undefined && m(s);
          }
        : (v) => {
            const s = v.folded(slot);
            return s !== undefined && m(s);
          };
    }
    const tests = matchers.map((m) => m.test);
    const every = test.all;
    return (v) => {
      const s = cased ? v.text(slot) : v.folded(slot);
      if (s === undefined) return false;
      if (every) {
        for (let i = 0; i < tests.length; i++) if (!tests[i]!(s)) return false;
        return true;
      }
      for (let i = 0; i < tests.length; i++) if (tests[i]!(s)) return true;
      return false;
    };
  }

  // General path: any value shape.
  const { tests, nullMatches, every, negate } = scalarTests(test);
  const one = (x: unknown, t: ScalarTest): boolean => {
    if (Array.isArray(x)) {
      for (const e of x) if (e !== null && e !== undefined && t(e)) return true;
      return false;
    }
    return t(x);
  };
  return (v) => {
    const x = v.raw(slot);
    const absent = x === undefined || x === null;
    if (negate) {
      if (absent) return false;
      // A null among the values only ever matches an absent field, so it cannot veto a present one.
      for (const t of tests) if (one(x, t)) return false;
      return true;
    }
    if (absent) return every ? tests.length === 0 && nullMatches : nullMatches;
    if (every) {
      if (nullMatches) return false;
      for (const t of tests) if (!one(x, t)) return false;
      return true;
    }
    for (const t of tests) if (one(x, t)) return true;
    return false;
  };
}

interface CompiledString {
  readonly test: StringTest;
  readonly exact: string | undefined;
}

function stringMatchers(test: Extract<FieldTest, { kind: 'string' }>): CompiledString[] {
  return test.values
    .filter((v): v is Exclude<SigmaScalar, null> => v !== null)
    .map((v) => {
      const tokens = typeof v === 'string' ? tokenizeSigmaString(v) : [{ lit: textOf(v)! }];
      return compilePattern(applyMatchKind(tokens, test.match), test.cased);
    });
}

function scalarTests(test: Exclude<FieldTest, { kind: 'exists' }>): {
  tests: ScalarTest[];
  nullMatches: boolean;
  every: boolean;
  negate: boolean;
} {
  switch (test.kind) {
    case 'string': {
      const cased = test.cased;
      const tests = stringMatchers(test).map((m): ScalarTest => {
        const t = m.test;
        return (x) => {
          const s = textOf(x);
          return s !== undefined && t(cased ? s : foldCase(s));
        };
      });
      return { tests, nullMatches: test.values.includes(null), every: test.all, negate: test.negate };
    }
    case 're': {
      const tests = test.patterns.map((p): ScalarTest => {
        const re = new RegExp(p.source, p.flags);
        return (x) => {
          const s = textOf(x);
          return s !== undefined && re.test(s);
        };
      });
      return { tests, nullMatches: false, every: test.all, negate: test.negate };
    }
    case 'cidr': {
      const tests = test.cidrs.map((c): ScalarTest => {
        const cidr = compileCidr(c) as CompiledCidr;
        return (x) => typeof x === 'string' && cidrContains(cidr, x);
      });
      return { tests, nullMatches: false, every: test.all, negate: test.negate };
    }
    case 'compare': {
      const tests = test.values.map((n): ScalarTest => {
        const cmp =
          test.op === 'gt'
            ? (x: number) => x > n
            : test.op === 'gte'
              ? (x: number) => x >= n
              : test.op === 'lt'
                ? (x: number) => x < n
                : (x: number) => x <= n;
        return (x) => {
          if (typeof x === 'number') return cmp(x);
          return typeof x === 'string' && NUMERIC_TEXT.test(x) && cmp(Number(x));
        };
      });
      return { tests, nullMatches: false, every: test.all, negate: false };
    }
  }
}

function compileKeywords(test: FieldTest): Predicate {
  let tests: StringTest[];
  let folded: boolean;
  if (test.kind === 're') {
    tests = test.patterns.map((p) => {
      const re = new RegExp(p.source, p.flags);
      return (s: string) => re.test(s);
    });
    folded = false;
  } else if (test.kind === 'string') {
    tests = stringMatchers(test).map((m) => m.test);
    folded = !test.cased;
  } else throw new Error(`keyword test of kind ${test.kind}`);
  const every = test.all;
  const found = (texts: readonly string[], t: StringTest): boolean => {
    for (let i = 0; i < texts.length; i++) if (t(texts[i]!)) return true;
    return false;
  };
  return (v) => {
    const texts = v.keywordTexts(folded);
    if (every) {
      for (const t of tests) if (!found(texts, t)) return false;
      return true;
    }
    for (const t of tests) if (found(texts, t)) return true;
    return false;
  };
}
