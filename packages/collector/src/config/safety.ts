/**
 * Rules across keys that the schema cannot say. Unsafe combinations are
 * refused, never clamped or quietly fixed (STYLE.md "Configuration"): the
 * operator decides, and the error names the key that forces it.
 *
 * These run on the merged value even when the schema found problems, so one
 * startup reports everything; each check skips what is not yet well typed.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isLoopbackHost } from '../defaults.js';
import { storageLevelIssues } from '../retention/config-check.js';
import { type ConfigIssue, issue, type SourceMap } from './issues.js';
import { envVarFor } from './key-paths.js';

type Tree = Record<string, unknown>;

const obj = (v: unknown): Tree | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Tree) : undefined);

/** Relations between keys (CONFIG_INVALID). */
export function crossKeyIssues(config: Tree, sources: SourceMap): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const body = obj(config.http)?.bodyLimitBytes;
  const batch = obj(config.ingest)?.maxBatchBytes;
  // A body limit below the batch limit makes the batch limit unreachable and
  // turns full batches into 413s the device cannot shrink its way out of.
  if (typeof body === 'number' && typeof batch === 'number' && body < batch) {
    out.push(
      issue('CONFIG_INVALID', 'http.bodyLimitBytes', 'atLeastMaxBatchBytes', body, `must be ≥ ingest.maxBatchBytes (${batch})`, sources),
    );
  }
  // Requiring a client certificate that nothing can verify would refuse every client.
  const syslog = obj(config.syslog);
  if (syslog?.requireClientCert === true && typeof obj(syslog.tls)?.caFile !== 'string') {
    out.push(
      issue(
        'CONFIG_INVALID',
        'syslog.requireClientCert',
        'needsCaFile',
        true,
        'needs syslog.tls.caFile (the CA client certificates are checked against)',
        sources,
      ),
    );
  }
  // A holder that renews less than twice per TTL loses its lease to one late timer or slow round trip.
  const cluster = obj(config.cluster);
  if (typeof cluster?.renewMs === 'number' && typeof cluster.ttlMs === 'number' && cluster.renewMs * 2 > cluster.ttlMs) {
    out.push(
      issue(
        'CONFIG_INVALID',
        'cluster.renewMs',
        'atMostHalfTtl',
        cluster.renewMs,
        `must be ≤ half of cluster.ttlMs (${cluster.ttlMs / 2})`,
        sources,
      ),
    );
  }
  out.push(...storageLevelIssues(config, sources));
  return out;
}

/**
 * Loopback or TLS (CONFIG_INSECURE_BIND): device tokens, API tokens and the
 * events themselves must not cross a network in clear unless the operator
 * says so by name (DESIGN.md §6).
 */
export function bindIssues(config: Tree, sources: SourceMap): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const http = obj(config.http);
  if (http && typeof http.host === 'string' && !isLoopbackHost(http.host) && http.tls === undefined && http.insecureBind !== true) {
    const force = `http.insecureBind: true (${envVarFor(['http', 'insecureBind'])}=true)`;
    out.push(
      issue(
        'CONFIG_INSECURE_BIND',
        'http.host',
        'loopbackOrTls',
        http.host,
        `not a loopback address and http.tls is not set; configure http.tls, or force plain HTTP with ${force}`,
        sources,
      ),
    );
  }
  const syslog = obj(config.syslog);
  const plain = syslog !== undefined && (syslog.tcpEnabled !== false || syslog.udpEnabled !== false);
  if (syslog && typeof syslog.host === 'string' && !isLoopbackHost(syslog.host) && plain && syslog.insecureBind !== true) {
    const force = `syslog.insecureBind: true (${envVarFor(['syslog', 'insecureBind'])}=true)`;
    out.push(
      issue(
        'CONFIG_INSECURE_BIND',
        'syslog.host',
        'loopbackOrTls',
        syslog.host,
        `not a loopback address and plain syslog TCP/UDP is enabled; set syslog.tcpEnabled and syslog.udpEnabled to false and use syslog.tls, or force it with ${force}`,
        sources,
      ),
    );
  }
  return out;
}

/** Every configured TLS file exists, is a regular file and is readable (CONFIG_TLS_FILE). */
export function tlsFileIssues(config: Tree, sources: SourceMap, cwd: string): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const listener of ['http', 'syslog']) {
    const tls = obj(obj(config[listener])?.tls);
    if (tls === undefined) continue;
    for (const name of ['certFile', 'keyFile', 'caFile']) {
      const file = tls[name];
      if (typeof file !== 'string' || file === '') continue;
      const problem = fileProblem(resolve(cwd, file));
      if (problem !== undefined) out.push(issue('CONFIG_TLS_FILE', `${listener}.tls.${name}`, 'exists', file, problem, sources));
    }
  }
  return out;
}

function fileProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${path} is not a regular file`;
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `no such file ${path}`;
    return `cannot read ${path} (${code ?? String(err)})`;
  }
}
