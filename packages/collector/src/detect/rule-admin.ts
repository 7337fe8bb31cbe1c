/**
 * Rule changes through the API: enable or disable a rule, add or replace a
 * custom rule file. Each is checked first (nothing is recorded for a change
 * that would be refused), then recorded as `log_config_change` with the
 * actor and the SHA-256 of the rule file's text (audit.ts), then stored,
 * then applied to the running engine (rebuilt with its state carried over).
 * Changes run one at a time.
 */
import { SeclogError } from '@seclog/core';
import { principalLabel } from '../auth/principal.js';
import { KeyedLock } from '../ingest/keyed-lock.js';
import type { OwnStream } from '../ingest/own-stream.js';
import type { Store } from '../store/types.js';
import { type Actor, actorField, actorUser, appendAudit } from './audit.js';
import { type RuleInfo, RuleLibrary } from './rule-library.js';

export interface EnableResult {
  rule: RuleInfo;
  changed: boolean;
}

export interface CustomResult {
  /** The stored file's id. */
  file: string;
  sha256: string;
  /** The rules of the file, as now loaded. */
  rules: RuleInfo[];
  /** The custom file it replaced (the same id), or null for a new one. */
  replaced: string | null;
  changed: boolean;
}

export class RuleAdmin {
  readonly #library: RuleLibrary;
  readonly #store: Store;
  readonly #own: OwnStream;
  readonly #applied: () => void;
  readonly #lock = new KeyedLock();
  readonly #now: () => number;

  /** `applied` runs after each change is stored (the detection service rebuilds its engine). */
  constructor(library: RuleLibrary, store: Store, own: OwnStream, applied: () => void, now: () => number = Date.now) {
    this.#library = library;
    this.#store = store;
    this.#own = own;
    this.#applied = applied;
    this.#now = now;
  }

  list(): RuleInfo[] {
    return this.#library.list();
  }

  setEnabled(id: string, enabled: boolean, who: Actor): Promise<EnableResult> {
    return this.#lock.run('rules', async () => {
      const rule = this.#library.find(id);
      if (rule === undefined) throw new SeclogError('DETECT_RULE_NOT_FOUND', `no loaded rule has id ${id}`, { id });
      if (rule.enabled === enabled) return { rule, changed: false };
      await appendAudit(
        this.#own,
        {
          name: 'log_config_change',
          input: {
            actor: actorField(who),
            attrs: {
              setting: `detect.rules.${id}.enabled`,
              old_value: String(rule.enabled),
              new_value: String(enabled),
              opt_out: false,
              rule_id: id,
              rule_source: rule.source,
              rule_sha256: rule.sha256,
            },
            message: `${principalLabel(who.principal)} ${enabled ? 'enabled' : 'disabled'} ${rule.source} rule ${id} "${rule.title}"`,
          },
        },
        `the change of rule ${id}`,
      );
      this.#store.alerts().putRuleFlag({ ruleId: id, enabled, updatedUs: this.#now() * 1000, updatedBy: actorUser(who) });
      this.#library.setEnabled(id, enabled);
      this.#applied();
      return { rule: this.#library.find(id)!, changed: true };
    });
  }

  /** Adds a custom rule file, or replaces the stored one that holds any of its rule ids. */
  putCustom(text: string, who: Actor): Promise<CustomResult> {
    return this.#lock.run('rules', async () => {
      const staged = this.#library.stageCustom(text);
      const { file, replaces } = staged;
      const result = (changed: boolean): CustomResult => ({
        file: file.fileId,
        sha256: file.sha256,
        rules: this.#library.list().filter((r) => r.source === 'custom' && file.keys.includes(r.id)),
        replaced: replaces?.fileId ?? null,
        changed,
      });
      if (replaces !== undefined && replaces.sha256 === file.sha256) return result(false);
      await appendAudit(
        this.#own,
        {
          name: 'log_config_change',
          input: {
            actor: actorField(who),
            attrs: {
              setting: 'detect.rules.custom',
              ...(replaces === undefined ? {} : { old_value: replaces.sha256 }),
              new_value: file.sha256,
              opt_out: false,
              rule_id: file.keys.join(','),
              rule_file: file.fileId,
              rule_sha256: file.sha256,
            },
            message: `${principalLabel(who.principal)} ${replaces === undefined ? 'added' : 'replaced'} custom rule file ${file.fileId} (${file.keys.join(', ')})`,
          },
        },
        `the change of custom rule file ${file.fileId}`,
      );
      this.#store.alerts().putCustomRule(RuleLibrary.customRow(staged, this.#now() * 1000, actorUser(who)), replaces?.fileId);
      this.#library.applyCustom(staged);
      this.#applied();
      return result(true);
    });
  }
}
