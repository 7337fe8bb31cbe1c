/**
 * Checks a Sigma `|re` value before it becomes a JavaScript RegExp.
 *
 * Sigma's regex flavour is a PCRE subset (`.`, anchors, `* + ? {n,m}`,
 * classes, groups, alternation); rules from PCRE-land often start with an
 * inline flag group like `(?i)`, which JavaScript (Node 20) lacks, so a
 * leading one is turned into RegExp flags. Everything outside the subset that
 * JavaScript would read differently or that invites catastrophic
 * backtracking is refused, naming the construct:
 *
 * - back-references (`\1`, `\k<n>`) and look-around (`(?=`, `(?!`, `(?<=`, `(?<!`);
 * - inline flags anywhere but the start, atomic groups, `(?P<name>`;
 * - nested unbounded repetition (`(a+)+`, `(\w*x)*`), the classic
 *   exponential case. This is a heuristic: overlapping alternatives inside a
 *   repeated group (`(a|a)*`) are not detected; rule authors are trusted
 *   (changing rules is a privileged, logged action) and attacker-controlled
 *   field values are size-limited by the event model.
 */

export interface RegexCheck {
  readonly source: string;
  readonly flags: readonly string[];
}

export const MAX_REGEX_LENGTH = 4096;

/** Counted repetitions above this bound are treated like `*` for the nesting check. */
const SMALL_REPEAT = 10;

/** The regex to compile plus flags from a leading `(?i)` group, or the construct that is refused. */
export function checkSigmaRegex(pattern: string): RegexCheck | { unsupported: string } | { invalid: string } {
  if (pattern.length > MAX_REGEX_LENGTH) return { invalid: `longer than ${MAX_REGEX_LENGTH} characters` };
  let source = pattern;
  const flags: string[] = [];
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (lead !== null) {
    for (const f of lead[1]!) {
      if (f !== 'i' && f !== 'm' && f !== 's') return { unsupported: `inline flag (?${f}) (only i, m and s are supported)` };
      if (!flags.includes(f)) flags.push(f);
    }
    source = source.slice(lead[0].length);
  }
  const problem = scan(source);
  if (problem !== undefined) return { unsupported: problem };
  try {
    new RegExp(source, flags.join(''));
  } catch (err) {
    return { invalid: `not a valid regular expression: ${(err as Error).message}` };
  }
  return { source, flags };
}

interface Frame {
  /** The group holds an unbounded repetition somewhere inside. */
  repeats: boolean;
}

function scan(s: string): string | undefined {
  const stack: Frame[] = [{ repeats: false }];
  let i = 0;
  // What the last atom was: a closed group (with its frame) or something else.
  let lastGroup: Frame | undefined;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1];
      if (n !== undefined && n >= '1' && n <= '9') return `back-reference \\${n}`;
      if (n === 'k' && s[i + 2] === '<') return 'named back-reference \\k<…>';
      i += 2;
      lastGroup = undefined;
      continue;
    }
    if (c === '[') {
      i = skipClass(s, i);
      lastGroup = undefined;
      continue;
    }
    if (c === '(') {
      if (s[i + 1] === '?') {
        const rest = s.slice(i + 2, i + 4);
        if (rest.startsWith(':')) i += 3;
        else if (rest.startsWith('=') || rest.startsWith('!')) return `look-ahead (?${rest[0]}`;
        else if (rest === '<=' || rest === '<!') return `look-behind (?${rest}`;
        else if (rest.startsWith('<')) i += 3;
        else if (rest.startsWith('P')) return 'Python-style named group (?P<…> (use (?<name>…))';
        else if (rest.startsWith('>')) return 'atomic group (?>…)';
        else return `group modifier (?${rest[0] ?? ''} (inline flags are only supported at the very start)`;
      } else i += 1;
      stack.push({ repeats: false });
      lastGroup = undefined;
      continue;
    }
    if (c === ')') {
      const frame = stack.length > 1 ? stack.pop()! : { repeats: false };
      i += 1;
      lastGroup = frame;
      stack[stack.length - 1]!.repeats ||= frame.repeats;
      continue;
    }
    const q = quantifier(s, i);
    if (q !== undefined) {
      if (q.unbounded) {
        if (lastGroup?.repeats === true) return 'nested repetition such as (a+)+, which can take exponential time';
        stack[stack.length - 1]!.repeats = true;
      }
      i = q.end;
      lastGroup = undefined;
      continue;
    }
    i += 1;
    lastGroup = undefined;
  }
  return undefined;
}

function skipClass(s: string, start: number): number {
  let i = start + 1;
  if (s[i] === '^') i++;
  while (i < s.length) {
    if (s[i] === '\\') i += 2;
    else if (s[i] === ']') return i + 1;
    else i++;
  }
  return i;
}

function quantifier(s: string, i: number): { end: number; unbounded: boolean } | undefined {
  const c = s[i];
  let end: number;
  let unbounded: boolean;
  if (c === '*' || c === '+') {
    end = i + 1;
    unbounded = true;
  } else if (c === '?') {
    end = i + 1;
    unbounded = false;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(i));
    if (m === null) return undefined;
    end = i + m[0].length;
    unbounded = m[2] !== undefined && (m[3] === '' || Number(m[3]) > SMALL_REPEAT);
    if (m[2] === undefined && Number(m[1]) > SMALL_REPEAT) unbounded = true;
  } else return undefined;
  if (s[end] === '?') end++; // lazy
  return { end, unbounded };
}
