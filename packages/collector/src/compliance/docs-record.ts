/**
 * What makes the checklist's documentation item pass: a record of the last
 * generation of the technical-file section, kept with the data (store meta,
 * so both backends hold it), naming the digest of the configuration it was
 * generated from. The check recomputes the digest from the configuration in
 * force and passes only when the two are equal, so a change of detection
 * settings, rules, notification channels, retention or review schedules makes
 * the documentation stale until it is generated again.
 *
 * The digest covers what the document describes as policy, not where the
 * collector listens or stores (ports, paths, database URLs): the server and
 * the CLI load those differently (flags), and they do not change what is
 * logged or how it is protected. Secrets never enter it: channels count by
 * type and name only. Measured state (event counts, the checkpoint, time
 * quality) is a dated snapshot in the document and is not part of the digest.
 */
import { createHash } from 'node:crypto';
import { canonicalize, catalogueEntries } from '@seclog/core';
import type { CollectorConfig } from '../config/schema.js';
import type { RuleInfo } from '../detect/rule-library.js';
import type { Store } from '../store/types.js';

export const DOCS_META_KEY = 'compliance_docs_generated';

export const DOCS_FORMATS = ['md', 'html', 'pdf'] as const;
export type DocsFormat = (typeof DOCS_FORMATS)[number];

/** The last generation of the documentation, as kept in store meta. */
export interface DocsRecord {
  /** RFC 3339. */
  at: string;
  /** documentationDigest() of the configuration it was generated from, hex. */
  configDigest: string;
  format: DocsFormat;
  /** SHA-256 of the markdown source (the html and pdf are rendered from it), hex. */
  sha256: string;
  /** Who generated it (principal label or OS user). */
  by: string;
}

/** Configuration sections added by other features (retention, capacity, device horizons, reviews), when present. */
export const POLICY_SECTIONS = ['retention', 'storage', 'devices', 'reviews'] as const;

export function policySection(config: CollectorConfig, key: (typeof POLICY_SECTIONS)[number]): unknown {
  return (config as unknown as Record<string, unknown>)[key];
}

/** Digest (hex SHA-256 of canonical JSON) of the configuration the documentation describes. */
export function documentationDigest(config: CollectorConfig, rules: readonly RuleInfo[] | undefined): string {
  const described = {
    v: 1,
    detect: { enabled: config.detect.enabled, builtinRules: config.detect.builtinRules },
    rules: rules === undefined ? null : rules.map((r) => `${r.id} ${r.version} ${r.enabled ? 'on' : 'off'} ${r.level ?? '-'}`).sort(),
    notify: {
      minSeverity: config.notify.minSeverity,
      channels: config.notify.channels.map((c) => `${c.type}:${c.name}:${c.minSeverity ?? ''}`).sort(),
    },
    checkpointIntervalMs: config.log.checkpointIntervalMs,
    // A new seclog version with other events or requirement links changes "what is logged and why".
    catalogue: catalogueEntries().map((e) => `${e.name} ${e.mandatory ? 'm' : '-'} ${e.requirements.iec62443}`),
    policy: Object.fromEntries(POLICY_SECTIONS.map((k) => [k, jsonOnly(policySection(config, k))])),
  };
  return createHash('sha256').update(canonicalize(described)).digest('hex');
}

/** Plain JSON data (drops undefined, functions); null when absent. */
function jsonOnly(v: unknown): unknown {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown);
}

export function readDocsRecord(store: Store): DocsRecord | undefined {
  const text = store.getMeta(DOCS_META_KEY);
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Partial<DocsRecord>;
    if (typeof r.at === 'string' && typeof r.configDigest === 'string' && typeof r.sha256 === 'string') return r as DocsRecord;
  } catch {
    // A damaged record counts as none: the item then fails and says to generate again.
  }
  return undefined;
}

export function writeDocsRecord(store: Store, record: DocsRecord): void {
  store.setMeta(DOCS_META_KEY, JSON.stringify(record));
}
