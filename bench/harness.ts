/**
 * A small benchmark harness: warm up, then run batches until a time budget is
 * spent, and report the rate. Results share one JSON shape across groups:
 * {"figures":[{"name","value","unit","better"}]}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  better: 'higher' | 'lower';
}

export interface RateOptions {
  /** Work items per call of `fn` (a batch), so the rate is items/s. */
  itemsPerCall?: number;
  warmupMs?: number;
  budgetMs?: number;
}

/** Items per second of `fn`, measured over `budgetMs` after a warm-up. */
export function measureRate(fn: () => void, opts: RateOptions = {}): number {
  const items = opts.itemsPerCall ?? 1;
  const warmupEnd = performance.now() + (opts.warmupMs ?? 300);
  while (performance.now() < warmupEnd) fn();
  const budget = opts.budgetMs ?? 1500;
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < budget) {
    fn();
    calls++;
    if ((calls & 7) === 0) now = performance.now();
  }
  now = performance.now();
  return (calls * items * 1000) / (now - start);
}

function formatValue(v: number): string {
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
}

/** Print the table and write bench/results/<group>.json. */
export function report(group: string, figures: Figure[]): void {
  const nameWidth = Math.max(...figures.map((f) => f.name.length), 6);
  const valueWidth = Math.max(...figures.map((f) => formatValue(f.value).length), 5);
  const lines = [
    `${'figure'.padEnd(nameWidth)}  ${'value'.padStart(valueWidth)}  unit`,
    `${'-'.repeat(nameWidth)}  ${'-'.repeat(valueWidth)}  ----`,
  ];
  for (const f of figures)
    lines.push(`${f.name.padEnd(nameWidth)}  ${formatValue(f.value).padStart(valueWidth)}  ${f.unit} (${f.better} is better)`);
  process.stdout.write(`\n${group}\n${lines.join('\n')}\n`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${group}.json`;
  writeFileSync(file, `${JSON.stringify({ group, node: process.version, date: new Date().toISOString(), figures }, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}
