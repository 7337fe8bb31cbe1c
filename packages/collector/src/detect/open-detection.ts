/**
 * Detection as the collector runs it: the rule library (built-in pack and
 * custom rules), the service that evaluates the integrated stream, alert
 * triage and rule administration, opened together after the integrator has
 * caught up and closed before the store.
 */
import type { DetectConfig } from '../config/schema.js';
import type { OwnStream } from '../ingest/own-stream.js';
import type { Integrator } from '../integrate/integrator.js';
import type { StoredAlert } from '../store/alert-types.js';
import type { Store } from '../store/types.js';
import { AlertTriage } from './alert-triage.js';
import { builtinRulesDir, type RuleText, readRuleFiles } from './builtin-rules.js';
import { DetectionService } from './detection-service.js';
import { RuleAdmin } from './rule-admin.js';
import { RuleLibrary } from './rule-library.js';

export interface OpenDetectionOptions {
  readonly store: Store;
  readonly integrator: Integrator;
  readonly own: OwnStream;
  readonly config: DetectConfig;
  /** See DetectionServiceOptions.onAlertStored (the notifier). */
  readonly onAlertStored?: (alert: StoredAlert) => void;
  /** Built-in rule texts instead of the pack's files (tests); only read when config.builtinRules is true. */
  readonly builtin?: readonly RuleText[];
  /** Wall clock in ms (tests). */
  readonly now?: () => number;
  /** Open without evaluating until service.activate() (a collector without the integrator lease). */
  readonly standby?: boolean;
}

export interface Detection {
  readonly service: DetectionService;
  readonly triage: AlertTriage;
  readonly rules: RuleAdmin;
  close(): Promise<void>;
}

export async function openDetection(opts: OpenDetectionOptions): Promise<Detection> {
  const { store, config } = opts;
  const texts = config.builtinRules ? (opts.builtin ?? readRuleFiles(builtinRulesDir())) : [];
  const library = RuleLibrary.load(store.alerts(), texts);
  if (library.problems.length > 0) {
    const list = library.problems.map((p) => `${p.source}: ${p.message}`).join('; ');
    process.emitWarning(`detection: ${library.problems.length} rule file(s) not loaded: ${list}`, { code: 'SECLOG_DETECT_RULES' });
  }
  const service = await DetectionService.open({
    store,
    integrator: opts.integrator,
    own: opts.own,
    rules: library,
    sweepIntervalMs: config.sweepIntervalMs,
    allowedLatenessMs: config.allowedLatenessMs,
    stateSaveIntervalMs: config.stateSaveIntervalMs,
    ...(opts.onAlertStored === undefined ? {} : { onAlertStored: opts.onAlertStored }),
    ...(opts.now === undefined ? {} : { now: opts.now }),
    ...(opts.standby === undefined ? {} : { standby: opts.standby }),
  });
  const now = opts.now ?? Date.now;
  return {
    service,
    triage: new AlertTriage(store, opts.own, now),
    rules: new RuleAdmin(library, store, opts.own, () => service.rulesChanged(), now),
    close: () => service.close(),
  };
}
