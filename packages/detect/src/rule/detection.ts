/**
 * The `detection` section: search identifiers (maps = AND, lists = OR, lists
 * of maps, keyword lists), field modifiers, and the condition. Every modifier
 * combination is checked here, so the compiler can trust the model.
 */
import { resolveFieldPath } from '../field-aliases.js';
import { compileCidr } from '../match/cidr.js';
import { ConditionSyntaxError, parseCondition, referencedNames } from './condition.js';
import { checkSigmaRegex } from './regex-check.js';
import type { CompareOp, ConditionNode, Detection, FieldItem, FieldTest, SearchIdentifier, SigmaScalar, StringMatchKind } from './types.js';
import type { YNode } from './yaml-node.js';

/** Modifiers Sigma defines that seclog refuses, with the reason given to the rule author. */
const UNSUPPORTED_MODIFIERS: Readonly<Record<string, string>> = {
  base64: 'seclog records carry decoded text',
  base64offset: 'seclog records carry decoded text',
  utf16: 'seclog records are UTF-8 text',
  utf16le: 'seclog records are UTF-8 text',
  utf16be: 'seclog records are UTF-8 text',
  wide: 'seclog records are UTF-8 text',
  windash: 'Windows command-line permutations are not part of seclog records',
  expand: 'placeholders need a lookup source seclog does not have',
  fieldref: 'comparing two fields of one event is not implemented',
  minute: 'time-part modifiers are not implemented',
  hour: 'time-part modifiers are not implemented',
  day: 'time-part modifiers are not implemented',
  week: 'time-part modifiers are not implemented',
  month: 'time-part modifiers are not implemented',
  year: 'time-part modifiers are not implemented',
};

const COMPARE: ReadonlySet<string> = new Set(['gt', 'gte', 'lt', 'lte']);
const MATCH_KINDS: ReadonlySet<string> = new Set(['contains', 'startswith', 'endswith']);

export interface DetectionOptions {
  /** Keys of the section that are not search identifiers (a filter's `rules`). */
  readonly skipKeys?: ReadonlySet<string>;
}

export function parseDetection(section: YNode, options: DetectionOptions = {}): Detection {
  const identifiers = new Map<string, SearchIdentifier>();
  let conditionNode: YNode | undefined;
  for (const { key, keyNode, value } of section.entries()) {
    if (options.skipKeys?.has(key)) continue;
    if (key === 'condition') {
      conditionNode = value;
      continue;
    }
    if (key === 'timeframe')
      throw keyNode.error(
        'RULE_UNSUPPORTED',
        'timeframe (a Sigma 1 aggregation window) is not supported: write a correlation rule with a timespan',
        {
          construct: 'timeframe',
        },
      );
    if (!/^[A-Za-z0-9_.\-:]+$/.test(key))
      keyNode.warn('identifier-name', `search identifier ${JSON.stringify(key)} has characters a condition cannot name`);
    identifiers.set(key, parseIdentifier(key, value));
  }
  if (conditionNode === undefined) throw section.error('RULE_INVALID', 'the detection has no condition');
  if (identifiers.size === 0) throw section.error('RULE_INVALID', 'the detection has no search identifier');
  const names = [...identifiers.keys()];
  const texts = conditionNode.isSeq() ? conditionNode.items() : [conditionNode];
  if (texts.length === 0) throw conditionNode.error('RULE_INVALID', 'the condition list is empty');
  const trees: ConditionNode[] = [];
  const conditionText: string[] = [];
  for (const t of texts) {
    const text = t.string();
    conditionText.push(text);
    trees.push(parseConditionAt(t, text, names));
  }
  const condition: ConditionNode = trees.length === 1 ? trees[0]! : { op: 'or', args: trees };
  const used = referencedNames(condition);
  for (const [name, ident] of identifiers)
    if (!used.has(name))
      section.ctx.warnings.push({
        code: 'identifier-unused',
        message: `search identifier ${JSON.stringify(name)} is not used by the condition`,
        pos: ident.pos,
      });
  return { identifiers, condition, conditionText, pos: section.pos() };
}

/** Parse a condition string, turning syntax errors into errors that name the line and offset. */
export function parseConditionAt(node: YNode, text: string, names: readonly string[]): ConditionNode {
  try {
    return parseCondition(text, names);
  } catch (err) {
    if (!(err instanceof ConditionSyntaxError)) throw err;
    const pos = node.pos();
    // Plain and quoted single-line scalars: the token sits at the node's column plus its offset (+1 for a quote).
    const quoted = /^["']/.test(node.node?.toString() ?? '') ? 1 : 0;
    return node.fail(
      err.kind === 'unsupported' ? 'RULE_UNSUPPORTED' : 'RULE_CONDITION_INVALID',
      `${err.message} (in condition ${JSON.stringify(text)} at offset ${err.offset})`,
      { offset: err.offset, condition: text, conditionColumn: pos.column + quoted + err.offset, construct: err.construct },
    );
  }
}

function parseIdentifier(name: string, node: YNode): SearchIdentifier {
  const pos = node.pos();
  if (node.isMap()) return { name, alternatives: [parseMap(node)], pos };
  if (node.isSeq()) {
    const items = node.items();
    if (items.length === 0) throw node.error('RULE_INVALID', 'a search identifier list must not be empty');
    const alternatives: FieldItem[][] = [];
    const keywords: YNode[] = [];
    for (const item of items) {
      if (item.isMap()) alternatives.push(parseMap(item));
      else if (item.isSeq()) item.fail('RULE_INVALID', 'a list inside a search identifier list is not Sigma');
      else keywords.push(item);
    }
    if (keywords.length > 0) alternatives.push([keywordItem(keywords, [], keywords[0]!)]);
    return { name, alternatives, pos };
  }
  if (node.node === null) throw node.error('RULE_INVALID', 'a search identifier needs a map or a list');
  return { name, alternatives: [[keywordItem([node], [], node)]], pos };
}

function parseMap(node: YNode): FieldItem[] {
  const entries = node.entries();
  if (entries.length === 0) throw node.error('RULE_INVALID', 'a selection map must not be empty');
  return entries.map(({ key, keyNode, value }) => {
    const [field, ...modifiers] = key.split('|');
    if (field === '') {
      const values = value.isSeq() ? value.items() : [value];
      return keywordItem(values, modifiers, keyNode);
    }
    return fieldItem(field!, modifiers, value, keyNode);
  });
}

function scalarValues(value: YNode): { values: SigmaScalar[]; nodes: YNode[]; list: boolean } {
  const list = value.isSeq();
  const nodes = list ? value.items() : [value];
  if (list && nodes.length === 0) throw value.error('RULE_INVALID', 'an empty list of values can never match');
  const values = nodes.map((n) => {
    if (!n.isScalar()) throw n.error('RULE_INVALID', `a field value must be a single value or a list of them, got ${n.kindName()}`);
    const v = n.scalar();
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    return n.fail('RULE_INVALID', `unsupported value ${String(v)}`);
  });
  return { values, nodes, list };
}

interface ModifierSet {
  match: StringMatchKind;
  all: boolean;
  cased: boolean;
  negate: boolean;
  re: boolean;
  reFlags: string[];
  cidr: boolean;
  compare: CompareOp | undefined;
  exists: boolean;
}

function readModifiers(modifiers: readonly string[], at: YNode): ModifierSet {
  const set: ModifierSet = {
    match: 'exact',
    all: false,
    cased: false,
    negate: false,
    re: false,
    reFlags: [],
    cidr: false,
    compare: undefined,
    exists: false,
  };
  let matchSeen = false;
  modifiers.forEach((m, i) => {
    if (m === '') throw at.error('RULE_INVALID', 'an empty modifier (two | in a row, or a trailing |)');
    if (MATCH_KINDS.has(m)) {
      if (matchSeen) throw at.error('RULE_INVALID', `|${m}: only one of contains, startswith, endswith can apply`);
      matchSeen = true;
      set.match = m as StringMatchKind;
    } else if (m === 'all') {
      if (set.all) throw at.error('RULE_INVALID', '|all appears twice');
      set.all = true;
    } else if (m === 'cased') set.cased = true;
    else if (m === 'neq') set.negate = true;
    else if (m === 're') set.re = true;
    else if (m === 'i' || m === 'm' || m === 's') {
      const prev = modifiers.slice(0, i);
      if (!prev.includes('re') || prev.slice(prev.lastIndexOf('re') + 1).some((p) => p !== 'i' && p !== 'm' && p !== 's'))
        throw at.error('RULE_INVALID', `|${m} is a sub-modifier of |re and must follow it`);
      if (!set.reFlags.includes(m)) set.reFlags.push(m);
    } else if (m === 'cidr') set.cidr = true;
    else if (COMPARE.has(m)) {
      if (set.compare !== undefined) throw at.error('RULE_INVALID', `|${m}: only one of gt, gte, lt, lte can apply`);
      set.compare = m as CompareOp;
    } else if (m === 'exists') set.exists = true;
    else if (Object.hasOwn(UNSUPPORTED_MODIFIERS, m))
      throw at.error('RULE_UNSUPPORTED', `modifier |${m} is not supported: ${UNSUPPORTED_MODIFIERS[m]}`, { construct: `|${m}` });
    else throw at.error('RULE_UNSUPPORTED', `unknown modifier |${m}`, { construct: `|${m}` });
  });
  return set;
}

function fieldItem(field: string, modifiers: string[], value: YNode, keyNode: YNode): FieldItem {
  const mods = readModifiers(modifiers, keyNode);
  const pos = keyNode.pos();
  const path = resolveFieldPath(field);
  const base = { field, path, modifiers, pos };
  const kinds = [mods.match !== 'exact', mods.re, mods.cidr, mods.compare !== undefined, mods.exists].filter(Boolean).length;
  if (kinds > 1) throw keyNode.error('RULE_INVALID', `modifiers ${modifiers.map((m) => `|${m}`).join('')} cannot be combined`);

  if (mods.exists) {
    if (modifiers.length > 1) throw keyNode.error('RULE_INVALID', '|exists takes no other modifier');
    if (value.isSeq()) throw value.error('RULE_INVALID', '|exists takes true or false, not a list');
    return { ...base, test: { kind: 'exists', exists: value.boolean() } };
  }
  const { values, nodes, list } = scalarValues(value);
  if (mods.all && !list) keyNode.warn('all-single', '|all with a single value is the same as without it');
  if (mods.all && mods.negate) throw keyNode.error('RULE_INVALID', '|all cannot be combined with |neq');
  if (values.some((v) => v === null) && modifiers.some((m) => m !== 'neq'))
    throw keyNode.error('RULE_INVALID', `null cannot be combined with ${modifiers.filter((m) => m !== 'neq').map((m) => `|${m}`)}`);

  if (mods.compare !== undefined) {
    if (mods.cased || mods.negate) throw keyNode.error('RULE_INVALID', `|${mods.compare} cannot be combined with |cased or |neq`);
    const nums = values.map((v, i) => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : Number.NaN;
      if (Number.isNaN(n)) throw nodes[i]!.error('RULE_INVALID', `|${mods.compare} needs a number, got ${JSON.stringify(v)}`);
      return n;
    });
    return { ...base, test: { kind: 'compare', op: mods.compare, values: nums, all: mods.all } };
  }
  if (mods.re) {
    if (mods.cased) throw keyNode.error('RULE_INVALID', '|cased does not apply to |re: regular expressions are case-sensitive unless |i');
    const patterns = values.map((v, i) => {
      const checked = checkSigmaRegex(String(v));
      if ('unsupported' in checked)
        throw nodes[i]!.error('RULE_UNSUPPORTED', `regular expression construct not supported: ${checked.unsupported}`, {
          construct: checked.unsupported,
        });
      if ('invalid' in checked) throw nodes[i]!.error('RULE_INVALID', `regular expression ${checked.invalid}`);
      return { source: checked.source, flags: [...new Set([...mods.reFlags, ...checked.flags])].sort().join('') };
    });
    return { ...base, test: { kind: 're', patterns, all: mods.all, negate: mods.negate } };
  }
  if (mods.cidr) {
    if (mods.cased) throw keyNode.error('RULE_INVALID', '|cased does not apply to |cidr');
    const cidrs = values.map((v, i) => {
      const c = compileCidr(String(v));
      if ('problem' in c) throw nodes[i]!.error('RULE_INVALID', c.problem);
      return String(v);
    });
    return { ...base, test: { kind: 'cidr', cidrs, all: mods.all, negate: mods.negate } };
  }
  return { ...base, test: { kind: 'string', match: mods.match, values, cased: mods.cased, all: mods.all, negate: mods.negate } };
}

/** A keyword search: plain values looked for in the record's text fields (see KEYWORD_PATHS). */
function keywordItem(valueNodes: YNode[], modifiers: string[], at: YNode): FieldItem {
  const mods = readModifiers(modifiers, at);
  if (mods.cidr || mods.compare !== undefined || mods.exists || mods.negate)
    throw at.error('RULE_INVALID', `keyword searches take only |all, |cased, |contains, |startswith, |endswith and |re`);
  const values = valueNodes.map((n) => {
    if (!n.isScalar()) throw n.error('RULE_INVALID', `a keyword must be a single value, got ${n.kindName()}`);
    const v = n.scalar();
    if (typeof v !== 'string' && typeof v !== 'number') return n.fail('RULE_INVALID', 'a keyword must be a string or a number');
    return String(v);
  });
  const pos = at.pos();
  const base = { field: undefined, path: undefined, modifiers, pos };
  let test: FieldTest;
  if (mods.re) {
    const patterns = values.map((v, i) => {
      const checked = checkSigmaRegex(v);
      if ('unsupported' in checked)
        throw valueNodes[i]!.error('RULE_UNSUPPORTED', `regular expression construct not supported: ${checked.unsupported}`, {
          construct: checked.unsupported,
        });
      if ('invalid' in checked) throw valueNodes[i]!.error('RULE_INVALID', `regular expression ${checked.invalid}`);
      return { source: checked.source, flags: [...new Set([...mods.reFlags, ...checked.flags])].sort().join('') };
    });
    test = { kind: 're', patterns, all: mods.all, negate: false };
  } else {
    // Keywords are searched for anywhere in a field unless anchored with startswith/endswith.
    const match = mods.match === 'exact' ? 'contains' : mods.match;
    test = { kind: 'string', match, values, cased: mods.cased, all: mods.all, negate: false };
  }
  return { ...base, test };
}
