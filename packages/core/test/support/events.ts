/** Building full records from catalogue examples, for tests. */
import type { CatalogueEntry } from '../../src/catalogue/types.js';
import type { ChainedEvent, SecurityEvent } from '../../src/event/types.js';

let counter = 0;

/** A valid record of `entry` built from its example (no chain fields). */
export function eventFromExample(entry: CatalogueEntry): SecurityEvent {
  counter++;
  const ev: SecurityEvent = {
    v: 1,
    id: `019ac5e2-7b10-7c3a-9d41-${counter.toString(16).padStart(12, '0')}`,
    name: entry.name,
    time: '2026-11-27T13:33:43.123456Z',
    severity: entry.example.severity ?? entry.defaultSeverity,
    outcome: entry.example.outcome ?? entry.defaultOutcome,
    device: { id: 'cam-17', fw: '2.4.1', model: 'IPC-300' },
    attrs: { ...entry.example.attrs },
  };
  if (entry.example.actor) ev.actor = { ...entry.example.actor } as SecurityEvent['actor'];
  if (entry.example.target) ev.target = { ...entry.example.target };
  if (entry.example.message !== undefined) ev.message = entry.example.message;
  return ev;
}

/** The same with every chain field, as it would sit in a device stream. */
export function chainedFromExample(entry: CatalogueEntry, seq = 42): ChainedEvent {
  return {
    ...eventFromExample(entry),
    stream: 'cam-17.s1',
    seq,
    boot: 'b7e1c2',
    mono_ms: 81234567,
    prev: 'a3f1c9e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8',
    tq: { synced: true, source: 'ntp', accuracy_ms: 12.5, offset_ms: -3.2 },
  };
}
