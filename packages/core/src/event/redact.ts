/**
 * Secrets never reach a log in clear (DESIGN.md §4, CWE-532).
 *
 * A field is secret when its key says so (see `isSecretKey`), when it is
 * `actor.session`, or when it is the old/new value of a configuration setting
 * whose name is secret (`config_change` of `wifi_password`). Its value is
 * replaced, by policy, with a keyed hash — HMAC-SHA-256 under a per-device salt,
 * cut to 128 bits, so equal values still correlate within a device but cannot
 * be brute-forced from the log without the salt — or dropped. Required
 * catalogue attrs are always hashed, never dropped, so the record stays valid.
 */
import { createHmac } from 'node:crypto';
import { getCatalogueEntry } from '../catalogue/registry.js';
import type { SecurityEvent } from './types.js';

export type RedactionPolicy = 'hash' | 'drop';

export interface RedactionOptions {
  /** Per-device salt (at least 16 bytes); the SDK derives it from the device's enrolment secret. */
  salt: Uint8Array;
  /** What to do with secret fields; default 'hash'. */
  policy?: RedactionPolicy;
  /** Extra attrs keys to treat as secret (exact, case-insensitive). */
  secretKeys?: readonly string[];
  /** attrs keys that look secret but are not (e.g. `public_key`); exact, case-insensitive. */
  notSecretKeys?: readonly string[];
}

export interface RedactionNote {
  path: string;
  action: 'hashed' | 'dropped';
}

export interface RedactionResult {
  event: SecurityEvent;
  redacted: RedactionNote[];
}

/** Hashed values carry this prefix, so they are recognisable and never hashed twice. */
export const REDACTED_PREFIX = 'hmac-sha256:';

/** Words that make a key secret wherever they stand in it. */
const SECRET_WORDS = new Set(['password', 'passwd', 'passphrase', 'pwd', 'secret', 'cookie', 'authorization', 'apikey', 'credentials']);
/** Words that make a key secret when they are its last word (`api_key`, `auth_token`, `session`), but not `key_id` or `token_count`. */
const SECRET_LAST_WORDS = new Set(['key', 'token', 'session', 'sessionid', 'pin', 'otp']);
/** `session_id`, `session_token`, `session_key`: the session id itself. */
const SESSION_SUFFIXES = new Set(['id', 'token', 'key', 'cookie']);

/** Split `apiKey`, `api_key`, `api-key`, `API.Key` into lower-case words. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** True when a field named `key` must not be kept in clear. */
export function isSecretKey(key: string): boolean {
  const ws = words(key);
  if (ws.length === 0) return false;
  if (ws.some((w) => SECRET_WORDS.has(w))) return true;
  if (SECRET_LAST_WORDS.has(ws[ws.length - 1] as string)) return true;
  for (let i = 0; i + 1 < ws.length; i++) if (ws[i] === 'session' && SESSION_SUFFIXES.has(ws[i + 1] as string)) return true;
  return false;
}

/** The keyed hash that replaces a secret value. */
export function redactValue(value: string | number | boolean, salt: Uint8Array): string {
  const text = String(value);
  if (text.startsWith(REDACTED_PREFIX)) return text;
  return REDACTED_PREFIX + createHmac('sha256', salt).update(text, 'utf8').digest('hex').slice(0, 32);
}

/**
 * Redact `event`; the input is not modified. The result's `event.redacted`
 * lists the paths touched (merged with any already listed), sorted.
 */
export function redactEvent(event: SecurityEvent, opts: RedactionOptions): RedactionResult {
  if (opts.salt.length < 16) throw new RangeError('redaction salt must be at least 16 bytes');
  const policy = opts.policy ?? 'hash';
  const extra = new Set((opts.secretKeys ?? []).map((k) => k.toLowerCase()));
  const notSecret = new Set((opts.notSecretKeys ?? []).map((k) => k.toLowerCase()));
  const entry = getCatalogueEntry(event.name);
  const notes: RedactionNote[] = [];
  let attrs = event.attrs;
  let actor = event.actor;

  if (actor?.session !== undefined && !actor.session.startsWith(REDACTED_PREFIX)) {
    // A session id is a bearer credential: always hashed, whatever the policy, so sessions still correlate.
    actor = { ...actor, session: redactValue(actor.session, opts.salt) };
    notes.push({ path: 'actor.session', action: 'hashed' });
  }

  const settingIsSecret = event.target?.setting !== undefined && isSecretKey(event.target.setting);
  for (const [key, value] of Object.entries(event.attrs)) {
    const lower = key.toLowerCase();
    // Attrs the catalogue declares are named by us and carry no secret by design
    // (`alert.group_key`, `key_event.key_id`); the key heuristic is for what callers add.
    const declared = entry?.attrs[key] !== undefined;
    const secret =
      !notSecret.has(lower) &&
      (extra.has(lower) || (!declared && isSecretKey(key)) || (settingIsSecret && (key === 'old_value' || key === 'new_value')));
    if (!secret) continue;
    if (typeof value === 'string' && value.startsWith(REDACTED_PREFIX)) continue;
    if (attrs === event.attrs) attrs = { ...event.attrs };
    const required = entry?.attrs[key]?.required === true;
    const declaredType = entry?.attrs[key]?.type;
    if (policy === 'drop' && !required) {
      delete attrs[key];
      notes.push({ path: `attrs.${key}`, action: 'dropped' });
    } else if (declaredType !== undefined && declaredType !== 'string') {
    } else {
      attrs[key] = redactValue(value, opts.salt);
      notes.push({ path: `attrs.${key}`, action: 'hashed' });
    }
  }

  if (notes.length === 0) return { event, redacted: notes };
  const paths = new Set([...(event.redacted ?? []), ...notes.map((n) => n.path)]);
  const out: SecurityEvent = { ...event, attrs, redacted: [...paths].sort() };
  if (actor) out.actor = actor;
  return { event: out, redacted: notes };
}
