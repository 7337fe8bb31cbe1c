/**
 * Sigma string values: `*` and `?` wildcards with backslash escapes, folded
 * to lower case unless `|cased`. Patterns are classified at rule load so the
 * common shapes (equals, prefix, suffix, substring) never touch a RegExp.
 *
 * Escapes (Sigma rules specification, "Escaping"): `\*` and `\?` are literal
 * wildcard characters, `\\` is one backslash, and a backslash before anything
 * else is itself (so `C:\Windows` and `C:\\Windows` are the same value).
 */
import type { StringMatchKind } from '../rule/types.js';

/** A literal run or a wildcard, in order. */
export type PatternToken = { readonly lit: string } | { readonly any: true } | { readonly one: true };

export function tokenizeSigmaString(value: string): PatternToken[] {
  const out: PatternToken[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit !== '') out.push({ lit });
    lit = '';
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      const n = value[i + 1];
      if (n === '*' || n === '?' || n === '\\') {
        lit += n;
        i++;
      } else lit += '\\';
    } else if (c === '*') {
      flush();
      // `**` is the same as `*`.
      if (!('any' in (out[out.length - 1] ?? {}))) out.push({ any: true });
    } else if (c === '?') {
      flush();
      out.push({ one: true });
    } else lit += c;
  }
  flush();
  return out;
}

/** Wrap a pattern per the contains/startswith/endswith modifiers. */
export function applyMatchKind(tokens: PatternToken[], kind: StringMatchKind): PatternToken[] {
  const out = tokens.slice();
  const isAny = (t: PatternToken | undefined): boolean => t !== undefined && 'any' in t;
  if ((kind === 'contains' || kind === 'endswith') && !isAny(out[0])) out.unshift({ any: true });
  if ((kind === 'contains' || kind === 'startswith') && !isAny(out[out.length - 1])) out.push({ any: true });
  return out;
}

/** A compiled string test over an already case-folded (or, when cased, raw) field text. */
export type StringTest = (text: string) => boolean;

export interface CompiledPattern {
  readonly test: StringTest;
  /** The literal when the pattern has no wildcard (for indexing on exact values). */
  readonly exact: string | undefined;
}

export function compilePattern(tokens: readonly PatternToken[], cased: boolean): CompiledPattern {
  const fold = (s: string): string => (cased ? s : s.toLowerCase());
  const shape = tokens.map((t) => ('lit' in t ? 'L' : 'any' in t ? '*' : '?')).join('');
  const lit = (i: number): string => fold((tokens[i] as { lit: string }).lit);
  switch (shape) {
    case '':
      return { test: (s) => s === '', exact: '' };
    case 'L': {
      const l = lit(0);
      return { test: (s) => s === l, exact: l };
    }
    case '*':
      return { test: () => true, exact: undefined };
    case 'L*': {
      const l = lit(0);
      return { test: (s) => s.startsWith(l), exact: undefined };
    }
    case '*L': {
      const l = lit(1);
      return { test: (s) => s.endsWith(l), exact: undefined };
    }
    case '*L*': {
      const l = lit(1);
      return { test: (s) => s.includes(l), exact: undefined };
    }
    default: {
      let src = '^';
      for (const t of tokens) {
        if ('lit' in t) src += fold(t.lit).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        else src += 'any' in t ? '[\\s\\S]*' : '[\\s\\S]';
      }
      // `u`: a `?` stands for one character, not one UTF-16 unit.
      const re = new RegExp(`${src}$`, 'u');
      return { test: (s) => re.test(s), exact: undefined };
    }
  }
}
