/** Reads Prometheus text exposition into `name{k="v",…}` → value, labels sorted by name (tests only). */
export type Samples = Map<string, number>;

export function parsePromText(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}="${v}"`).sort();
    out.set(sampleKey(m[1]!, labels), Number(m[3]));
  }
  return out;
}

function sampleKey(name: string, sortedLabels: string[]): string {
  return sortedLabels.length === 0 ? name : `${name}{${sortedLabels.join(',')}}`;
}

/** The key of a sample: `key('x_total', { b: '1', a: '2' })` → `x_total{a="2",b="1"}`. */
export function key(name: string, labels: Record<string, string> = {}): string {
  return sampleKey(
    name,
    Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .sort(),
  );
}

/** Value of a sample, 0 when absent (a counter never incremented). */
export function value(s: Samples, name: string, labels: Record<string, string> = {}): number {
  return s.get(key(name, labels)) ?? 0;
}

/** after − before for each named sample. */
export function delta(before: Samples, after: Samples, name: string, labels: Record<string, string> = {}): number {
  return value(after, name, labels) - value(before, name, labels);
}
