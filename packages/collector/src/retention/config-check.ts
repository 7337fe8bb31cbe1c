/** Cross-key rules of the storage keys (retention/config-schema.ts), called by config/safety.ts. */
import { type ConfigIssue, issue, type SourceMap } from '../config/issues.js';

type Tree = Record<string, unknown>;
const obj = (v: unknown): Tree | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Tree) : undefined);

/** The storage levels must rise in order, or a level could never be reached before the next. */
export function storageLevelIssues(config: Tree, sources: SourceMap): ConfigIssue[] {
  const s = obj(config.storage);
  const warn = s?.warnPercent;
  const critical = s?.criticalPercent;
  const floor = s?.hardFloorPercent;
  const out: ConfigIssue[] = [];
  if (typeof warn === 'number' && typeof critical === 'number' && warn >= critical) {
    out.push(
      issue(
        'CONFIG_INVALID',
        'storage.warnPercent',
        'belowCriticalPercent',
        warn,
        `must be < storage.criticalPercent (${critical})`,
        sources,
      ),
    );
  }
  if (typeof critical === 'number' && typeof floor === 'number' && critical > floor) {
    out.push(
      issue(
        'CONFIG_INVALID',
        'storage.hardFloorPercent',
        'atLeastCriticalPercent',
        floor,
        `must be ≥ storage.criticalPercent (${critical})`,
        sources,
      ),
    );
  }
  return out;
}
