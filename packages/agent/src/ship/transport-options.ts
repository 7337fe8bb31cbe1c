/**
 * Settings of the shipper's transports besides HTTP (docs/agent.md
 * "Transports"), checked with the other shipper options. ./select-transport.ts
 * builds the transport they select.
 */

export type TransportKind = 'http' | 'mqtt' | 'syslog-tls';

export interface MqttShipOptions {
  /** Broker URL, mqtt://host:1883 or mqtts://host:8883. */
  url: string;
  /** MQTT client id (default `seclog-<device>`); unique per device on the broker. */
  clientId?: string;
  /** The device's broker credentials (the broker's own; the seclog token travels in each message). */
  username?: string;
  password?: string;
  /** PEM CA certificate(s) the broker's chain must lead to (default: the system roots). */
  ca?: string | readonly string[];
  /** PEM client certificate and key, for a broker that authenticates devices by certificate. */
  cert?: string;
  key?: string;
  /** Keep-alive interval in seconds (default 60). */
  keepaliveSec?: number;
  /** Allow plain mqtt:// to a broker that is not loopback (the device token would cross the network in clear). */
  insecure?: boolean;
}

export interface SyslogTlsShipOptions {
  /** The collector's syslog TLS listener (RFC 5425). */
  host: string;
  /** Default 6514. */
  port?: number;
  /** PEM CA certificate(s) the listener's chain must lead to (default: the system roots). */
  ca?: string | readonly string[];
  /** Name checked against the listener's certificate (default: host). */
  servername?: string;
  /** PEM client certificate and key: the listener attributes the connection to the certificate's device. */
  cert?: string;
  key?: string;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;
/** A device id is one topic level: `/` would split it, `+` and `#` are wildcards. */
const TOPIC_UNSAFE = /[/+#\u0000]/;

export function checkMqttShipOptions(m: MqttShipOptions | undefined, device: string): string[] {
  if (typeof m !== 'object' || m === null) return ["mqtt: transport 'mqtt' needs mqtt: { url, ... }"];
  const problems: string[] = [];
  try {
    const u = new URL(m.url);
    if (u.protocol !== 'mqtt:' && u.protocol !== 'mqtts:') problems.push(`mqtt.url: must be mqtt: or mqtts: (got ${u.protocol})`);
    else if (u.protocol === 'mqtt:' && !LOOPBACK.test(u.hostname) && m.insecure !== true) {
      problems.push(`mqtt.url: plain mqtt to ${u.hostname} would send the device token in clear; use mqtts or set mqtt.insecure`);
    }
    if (u.protocol === 'mqtt:' && (m.ca !== undefined || m.cert !== undefined)) problems.push('mqtt: ca and cert need an mqtts url');
  } catch {
    problems.push(`mqtt.url: not a URL (got ${JSON.stringify(m.url)})`);
  }
  if (typeof device === 'string' && TOPIC_UNSAFE.test(device)) {
    problems.push(`device: ${JSON.stringify(device)} holds / + or #, which cannot be one MQTT topic level`);
  }
  if ((m.cert === undefined) !== (m.key === undefined)) problems.push('mqtt: cert and key go together');
  if (m.keepaliveSec !== undefined && !(Number.isSafeInteger(m.keepaliveSec) && m.keepaliveSec >= 0 && m.keepaliveSec <= 65535)) {
    problems.push(`mqtt.keepaliveSec: must be an integer in 0–65535 (got ${m.keepaliveSec})`);
  }
  return problems;
}

export function checkSyslogTlsShipOptions(s: SyslogTlsShipOptions | undefined): string[] {
  if (typeof s !== 'object' || s === null) return ["syslogTls: transport 'syslog-tls' needs syslogTls: { host, ... }"];
  const problems: string[] = [];
  if (typeof s.host !== 'string' || s.host === '') problems.push('syslogTls.host: must be a non-empty string');
  if (s.port !== undefined && !(Number.isSafeInteger(s.port) && s.port >= 1 && s.port <= 65535)) {
    problems.push(`syslogTls.port: must be a port number (got ${s.port})`);
  }
  if ((s.cert === undefined) !== (s.key === undefined)) problems.push('syslogTls: cert and key go together');
  return problems;
}
