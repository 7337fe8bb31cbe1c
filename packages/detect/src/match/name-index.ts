/**
 * Which event names a rule can possibly match. Most seclog rules select on
 * `name` (`name: authn_login_fail`); the engine indexes rules by the names
 * they require, so an event only meets the rules that could match it.
 *
 * The analysis is conservative: it returns a set only when every match of
 * the condition implies the (case-folded) event name is in it, and
 * `undefined` (no constraint) otherwise: under `not`, for wildcards,
 * modifiers other than plain equality, or `|cased`.
 */
import type { ConditionNode, Detection, FieldItem } from '../rule/types.js';

type Names = ReadonlySet<string> | undefined;

export function requiredNames(detection: Detection): Names {
  const identNames = new Map<string, Names>();
  for (const [name, ident] of detection.identifiers) {
    const alts = ident.alternatives.map((items) => intersectAll(items.map(itemNames)));
    identNames.set(name, unionAll(alts));
  }
  return condNames(detection.condition, (n) => identNames.get(n));
}

function itemNames(item: FieldItem): Names {
  if (item.path !== 'name') return undefined;
  const t = item.test;
  if (t.kind !== 'string' || t.match !== 'exact' || t.negate || t.cased || t.all) return undefined;
  const out = new Set<string>();
  for (const v of t.values) {
    // A wildcard or escape makes the value a pattern; only plain text is indexed.
    if (typeof v !== 'string' || /[*?\\]/.test(v)) return undefined;
    out.add(v.toLowerCase());
  }
  return out;
}

function condNames(node: ConditionNode, ident: (name: string) => Names): Names {
  switch (node.op) {
    case 'id':
      return ident(node.name);
    case 'not':
      return undefined;
    case 'and':
      return intersectAll(node.args.map((a) => condNames(a, ident)));
    case 'or':
      return unionAll(node.args.map((a) => condNames(a, ident)));
    case 'of': {
      const parts = node.names.map(ident);
      return node.quantifier === 'one' ? unionAll(parts) : intersectAll(parts);
    }
  }
}

/** AND: any constrained part constrains the whole. */
function intersectAll(parts: Names[]): Names {
  let acc: Set<string> | undefined;
  for (const p of parts) {
    if (p === undefined) continue;
    acc = acc === undefined ? new Set(p) : new Set([...acc].filter((n) => p.has(n)));
  }
  return acc;
}

/** OR: constrained only if every part is. */
function unionAll(parts: Names[]): Names {
  const acc = new Set<string>();
  for (const p of parts) {
    if (p === undefined) return undefined;
    for (const n of p) acc.add(n);
  }
  return acc;
}
