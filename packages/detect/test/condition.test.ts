import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type ConditionNode, ConditionSyntaxError, evaluateCondition, parseCondition } from '../src/index.js';

const names = ['selection', 'filter_a', 'filter_b', 'keywords', '_private'];

/** Compact text of a tree, for readable expectations. */
function show(n: ConditionNode): string {
  switch (n.op) {
    case 'id':
      return n.name;
    case 'not':
      return `(not ${show(n.arg)})`;
    case 'and':
    case 'or':
      return `(${n.args.map(show).join(` ${n.op} `)})`;
    case 'of':
      return `(${n.quantifier} of ${n.pattern} = ${n.names.join(',')})`;
  }
}

const cases: { name: string; input: string; want: string }[] = [
  { name: 'single identifier', input: 'selection', want: 'selection' },
  {
    name: 'not binds tighter than and, and tighter than or',
    input: 'not selection and keywords or filter_a',
    want: '(((not selection) and keywords) or filter_a)',
  },
  { name: 'or is least binding', input: 'selection or keywords and filter_a', want: '(selection or (keywords and filter_a))' },
  { name: 'brackets override precedence', input: 'selection and (keywords or filter_a)', want: '(selection and (keywords or filter_a))' },
  { name: 'not over brackets', input: 'not (selection or keywords)', want: '(not (selection or keywords))' },
  { name: 'double not', input: 'not not selection', want: '(not (not selection))' },
  { name: 'and chains flatten', input: 'selection and keywords and filter_a', want: '(selection and keywords and filter_a)' },
  { name: '1 of pattern', input: '1 of filter_*', want: '(one of filter_* = filter_a,filter_b)' },
  { name: 'all of pattern', input: 'all of filter*', want: '(all of filter* = filter_a,filter_b)' },
  {
    name: '1 of them skips underscore identifiers',
    input: '1 of them',
    want: `(one of them = ${names.filter((n) => !n.startsWith('_')).join(',')})`,
  },
  { name: 'all of them', input: 'all of them', want: `(all of them = selection,filter_a,filter_b,keywords)` },
  { name: 'pattern may name an underscore identifier', input: '1 of _priv*', want: '(one of _priv* = _private)' },
  {
    name: 'x of binds tighter than not',
    input: 'selection and not 1 of filter_*',
    want: '(selection and (not (one of filter_* = filter_a,filter_b)))',
  },
  {
    name: 'operators in upper case',
    input: 'selection AND NOT filter_a OR keywords',
    want: '((selection and (not filter_a)) or keywords)',
  },
  { name: 'newlines and tabs are spaces', input: 'selection\n\tand keywords', want: '(selection and keywords)' },
];
for (const c of cases) {
  test(`condition: ${c.name}`, () => {
    assert.equal(show(parseCondition(c.input, names)), c.want);
  });
}

const errors: { name: string; input: string; kind: 'invalid' | 'unsupported'; offset: number; message: RegExp }[] = [
  {
    name: 'unknown identifier',
    input: 'selection and selectoin',
    kind: 'invalid',
    offset: 14,
    message: /unknown search identifier "selectoin"/,
  },
  { name: 'case hint', input: 'Selection', kind: 'invalid', offset: 0, message: /did you mean "selection"/ },
  { name: 'missing bracket', input: '(selection or keywords', kind: 'invalid', offset: 22, message: /missing closing bracket/ },
  { name: 'stray bracket', input: 'selection)', kind: 'invalid', offset: 9, message: /unexpected "\)"/ },
  { name: 'dangling operator', input: 'selection and', kind: 'invalid', offset: 13, message: /ends where a search identifier/ },
  { name: 'empty', input: '  ', kind: 'invalid', offset: 0, message: /empty/ },
  { name: 'Sigma 1 aggregation', input: 'selection | count() by src > 5', kind: 'unsupported', offset: 10, message: /aggregation/ },
  { name: 'near', input: 'selection and near keywords', kind: 'unsupported', offset: 14, message: /near/ },
  { name: '2 of', input: '2 of filter_*', kind: 'unsupported', offset: 0, message: /"2 of" is not supported/ },
  { name: 'pattern matching nothing', input: '1 of nothing*', kind: 'invalid', offset: 5, message: /matches no search identifier/ },
  { name: 'wildcard without of', input: 'filter_*', kind: 'invalid', offset: 0, message: /only allowed after/ },
  { name: 'bad character', input: 'selection & keywords', kind: 'invalid', offset: 10, message: /unexpected character/ },
];
for (const c of errors) {
  test(`condition error: ${c.name}`, () => {
    assert.throws(
      () => parseCondition(c.input, names),
      (err: unknown) => {
        assert.ok(err instanceof ConditionSyntaxError);
        assert.equal(err.kind, c.kind);
        assert.equal(err.offset, c.offset);
        assert.match(err.message, c.message);
        return true;
      },
    );
  });
}

// Property: random expressions printed with minimal brackets (so precedence matters) parse back to
// trees that evaluate like the generated tree under a tiny reference evaluator.
type Gen = { t: 'id'; n: string } | { t: 'not'; a: Gen } | { t: 'and' | 'or'; a: Gen; b: Gen } | { t: 'of'; q: '1' | 'all'; p: string };

const identNames = ['a', 'b', 'c', 'sel_1', 'sel_2', 'flt'];
const genTree: fc.Arbitrary<Gen> = fc.letrec<{ node: Gen }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...identNames).map((n): Gen => ({ t: 'id', n })),
    fc
      .record({ q: fc.constantFrom('1' as const, 'all' as const), p: fc.constantFrom('sel_*', 'them', '*', 'a') })
      .map((r): Gen => ({ t: 'of', ...r })),
    tie('node').map((a): Gen => ({ t: 'not', a })),
    fc.record({ t: fc.constantFrom('and' as const, 'or' as const), a: tie('node'), b: tie('node') }),
  ),
})).node;

function prec(g: Gen): number {
  return g.t === 'or' ? 1 : g.t === 'and' ? 2 : g.t === 'not' ? 3 : 4;
}

function print(g: Gen, style: { upper: boolean; extraParens: boolean }): string {
  const kw = (k: string) => (style.upper ? k.toUpperCase() : k);
  const wrap = (child: Gen, min: number): string => {
    const s = print(child, style);
    return prec(child) < min || (style.extraParens && child.t !== 'id') ? `(${s})` : s;
  };
  switch (g.t) {
    case 'id':
      return g.n;
    case 'of':
      return `${g.q === '1' ? '1' : kw('all')} ${kw('of')} ${g.p}`;
    case 'not':
      return `${kw('not')} ${wrap(g.a, 3)}`;
    case 'and':
      return `${wrap(g.a, 2)} ${kw('and')} ${wrap(g.b, 3)}`;
    case 'or':
      return `${wrap(g.a, 1)} ${kw('or')} ${wrap(g.b, 2)}`;
  }
}

function reference(g: Gen, truth: Record<string, boolean>): boolean {
  const selected = (p: string) =>
    identNames.filter((n) => (p === 'them' ? !n.startsWith('_') : new RegExp(`^${p.replace(/\*/g, '.*')}$`).test(n)));
  switch (g.t) {
    case 'id':
      return truth[g.n]!;
    case 'of':
      return g.q === '1' ? selected(g.p).some((n) => truth[n]) : selected(g.p).every((n) => truth[n]);
    case 'not':
      return !reference(g.a, truth);
    case 'and':
      return reference(g.a, truth) && reference(g.b, truth);
    case 'or':
      return reference(g.a, truth) || reference(g.b, truth);
  }
}

test('property: printed conditions parse back to the same boolean function', () => {
  fc.assert(
    fc.property(
      genTree,
      fc.record(Object.fromEntries(identNames.map((n) => [n, fc.boolean()])) as Record<string, fc.Arbitrary<boolean>>),
      fc.boolean(),
      fc.boolean(),
      (tree, truth, upper, extraParens) => {
        const text = print(tree, { upper, extraParens });
        const parsed = parseCondition(text, identNames);
        assert.equal(
          evaluateCondition(parsed, (n) => truth[n]!),
          reference(tree, truth),
          text,
        );
      },
    ),
    { numRuns: 2000 },
  );
});
