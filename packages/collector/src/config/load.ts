/**
 * loadConfig: the one place the collector's configuration is merged,
 * validated and frozen. Precedence, highest first:
 *
 *   flags  >  SECLOG_* environment  >  seclog.yaml  >  CONFIG_DEFAULTS
 *
 * Objects merge key by key; any other value replaces the one below it. Empty
 * environment variables count as unset (container tooling often passes
 * `VAR=` for "not given"). Relative paths are relative to the working
 * directory (`cwd`), not to the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SeclogError } from '@seclog/core';
import { parseDocument } from 'yaml';
import { mqttConfigIssues } from '../mqtt/mqtt-config.js';
import { notifyConfigIssues } from '../notify/channels/channel-config.js';
import { reviewConfigIssues } from '../review/schedule.js';
import { CONFIG_DEFAULTS, deepFreeze } from './defaults.js';
import { type ConfigIssue, issue, schemaIssues } from './issues.js';
import { CONFIG_LEAVES, coerceString, ENV_PREFIX, leafForEnv, leafForPath, suggest } from './key-paths.js';
import { bindIssues, crossKeyIssues, tlsFileIssues } from './safety.js';
import type { CollectorConfig } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'seclog.yaml';

/** Command-line overrides as a nested object (`{ http: { port: 9000 } }`); string leaves are typed like env values. */
export type ConfigFlags = { readonly [key: string]: unknown };

export interface LoadConfigOptions {
  /** YAML file to read; without it `<cwd>/seclog.yaml` is read when present. */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly flags?: ConfigFlags;
  /** Directory for the default file and for checking relative TLS paths. */
  readonly cwd?: string;
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Merges, validates and freezes the configuration; throws one SeclogError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): CollectorConfig {
  const { env = process.env, flags = {}, cwd = process.cwd() } = options;
  const sources = new Map<string, string>();
  const merged: Tree = structuredClone(CONFIG_DEFAULTS) as Tree;
  const issues: ConfigIssue[] = [];

  const file = options.file ?? (existsSync(resolve(cwd, DEFAULT_CONFIG_FILE)) ? DEFAULT_CONFIG_FILE : undefined);
  if (file !== undefined) mergeLayer(merged, readConfigFile(resolve(cwd, file)), [], () => file, sources, false);
  mergeLayer(merged, envLayer(env, issues, sources), [], (path) => leafForPath(path)?.env ?? 'env', sources, false);
  mergeLayer(merged, flags, [], () => 'flag', sources, true);

  issues.push(...schemaIssues(merged, sources), ...crossKeyIssues(merged, sources));
  // Notification channels are checked per type once the schema holds (the channel list's rules).
  if (issues.length === 0) issues.push(...notifyConfigIssues((merged as unknown as CollectorConfig).notify, { env, cwd }));
  if (issues.length === 0) issues.push(...mqttConfigIssues((merged as unknown as CollectorConfig).mqtt, { env, cwd }));
  if (issues.length === 0) issues.push(...reviewConfigIssues((merged as unknown as CollectorConfig).reviews));
  const unsafe = [...bindIssues(merged, sources), ...tlsFileIssues(merged, sources, cwd)];
  const all = [...issues, ...unsafe];
  if (all.length > 0) {
    // Schema problems come first: a refusal on an unsafe bind means little
    // while the file is still wrong. Every problem is listed either way.
    const code = issues.length > 0 ? 'CONFIG_INVALID' : all[0]!.code;
    const head = code === 'CONFIG_INVALID' ? 'invalid configuration' : 'unsafe configuration refused';
    throw new SeclogError(code, `${head}:\n${all.map((i) => `  ${i.message}`).join('\n')}`, {
      errors: all,
    });
  }
  return deepFreeze(merged) as unknown as CollectorConfig;
}

/** Reads a YAML file into a plain object; syntax errors name line and column. */
export function readConfigFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SeclogError('CONFIG_FILE_INVALID', `cannot read configuration file ${path} (${code ?? String(err)})`, {
      file: path,
      reason: code,
    });
  }
  // uniqueKeys: a key given twice is almost always a merge accident, and
  // "last one wins" would hide which value is in force.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => ({
      line: e.linePos?.[0].line,
      col: e.linePos?.[0].col,
      // yaml appends " at line L, column C:" and a code frame; the prefix below says where.
      message: (e.message.split('\n')[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, ''),
    }));
    const lines = errors.map((e) => `  ${path}:${e.line ?? '?'}:${e.col ?? '?'}: ${e.message}`);
    throw new SeclogError('CONFIG_FILE_INVALID', `configuration file is not valid YAML:\n${lines.join('\n')}`, { file: path, errors });
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isTree(value)) {
    throw new SeclogError('CONFIG_FILE_INVALID', `configuration file ${path} must hold a mapping at the top level`, {
      file: path,
      reason: 'not_a_mapping',
    });
  }
  return value;
}

/**
 * SECLOG_* variables as a nested object. The SECLOG_ namespace is shared with
 * the CLI, the agent and the test runner, so a variable that names no key is
 * ignored, unless it is one typo away from a key: then it is an error, since
 * a misspelt SECLOG_HTTP_HOST would otherwise leave the default in force.
 */
function envLayer(env: Readonly<Record<string, string | undefined>>, issues: ConfigIssue[], sources: Map<string, string>): Tree {
  const layer: Tree = {};
  const known = CONFIG_LEAVES.map((l) => l.env.slice(ENV_PREFIX.length));
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || raw === '') continue;
    const leaf = leafForEnv(name);
    if (leaf === undefined) {
      // Compared without the shared prefix and within 2 edits, so the CLI's
      // own variables (SECLOG_TOKEN…) are not mistaken for typos.
      const hint = suggest(name.slice(ENV_PREFIX.length), known, 2);
      if (hint !== undefined) {
        const explain = `not a configuration variable; did you mean ${ENV_PREFIX}${hint}?`;
        issues.push(issue('CONFIG_INVALID', name, 'unknown', raw, explain, sources));
      }
      continue;
    }
    let node = layer;
    for (const s of leaf.segments.slice(0, -1)) {
      if (!isTree(node[s])) node[s] = {};
      node = node[s] as Tree;
    }
    node[leaf.segments.at(-1)!] = coerceString(leaf.schema, raw);
  }
  return layer;
}

/** Deep-merges `layer` into `target`, recording each leaf's source; flags' strings are typed by the schema. */
function mergeLayer(
  target: Tree,
  layer: Tree,
  prefix: string[],
  sourceFor: (path: string) => string,
  sources: Map<string, string>,
  coerce: boolean,
): void {
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const segments = [...prefix, key];
    const path = segments.join('.');
    if (isTree(value)) {
      // An object this layer brings in whole (say http.tls) is blamed on this
      // layer, so a key missing inside it is reported with the right source.
      if (!isTree(target[key])) {
        target[key] = {};
        sources.set(path, sourceFor(path));
      }
      mergeLayer(target[key] as Tree, value, segments, sourceFor, sources, coerce);
      continue;
    }
    const leaf = coerce ? leafForPath(path) : undefined;
    target[key] = leaf !== undefined && typeof value === 'string' ? coerceString(leaf.schema, value) : value;
    sources.set(path, sourceFor(path));
  }
}
