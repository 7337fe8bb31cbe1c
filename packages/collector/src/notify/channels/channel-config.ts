/**
 * From `notify.channels` to channel objects. The schema keeps one closed
 * object for all channel types (config/schema.ts says why); what each type
 * needs, what it must not have, secrets named by environment variable, and
 * the plain-text rule are checked here, all problems at once, in the
 * configuration's `key.path: rule (got …) — why` form.
 *
 * Plain text off the host is refused unless the channel says `insecure:
 * true`, as the collector's own listeners refuse it (DESIGN.md §6): a
 * webhook at http:// (alert contents in clear), email with `tls: none`
 * (the password in clear), and syslog, which has no TLS here yet.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SeclogError } from '@seclog/core';
import { type ConfigIssue, issue } from '../../config/issues.js';
import type { NotifyChannelConfig, NotifyConfig } from '../../config/schema.js';
import { isLoopbackHost } from '../../defaults.js';
import type { Channel, ChannelType } from '../types.js';
import { EmailChannel } from './email-channel.js';
import { SyslogChannel } from './syslog-channel.js';
import { WebhookChannel } from './webhook-channel.js';

export interface ChannelContext {
  /** Where `secretEnv` and `passwordEnv` are read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Base of a relative `caFile` (default the working directory). */
  cwd?: string;
}

type Key = keyof NotifyChannelConfig;

const KEYS_OF: Readonly<Record<ChannelType, readonly Key[]>> = {
  webhook: ['url', 'format', 'secret', 'secretEnv'],
  email: ['host', 'port', 'tls', 'caFile', 'user', 'password', 'passwordEnv', 'from', 'to'],
  syslog: ['host', 'port', 'protocol', 'facility'],
};
const COMMON_KEYS: readonly Key[] = ['name', 'type', 'minSeverity', 'insecure'];

const DEFAULT_SMTP_PORT = { starttls: 587, implicit: 465, none: 25 } as const;
const DEFAULT_SYSLOG_PORT = 514;
/** LOG_AUDIT, as core's syslog encoder. */
const DEFAULT_FACILITY = 13;
const MIN_SECRET_CHARS = 16;

type Resolved =
  | { type: 'webhook'; cfg: ConstructorParameters<typeof WebhookChannel>[0] }
  | { type: 'email'; cfg: ConstructorParameters<typeof EmailChannel>[0] }
  | { type: 'syslog'; cfg: ConstructorParameters<typeof SyslogChannel>[0] };

class Checker {
  readonly issues: ConfigIssue[] = [];
  constructor(
    readonly ch: NotifyChannelConfig,
    readonly at: string,
    readonly ctx: ChannelContext,
  ) {}

  fail(key: string, rule: string, got: unknown, why: string): void {
    this.issues.push(issue('CONFIG_INVALID', `${this.at}.${key}`, rule, got, why, new Map()));
  }

  need<K extends Key>(key: K): NonNullable<NotifyChannelConfig[K]> | undefined {
    const v = this.ch[key];
    if (v === undefined) this.fail(key, 'required', undefined, `a ${this.ch.type} channel needs ${key}`);
    return v ?? undefined;
  }

  /** A secret given inline or by environment variable, exactly one of them. */
  secret(inline: 'secret' | 'password', envKey: 'secretEnv' | 'passwordEnv', required: boolean): string | undefined {
    const direct = this.ch[inline];
    const name = this.ch[envKey];
    if (direct !== undefined && name !== undefined) {
      this.fail(envKey, 'oneOf', name, `give ${inline} or ${envKey}, not both`);
      return undefined;
    }
    if (name !== undefined) {
      const value = (this.ctx.env ?? process.env)[name];
      if (value === undefined || value === '') {
        this.fail(envKey, 'set', name, `the environment variable ${name} is not set`);
        return undefined;
      }
      return value;
    }
    if (direct === undefined && required)
      this.fail(inline, 'required', undefined, `a ${this.ch.type} channel needs ${inline} or ${envKey}`);
    return direct;
  }

  plainText(host: string, what: string): void {
    if (!isLoopbackHost(host) && this.ch.insecure !== true) {
      this.fail(
        'insecure',
        'loopbackOrTls',
        this.ch.insecure,
        `${what} to ${host} crosses the network in clear; set insecure: true to allow it`,
      );
    }
  }
}

function checkWebhook(c: Checker): Resolved | undefined {
  const url = c.need('url');
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    c.fail('url', 'url', url, 'not a URL');
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    c.fail('url', 'url', url, 'must be http:// or https://');
    return undefined;
  }
  if (parsed.username !== '' || parsed.password !== '') c.fail('url', 'url', url, 'must not hold credentials; use secret');
  if (parsed.protocol === 'http:') c.plainText(parsed.hostname, 'a webhook over http://');
  const format = c.ch.format ?? 'json';
  // Slack-style receivers authenticate by the URL itself and ignore signatures.
  const secret = c.secret('secret', 'secretEnv', format === 'json');
  if (secret !== undefined && secret.length < MIN_SECRET_CHARS) {
    c.fail(c.ch.secretEnv === undefined ? 'secret' : 'secretEnv', 'minLength', '<redacted>', `at least ${MIN_SECRET_CHARS} characters`);
  }
  return { type: 'webhook', cfg: { name: c.ch.name, url, format, secret } };
}

function checkEmail(c: Checker, timeoutMs: number): Resolved | undefined {
  const host = c.need('host');
  const from = c.need('from');
  const to = c.need('to');
  const tls = c.ch.tls ?? 'starttls';
  const password = c.secret('password', 'passwordEnv', c.ch.user !== undefined);
  if (c.ch.user === undefined && password !== undefined) c.fail('user', 'required', undefined, 'a password needs a user');
  if (host !== undefined && tls === 'none') c.plainText(host, 'mail without TLS');
  let ca: string | undefined;
  if (c.ch.caFile !== undefined) {
    const path = resolve(c.ctx.cwd ?? process.cwd(), c.ch.caFile);
    try {
      ca = readFileSync(path, 'utf8');
    } catch (err) {
      c.fail('caFile', 'exists', c.ch.caFile, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if (host === undefined || from === undefined || to === undefined) return undefined;
  const port = c.ch.port ?? DEFAULT_SMTP_PORT[tls];
  return { type: 'email', cfg: { name: c.ch.name, host, port, tls, ca, user: c.ch.user, password, from, to, timeoutMs } };
}

function checkSyslog(c: Checker): Resolved | undefined {
  const host = c.need('host');
  if (host === undefined) return undefined;
  const protocol = c.ch.protocol ?? 'tcp';
  c.plainText(host, `syslog over ${protocol}`);
  return {
    type: 'syslog',
    cfg: { name: c.ch.name, host, port: c.ch.port ?? DEFAULT_SYSLOG_PORT, protocol, facility: c.ch.facility ?? DEFAULT_FACILITY },
  };
}

function resolveAll(notify: NotifyConfig, ctx: ChannelContext): { issues: ConfigIssue[]; resolved: Resolved[] } {
  const issues: ConfigIssue[] = [];
  const resolved: Resolved[] = [];
  const names = new Set<string>();
  notify.channels.forEach((ch, i) => {
    const c = new Checker(ch, `notify.channels.${i}`, ctx);
    if (names.has(ch.name)) c.fail('name', 'unique', ch.name, 'another channel has this name');
    names.add(ch.name);
    const allowed = new Set<Key>([...COMMON_KEYS, ...KEYS_OF[ch.type]]);
    for (const key of Object.keys(ch) as Key[]) {
      if (!allowed.has(key))
        c.fail(key, 'unknown', key === 'secret' || key === 'password' ? '<redacted>' : ch[key], `not a key of a ${ch.type} channel`);
    }
    const r = ch.type === 'webhook' ? checkWebhook(c) : ch.type === 'email' ? checkEmail(c, notify.retry.timeoutMs) : checkSyslog(c);
    issues.push(...c.issues);
    if (r !== undefined && c.issues.length === 0) resolved.push(r);
  });
  return { issues, resolved };
}

/** Every problem of `notify.channels` beyond the schema (empty when the channels can be built). */
export function notifyConfigIssues(notify: NotifyConfig, ctx: ChannelContext = {}): ConfigIssue[] {
  return resolveAll(notify, ctx).issues;
}

/** The configured channels, built; throws CONFIG_INVALID listing every problem. */
export function createChannels(notify: NotifyConfig, ctx: ChannelContext = {}): Channel[] {
  const { issues, resolved } = resolveAll(notify, ctx);
  if (issues.length > 0) {
    throw new SeclogError('CONFIG_INVALID', `invalid notification channels:\n${issues.map((i) => `  ${i.message}`).join('\n')}`, {
      errors: issues,
    });
  }
  return resolved.map((r) => {
    switch (r.type) {
      case 'webhook':
        return new WebhookChannel(r.cfg);
      case 'email':
        return new EmailChannel(r.cfg);
      default:
        return new SyslogChannel(r.cfg);
    }
  });
}
