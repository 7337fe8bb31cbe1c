/**
 * The shipper's transports besides HTTP, and their settings (docs/agent.md
 * "Transports"). Each one speaks the shipper's Transport interface, i.e.
 * answers the two requests the shipper makes (POST api/v1/ingest, GET
 * api/v1/ingest/cursor) with what the HTTP collector would answer, so the
 * shipper's resume, gap filling, splitting and backoff work unchanged:
 *
 *   mqtt        the batch goes to the broker, the collector's answer comes
 *               back on the device's ack topic (./mqtt-transport.ts);
 *   syslog-tls  records go out as RFC 5424 frames over TLS; no answers, so
 *               the transport answers for the collector once the bytes are
 *               written (./syslog-tls-transport.ts; best effort).
 */
import { createMqttTransport } from './mqtt-transport.js';
import { peerOf, type ResolvedShipperOptions } from './options.js';
import type { ShipSource } from './source.js';
import { createSyslogTlsTransport } from './syslog-tls-transport.js';
import { createHttpTransport, type Transport } from './transport.js';

/** The transport the options select, and the peer named in outage reports. */
export function createShipTransport(
  o: ResolvedShipperOptions,
  source: ShipSource,
): { transport: Transport; peer: { peer: string; port: number } } {
  if (o.transport !== undefined) return { transport: o.transport, peer: peerOf(o.url) };
  if (o.kind === 'mqtt' && o.mqtt !== undefined) {
    const u = new URL(o.mqtt.url);
    return {
      transport: createMqttTransport({ device: o.device, options: o.mqtt, timeoutMs: o.requestTimeoutMs }),
      peer: { peer: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) || (u.protocol === 'mqtts:' ? 8883 : 1883) },
    };
  }
  if (o.kind === 'syslog-tls' && o.syslogTls !== undefined) {
    const s = o.syslogTls;
    return {
      transport: createSyslogTlsTransport({
        device: o.device,
        options: s,
        timeoutMs: o.requestTimeoutMs,
        cursor: () => ({ stream: source.stream, seq: source.ackedSeq() }),
      }),
      peer: { peer: s.host, port: s.port ?? 6514 },
    };
  }
  return {
    transport: createHttpTransport({ url: o.url, timeoutMs: o.requestTimeoutMs, ...(o.tls ? { tls: o.tls } : {}) }),
    peer: peerOf(o.url),
  };
}
