/**
 * `seclog serve`: the collector. Flags override SECLOG_* which override the
 * config file (config/load.ts). Runs until SIGTERM/SIGINT, then shuts down
 * gracefully: stop accepting, finish commits, sign a last checkpoint.
 */
import type { Collector, DashboardRoutesOptions } from '@seclog/collector';
import { isLoopbackHost, loadConfig, openCollector } from '@seclog/collector';
import { DASHBOARD_PAGES, dashboardAssetsDir, dashboardBuilt } from '@seclog/web';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { DB_OPTION } from './device.js';

const dashboardIf = (d: DashboardRoutesOptions | undefined) => (d === undefined ? {} : { dashboard: d });

/**
 * The dashboard for openCollector: @seclog/web's built assets and page paths (the collector may
 * not import the web package, so the CLI hands them in). Undefined, after a note on stderr, when the
 * assets were not built: the API still serves.
 */
export function dashboardOption(warn: (line: string) => void): DashboardRoutesOptions | undefined {
  const assetsDir = dashboardAssetsDir();
  if (!dashboardBuilt(assetsDir)) {
    warn(`the dashboard is not built (no ${assetsDir}index.html): run \`npm run build\` to serve it at /`);
    return undefined;
  }
  return { assetsDir, pagePaths: DASHBOARD_PAGES.map((p) => p.path) };
}

interface ServeOptions {
  data?: string;
  host?: string;
  port?: string;
  config?: string;
  insecureBind?: boolean;
  syslogPort?: string;
  syslogTlsPort?: string;
  syslogTcp?: boolean;
  syslogUdp?: boolean;
  mqtt?: string;
  db?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the collector (HTTP ingest, Merkle log, checkpoints, proofs)')
    .option('--data <dir>', 'data directory (default ./seclog-data)')
    .option('--host <host>', 'HTTP bind address (default 127.0.0.1)')
    .option('--port <port>', 'HTTP port (default 8080; 0 picks a free one)')
    .option('--config <file>', 'configuration file (default ./seclog.yaml when present)')
    .option('--insecure-bind', 'allow plain HTTP on a non-loopback address')
    .option('--syslog-port <port>', 'syslog TCP and UDP port (default 5514; with --port 0, a free one)')
    .option('--syslog-tls-port <port>', 'syslog TLS port, with syslog.tls from the config (default 6514)')
    .option('--no-syslog-tcp', 'do not run the plain syslog TCP listener')
    .option('--no-syslog-udp', 'do not run the syslog UDP listener')
    .option('--mqtt <url>', 'ingest from this MQTT broker (mqtt.enabled and mqtt.url; docs/mqtt.md)')
    .option(...DB_OPTION)
    .action(async (opts: ServeOptions) => {
      let collector: Collector;
      try {
        const http: Record<string, unknown> = {};
        if (opts.host !== undefined) http.host = opts.host;
        if (opts.port !== undefined) http.port = opts.port;
        if (opts.insecureBind === true) http.insecureBind = true;
        const syslog: Record<string, unknown> = {};
        // --port 0 asks for a throwaway collector (tests, trials): its syslog listeners take free ports too.
        const syslogPort = opts.syslogPort ?? (opts.port !== undefined && Number(opts.port) === 0 ? '0' : undefined);
        if (syslogPort !== undefined) {
          syslog.tcpPort = syslogPort;
          syslog.udpPort = syslogPort;
        }
        const tlsPort = opts.syslogTlsPort ?? (opts.port !== undefined && Number(opts.port) === 0 ? '0' : undefined);
        if (tlsPort !== undefined) syslog.tlsPort = tlsPort;
        if (opts.syslogTcp === false) syslog.tcpEnabled = false;
        if (opts.syslogUdp === false) syslog.udpEnabled = false;
        const config = loadConfig({
          ...(opts.config === undefined ? {} : { file: opts.config }),
          flags: {
            ...(opts.data === undefined ? {} : { dataDir: opts.data }),
            ...(opts.db === undefined ? {} : { db: opts.db }),
            http,
            syslog,
            ...(opts.mqtt === undefined ? {} : { mqtt: { enabled: true, url: opts.mqtt } }),
          },
        });
        collector = await openCollector(config, {
          logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
          syslog: true,
          ...dashboardIf(dashboardOption((line) => process.stderr.write(`seclog serve: ${line}\n`))),
        });
        if (collector.adminToken !== undefined) {
          process.stdout.write(`first run: admin API token (shown once, store it now):\n  ${collector.adminToken}\n`);
        }
        const url = await collector.listen();
        if (!isLoopbackHost(config.http.host) && config.http.tls === undefined) {
          process.stderr.write('seclog serve: WARNING plain HTTP on a non-loopback address (--insecure-bind)\n');
        }
        process.stdout.write(`seclog collector listening on ${url} (data ${collector.data.path}, log ${collector.data.key.origin})\n`);
        const sys = collector.syslog.addresses();
        const at = (a: { host: string; port: number }) => `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
        const parts = [sys.tcp && `tcp ${at(sys.tcp)}`, sys.udp && `udp ${at(sys.udp)}`, sys.tls && `tls ${at(sys.tls)}`].filter(Boolean);
        if (parts.length > 0) process.stdout.write(`seclog syslog inputs: ${parts.join(', ')}\n`);
        if (config.mqtt.enabled) {
          const broker = new URL(config.mqtt.url ?? '');
          process.stdout.write(
            `seclog mqtt input: ${broker.protocol}//${broker.host} as ${config.mqtt.clientId} (connecting in the background)\n`,
          );
        }
      } catch (err) {
        process.stderr.write(`seclog serve: ${(err as Error).message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.stdout.write(`seclog serve: ${signal}, shutting down\n`);
          collector.close().then(
            () => {
              process.stdout.write('seclog serve: stopped\n');
              resolve();
            },
            (err: unknown) => {
              process.stderr.write(`seclog serve: shutdown failed: ${(err as Error).message}\n`);
              process.exitCode = EXIT.usage;
              resolve();
            },
          );
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      process.exitCode = process.exitCode ?? EXIT.ok;
    });
}
