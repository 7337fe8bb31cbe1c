/**
 * The rule model: what the Sigma parser produces and the compiler and engine
 * consume. Plain data (no functions), so a parsed rule set can be inspected,
 * printed by `seclog rules lint` and compared in tests.
 */

export const SIGMA_LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type SigmaLevel = (typeof SIGMA_LEVELS)[number];

export const SIGMA_STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;
export type SigmaStatus = (typeof SIGMA_STATUSES)[number];

/** Where a construct sits in its YAML source; lines and columns are 1-based. */
export interface SourcePos {
  readonly source: string;
  readonly line: number;
  readonly column: number;
}

/** A value as written in a detection: Sigma compares them as strings unless a modifier says otherwise. */
export type SigmaScalar = string | number | boolean | null;

/** How a string value is placed in the field's text. */
export type StringMatchKind = 'exact' | 'contains' | 'startswith' | 'endswith';

export type CompareOp = 'gt' | 'gte' | 'lt' | 'lte';

/** What one `field|modifiers: value(s)` entry tests, after its modifiers were checked. */
export type FieldTest =
  | {
      readonly kind: 'string';
      readonly match: StringMatchKind;
      /** null matches an absent or null field. */
      readonly values: readonly SigmaScalar[];
      readonly cased: boolean;
      /** `|all`: every value must match (otherwise any). */
      readonly all: boolean;
      /** `|neq`: the field exists and matches none of the values. */
      readonly negate: boolean;
    }
  | {
      readonly kind: 're';
      /** Each pattern with its JavaScript RegExp flags (from `|i`, `|m`, `|s` and a leading `(?i)`-style group). */
      readonly patterns: readonly { readonly source: string; readonly flags: string }[];
      readonly all: boolean;
      readonly negate: boolean;
    }
  | { readonly kind: 'cidr'; readonly cidrs: readonly string[]; readonly all: boolean; readonly negate: boolean }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly values: readonly number[]; readonly all: boolean }
  | { readonly kind: 'exists'; readonly exists: boolean };

/**
 * One entry of a selection map. `field` is undefined for keyword searches
 * (a list of plain values, or a `'|all'`-style key with no field name).
 */
export interface FieldItem {
  /** The field name as written (an alias or a seclog path); undefined for keywords. */
  readonly field: string | undefined;
  /** The seclog path the field resolves to; undefined for keywords. */
  readonly path: string | undefined;
  readonly modifiers: readonly string[];
  readonly test: FieldTest;
  readonly pos: SourcePos;
}

/**
 * A search identifier: an OR over alternatives, each an AND over items.
 * A map is one alternative; a list of maps is several; a list of plain
 * values is one keyword item.
 */
export interface SearchIdentifier {
  readonly name: string;
  readonly alternatives: readonly (readonly FieldItem[])[];
  readonly pos: SourcePos;
}

export type ConditionNode =
  | { readonly op: 'id'; readonly name: string }
  | { readonly op: 'not'; readonly arg: ConditionNode }
  | { readonly op: 'and' | 'or'; readonly args: readonly ConditionNode[] }
  | {
      readonly op: 'of';
      readonly quantifier: 'one' | 'all';
      /** `them` or a name pattern with `*` wildcards, as written. */
      readonly pattern: string;
      /** The identifiers the pattern selected, in definition order. */
      readonly names: readonly string[];
    };

export interface Detection {
  readonly identifiers: ReadonlyMap<string, SearchIdentifier>;
  /** A list of conditions is an OR of them (Sigma); kept as one tree. */
  readonly condition: ConditionNode;
  readonly conditionText: readonly string[];
  readonly pos: SourcePos;
}

/** `x-suppress: {by: [fields], for: 15m}`: repeats are counted on the open alert. */
export interface SuppressSpec {
  /** Fields whose values form the suppression key; empty = one key per rule. */
  readonly by: readonly string[];
  readonly forUs: number;
  readonly pos: SourcePos;
}

/** `x-absence: {for: 10m, by: [device.id]}`: alert when a group stays silent. */
export interface AbsenceSpec {
  readonly by: readonly string[];
  readonly forUs: number;
  /** A silence also has to last `times` of the period its last sign of life names (see AbsencePeriod). */
  readonly period: AbsencePeriod | undefined;
  readonly pos: SourcePos;
}

/**
 * `x-absence.period`: the last sign of life says how often the next is due, as two RFC 3339 times
 * in its fields (a seal's epoch start and end). A group is missed after max(for, times × (to − from)),
 * so a device whose heartbeat is hourly is not called silent after ten minutes.
 */
export interface AbsencePeriod {
  readonly from: string;
  readonly to: string;
  readonly times: number;
}

interface RuleCommon {
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly title: string;
  readonly description: string | undefined;
  readonly status: SigmaStatus | undefined;
  readonly level: SigmaLevel | undefined;
  readonly tags: readonly string[];
  /** Hex digest prefix of the document's text: changes whenever the rule does. */
  readonly version: string;
  readonly pos: SourcePos;
  readonly suppress: SuppressSpec | undefined;
}

export interface DetectionRule extends RuleCommon {
  readonly kind: 'detection';
  /** Recorded for people and lint; seclog evaluates every rule on every event (no routing by log source). */
  readonly logsource: Readonly<Record<string, string>>;
  readonly detection: Detection;
  readonly absence: AbsenceSpec | undefined;
}

export const CORRELATION_TYPES = ['event_count', 'value_count', 'temporal', 'temporal_ordered'] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

/** A count condition: every present bound must hold (a range is gt/gte with lt/lte). */
export interface CountCondition {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly eq?: number;
}

export interface CorrelationRule extends RuleCommon {
  readonly kind: 'correlation';
  readonly type: CorrelationType;
  /** Referenced rules, by id or name, as written. */
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  readonly timespanUs: number;
  readonly timespanText: string;
  /** Count condition; for temporal types without one, every referenced rule must appear. */
  readonly condition: CountCondition | undefined;
  /** temporal only: a boolean expression over the referenced rule names (Sigma 2.1 test form). */
  readonly ruleCondition: ConditionNode | undefined;
  /** value_count: the field(s) whose distinct values are counted. */
  readonly valueFields: readonly string[];
  /** alias → (referenced rule name or id → field). */
  readonly aliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Whether the referenced rules also alert on their own. */
  readonly generate: boolean;
}

export interface FilterRule {
  readonly kind: 'filter';
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly title: string;
  readonly rules: readonly string[];
  readonly logsource: Readonly<Record<string, string>>;
  readonly detection: Detection;
  readonly version: string;
  readonly pos: SourcePos;
}

export type SigmaDocument = DetectionRule | CorrelationRule | FilterRule;

/** Something worth a look that does not stop the rule from loading. */
export interface RuleWarning {
  readonly code: string;
  readonly message: string;
  readonly pos: SourcePos;
}

/** What one YAML text holds. */
export interface ParsedRuleFile {
  readonly source: string;
  readonly documents: readonly SigmaDocument[];
  readonly warnings: readonly RuleWarning[];
}
