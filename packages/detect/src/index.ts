/**
 * @seclog/detect: Sigma-compatible rules and the streaming evaluator (pure).
 * Exports are explicit and grouped by area (no `export *`).
 */

// streaming engine
export type { DetectionEngine } from './engine/engine.js';
export { createDetectionEngine, ENGINE_DEFAULTS } from './engine/engine.js';
export { eventTimeUs, formatUs } from './engine/event-time.js';
export type {
  AlertCandidate,
  AlertRuleType,
  CapacityKind,
  EngineOptions,
  EngineOutput,
  EngineState,
  EngineStats,
  GroupValue,
} from './engine/types.js';
// field model
export { compileFieldPath, FIELD_ALIASES, getField, resolveFieldPath } from './field-aliases.js';
export { isKnownField, KEYWORD_PATHS, KNOWN_PATHS } from './fields/known-fields.js';
// single-event matching
export type { Predicate } from './match/compile.js';
export { compileDetection } from './match/compile.js';
export { EventView, FieldSlots } from './match/event-view.js';
// rules: parsing and linking
export { ConditionSyntaxError, evaluateCondition, parseCondition } from './rule/condition.js';
export { formatDurationUs, parseTimespan } from './rule/duration.js';
export type { ParseRuleFileOptions } from './rule/parse-file.js';
export { parseRuleFile } from './rule/parse-file.js';
export type { BuildRuleSetOptions, LinkedCorrelation, ResolvedSource, RuleDoc, RuleSet } from './rule/rule-set.js';
export { buildRuleSet, loadRuleSet, ruleKey } from './rule/rule-set.js';
export type {
  AbsenceSpec,
  ConditionNode,
  CorrelationRule,
  CorrelationType,
  CountCondition,
  Detection,
  DetectionRule,
  FieldItem,
  FieldTest,
  FilterRule,
  ParsedRuleFile,
  RuleWarning,
  SearchIdentifier,
  SigmaDocument,
  SigmaLevel,
  SigmaScalar,
  SigmaStatus,
  SourcePos,
  SuppressSpec,
} from './rule/types.js';
export { CORRELATION_TYPES, SIGMA_LEVELS, SIGMA_STATUSES } from './rule/types.js';
// rule folders and rule tests (docs/rules.md)
export type { LintProblem, LintReport } from './testing/lint.js';
export { lintRules } from './testing/lint.js';
export type { LoadedRules, RuleFileText, RulesDirContents, RulesDirEntry, RulesDirFs } from './testing/rule-files.js';
export {
  BUILTIN_RULES_DIR,
  companionRuleFile,
  isRuleFile,
  isRuleTestFile,
  loadRuleFiles,
  loadRulesDir,
  readRulesDir,
} from './testing/rule-files.js';
export type { RunRuleTestsInput } from './testing/run-tests.js';
export { runRuleTestCase, runRuleTestFile, runRuleTests } from './testing/run-tests.js';
export type { ParseRuleTestFileOptions } from './testing/test-file.js';
export { parseRuleTestFile } from './testing/test-file.js';
export { formatTestOffset } from './testing/test-time.js';
export type {
  AlertExpectation,
  CaseStatus,
  EventStep,
  RaisedAlert,
  RuleTestCase,
  RuleTestCaseResult,
  RuleTestFile,
  RuleTestFileResult,
  RuleTestReport,
  SweepStep,
  TestStep,
} from './testing/test-types.js';
