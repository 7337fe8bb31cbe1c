/**
 * The `mqtt.*` keys beyond what the schema says: a URL when enabled, TLS or
 * an explicit `insecure` for a broker off this host, one password source,
 * readable files. Checked by loadConfig (every problem at once) and turned
 * into MQTT.js connect options when the collector starts. The password is
 * read here and goes to the client only: it never appears in an issue, a log
 * line or an error.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SeclogError } from '@seclog/core';
import type { ConfigIssue } from '../config/issues.js';
import { issue } from '../config/issues.js';
import type { MqttConfig } from '../config/schema.js';
import { isLoopbackHost } from '../defaults.js';

export interface MqttConfigContext {
  /** Where passwordEnv is read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Base of relative file paths (default the working directory). */
  cwd?: string;
}

/** What the client needs to connect, files read. */
export interface MqttConnectSettings {
  url: URL;
  clientId: string;
  username: string | undefined;
  password: string | undefined;
  ca: Buffer | undefined;
  cert: Buffer | undefined;
  key: Buffer | undefined;
  sessionExpirySec: number;
  keepaliveSec: number;
}

const NO_SOURCES = new Map<string, string>();

function fileProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${path} is not a regular file`;
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? `no such file ${path}` : `cannot read ${path} (${code ?? String(err)})`;
  }
}

/** Problems of an `mqtt` section the schema already accepted (CONFIG_INVALID, CONFIG_TLS_FILE). */
export function mqttConfigIssues(m: MqttConfig, ctx: MqttConfigContext = {}): ConfigIssue[] {
  const env = ctx.env ?? process.env;
  const cwd = ctx.cwd ?? process.cwd();
  const out: ConfigIssue[] = [];
  const fail = (key: string, rule: string, got: unknown, why: string) =>
    out.push(issue('CONFIG_INVALID', `mqtt.${key}`, rule, got, why, NO_SOURCES));
  let url: URL | undefined;
  if (m.url !== undefined) {
    try {
      url = new URL(m.url);
      if (url.hostname === '') fail('url', 'host', m.url, 'the URL names no broker host');
      if (url.password !== '') {
        // Shown without the password: configuration errors are printed and logged.
        const shown = `${url.protocol}//${url.username}:***@${url.host}`;
        fail('url', 'noPassword', shown, 'put the password in mqtt.passwordFile or mqtt.passwordEnv, not in the URL');
      }
    } catch {
      fail('url', 'format', m.url, 'not a URL (mqtt://host:1883 or mqtts://host:8883)');
    }
  }
  if (!m.enabled) return out;
  if (m.url === undefined) fail('url', 'required', m.url, 'mqtt.enabled needs the broker URL');
  const secure = url?.protocol === 'mqtts:';
  if (url !== undefined && !secure && !isLoopbackHost(url.hostname) && !m.insecure) {
    fail(
      'url',
      'tlsOrInsecure',
      m.url,
      'plain MQTT to a broker off this host carries device tokens in clear; use mqtts://, or set mqtt.insecure: true',
    );
  }
  if (m.tls !== undefined && url !== undefined && !secure) fail('tls', 'needsMqtts', 'set', 'mqtt.tls needs an mqtts:// URL');
  if ((m.tls?.certFile === undefined) !== (m.tls?.keyFile === undefined)) {
    fail('tls', 'certAndKey', 'one of them', 'mqtt.tls.certFile and mqtt.tls.keyFile go together');
  }
  for (const name of ['caFile', 'certFile', 'keyFile'] as const) {
    const file = m.tls?.[name];
    const problem = file === undefined ? undefined : fileProblem(resolve(cwd, file));
    if (problem !== undefined) out.push(issue('CONFIG_TLS_FILE', `mqtt.tls.${name}`, 'exists', file, problem, NO_SOURCES));
  }
  if (m.passwordFile !== undefined && m.passwordEnv !== undefined) {
    fail('passwordEnv', 'oneSource', m.passwordEnv, 'give the password by mqtt.passwordFile or mqtt.passwordEnv, not both');
  }
  if (m.passwordFile !== undefined) {
    const problem = fileProblem(resolve(cwd, m.passwordFile));
    if (problem !== undefined) fail('passwordFile', 'exists', m.passwordFile, problem);
  }
  if (m.passwordEnv !== undefined && (env[m.passwordEnv] ?? '') === '') {
    fail('passwordEnv', 'set', m.passwordEnv, `the environment variable ${m.passwordEnv} is not set`);
  }
  return out;
}

/** Connect settings for an enabled, checked `mqtt` section; reads the password and TLS files. */
export function mqttConnectSettings(m: MqttConfig, ctx: MqttConfigContext = {}): MqttConnectSettings {
  const problems = mqttConfigIssues(m, ctx);
  if (m.url === undefined || problems.length > 0) {
    throw new SeclogError('CONFIG_INVALID', `invalid mqtt configuration:\n${problems.map((p) => `  ${p.message}`).join('\n')}`, {
      errors: problems,
    });
  }
  const env = ctx.env ?? process.env;
  const cwd = ctx.cwd ?? process.cwd();
  const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(resolve(cwd, file)));
  let password: string | undefined;
  if (m.passwordFile !== undefined) password = readFileSync(resolve(cwd, m.passwordFile), 'utf8').split(/\r?\n/)[0];
  else if (m.passwordEnv !== undefined) password = env[m.passwordEnv];
  return {
    url: new URL(m.url),
    clientId: m.clientId,
    username: m.username,
    password,
    ca: read(m.tls?.caFile),
    cert: read(m.tls?.certFile),
    key: read(m.tls?.keyFile),
    sessionExpirySec: m.sessionExpirySec,
    keepaliveSec: m.keepaliveSec,
  };
}
