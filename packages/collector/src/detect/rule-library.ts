/**
 * The rules the detector runs: the built-in pack's files and the custom
 * files added through the API, with the enabled flags kept in the database.
 *
 * A rule is a document with an id (or a name): a detection rule, a
 * correlation, or a filter that has one. Disabling a rule stops its alerts;
 * a disabled rule that an enabled correlation builds on is still evaluated
 * for that correlation (only its own alerts stop), and which rules alert is
 * decided on the whole set as if every rule were enabled, so disabling a
 * correlation never makes the rules under it start alerting on their own.
 * A disabled filter no longer applies.
 *
 * Files that do not load (a parse error, or a conflict with the files loaded
 * before them) are left out and listed in `problems`: one bad file must not
 * stop detection with every other rule.
 */
import { createHash } from 'node:crypto';
import { isSeclogError, SeclogError } from '@seclog/core';
import { buildRuleSet, type ParsedRuleFile, parseRuleFile, type RuleSet, ruleKey, type SigmaDocument } from '@seclog/detect';
import type { AlertStore, CustomRuleRow } from '../store/alert-types.js';
import type { RuleText } from './builtin-rules.js';

export type RuleOrigin = 'builtin' | 'custom';

export interface RuleFile {
  readonly origin: RuleOrigin;
  /** Custom files: their key in the database; built-in files: their path in the pack. */
  readonly fileId: string;
  /** Named in rule errors and listings: the pack path, or `custom/<fileId>`. */
  readonly source: string;
  readonly text: string;
  /** SHA-256 of `text`, hex. */
  readonly sha256: string;
  readonly parsed: ParsedRuleFile;
  /** Keys of the documents that have one. */
  readonly keys: readonly string[];
}

export interface RuleInfo {
  readonly id: string;
  readonly title: string;
  readonly kind: SigmaDocument['kind'];
  readonly level: string | null;
  readonly status: string | null;
  /** The start of the SHA-256 of the document's text (alerts carry it). */
  readonly version: string;
  readonly enabled: boolean;
  /** Raises alerts of its own in the running set. */
  readonly alerting: boolean;
  readonly source: RuleOrigin;
  readonly file: string;
  /** SHA-256 of the whole file's text. */
  readonly sha256: string;
}

export interface RuleProblem {
  readonly source: string;
  readonly code: string;
  readonly message: string;
}

/** A custom file checked against the library, ready to be stored and applied. */
export interface StagedCustom {
  readonly file: RuleFile;
  /** The stored custom file it replaces, if any. */
  readonly replaces: RuleFile | undefined;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A document's key: ruleKey for rules; id or name for filters (a filter with neither has none). */
export function documentKey(d: SigmaDocument): string | undefined {
  return d.kind === 'filter' ? (d.id ?? d.name) : ruleKey(d);
}

function ruleFile(origin: RuleOrigin, fileId: string, source: string, text: string): RuleFile {
  const parsed = parseRuleFile(text, { source });
  const keys = parsed.documents.map(documentKey).filter((k): k is string => k !== undefined);
  return { origin, fileId, source, text, sha256: sha256Hex(text), parsed, keys };
}

const customSource = (fileId: string) => `custom/${fileId}`;

export class RuleLibrary {
  #files: RuleFile[] = [];
  readonly #flags = new Map<string, boolean>();
  readonly problems: RuleProblem[] = [];
  #set: RuleSet | undefined;

  /** Loads the built-in texts, then the custom files and flags stored in `alerts`. */
  static load(alerts: AlertStore, builtin: readonly RuleText[]): RuleLibrary {
    const lib = new RuleLibrary();
    for (const t of builtin) lib.#tryAdd(() => ruleFile('builtin', t.source, t.source, t.text), t.source);
    for (const c of alerts.listCustomRules())
      lib.#tryAdd(() => ruleFile('custom', c.fileId, customSource(c.fileId), c.text), customSource(c.fileId));
    for (const f of alerts.listRuleFlags()) lib.#flags.set(f.ruleId, f.enabled);
    return lib;
  }

  /**
   * Re-reads the custom files and flags stored in `alerts`, which another collector sharing the
   * database may have changed; true when anything differs (the caller rebuilds its engine).
   */
  reload(alerts: AlertStore): boolean {
    const customs = alerts.listCustomRules();
    const flags = alerts.listRuleFlags();
    const stored = customs
      .map((c) => `${c.fileId}:${sha256Hex(c.text)}`)
      .sort()
      .join('\n');
    const held = this.#files
      .filter((f) => f.origin === 'custom')
      .map((f) => `${f.fileId}:${f.sha256}`)
      .sort()
      .join('\n');
    const sameFlags = flags.length === this.#flags.size && flags.every((f) => this.#flags.get(f.ruleId) === f.enabled);
    if (stored === held && sameFlags) return false;
    this.#files = this.#files.filter((f) => f.origin === 'builtin');
    const kept = this.problems.filter((p) => !p.source.startsWith('custom/'));
    this.problems.splice(0, this.problems.length, ...kept);
    for (const c of customs) this.#tryAdd(() => ruleFile('custom', c.fileId, customSource(c.fileId), c.text), customSource(c.fileId));
    this.#flags.clear();
    for (const f of flags) this.#flags.set(f.ruleId, f.enabled);
    this.#set = undefined;
    return true;
  }

  #tryAdd(make: () => RuleFile, source: string): void {
    try {
      const file = make();
      buildRuleSet([...this.#files, file].map((f) => f.parsed));
      this.#files.push(file);
    } catch (err) {
      if (!isSeclogError(err)) throw err;
      this.problems.push({ source, code: err.code, message: err.message });
    }
  }

  get files(): readonly RuleFile[] {
    return this.#files;
  }

  isEnabled(key: string): boolean {
    return this.#flags.get(key) ?? true;
  }

  /** The rule set to run (cached until the library changes). */
  ruleSet(): RuleSet {
    this.#set ??= this.#build(this.#files);
    return this.#set;
  }

  #build(files: readonly RuleFile[]): RuleSet {
    const full = buildRuleSet(files.map((f) => f.parsed));
    const disabled = new Set([...this.#flags].filter(([, on]) => !on).map(([k]) => k));
    if (disabled.size === 0) return full;
    const byRef = new Map<string, SigmaDocument>();
    for (const f of files) for (const d of f.parsed.documents) for (const r of [d.id, d.name]) if (r !== undefined) byRef.set(r, d);
    const keep = new Set<SigmaDocument>();
    const visit = (d: SigmaDocument): void => {
      if (keep.has(d)) return;
      keep.add(d);
      if (d.kind === 'correlation') for (const ref of d.rules) if (byRef.has(ref)) visit(byRef.get(ref)!);
    };
    for (const f of files) {
      for (const d of f.parsed.documents) {
        const key = documentKey(d);
        if (key === undefined || !disabled.has(key)) visit(d);
      }
    }
    const set = buildRuleSet(files.map((f) => ({ ...f.parsed, documents: f.parsed.documents.filter((d) => keep.has(d)) })));
    return { ...set, alerting: new Set([...full.alerting].filter((k) => !disabled.has(k))) };
  }

  list(): RuleInfo[] {
    const alerting = this.ruleSet().alerting;
    const out: RuleInfo[] = [];
    for (const f of this.#files) {
      for (const d of f.parsed.documents) {
        const id = documentKey(d);
        if (id === undefined) continue;
        out.push({
          id,
          title: d.title,
          kind: d.kind,
          level: d.kind === 'filter' ? null : (d.level ?? null),
          status: d.kind === 'filter' ? null : (d.status ?? null),
          version: d.version,
          enabled: this.isEnabled(id),
          alerting: alerting.has(id),
          source: f.origin,
          file: f.source,
          sha256: f.sha256,
        });
      }
    }
    return out;
  }

  find(id: string): RuleInfo | undefined {
    return this.list().find((r) => r.id === id);
  }

  /** The file that holds the rule `id`. */
  fileOf(id: string): RuleFile | undefined {
    return this.#files.find((f) => f.keys.includes(id));
  }

  setEnabled(id: string, enabled: boolean): void {
    this.#flags.set(id, enabled);
    this.#set = undefined;
  }

  /**
   * Checks a custom rule text: it parses (errors name `request:<line>:<column>` and the construct), names no
   * built-in rule, replaces at most one stored custom file (the one holding any of its rule ids), and the whole
   * set still links with it. Throws the rule error; changes nothing.
   */
  stageCustom(text: string): StagedCustom {
    const probe = ruleFile('custom', 'request', 'request', text);
    if (probe.keys.length === 0) {
      throw new SeclogError('RULE_INVALID', 'request: the file has no rule with an id or a name, so it could not be listed or disabled', {
        source: 'request',
      });
    }
    const builtin = probe.keys.filter((k) => this.#files.some((f) => f.origin === 'builtin' && f.keys.includes(k)));
    if (builtin.length > 0) {
      throw new SeclogError(
        'DETECT_RULE_CONFLICT',
        `${builtin.join(', ')}: built-in rule id; built-in rules cannot be replaced (disable it and add yours under another id)`,
        { ids: builtin },
      );
    }
    const owners = this.#files.filter((f) => f.origin === 'custom' && f.keys.some((k) => probe.keys.includes(k)));
    if (owners.length > 1) {
      throw new SeclogError(
        'DETECT_RULE_CONFLICT',
        `the file names rules of ${owners.length} stored custom files (${owners.map((o) => o.fileId).join(', ')}); replace them one at a time`,
        { files: owners.map((o) => o.fileId) },
      );
    }
    const replaces = owners[0];
    let fileId = replaces?.fileId ?? probe.keys[0]!;
    if (replaces === undefined) {
      const taken = new Set(this.#files.filter((f) => f.origin === 'custom').map((f) => f.fileId));
      for (let n = 2; taken.has(fileId); n++) fileId = `${probe.keys[0]!}~${n}`;
    }
    const file = ruleFile('custom', fileId, customSource(fileId), text);
    const files = [...this.#files.filter((f) => f !== replaces), file];
    // The rule set must link with the new file, under the request's name so errors point into the text sent.
    buildRuleSet([...this.#files.filter((f) => f !== replaces), probe].map((f) => f.parsed));
    this.#build(files);
    return { file, replaces };
  }

  applyCustom(staged: StagedCustom): void {
    const i = staged.replaces === undefined ? -1 : this.#files.indexOf(staged.replaces);
    if (i >= 0) this.#files[i] = staged.file;
    else this.#files.push(staged.file);
    this.#set = undefined;
  }

  /** The database row of a staged file. */
  static customRow(staged: StagedCustom, atUs: number, by: string): CustomRuleRow {
    const f = staged.file;
    return { fileId: f.fileId, text: f.text, sha256: f.sha256, ruleIds: [...f.keys], updatedUs: atUs, updatedBy: by };
  }
}
