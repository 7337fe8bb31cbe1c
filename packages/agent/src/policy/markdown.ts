/** The profile and event-class tables of docs/agent.md, rendered from code (a test keeps the page in step). */
import type { ProfileDefaults } from '@seclog/core';
import { catalogueEntries, PROFILES } from '@seclog/core';
import { CRITICAL_GROUPS, classOfEntry, isAppEvent, MANDATORY_GROUPS } from './event-class.js';

/** A table with padded columns, the layout Biome's Markdown formatter keeps (docs/agent.md is formatted). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function duration(ms: number): string {
  if (ms === 0) return '0';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

function bytes(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

const ROWS: readonly [string, string, (p: ProfileDefaults) => string][] = [
  ['sealEpochMs', 'seal epoch (time)', (p) => duration(p.sealEpochMs)],
  ['sealEpochRecords', 'seal epoch (records)', (p) => String(p.sealEpochRecords)],
  ['realtime', 'shipping', (p) => (p.realtime ? 'real time' : 'periodic uploads')],
  ['uploadIntervalMs', 'upload interval', (p) => (p.realtime ? '—' : duration(p.uploadIntervalMs))],
  ['batchMaxEvents', 'batch size', (p) => `${p.batchMaxEvents} records`],
  ['batchMaxAgeMs', 'batch age', (p) => duration(p.batchMaxAgeMs)],
  ['shipCriticalAtOnce', 'critical events ship at once', (p) => (p.shipCriticalAtOnce ? 'yes' : 'no')],
  ['storageWarnPct', '`log_storage_low` at', (p) => p.storageWarnPct.map((x) => `${x} %`).join(', ')],
  ['ringCapacityBytes', 'ring capacity', (p) => bytes(p.ringCapacityBytes)],
];

export function renderProfilesTable(): string {
  return markdownTable(
    ['setting', 'key', '`low` (smart bulb)', '`high` (camera, medical device)'],
    ROWS.map(([key, label, show]) => [label, `\`${key}\``, show(PROFILES.low), show(PROFILES.high)]),
  );
}

/** Mandatory groups, critical groups, and the events a user may switch off. */
export function renderEventClasses(): string {
  const device = catalogueEntries().filter(isAppEvent);
  const optional = device.filter((e) => !classOfEntry(e).mandatory).map((e) => `\`${e.name}\``);
  const extraMandatory = device.filter((e) => classOfEntry(e).mandatory && !MANDATORY_GROUPS.has(e.group)).map((e) => `\`${e.name}\``);
  const extraCritical = device.filter((e) => classOfEntry(e).critical && !CRITICAL_GROUPS.has(e.group)).map((e) => `\`${e.name}\``);
  return [
    `- **Mandatory** (never switched off): every event of the groups ${[...MANDATORY_GROUPS].map((g) => `\`${g}\``).join(', ')}, and ${extraMandatory.join(', ')}.`,
    `- **Critical** (durable before the call resolves): every event of the groups ${[...CRITICAL_GROUPS].map((g) => `\`${g}\``).join(', ')}, and ${extraCritical.join(', ')}.`,
    `- **Optional** (the user may switch them off): ${optional.join(', ')}.`,
  ].join('\n');
}
