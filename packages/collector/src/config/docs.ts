/**
 * docs/configuration.md, rendered from the schema and the defaults object so
 * the page cannot fall behind either; a test compares the committed page
 * with this output.
 */
import { CONFIG_DEFAULTS } from './defaults.js';
import { CONFIG_LEAVES, type ConfigLeaf, ENV_PREFIX } from './key-paths.js';

// Keys whose default is decided elsewhere than CONFIG_DEFAULTS.
const SPECIAL_DEFAULTS: Readonly<Record<string, string>> = {
  'log.origin': 'chosen on first run: `seclog.local/<8 hex>/log`, then read from the log key',
};

function typeOf(leaf: ConfigLeaf): string {
  const s = leaf.schema;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const range =
    s.minimum !== undefined && s.maximum !== undefined ? ` ${s.minimum.toLocaleString('en')}–${s.maximum.toLocaleString('en')}` : '';
  return `${s.type ?? 'value'}${range}`;
}

function defaultOf(leaf: ConfigLeaf): string {
  const special = SPECIAL_DEFAULTS[leaf.path];
  if (special !== undefined) return special;
  let v: unknown = CONFIG_DEFAULTS;
  for (const s of leaf.segments) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[s] : undefined;
  return v === undefined ? 'unset' : `\`${JSON.stringify(v)}\``;
}

/** A table with padded columns, the layout Biome's Markdown formatter keeps. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export function renderConfigurationMarkdown(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from packages/collector/src/config/schema.ts and defaults.ts; a test compares this page with them. -->',
    '',
    'The collector reads its configuration at startup, validates it against one schema, and then freezes it.',
    'Sources, highest precedence first:',
    '',
    '1. command-line flags;',
    '2. `SECLOG_*` environment variables;',
    '3. the YAML file: the path given with `--config`, or `./seclog.yaml` when it exists;',
    '4. the defaults below.',
    '',
    'Objects merge key by key; any other value replaces the one below it.',
    '',
    '**Environment variables.** The name is `SECLOG_` followed by each segment of the key path in upper snake case, joined by `_`:',
    '`http.port` → `SECLOG_HTTP_PORT`, `dataDir` → `SECLOG_DATA_DIR`, `http.tls.certFile` → `SECLOG_HTTP_TLS_CERT_FILE`.',
    'Values are typed by the schema: integers are decimal digits, booleans are `true`, `false`, `1` or `0`; anything else is',
    'reported as a type error with its key. An empty variable counts as unset. A `SECLOG_*` variable that names no key is ignored',
    '(the prefix is shared with the CLI and the agent) unless it is within two edits of a key, which is an error with a suggestion.',
    '',
    '**Errors.** Every problem is reported at once, one line each, as `key.path: rule (got …)`, with the source of the value.',
    'Unknown keys are errors and come with a did-you-mean when a key is close; YAML syntax errors name the line and column.',
    '',
    '**Safety.** A non-loopback `http.host` without `http.tls` is refused unless `http.insecureBind` is `true`; a non-loopback',
    '`syslog.host` with plain TCP or UDP enabled is refused unless `syslog.insecureBind` is `true` (`CONFIG_INSECURE_BIND`).',
    'Configured TLS files must exist and be readable (`CONFIG_TLS_FILE`). Relative paths are relative to the working directory.',
    'With `mqtt.enabled`, `mqtt.url` is required, and plain `mqtt://` to a non-loopback broker is refused unless `mqtt.insecure`',
    'is `true`; the broker password comes from `mqtt.passwordFile` or the variable named by `mqtt.passwordEnv` (docs/mqtt.md).',
    'Nothing is clamped: a value out of range is an error.',
    '',
  ];
  const rows = CONFIG_LEAVES.map((leaf) => [
    `\`${leaf.path}\``,
    `${typeOf(leaf)}${leaf.required ? '' : ' (optional)'}`,
    defaultOf(leaf),
    `\`${leaf.env}\``,
    (leaf.schema.description ?? '').replace(/\|/g, '\\|'),
  ]);
  lines.push(...table(['key', 'type', 'default', 'environment', 'description'], rows));
  lines.push('', `Every variable starts with \`${ENV_PREFIX}\`; the table above is the complete list.`);
  return `${lines.join('\n')}\n`;
}
