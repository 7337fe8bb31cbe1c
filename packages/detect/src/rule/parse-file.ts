/**
 * One YAML text → its Sigma documents (rules, correlations, filters), each
 * checked on its own. Linking documents to each other (correlation → rules,
 * filter → rules) happens in rule-set.ts, across files.
 */
import { createHash } from 'node:crypto';
import { SeclogError } from '@seclog/core';
import { LineCounter, parseAllDocuments } from 'yaml';
import { parseAbsence, parseSuppress, SECLOG_KEYS } from './custom-keys.js';
import { parseConditionAt, parseDetection } from './detection.js';
import { parseTimespan } from './duration.js';
import {
  CORRELATION_TYPES,
  type ConditionNode,
  type CorrelationRule,
  type CorrelationType,
  type CountCondition,
  type DetectionRule,
  type FilterRule,
  type ParsedRuleFile,
  type RuleWarning,
  SIGMA_LEVELS,
  SIGMA_STATUSES,
  type SigmaDocument,
  type SigmaLevel,
  type SigmaStatus,
} from './types.js';
import { type DocContext, type YEntry, YNode } from './yaml-node.js';

const SIGMA_KEYS: ReadonlySet<string> = new Set([
  'title',
  'id',
  'name',
  'related',
  'taxonomy',
  'status',
  'description',
  'license',
  'references',
  'author',
  'date',
  'modified',
  'logsource',
  'detection',
  'correlation',
  'filter',
  'fields',
  'falsepositives',
  'level',
  'tags',
  'scope',
  'generate',
]);

/** Correlation types Sigma knows that seclog does not evaluate. */
const UNSUPPORTED_CORRELATIONS: ReadonlySet<string> = new Set([
  'value_sum',
  'value_avg',
  'value_percentile',
  'value_median',
  'value_min',
  'value_max',
]);

export interface ParseRuleFileOptions {
  /** Name for messages (a file path); default `<rules>`. */
  readonly source?: string;
}

export function parseRuleFile(text: string, options: ParseRuleFileOptions = {}): ParsedRuleFile {
  const source = options.source ?? '<rules>';
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const warnings: RuleWarning[] = [];
  const documents: SigmaDocument[] = [];
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const first = doc.errors[0];
    if (first !== undefined) {
      const { line, col } = lines.linePos(first.pos[0]);
      throw new SeclogError('RULE_YAML_INVALID', `${source}:${line}:${col}: ${first.message.split('\n')[0]}`, {
        source,
        line,
        column: col,
        yamlCode: first.code,
      });
    }
    if (doc.contents === null) continue;
    const ctx: DocContext = { source, lines, doc, warnings };
    for (const w of doc.warnings) {
      const { line, col } = lines.linePos(w.pos[0]);
      warnings.push({ code: 'yaml', message: w.message.split('\n')[0]!, pos: { source, line, column: col } });
    }
    const root = new YNode(ctx, doc.contents, '', doc.contents.range?.[0] ?? 0);
    const range = doc.contents.range;
    const docText = range ? text.slice(range[0], range[2]) : '';
    documents.push(parseDocument(root, versionOf(docText)));
  }
  return { source, documents, warnings };
}

/** A rule's version: the start of the SHA-256 of its document text, so any edit changes it. */
function versionOf(docText: string): string {
  return createHash('sha256').update(docText).digest('hex').slice(0, 12);
}

function parseDocument(root: YNode, version: string): SigmaDocument {
  if (!root.isMap()) throw root.error('RULE_INVALID', `a Sigma document is a map, got ${root.kindName()}`);
  const f = root.fields();
  const action = f.get('action');
  if (action !== undefined)
    throw action.keyNode.error(
      'RULE_UNSUPPORTED',
      'Sigma 1 rule collections (action: global/reset/repeat) are not supported: write each rule in full',
      {
        construct: 'action',
      },
    );
  const kinds = ['detection', 'correlation', 'filter'].filter((k) => f.has(k));
  if (kinds.length === 0) throw root.error('RULE_INVALID', 'a Sigma document needs one of detection, correlation or filter');
  if (kinds.length > 1)
    throw root.error('RULE_INVALID', `a Sigma document has one of detection, correlation or filter, not ${kinds.join(' and ')}`);
  for (const { key, keyNode } of f.values()) {
    if (SIGMA_KEYS.has(key) || SECLOG_KEYS.has(key)) continue;
    if (key.startsWith('x-')) keyNode.warn('unknown-key', `${key} is not a seclog key; ignored`);
    else keyNode.warn('unknown-key', `${key} is not a Sigma key; ignored`);
  }
  if (kinds[0] === 'filter') return parseFilter(root, f, version);
  if (kinds[0] === 'correlation') return parseCorrelation(root, f, version);
  return parseDetectionRule(root, f, version);
}

function common(root: YNode, f: Map<string, YEntry>, needsRef: boolean) {
  const titleEntry = f.get('title');
  if (titleEntry === undefined) throw root.error('RULE_INVALID', 'title is missing');
  const title = titleEntry.value.string();
  if (title.length > 256) titleEntry.value.warn('title-length', 'a title should be at most 256 characters');
  const id = idLike(f.get('id'));
  const name = idLike(f.get('name'));
  if (needsRef && id === undefined && name === undefined)
    throw root.error('RULE_INVALID', 'a rule needs an id or a name: alerts and correlations refer to rules by them');
  const statusEntry = f.get('status');
  let status: SigmaStatus | undefined;
  if (statusEntry !== undefined) {
    const s = statusEntry.value.string();
    if (!(SIGMA_STATUSES as readonly string[]).includes(s))
      throw statusEntry.value.error('RULE_INVALID', `status must be one of ${SIGMA_STATUSES.join(', ')}`);
    status = s as SigmaStatus;
    if (s === 'deprecated' || s === 'unsupported') statusEntry.value.warn('status', `the rule is marked ${s}`);
  }
  const levelEntry = f.get('level');
  let level: SigmaLevel | undefined;
  if (levelEntry !== undefined) {
    const l = levelEntry.value.string();
    if (!(SIGMA_LEVELS as readonly string[]).includes(l))
      throw levelEntry.value.error('RULE_INVALID', `level must be one of ${SIGMA_LEVELS.join(', ')}`);
    level = l as SigmaLevel;
  }
  const tagsEntry = f.get('tags');
  const tags = tagsEntry === undefined ? [] : tagsEntry.value.stringList();
  const descEntry = f.get('description');
  const description = descEntry === undefined ? undefined : descEntry.value.optionalString();
  const suppressEntry = f.get('x-suppress');
  const suppress = suppressEntry === undefined ? undefined : parseSuppress(suppressEntry.value);
  return { id, name, title, description, status, level, tags, suppress, pos: root.pos() };
}

function idLike(entry: YEntry | undefined): string | undefined {
  if (entry === undefined) return undefined;
  const v = entry.value.scalar();
  if (typeof v !== 'string' || v.trim() === '') throw entry.value.error('RULE_INVALID', 'must be a non-empty string');
  return v;
}

function logsourceOf(f: Map<string, YEntry>, root: YNode, required: boolean): Record<string, string> {
  const entry = f.get('logsource');
  if (entry === undefined) {
    if (required) root.warn('logsource', 'logsource is missing (Sigma requires it; seclog does not use it)');
    return {};
  }
  const out: Record<string, string> = {};
  for (const { key, value } of entry.value.entries()) {
    const v = value.scalar();
    if (typeof v !== 'string' && typeof v !== 'number') throw value.error('RULE_INVALID', 'a logsource value must be a string');
    out[key] = String(v);
  }
  return out;
}

function parseDetectionRule(root: YNode, f: Map<string, YEntry>, version: string): DetectionRule {
  const c = common(root, f, true);
  const detection = parseDetection(f.get('detection')!.value);
  const absenceEntry = f.get('x-absence');
  const absence = absenceEntry === undefined ? undefined : parseAbsence(absenceEntry.value);
  if (absence !== undefined && c.suppress !== undefined)
    throw absenceEntry!.keyNode.error(
      'RULE_INVALID',
      'x-absence raises one alert per silence already; it cannot be combined with x-suppress',
    );
  const gen = f.get('generate');
  if (gen !== undefined) throw gen.keyNode.error('RULE_INVALID', 'generate belongs to correlation rules');
  return { kind: 'detection', ...c, version, logsource: logsourceOf(f, root, true), detection, absence };
}

function parseFilter(root: YNode, f: Map<string, YEntry>, version: string): FilterRule {
  const c = common(root, f, false);
  const section = f.get('filter')!.value;
  const sf = section.fields();
  const rulesEntry = sf.get('rules');
  if (rulesEntry === undefined) throw section.error('RULE_INVALID', 'a filter names the rules it applies to: rules: [id or name, …]');
  const rules = rulesEntry.value.stringList();
  if (rules.length === 0) throw rulesEntry.value.error('RULE_INVALID', 'a filter needs at least one rule');
  const detection = parseDetection(section, { skipKeys: new Set(['rules']) });
  if (!containsNot(detection.condition))
    root.warn(
      'filter-without-not',
      'the filter condition has no "not": a filter is ANDed to the rule (pySigma semantics), so it narrows the rule instead of excluding; write "condition: not selection" to exclude',
    );
  return {
    kind: 'filter',
    id: c.id,
    name: c.name,
    title: c.title,
    rules,
    logsource: logsourceOf(f, root, false),
    detection,
    version,
    pos: c.pos,
  };
}

function containsNot(node: ConditionNode): boolean {
  if (node.op === 'not') return true;
  if (node.op === 'and' || node.op === 'or') return node.args.some(containsNot);
  return false;
}

const CORRELATION_KEYS: ReadonlySet<string> = new Set(['type', 'rules', 'group-by', 'timespan', 'condition', 'aliases', 'generate']);

function parseCorrelation(root: YNode, f: Map<string, YEntry>, version: string): CorrelationRule {
  const c = common(root, f, true);
  const abs = f.get('x-absence');
  if (abs !== undefined) throw abs.keyNode.error('RULE_INVALID', 'x-absence applies to detection rules, not correlations');
  const section = f.get('correlation')!.value;
  const sf = section.fields();
  for (const { key, keyNode } of sf.values())
    if (!CORRELATION_KEYS.has(key))
      throw keyNode.error('RULE_INVALID', `unknown correlation key ${JSON.stringify(key)} (expected ${[...CORRELATION_KEYS].join(', ')})`);

  const typeEntry = sf.get('type');
  if (typeEntry === undefined) throw section.error('RULE_INVALID', 'correlation.type is missing');
  const typeText = typeEntry.value.string();
  if (UNSUPPORTED_CORRELATIONS.has(typeText))
    throw typeEntry.value.error('RULE_UNSUPPORTED', `correlation type ${typeText} is not supported`, { construct: typeText });
  if (!(CORRELATION_TYPES as readonly string[]).includes(typeText))
    throw typeEntry.value.error('RULE_INVALID', `correlation type must be one of ${CORRELATION_TYPES.join(', ')}`);
  const type = typeText as CorrelationType;

  const rulesEntry = sf.get('rules');
  if (rulesEntry === undefined) throw section.error('RULE_INVALID', 'correlation.rules is missing');
  const rules = rulesEntry.value.stringList();
  if (rules.length === 0) throw rulesEntry.value.error('RULE_INVALID', 'correlation.rules is empty');
  if (new Set(rules).size !== rules.length) throw rulesEntry.value.error('RULE_INVALID', 'a rule is listed twice');
  if (type === 'temporal_ordered' && rules.length < 2)
    throw rulesEntry.value.error('RULE_INVALID', 'temporal_ordered needs at least two rules');

  const groupEntry = sf.get('group-by');
  const groupBy = groupEntry === undefined ? [] : groupEntry.value.stringList();
  if (new Set(groupBy).size !== groupBy.length) throw groupEntry!.value.error('RULE_INVALID', 'a group-by field is named twice');
  if (groupEntry === undefined) section.warn('group-by', 'no group-by: every matching event falls into one group');

  const spanEntry = sf.get('timespan');
  if (spanEntry === undefined) throw section.error('RULE_INVALID', 'correlation.timespan is missing');
  const spanValue = spanEntry.value.scalar();
  const spanText = typeof spanValue === 'number' ? String(spanValue) : spanEntry.value.string();
  const span = parseTimespan(spanText);
  if ('problem' in span) throw spanEntry.value.error('RULE_INVALID', span.problem);

  // Built from entries so that a key such as __proto__ stays a plain own key.
  const aliasPairs: [string, Record<string, string>][] = [];
  const aliasEntry = sf.get('aliases');
  if (aliasEntry !== undefined) {
    for (const { key, value } of aliasEntry.value.entries()) {
      const rulePairs: [string, string][] = [];
      for (const e of value.entries()) {
        if (!rules.includes(e.key))
          throw e.keyNode.error('RULE_REFERENCE_UNKNOWN', `alias ${key} names ${JSON.stringify(e.key)}, which is not in correlation.rules`);
        rulePairs.push([e.key, e.value.string()]);
      }
      aliasPairs.push([key, Object.fromEntries(rulePairs)]);
    }
  }
  const aliases: Record<string, Record<string, string>> = Object.fromEntries(aliasPairs);

  let condition: CountCondition | undefined;
  let ruleCondition: ConditionNode | undefined;
  let valueFields: string[] = [];
  const condEntry = sf.get('condition');
  if (condEntry?.value.isMap()) {
    const parsed = parseCountCondition(condEntry.value, type);
    condition = parsed.condition;
    valueFields = parsed.fields;
    if (type === 'temporal_ordered') {
      const keys = Object.keys(condition);
      if (keys.length !== 1 || condition.gte !== rules.length)
        throw condEntry.value.error(
          'RULE_UNSUPPORTED',
          `temporal_ordered supports only the condition that every rule appears (gte: ${rules.length})`,
          {
            construct: 'temporal_ordered condition',
          },
        );
      condition = undefined;
    }
  } else if (condEntry !== undefined && condEntry.value.node !== null) {
    const text = condEntry.value.string();
    if (type !== 'temporal' && type !== 'temporal_ordered')
      throw condEntry.value.error('RULE_INVALID', `${type} takes a condition map such as {gte: 10}`);
    ruleCondition = parseConditionAt(condEntry.value, text, rules);
    if (type === 'temporal_ordered' && !isConjunctionOfAll(ruleCondition, rules))
      throw condEntry.value.error('RULE_UNSUPPORTED', 'temporal_ordered supports only a condition that requires every rule, in order', {
        construct: 'temporal_ordered condition',
      });
    if (type === 'temporal_ordered') ruleCondition = undefined;
  }
  if ((type === 'event_count' || type === 'value_count') && condition === undefined)
    throw section.error('RULE_INVALID', `${type} needs a condition such as {gte: 10}`);
  if (type === 'value_count' && valueFields.length === 0)
    (condEntry?.value ?? section).fail('RULE_INVALID', 'value_count needs condition.field: the field whose distinct values are counted');

  const genInner = sf.get('generate');
  const genOuter = f.get('generate');
  const generate = genInner !== undefined ? genInner.value.boolean() : genOuter !== undefined ? genOuter.value.boolean() : false;

  return {
    kind: 'correlation',
    ...c,
    version,
    type,
    rules,
    groupBy,
    timespanUs: span.us,
    timespanText: spanText,
    condition,
    ruleCondition,
    valueFields,
    aliases,
    generate,
  };
}

function parseCountCondition(node: YNode, type: CorrelationType): { condition: CountCondition; fields: string[] } {
  const condition: { -readonly [K in keyof CountCondition]: number } = {};
  let fields: string[] = [];
  for (const { key, keyNode, value } of node.entries()) {
    if (key === 'field') {
      if (type !== 'value_count') throw keyNode.error('RULE_INVALID', 'condition.field applies to value_count only');
      fields = value.stringList();
      continue;
    }
    if (key !== 'gt' && key !== 'gte' && key !== 'lt' && key !== 'lte' && key !== 'eq')
      throw keyNode.error(
        'RULE_INVALID',
        `unknown condition ${JSON.stringify(key)} (expected gt, gte, lt, lte, eq${type === 'value_count' ? ', field' : ''})`,
      );
    const n = value.scalar();
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw value.error('RULE_INVALID', `${key} needs a whole number ≥ 0`);
    condition[key] = n;
  }
  if (Object.keys(condition).length === 0) throw node.error('RULE_INVALID', 'the condition has no bound (gt, gte, lt, lte or eq)');
  if (condition.eq !== undefined && Object.keys(condition).length > 1)
    throw node.error('RULE_INVALID', 'eq cannot be combined with other bounds');
  if (isUnsatisfiable(condition)) throw node.error('RULE_INVALID', 'the bounds of this condition exclude every count');
  return { condition, fields };
}

function isUnsatisfiable(c: CountCondition): boolean {
  const low = Math.max(c.gt !== undefined ? c.gt + 1 : 0, c.gte ?? 0);
  const high = Math.min(c.lt !== undefined ? c.lt - 1 : Number.POSITIVE_INFINITY, c.lte ?? Number.POSITIVE_INFINITY);
  return low > high;
}

function isConjunctionOfAll(node: ConditionNode, rules: readonly string[]): boolean {
  const names =
    node.op === 'and' && node.args.every((a) => a.op === 'id')
      ? node.args.map((a) => (a as { name: string }).name)
      : node.op === 'id'
        ? [node.name]
        : node.op === 'of' && node.quantifier === 'all'
          ? node.names
          : [];
  return new Set(names).size === rules.length && rules.every((r) => names.includes(r));
}
