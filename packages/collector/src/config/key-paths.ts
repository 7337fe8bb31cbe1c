/**
 * The configuration's key paths, read off the schema once: which leaves
 * exist, their environment variable, how a string from the environment or
 * the command line becomes a value, and the did-you-mean for a misspelt key.
 *
 * Environment mapping: `SECLOG_` + each path segment in UPPER_SNAKE_CASE,
 * joined by `_`:
 *
 *   dataDir               SECLOG_DATA_DIR
 *   http.port             SECLOG_HTTP_PORT
 *   http.tls.certFile     SECLOG_HTTP_TLS_CERT_FILE
 *   ingest.maxBatchBytes  SECLOG_INGEST_MAX_BATCH_BYTES
 *
 * Because `_` both joins segments and splits camelCase, names are looked up
 * in the table built here, never parsed back; a test checks they are unique.
 */
import { CollectorConfigSchema } from './schema.js';

/** The parts of a JSON schema node this module reads. */
export interface SchemaNode {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly pattern?: string;
}

export interface ConfigLeaf {
  /** Dotted key path, e.g. `http.tls.certFile`. */
  readonly path: string;
  readonly segments: readonly string[];
  readonly env: string;
  readonly schema: SchemaNode;
  /** False when the leaf or an object above it may be left out. */
  readonly required: boolean;
}

export const ENV_PREFIX = 'SECLOG_';

export function envVarFor(segments: readonly string[]): string {
  return ENV_PREFIX + segments.map((s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

function collectLeaves(node: SchemaNode, prefix: string[], required: boolean, out: ConfigLeaf[]): ConfigLeaf[] {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const segments = [...prefix, key];
    const childRequired = required && (node.required ?? []).includes(key);
    if (child.type === 'object') collectLeaves(child, segments, childRequired, out);
    else out.push({ path: segments.join('.'), segments, env: envVarFor(segments), schema: child, required: childRequired });
  }
  return out;
}

const ROOT = CollectorConfigSchema as SchemaNode;

/** Every leaf of the configuration, in schema order. */
export const CONFIG_LEAVES: readonly ConfigLeaf[] = Object.freeze(collectLeaves(ROOT, [], true, []));

const LEAF_BY_ENV = new Map(CONFIG_LEAVES.map((leaf) => [leaf.env, leaf]));
const LEAF_BY_PATH = new Map(CONFIG_LEAVES.map((leaf) => [leaf.path, leaf]));

export function leafForEnv(name: string): ConfigLeaf | undefined {
  return LEAF_BY_ENV.get(name);
}

export function leafForPath(path: string): ConfigLeaf | undefined {
  return LEAF_BY_PATH.get(path);
}

/** The schema node at a key path (objects included), or undefined when the path is not in the schema. */
export function schemaAt(segments: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = ROOT;
  for (const s of segments) node = node?.properties && Object.hasOwn(node.properties, s) ? node.properties[s] : undefined;
  return node;
}

/**
 * A string from the environment or argv, typed by the schema. Text that does
 * not parse is returned unchanged so validation reports it with its key
 * (`http.port: type (got "80a")`) instead of it turning into NaN or false.
 */
export function coerceString(schema: SchemaNode, raw: string): unknown {
  const text = raw.trim();
  switch (schema.type) {
    case 'integer':
      return /^[+-]?\d+$/.test(text) ? Number(text) : raw;
    case 'number':
      return text !== '' && Number.isFinite(Number(text)) ? Number(text) : raw;
    case 'boolean':
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      return raw;
    default:
      return raw;
  }
}

/**
 * The closest candidate to a misspelt name, if any is close: same letters
 * ignoring case, `_` and `-` (data_dir → dataDir), or an edit distance of at
 * most a third of the name (2 at least) unless `maxDistance` says otherwise.
 */
export function suggest(name: string, candidates: Iterable<string>, maxDistance?: number): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  let best: string | undefined;
  let bestDistance = (maxDistance ?? Math.max(2, Math.floor(name.length / 3))) + 1;
  for (const c of candidates) {
    if (norm(c) === norm(name)) return c;
    const d = editDistance(norm(name), norm(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** Levenshtein distance, two-row dynamic programming. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
