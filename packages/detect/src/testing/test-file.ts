/**
 * The rule test file format (docs/rules.md):
 *
 * ```yaml
 * defaults: { device: cam-1 }          # fields every event of every case gets
 * cases:
 *   - name: eleven failures in a minute fire once
 *     events:
 *       - { at: 0s, repeat: 11, every: 5s, name: authn_login_fail, actor.ip: 203.0.113.9 }
 *       - { at: +1s, name: authn_login_success, actor.ip: 203.0.113.9 }
 *       - sweep: +10m                   # absence rules and anchored windows
 *     expect:
 *       - { rule: brute-force, count: 11, group: { actor.ip: 203.0.113.9 } }
 *   - name: ten do not
 *     events: [ { repeat: 10, every: 5s, name: authn_login_fail, actor.ip: 203.0.113.9 } ]
 *     expect: []
 * ```
 *
 * Every error names the file, line, column and case (RULE_TEST_INVALID).
 */
import { isSeclogError, isUuidV7, SeclogError } from '@seclog/core';
import { LineCounter, parseDocument } from 'yaml';
import type { GroupValue } from '../engine/types.js';
import { resolveFieldPath } from '../field-aliases.js';
import { KNOWN_PATHS } from '../fields/known-fields.js';
import { type DocContext, YNode } from '../rule/yaml-node.js';
import { parseTestDuration, parseTestOffset } from './test-time.js';
import type { AlertExpectation, EventPatch, RuleTestCase, RuleTestFile, TestStep } from './test-types.js';

/** Cases start here unless they say `start:` (any fixed instant would do; fixed makes alert keys repeatable). */
export const DEFAULT_TEST_START = '2026-01-01T00:00:00Z';
/** A step may stand for at most this many events. */
export const MAX_REPEAT = 100_000;

const FILE_KEYS = new Set(['rules', 'start', 'allowed-lateness', 'defaults', 'cases']);
const CASE_KEYS = new Set(['name', 'start', 'allowed-lateness', 'defaults', 'events', 'expect']);
const STEP_KEYS = new Set(['at', 't', 'repeat', 'every', 'received', 'id']);
const EXPECT_KEYS = new Set(['rule', 'times', 'count', 'group', 'suppressed', 'severity']);
/** Record members a test may set directly; objects take their members as `actor.ip` or a map. */
const SCALAR_FIELDS = new Set(['name', 'severity', 'outcome', 'message', 'stream', 'seq', 'boot', 'mono_ms', 'prev']);
const OBJECT_FIELDS = new Set(['device', 'actor', 'target', 'attrs', 'tq']);

export interface ParseRuleTestFileOptions {
  /** Name for messages (a file path); default `<tests>`. */
  readonly source?: string;
}

class Scope {
  caseName: string | undefined;
}

function testError(node: YNode, scope: Scope, message: string): SeclogError {
  const p = node.pos();
  const where = scope.caseName === undefined ? '' : `case ${JSON.stringify(scope.caseName)}: `;
  return new SeclogError('RULE_TEST_INVALID', `${p.source}:${p.line}:${p.column}: ${where}${node.path ? `${node.path}: ` : ''}${message}`, {
    source: p.source,
    line: p.line,
    column: p.column,
    path: node.path,
    case: scope.caseName,
  });
}

/** The cursor's own errors (RULE_INVALID: wrong type…) become test-file errors that name the case. */
function asTestError(err: unknown, scope: Scope): unknown {
  if (!isSeclogError(err) || err.code === 'RULE_TEST_INVALID') return err;
  const d = err.details as { source?: string; line?: number; column?: number; path?: string };
  if (d.line === undefined) return err;
  const prefix = `${d.source}:${d.line}:${d.column}: `;
  const rest = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  const where = scope.caseName === undefined ? '' : `case ${JSON.stringify(scope.caseName)}: `;
  return new SeclogError('RULE_TEST_INVALID', `${prefix}${where}${rest}`, { ...d, case: scope.caseName }, { cause: err });
}

export function parseRuleTestFile(text: string, options: ParseRuleTestFileOptions = {}): RuleTestFile {
  const source = options.source ?? '<tests>';
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first !== undefined) {
    const { line, col } = lines.linePos(first.pos[0]);
    throw new SeclogError('RULE_TEST_INVALID', `${source}:${line}:${col}: ${first.message.split('\n')[0]}`, { source, line, column: col });
  }
  const ctx: DocContext = { source, lines, doc, warnings: [] };
  const root = new YNode(ctx, doc.contents, '', 0);
  const scope = new Scope();
  try {
    if (!root.isMap()) throw testError(root, scope, `a rule test file is a map with cases: [...], got ${root.kindName()}`);
    const f = root.fields();
    for (const { key, keyNode } of f.values())
      if (!FILE_KEYS.has(key))
        throw testError(keyNode, scope, `unknown key ${JSON.stringify(key)} (expected ${[...FILE_KEYS].join(', ')})`);
    const rulesEntry = f.get('rules');
    const rules = rulesEntry === undefined ? undefined : rulesEntry.value.stringList();
    const startUs = f.has('start') ? parseStart(f.get('start')!.value, scope) : parseStartText(DEFAULT_TEST_START);
    const lateness = f.has('allowed-lateness') ? duration(f.get('allowed-lateness')!.value, scope) : undefined;
    const defaults = f.has('defaults') ? parsePatch(f.get('defaults')!.value, scope, new Set()) : {};
    const casesEntry = f.get('cases');
    if (casesEntry === undefined) throw testError(root, scope, 'cases: [...] is missing');
    const caseNodes = casesEntry.value.items();
    if (caseNodes.length === 0) throw testError(casesEntry.value, scope, 'a test file needs at least one case');
    const names = new Set<string>();
    const cases = caseNodes.map((node) => {
      scope.caseName = undefined;
      const c = parseCase(node, scope, { startUs, lateness, defaults });
      if (names.has(c.name)) throw testError(node, scope, 'two cases have this name; names tell cases apart in reports');
      names.add(c.name);
      return c;
    });
    return { source, rules, cases };
  } catch (err) {
    throw asTestError(err, scope);
  }
}

interface Inherited {
  readonly startUs: number;
  readonly lateness: number | undefined;
  readonly defaults: EventPatch;
}

function parseCase(node: YNode, scope: Scope, inherited: Inherited): RuleTestCase {
  if (!node.isMap()) throw testError(node, scope, `a case is a map with name, events and expect, got ${node.kindName()}`);
  const f = node.fields();
  const nameEntry = f.get('name');
  if (nameEntry === undefined) throw testError(node, scope, 'a case needs a name');
  const name = nameEntry.value.string();
  scope.caseName = name;
  for (const { key, keyNode } of f.values())
    if (!CASE_KEYS.has(key)) throw testError(keyNode, scope, `unknown key ${JSON.stringify(key)} (expected ${[...CASE_KEYS].join(', ')})`);
  const startUs = f.has('start') ? parseStart(f.get('start')!.value, scope) : inherited.startUs;
  const lateness = f.has('allowed-lateness') ? duration(f.get('allowed-lateness')!.value, scope) : inherited.lateness;
  const defaults = f.has('defaults')
    ? mergePatch(inherited.defaults, parsePatch(f.get('defaults')!.value, scope, new Set()))
    : inherited.defaults;
  const eventsEntry = f.get('events');
  if (eventsEntry === undefined) throw testError(node, scope, 'a case needs events: [...] (sweep steps included)');
  const steps = parseSteps(eventsEntry.value, scope, defaults);
  const expectEntry = f.get('expect');
  if (expectEntry === undefined) throw testError(node, scope, 'a case needs expect: [...] (expect: [] when no alert may be raised)');
  const expect = expectEntry.value.items().map((n) => parseExpectation(n, scope));
  return { name, line: node.pos().line, startUs, allowedLatenessUs: lateness, steps, expect };
}

function parseSteps(list: YNode, scope: Scope, defaults: EventPatch): TestStep[] {
  const steps: TestStep[] = [];
  let cursor = 0;
  const offset = (n: YNode, from: number): number => {
    const o = parseTestOffset(n.scalar());
    if ('problem' in o) throw testError(n, scope, o.problem);
    return o.relative ? from + o.us : o.us;
  };
  for (const node of list.items()) {
    if (!node.isMap()) throw testError(node, scope, `a step is a map (an event's fields, or sweep: <time>), got ${node.kindName()}`);
    const f = node.fields();
    const line = node.pos().line;
    const sweep = f.get('sweep');
    if (sweep !== undefined) {
      if (f.size > 1) throw testError(node, scope, 'a sweep step has no other keys');
      cursor = offset(sweep.value, cursor);
      steps.push({ kind: 'sweep', line, atUs: cursor });
      continue;
    }
    if (f.has('at') && f.has('t')) throw testError(f.get('t')!.keyNode, scope, 'give at or t, not both');
    const atEntry = f.get('at') ?? f.get('t');
    const atUs = atEntry === undefined ? cursor : offset(atEntry.value, cursor);
    let repeat = 1;
    const repeatEntry = f.get('repeat');
    if (repeatEntry !== undefined) {
      const r = repeatEntry.value.scalar();
      if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > MAX_REPEAT)
        throw testError(repeatEntry.value, scope, `repeat is a whole number from 1 to ${MAX_REPEAT}`);
      repeat = r;
    }
    const everyEntry = f.get('every');
    if (repeat > 1 && everyEntry === undefined)
      throw testError(repeatEntry!.value, scope, 'repeat needs every: <duration> between the events');
    const everyUs = everyEntry === undefined ? 0 : duration(everyEntry.value, scope);
    let idLabel: string | undefined;
    const idEntry = f.get('id');
    if (idEntry !== undefined) {
      const id = idEntry.value.scalar();
      if (typeof id !== 'string' && typeof id !== 'number') throw testError(idEntry.value, scope, 'id is a UUIDv7 or a label');
      idLabel = String(id);
      if (isUuidV7(idLabel) && repeat > 1)
        throw testError(idEntry.value, scope, 'a fixed id cannot be repeated; use a label to make duplicates');
    }
    let receivedUs: number | undefined;
    const receivedEntry = f.get('received');
    if (receivedEntry !== undefined) {
      const o = parseTestOffset(receivedEntry.value.scalar());
      if ('problem' in o) throw testError(receivedEntry.value, scope, o.problem);
      // `received: +2s` is relative to the event's own time; a plain offset is from the case start.
      receivedUs = o.relative ? atUs + o.us : o.us;
    }
    const patch = mergePatch(defaults, parsePatch(node, scope, STEP_KEYS));
    if (typeof patch.name !== 'string') throw testError(node, scope, 'an event needs a name (a catalogue event such as authn_login_fail)');
    steps.push({ kind: 'events', line, atUs, repeat, everyUs, patch, idLabel, receivedUs });
    cursor = atUs + (repeat - 1) * everyUs;
  }
  return steps;
}

function parseExpectation(node: YNode, scope: Scope): AlertExpectation {
  const line = node.pos().line;
  if (node.isScalar()) {
    return { line, rule: node.string(), times: 1, count: undefined, group: undefined, suppressed: undefined, severity: undefined };
  }
  if (!node.isMap())
    throw testError(node, scope, `an expected alert is a rule id or a map {rule, times, count, group, suppressed}, got ${node.kindName()}`);
  const f = node.fields();
  for (const { key, keyNode } of f.values())
    if (!EXPECT_KEYS.has(key))
      throw testError(keyNode, scope, `unknown key ${JSON.stringify(key)} (expected ${[...EXPECT_KEYS].join(', ')})`);
  const ruleEntry = f.get('rule');
  if (ruleEntry === undefined) throw testError(node, scope, 'an expected alert names its rule: rule: <id, name or title>');
  const whole = (key: string, min: number): number | undefined => {
    const e = f.get(key);
    if (e === undefined) return undefined;
    const v = e.value.scalar();
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw testError(e.value, scope, `${key} is a whole number ≥ ${min}`);
    return v;
  };
  let group: Record<string, GroupValue> | undefined;
  const groupEntry = f.get('group');
  if (groupEntry !== undefined) {
    group = {};
    for (const { key, value } of groupEntry.value.entries()) {
      const v = value.scalar();
      if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        throw testError(value, scope, 'a group value is a single value');
      group[key] = v;
    }
  }
  const sevEntry = f.get('severity');
  return {
    line,
    rule: String(ruleEntry.value.scalar()),
    times: whole('times', 0) ?? 1,
    count: whole('count', 0),
    group,
    suppressed: whole('suppressed', 0),
    severity: sevEntry === undefined ? undefined : sevEntry.value.string(),
  };
}

/** A map of event fields → a nested partial record. `null` removes a field the defaults set. */
function parsePatch(node: YNode, scope: Scope, skip: ReadonlySet<string>): EventPatch {
  if (!node.isMap()) throw testError(node, scope, `expected a map of event fields, got ${node.kindName()}`);
  const patch: Record<string, unknown> = {};
  const set = (obj: string, key: string, value: unknown) => {
    const inner = (patch[obj] ?? {}) as Record<string, unknown>;
    inner[key] = value;
    patch[obj] = inner;
  };
  for (const { key: rawKey, keyNode, value } of node.entries()) {
    if (skip.has(rawKey)) continue;
    const key = resolveFieldPath(rawKey);
    const dot = key.indexOf('.');
    const head = dot < 0 ? key : key.slice(0, dot);
    if (key === 'time' || key === 'v')
      throw testError(keyNode, scope, key === 'time' ? 'give the time as at: <offset> (e.g. at: 5s or at: +5s)' : 'v is always 1');
    if (key === 'id') throw testError(keyNode, scope, 'id belongs to a step, not to defaults');
    if (key === 'redacted') {
      patch.redacted = value.node === null ? null : value.stringList();
      continue;
    }
    if (dot < 0 && OBJECT_FIELDS.has(key) && value.isMap()) {
      for (const e of value.entries()) {
        if (key !== 'attrs' && !KNOWN_PATHS.has(`${key}.${e.key}`))
          throw testError(e.keyNode, scope, `${key}.${e.key} is not a field of a seclog record`);
        set(key, e.key, scalarOf(e.value, scope));
      }
      continue;
    }
    if (dot < 0 && key === 'device') {
      // `device: cam-1` is the device id.
      set('device', 'id', scalarOf(value, scope));
      continue;
    }
    if (dot < 0 && SCALAR_FIELDS.has(key)) {
      patch[key] = scalarOf(value, scope);
      continue;
    }
    if (dot > 0 && OBJECT_FIELDS.has(head)) {
      const rest = key.slice(dot + 1);
      if (rest === '' || (head !== 'attrs' && !KNOWN_PATHS.has(key)))
        throw testError(keyNode, scope, `${rawKey} is not a field of a seclog record`);
      // attrs keys are flat: `attrs.a.b` is the key "a.b", as in rules.
      set(head, rest, scalarOf(value, scope));
      continue;
    }
    throw testError(
      keyNode,
      scope,
      `${rawKey} is not a field of a seclog record (name, outcome, severity, message, device, actor.*, target.*, attrs.*, tq.*, …)`,
    );
  }
  return patch;
}

function scalarOf(node: YNode, scope: Scope): unknown {
  if (!node.isScalar()) throw testError(node, scope, `an event field takes a single value, got ${node.kindName()}`);
  return node.scalar();
}

/** Later patches win; `null` deletes. Objects merge one level deep (records are two levels deep). */
export function mergePatch(base: EventPatch, over: EventPatch): EventPatch {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && b !== null && typeof b === 'object' && !Array.isArray(b))
      out[k] = { ...(b as Record<string, unknown>), ...(v as Record<string, unknown>) };
    else out[k] = v;
  }
  return out;
}

function duration(node: YNode, scope: Scope): number {
  const d = parseTestDuration(node.scalar());
  if ('problem' in d) throw testError(node, scope, d.problem);
  return d.us;
}

function parseStart(node: YNode, scope: Scope): number {
  const text = node.scalar();
  const us = typeof text === 'string' ? parseStartText(text) : Number.NaN;
  if (!Number.isFinite(us)) throw testError(node, scope, 'start is an RFC 3339 UTC time such as 2026-03-01T00:00:00Z');
  return us;
}

function parseStartText(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(text)) return Number.NaN;
  return Date.parse(text) * 1000;
}
