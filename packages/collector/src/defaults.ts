/**
 * Defaults of the collector (DESIGN.md §6): listen on loopback only, keep data
 * beside the working directory. Anything reachable from another host needs TLS.
 */

export const COLLECTOR_DEFAULTS = Object.freeze({
  dataDir: './seclog-data',
  http: Object.freeze({ host: '127.0.0.1', port: 8080 }),
  syslog: Object.freeze({ host: '127.0.0.1', tcpPort: 5514, udpPort: 5514, tlsPort: 6514 }),
});

/** True for addresses that only this host can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  return h.startsWith('::ffff:127.');
}
