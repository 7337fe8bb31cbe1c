/**
 * Configuration problems as `key.path: rule (got …)` lines. Every problem is
 * collected before anything is thrown, so an operator fixes a file in one
 * pass instead of one error per restart.
 */
import type { ErrorCode } from '@seclog/core';
import { Compile } from 'typebox/compile';
import { schemaAt, suggest } from './key-paths.js';
import { CollectorConfigSchema } from './schema.js';

export interface ConfigIssue {
  /** Dotted key path (`http.port`), or the variable name for a misspelt `SECLOG_*` variable. */
  readonly key: string;
  /** The schema keyword that failed (`maximum`, `type`, `required`, `unknown`…) or a safety rule (`loopbackOrTls`, `exists`). */
  readonly rule: string;
  /** The whole line, `key: rule (got …) — explanation (from source)`. */
  readonly message: string;
  /** Where the offending value came from: `default`, the file path, `SECLOG_…`, or `flag`. */
  readonly source?: string;
  readonly code: ErrorCode;
}

/** Records which layer last set each key path. */
export type SourceMap = ReadonlyMap<string, string>;

// Compiled once: startup validates a single object, but tests load hundreds.
const validator = Compile(CollectorConfigSchema);

/** Renders a value for `(got …)`; long values are cut so a pasted blob cannot flood the terminal. */
export function formatGot(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function issue(code: ErrorCode, key: string, rule: string, got: unknown, explanation: string, sources: SourceMap): ConfigIssue {
  const source = sourceOf(key, sources);
  const from = source === undefined ? '' : ` (from ${source})`;
  const message = `${key}: ${rule} (got ${formatGot(got)}) — ${explanation}${from}`;
  return source === undefined ? { key, rule, message, code } : { key, rule, message, source, code };
}

/** The source of a key, or of the nearest ancestor that was set as a whole. */
function sourceOf(key: string, sources: SourceMap): string | undefined {
  for (let k = key; k !== ''; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') {
    const s = sources.get(k);
    if (s !== undefined) return s;
  }
  return undefined;
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let v = root;
  for (const s of segments) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[s] : undefined;
  return v;
}

/** JSON pointer (`/http/port`) to segments; `~1` and `~0` per RFC 6901. */
function pointerSegments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Every schema violation of the merged configuration, one issue per key and rule. */
export function schemaIssues(value: unknown, sources: SourceMap): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  const push = (i: ConfigIssue) => {
    if (seen.has(`${i.key}\n${i.rule}`)) return;
    seen.add(`${i.key}\n${i.rule}`);
    out.push(i);
  };
  for (const e of validator.Errors(value)) {
    const at = pointerSegments(e.instancePath);
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      // TypeBox reports an unknown key twice: as `additionalProperties` on the
      // parent (kept, it lists the names) and as the `false` schema it met.
      case 'boolean':
        break;
      case 'additionalProperties':
        for (const name of params.additionalProperties as string[]) {
          const siblings = Object.keys(schemaAt(at)?.properties ?? {});
          const hint = suggest(name, siblings);
          const key = [...at, name].join('.');
          const explain =
            hint === undefined ? 'not a configuration key' : `not a configuration key; did you mean ${[...at, hint].join('.')}?`;
          push(issue('CONFIG_INVALID', key, 'unknown', valueAt(value, [...at, name]), explain, sources));
        }
        break;
      case 'required':
        for (const name of params.requiredProperties as string[]) {
          const key = [...at, name].join('.');
          push(issue('CONFIG_INVALID', key, 'required', undefined, `${at.join('.') || 'the configuration'} needs ${name}`, sources));
        }
        break;
      case 'enum':
        push(
          issue(
            'CONFIG_INVALID',
            at.join('.'),
            'enum',
            valueAt(value, at),
            `one of ${(params.allowedValues as unknown[]).join(', ')}`,
            sources,
          ),
        );
        break;
      default:
        push(issue('CONFIG_INVALID', at.join('.') || '(root)', e.keyword, valueAt(value, at), e.message, sources));
    }
  }
  return out;
}
