/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went, in
 * two views:
 * - by kind of work: each sample goes to the first category found walking
 *   up from the sampled function (so a native `run` called from the store
 *   counts as SQLite, a `digest` as hashing);
 * - by stage: the time spent inside each named function of the ingest path,
 *   callees included (a sample counts once per stage on its stack).
 * Samples can be limited to a window of the monotonic clock (µs), which is
 * the clock of process.hrtime on the same machine.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

type Rule = [category: string, test: (f: CallFrame) => boolean];

const has = (f: CallFrame, ...parts: string[]) => parts.some((p) => f.url.includes(p));
const KINDS: Rule[] = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)'],
  ['V8 (program)', (f) => f.functionName === '(program)'],
  ['JSON.parse (body)', (f) => (f.url === '' && f.functionName === 'parse') || has(f, 'secure-json-parse')],
  ['JSON.stringify', (f) => f.url === '' && f.functionName === 'stringify'],
  ['JCS canonicalize', (f) => has(f, '/canon/')],
  [
    'SHA-256 (node:crypto)',
    (f) => has(f, 'node:internal/crypto') || (f.url === '' && ['digest', 'update', 'hash'].includes(f.functionName)),
  ],
  ['Merkle tree', (f) => has(f, '/merkle/')],
  ['SQLite (better-sqlite3 + store)', (f) => has(f, 'better-sqlite3', '/store/sqlite')],
  ['record validation (core)', (f) => has(f, '/event/validate', '/event/patterns', '/time/rfc3339')],
  ['seals (core + verifier)', (f) => has(f, '/seal/', 'seal-verif')],
  ['chain hash (core)', (f) => has(f, '/chain/')],
  ['body schema (ajv)', (f) => has(f, '/ajv/') || (f.url === '' && /^validate\d*$/.test(f.functionName))],
  ['metrics (prom-client)', (f) => has(f, 'prom-client', '/metrics/')],
  ['gzip', (f) => has(f, 'node:zlib')],
  [
    'HTTP (node:http, streams, fastify)',
    (f) =>
      has(
        f,
        'node:_http',
        'node:http',
        'node:net',
        'node:internal/streams',
        'node:stream',
        'node:internal/http',
        '/fastify/',
        'find-my-way',
        'avvio',
        'fast-json-stringify',
        'fast-querystring',
        'node:events',
        'node:internal/timers',
      ),
  ],
  ['seclog ingest/integrate/http', (f) => has(f, '/collector/src/')],
];

const STAGES: [string, (f: CallFrame) => boolean][] = [
  ['JSON.parse of bodies', (f) => has(f, 'secure-json-parse') || (f.url === '' && f.functionName === 'parse')],
  ['device token lookup', (f) => f.functionName === 'deviceForToken'],
  ['classifyBatch (validate, JCS, hash, chain)', (f) => f.functionName === 'classifyBatch'],
  ['  validateEvent', (f) => f.functionName === 'validateEvent'],
  ['  canonicalize', (f) => f.functionName === 'canonicalize'],
  ['seal checks', (f) => /seal/i.test(f.functionName) && has(f, '/collector/src/')],
  ['commitBatches (SQLite transaction + fsync)', (f) => f.functionName === 'commitBatches'],
  ['integrate (Merkle leaves + nodes)', (f) => f.functionName === 'integrate' && has(f, '/integrate/')],
  ['checkpoint signing', (f) => f.functionName === 'checkpoint' && has(f, '/integrate/')],
  ['reply serialisation', (f) => has(f, 'fast-json-stringify') || f.functionName === 'serialize'],
];

export function summariseProfile(path: string, fromUs?: bigint, toUs?: bigint): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const kinds = new Map<string, number>();
  const stages = new Map<string, number>();
  const leaves = new Map<string, number>();
  let at = BigInt(p.startTime);
  let total = 0;
  let counted = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    at += BigInt(dt);
    if (fromUs !== undefined && at < fromUs) continue;
    if (toUs !== undefined && at > toUs) continue;
    counted++;
    const leaf = byId.get(p.samples[i]!)!;
    let kind = 'other';
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const rule = KINDS.find(([, test]) => test(byId.get(id!)!.callFrame));
      if (rule !== undefined) {
        kind = rule[0];
        break;
      }
    }
    kinds.set(kind, (kinds.get(kind) ?? 0) + dt);
    if (kind === 'idle') continue;
    total += dt;
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      for (const [stage, test] of STAGES) {
        if (!seen.has(stage) && test(f)) {
          seen.add(stage);
          stages.set(stage, (stages.get(stage) ?? 0) + dt);
        }
      }
    }
    const f = leaf.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(packages|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    leaves.set(name, (leaves.get(name) ?? 0) + dt);
  }
  if (counted === 0 && fromUs !== undefined) return summariseProfile(path);

  const idle = kinds.get('idle') ?? 0;
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const lines = [
    `busy ${ms(total)}, idle ${ms(idle)} (${((100 * total) / (total + idle)).toFixed(0)}% of one core busy)`,
    '',
    'by kind of work (self time, attributed up the stack)',
  ];
  for (const [k, us] of [...kinds].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1])) lines.push(`  ${ms(us)} ${pct(us)}  ${k}`);
  lines.push('', 'by stage (time inside, callees included)');
  for (const [stage] of STAGES) lines.push(`  ${ms(stages.get(stage) ?? 0)} ${pct(stages.get(stage) ?? 0)}  ${stage}`);
  lines.push('', 'hottest functions (self time)');
  for (const [name, us] of [...leaves].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${ms(us)} ${pct(us)}  ${name}`);
  return lines.join('\n');
}
