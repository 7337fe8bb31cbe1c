/**
 * TLS to the collector with a pinned CA or a pinned certificate.
 *
 * - `ca`: the chain must lead to these PEM certificates (not the system
 *   roots) and the name must match, as node:https checks it.
 * - `certSha256`: the SHA-256 of the collector's leaf certificate (DER) must
 *   be one of these. Meant for a self-signed collector certificate, so the
 *   chain is not checked; neither is the host name, because the key is
 *   pinned exactly (a collector reached by IP address needs no SAN for it).
 * - both: the chain and name checks, and then the pin.
 *
 * The pin is checked right after the handshake and before the socket is
 * handed to the HTTP client, so not one byte of a request (and its bearer
 * token) goes to a server that fails it. fetch (undici) has no hook at that
 * point, which is why the shipper uses node:https.
 */
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { SeclogError } from '@seclog/core';

export interface TlsPinOptions {
  /** PEM CA certificate(s) the collector's chain must lead to, instead of the system roots. */
  ca?: string | readonly string[];
  /** SHA-256 fingerprint(s) of the collector's leaf certificate, hex with or without colons; one must match. */
  certSha256?: string | readonly string[];
}

/** Raised on a connection whose certificate is not pinned; `fingerprint` is what the server presented. */
export class PinMismatchError extends Error {
  readonly code = 'ERR_SECLOG_CERT_PIN';
  readonly fingerprint: string;
  readonly subject: string | undefined;

  constructor(fingerprint: string, subject: string | undefined) {
    super(`the collector's certificate (SHA-256 ${fingerprint}) is not the pinned one`);
    this.name = 'PinMismatchError';
    this.fingerprint = fingerprint;
    this.subject = subject;
  }
}

/** 64 lowercase hex digits from `AB:CD:…` or `abcd…`; AGENT_SHIP_OPTIONS_INVALID otherwise. */
export function normalizeFingerprint(value: string): string {
  const hex = value.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new SeclogError('AGENT_SHIP_OPTIONS_INVALID', 'tls.certSha256 must be a SHA-256 fingerprint: 64 hex digits, colons allowed', {
      key: 'tls.certSha256',
    });
  }
  return hex;
}

const list = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as T[])] : [v as T]);

function pinCheck(pins: ReadonlySet<string>, cert: tls.PeerCertificate): PinMismatchError | undefined {
  const fp = (cert.fingerprint256 ?? '').replace(/:/g, '').toLowerCase();
  if (pins.has(fp)) return undefined;
  const subject = cert.subject?.CN;
  return new PinMismatchError(fp, typeof subject === 'string' ? subject : undefined);
}

/** An agent that completes the handshake, checks the pin, and only then gives the socket to the request. */
class FingerprintAgent extends https.Agent {
  readonly #pins: ReadonlySet<string>;

  constructor(options: https.AgentOptions, pins: ReadonlySet<string>) {
    // Resumed sessions skip the certificate exchange; check every handshake in full.
    super({ ...options, maxCachedSessions: 0 });
    this.#pins = pins;
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const socket = tls.connect({ ...(options as tls.ConnectionOptions), rejectUnauthorized: false });
    const fail = (err: Error): void => {
      socket.destroy();
      callback?.(err, socket);
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      socket.off('error', fail);
      const err = pinCheck(this.#pins, socket.getPeerCertificate());
      if (err !== undefined) fail(err);
      else callback?.(null, socket);
    });
    return undefined;
  }
}

/** The https.Agent for these pins (keep-alive), or one that uses the system roots when none are given. */
export function createTlsAgent(pins: TlsPinOptions | undefined, agentOptions: https.AgentOptions): https.Agent {
  const ca = list(pins?.ca);
  const fps = new Set(list(pins?.certSha256).map(normalizeFingerprint));
  if (ca.length === 0 && fps.size === 0) return new https.Agent(agentOptions);
  if (ca.length === 0) return new FingerprintAgent(agentOptions, fps);
  return new https.Agent({
    ...agentOptions,
    ca,
    checkServerIdentity: (host, cert) => tls.checkServerIdentity(host, cert) ?? (fps.size > 0 ? pinCheck(fps, cert) : undefined),
  });
}

/** The `tls_fail` reason for a TLS error code, or undefined for an error that is not about the certificate. */
export function tlsFailureReason(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  if (code === 'ERR_SECLOG_CERT_PIN') return 'pin_mismatch';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'hostname_mismatch';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'expired_certificate';
  if (code === 'CERT_REVOKED') return 'revoked';
  if (/SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|CERT_UNTRUSTED|CERT_CHAIN_TOO_LONG/.test(code)) return 'unknown_ca';
  if (/^CERT_|^ERR_SSL_|^ERR_TLS_/.test(code))
    return code.includes('VERSION') || code.includes('PROTOCOL') ? 'protocol_version' : 'bad_certificate';
  return undefined;
}
