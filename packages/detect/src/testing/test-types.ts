/** What a rule test file holds once parsed, and what running it gives. */
import type { GroupValue } from '../engine/types.js';

/** A partial record as a test writes it, nested (`actor.ip: x` becomes `{actor: {ip: x}}`). */
export type EventPatch = Readonly<Record<string, unknown>>;

export interface EventStep {
  readonly kind: 'events';
  readonly line: number;
  /** Time of the first event, microseconds after the case start. */
  readonly atUs: number;
  /** How many events the step stands for (`repeat`), `everyUs` apart. */
  readonly repeat: number;
  readonly everyUs: number;
  /** The fields given (defaults of the file and case merged in). */
  readonly patch: EventPatch;
  /** `id:` that is not a UUIDv7: a label; steps with the same label get the same id (duplicates). */
  readonly idLabel: string | undefined;
  /** Receive time, microseconds after the case start (default: the event's own time). */
  readonly receivedUs: number | undefined;
}

export interface SweepStep {
  readonly kind: 'sweep';
  readonly line: number;
  readonly atUs: number;
}

export type TestStep = EventStep | SweepStep;

export interface AlertExpectation {
  readonly line: number;
  /** Rule id, name or title. */
  readonly rule: string;
  /** How many alerts like this (default 1). */
  readonly times: number;
  /** The alert's count (events, distinct values or rules seen). */
  readonly count: number | undefined;
  /** Group values the alert must carry (field names as in the rule or their seclog paths). */
  readonly group: Readonly<Record<string, GroupValue>> | undefined;
  /** Matches counted on the alert by x-suppress. */
  readonly suppressed: number | undefined;
  readonly severity: string | undefined;
}

export interface RuleTestCase {
  readonly name: string;
  readonly line: number;
  /** Case start, microseconds since the Unix epoch. */
  readonly startUs: number;
  readonly allowedLatenessUs: number | undefined;
  readonly steps: readonly TestStep[];
  readonly expect: readonly AlertExpectation[];
}

export interface RuleTestFile {
  readonly source: string;
  /** Rules under test named in the file (`rules:`); otherwise those of the companion rule file. */
  readonly rules: readonly string[] | undefined;
  readonly cases: readonly RuleTestCase[];
}

/** An alert a case raised, as tests compare it. */
export interface RaisedAlert {
  readonly ruleId: string;
  readonly ruleTitle: string;
  readonly severity: string;
  readonly count: number;
  readonly group: Readonly<Record<string, GroupValue>>;
  readonly groupKey: string;
  /** Window, microseconds after the case start. */
  readonly windowStartUs: number;
  readonly windowEndUs: number;
  readonly suppressed: number;
  readonly key: string;
}

export type CaseStatus = 'pass' | 'fail' | 'error';

export interface RuleTestCaseResult {
  readonly name: string;
  readonly source: string;
  readonly line: number;
  readonly status: CaseStatus;
  /** `- expected …` (missing) and `+ raised …` (unexpected) lines; empty when the case passed. */
  readonly diff: readonly string[];
  /** Alerts of the rules under test (and of the rules the expectations name), in the order raised. */
  readonly alerts: readonly RaisedAlert[];
  /** For `error`: why the case could not run (a bad event, an unknown rule), with file and line. */
  readonly error: string | undefined;
  /** Rule keys this case expects to fire. */
  readonly expectsFiring: readonly string[];
  /** Rule keys under test this case expects to stay silent. */
  readonly expectsSilent: readonly string[];
}

export interface RuleTestFileResult {
  readonly source: string;
  /** The file could not be parsed (or its rules not found): no case ran. */
  readonly error: string | undefined;
  readonly cases: readonly RuleTestCaseResult[];
}

export interface RuleTestReport {
  readonly files: readonly RuleTestFileResult[];
  readonly passed: number;
  readonly failed: number;
  /** Cases that could not run plus files that could not be read. */
  readonly errors: number;
  readonly ok: boolean;
}
