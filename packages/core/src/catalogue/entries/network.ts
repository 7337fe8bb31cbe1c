/** Network events: connections that could not be made and TLS handshakes that failed. */
import type { CatalogueEntry } from '../types.js';

const networkActivity = { categoryUid: 4, categoryName: 'Network Activity', classUid: 4001, className: 'Network Activity' };

const peer = { type: 'string', required: true, description: 'Remote end, as host name or IP address.' } as const;
const direction = { type: 'string', required: false, enum: ['inbound', 'outbound'], description: 'Who initiated the connection.' } as const;
const port = {
  type: 'integer',
  required: false,
  minimum: 0,
  description: 'Remote port for outbound, local port for inbound connections.',
} as const;

export const NETWORK_EVENTS: readonly CatalogueEntry[] = [
  {
    name: 'net_conn_fail',
    title: 'Connection failed',
    when: 'A connection could not be made or was refused before any protocol exchange: outbound to the collector, cloud or update server, or inbound attempts dropped by the firewall or a connection limit. Aggregate repeats to one record per peer and reason per minute, with count.',
    group: 'network',
    origin: 'any',
    defaultSeverity: 'low',
    defaultOutcome: 'failure',
    mandatory: false,
    critical: false,
    sdkMethod: 'connectionFailed',
    requiredFields: [],
    attrs: {
      peer,
      reason: {
        type: 'string',
        required: true,
        description: 'Why: timeout, refused, unreachable, dns_failure, reset, firewall, limit, other.',
      },
      direction,
      port,
      protocol: {
        type: 'string',
        required: false,
        description: 'Transport or application protocol: tcp, udp, mqtt, https, coap, modbus_tcp, ….',
      },
      count: { type: 'integer', required: false, minimum: 1, description: 'Failures aggregated into this record.' },
    },
    ocsf: { ...networkActivity, activityId: 4, activityName: 'Fail' },
    ecs: { kind: 'event', category: ['network'], type: ['connection'] },
    requirements: { iec62443: 'request errors', en304621: [], en303645: [] },
    example: {
      attrs: { peer: 'collector.example.com', reason: 'timeout', direction: 'outbound', port: 6514, protocol: 'tcp', count: 3 },
    },
  },
  {
    name: 'tls_fail',
    title: 'TLS handshake failed',
    when: 'A TLS or DTLS handshake failed or a peer certificate was refused, inbound or outbound: expired or not yet valid certificate, unknown CA, name mismatch, revoked, pin mismatch, no common protocol version or cipher. Record the peer and the fingerprint of the certificate it presented, never keys or session secrets.',
    group: 'network',
    origin: 'any',
    defaultSeverity: 'medium',
    defaultOutcome: 'failure',
    mandatory: true,
    critical: false,
    sdkMethod: 'tlsFailed',
    requiredFields: [],
    attrs: {
      peer,
      reason: {
        type: 'string',
        required: true,
        description:
          'Why: expired_certificate, unknown_ca, hostname_mismatch, revoked, pin_mismatch, bad_certificate, protocol_version, other.',
      },
      direction,
      port,
      tls_version: { type: 'string', required: false, description: 'Protocol version offered or negotiated, e.g. 1.2, 1.3, dtls1.2.' },
      cert_fingerprint: {
        type: 'string',
        required: false,
        format: 'sha256-hex',
        description: "SHA-256 of the peer's leaf certificate (DER), 64 lowercase hex digits.",
      },
      cert_subject: { type: 'string', required: false, description: "Subject DN of the peer's leaf certificate." },
      alert: {
        type: 'integer',
        required: false,
        minimum: 0,
        description: 'TLS alert code sent or received (RFC 8446 §6), e.g. 48 unknown_ca.',
      },
    },
    ocsf: { ...networkActivity, activityId: 4, activityName: 'Fail' },
    ecs: { kind: 'event', category: ['network'], type: ['connection', 'protocol'] },
    requirements: { iec62443: 'access control', en304621: ['authentication'], en303645: [] },
    example: {
      actor: { ip: '203.0.113.77', port: 41022 },
      attrs: {
        peer: '203.0.113.77',
        reason: 'unknown_ca',
        direction: 'inbound',
        port: 8883,
        tls_version: '1.3',
        cert_fingerprint: '3c907cae300581207f0af176bb5ddcd0fafa9e0794090153df83d61b33efaed7',
        cert_subject: 'CN=gw-0099',
        alert: 48,
      },
    },
  },
];
