/**
 * A rule set: every document of every file, linked. Correlations are
 * resolved to the rules they name (by id or name), ordered so that a
 * correlation comes after every correlation it builds on, and their group-by
 * fields are resolved per referenced rule (through `aliases`). Anything that
 * would make evaluation guess is an error here, before an event is seen.
 */
import { SeclogError } from '@seclog/core';
import { resolveFieldPath } from '../field-aliases.js';
import { isKnownField, suggestField } from '../fields/known-fields.js';
import { type ParseRuleFileOptions, parseRuleFile } from './parse-file.js';
import type { CorrelationRule, DetectionRule, FilterRule, ParsedRuleFile, RuleWarning, SigmaDocument, SourcePos } from './types.js';

export type RuleDoc = DetectionRule | CorrelationRule;

/** How a correlation reads a group-by (or value) field from each rule it names. */
export interface ResolvedSource {
  /** The reference as written in `rules`. */
  readonly ref: string;
  readonly rule: RuleDoc;
  /** Per group-by entry: the field to read (detection source) or the index into the inner group (correlation source). */
  readonly groupFields: readonly (string | number)[];
  /** value_count: per value field, as above. */
  readonly valueFields: readonly (string | number)[];
}

export interface LinkedCorrelation {
  readonly rule: CorrelationRule;
  readonly sources: readonly ResolvedSource[];
}

export interface RuleSet {
  readonly detections: readonly DetectionRule[];
  /** Inner correlations before the ones that build on them. */
  readonly correlations: readonly LinkedCorrelation[];
  readonly filters: readonly FilterRule[];
  /** Filters per detection rule key. */
  readonly filtersFor: ReadonlyMap<string, readonly FilterRule[]>;
  /** Rule keys (id, else name) that raise alerts of their own. */
  readonly alerting: ReadonlySet<string>;
  readonly warnings: readonly RuleWarning[];
  /** Longest correlation timespan (0 without correlations). */
  readonly maxTimespanUs: number;
}

export interface BuildRuleSetOptions {
  /** Make an unknown field name an error (RULE_FIELD_UNKNOWN) instead of a warning. */
  readonly strictFields?: boolean;
}

/** The key a rule is known by in alerts and state: its id, else its name. */
export function ruleKey(rule: { readonly id: string | undefined; readonly name: string | undefined; readonly title: string }): string {
  return rule.id ?? rule.name ?? rule.title;
}

function at(pos: SourcePos): string {
  return `${pos.source}:${pos.line}:${pos.column}`;
}

function fail(
  code: 'RULE_DUPLICATE' | 'RULE_REFERENCE_UNKNOWN' | 'RULE_REFERENCE_CYCLE' | 'RULE_FIELD_UNKNOWN' | 'RULE_INVALID',
  pos: SourcePos,
  message: string,
  extra: Record<string, unknown> = {},
): never {
  throw new SeclogError(code, `${at(pos)}: ${message}`, { source: pos.source, line: pos.line, column: pos.column, ...extra });
}

/** Parse several YAML texts and link them into one rule set. */
export function loadRuleSet(
  texts: readonly { readonly text: string; readonly source?: string }[],
  options: BuildRuleSetOptions = {},
): RuleSet {
  return buildRuleSet(
    texts.map((t) => parseRuleFile(t.text, t.source !== undefined ? ({ source: t.source } satisfies ParseRuleFileOptions) : {})),
    options,
  );
}

export function buildRuleSet(files: readonly ParsedRuleFile[], options: BuildRuleSetOptions = {}): RuleSet {
  const warnings: RuleWarning[] = files.flatMap((f) => f.warnings);
  const docs: SigmaDocument[] = files.flatMap((f) => f.documents);
  const byRef = new Map<string, SigmaDocument>();
  for (const d of docs) {
    for (const ref of new Set([d.id, d.name])) {
      if (ref === undefined) continue;
      const prev = byRef.get(ref);
      if (prev !== undefined)
        fail('RULE_DUPLICATE', d.pos, `${JSON.stringify(ref)} is already the id or name of "${prev.title}" at ${at(prev.pos)}`, { ref });
      byRef.set(ref, d);
    }
  }
  const detections = docs.filter((d): d is DetectionRule => d.kind === 'detection');
  const correlations = docs.filter((d): d is CorrelationRule => d.kind === 'correlation');
  const filters = docs.filter((d): d is FilterRule => d.kind === 'filter');

  const fieldCheck = (field: string, pos: SourcePos, what: string): void => {
    if (isKnownField(field)) return;
    const hint = suggestField(field);
    const message = `${what} ${JSON.stringify(field)} is not a seclog field (a path such as actor.ip, attrs.<key>, or a built-in alias such as source.ip)${hint !== undefined ? `; did you mean ${hint}?` : ''}: it never has a value`;
    if (options.strictFields) fail('RULE_FIELD_UNKNOWN', pos, message, { field });
    warnings.push({ code: 'field-unknown', message, pos });
  };
  for (const d of [...detections, ...filters]) {
    for (const ident of d.detection.identifiers.values())
      for (const alt of ident.alternatives) for (const item of alt) if (item.field !== undefined) fieldCheck(item.field, item.pos, 'field');
  }
  for (const d of detections) {
    for (const f of d.suppress?.by ?? []) fieldCheck(f, d.suppress!.pos, 'x-suppress field');
    for (const f of d.absence?.by ?? []) fieldCheck(f, d.absence!.pos, 'x-absence field');
    const period = d.absence?.period;
    if (period !== undefined) for (const f of [period.from, period.to]) fieldCheck(f, d.absence!.pos, 'x-absence.period field');
  }

  const resolve = (c: CorrelationRule, ref: string): RuleDoc => {
    const target = byRef.get(ref);
    if (target === undefined)
      fail('RULE_REFERENCE_UNKNOWN', c.pos, `correlation "${c.title}" names ${JSON.stringify(ref)}, which is no rule of the set`, { ref });
    if (target.kind === 'filter')
      fail('RULE_REFERENCE_UNKNOWN', c.pos, `correlation "${c.title}" names the filter ${JSON.stringify(ref)}; it must name rules`, {
        ref,
      });
    return target;
  };

  // Order correlations so inner ones come first; a cycle is an error.
  const ordered: CorrelationRule[] = [];
  const state = new Map<CorrelationRule, 'visiting' | 'done'>();
  const visit = (c: CorrelationRule, path: CorrelationRule[]): void => {
    const s = state.get(c);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(c)), c].map((r) => ruleKey(r));
      fail('RULE_REFERENCE_CYCLE', c.pos, `correlations refer to each other in a cycle: ${cycle.join(' → ')}`, { cycle });
    }
    state.set(c, 'visiting');
    for (const ref of c.rules) {
      const t = resolve(c, ref);
      if (t.kind === 'correlation') visit(t, [...path, c]);
    }
    state.set(c, 'done');
    ordered.push(c);
  };
  for (const c of correlations) visit(c, []);

  const linked: LinkedCorrelation[] = ordered.map((c) => {
    const sources = c.rules.map((ref) => {
      const rule = resolve(c, ref);
      const fieldFor = (name: string, what: string): string | number => {
        const alias = Object.hasOwn(c.aliases, name) ? c.aliases[name] : undefined;
        let field = name;
        if (alias !== undefined) {
          const mapped = Object.hasOwn(alias, ref) ? alias[ref] : undefined;
          if (mapped === undefined)
            fail('RULE_REFERENCE_UNKNOWN', c.pos, `alias ${JSON.stringify(name)} has no field for rule ${JSON.stringify(ref)}`, {
              alias: name,
              ref,
            });
          field = mapped;
        }
        if (rule.kind === 'detection') {
          fieldCheck(field, c.pos, what);
          return field;
        }
        const idx = rule.groupBy.findIndex((g) => g === field || resolveFieldPath(g) === resolveFieldPath(field));
        if (idx < 0)
          fail(
            'RULE_REFERENCE_UNKNOWN',
            c.pos,
            `${what} ${JSON.stringify(field)} cannot come from correlation ${JSON.stringify(ref)}, which groups by ${JSON.stringify(rule.groupBy)} only`,
            { field, ref },
          );
        return idx;
      };
      return {
        ref,
        rule,
        groupFields: c.groupBy.map((g) => fieldFor(g, 'group-by field')),
        valueFields: c.valueFields.map((v) => fieldFor(v, 'value_count field')),
      };
    });
    if (c.suppress !== undefined)
      for (const f of c.suppress.by)
        if (!c.groupBy.includes(f))
          fail('RULE_INVALID', c.suppress.pos, `x-suppress.by ${JSON.stringify(f)} of a correlation must be one of its group-by fields`);
    return { rule: c, sources };
  });

  const filtersFor = new Map<string, FilterRule[]>();
  for (const f of filters) {
    for (const ref of f.rules) {
      const target = byRef.get(ref);
      if (target === undefined) {
        warnings.push({
          code: 'filter-unknown-rule',
          message: `filter "${f.title}" names ${JSON.stringify(ref)}, which is no rule of the set`,
          pos: f.pos,
        });
        continue;
      }
      if (target.kind !== 'detection')
        fail('RULE_INVALID', f.pos, `filter "${f.title}" names ${JSON.stringify(ref)}, which is not a detection rule`, { ref });
      const key = ruleKey(target);
      const list = filtersFor.get(key) ?? [];
      if (!list.includes(f)) list.push(f);
      filtersFor.set(key, list);
    }
  }

  // Sigma: rules a correlation names do not alert on their own unless a correlation says `generate: true`.
  const referenced = new Map<RuleDoc, boolean>();
  for (const { rule: c, sources } of linked)
    for (const s of sources) referenced.set(s.rule, (referenced.get(s.rule) ?? false) || c.generate);
  const alerting = new Set<string>();
  for (const r of [...detections, ...correlations]) {
    // An absence rule's own key asks for alerts, whoever else uses its matches.
    if (r.kind === 'detection' && r.absence !== undefined) {
      alerting.add(ruleKey(r));
      continue;
    }
    const gen = referenced.get(r);
    if (gen === false) continue;
    if (r.level === 'informational') {
      if (gen === undefined)
        warnings.push({
          code: 'informational',
          message: `"${r.title}" is informational and named by no correlation: it raises no alert`,
          pos: r.pos,
        });
      continue;
    }
    alerting.add(ruleKey(r));
  }

  return {
    detections,
    correlations: linked,
    filters,
    filtersFor,
    alerting,
    warnings,
    maxTimespanUs: Math.max(0, ...correlations.map((c) => c.timespanUs)),
  };
}
