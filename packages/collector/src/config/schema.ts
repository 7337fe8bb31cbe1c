/**
 * The one schema of the collector configuration (STYLE.md "Configuration").
 * Defaults live in ./defaults.ts, not here, so there is exactly one place to
 * change a default; docs/configuration.md is rendered from this schema and
 * that object together (./docs.ts).
 *
 * Every object is closed (`additionalProperties: false`): a misspelt key is
 * an error with a did-you-mean, never an ignored setting.
 */
import { LIMITS } from '@seclog/core';
import Type, { type Static } from 'typebox';

const MIB = 1024 * 1024;

/** pino's level names; `silent` turns the collector's own log off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const closed = { additionalProperties: false } as const;

// Port 0 is allowed: the OS picks a free port (tests, and `seclog demo`).
const port = (description: string) => Type.Integer({ minimum: 0, maximum: 65535, description });
const host = (description: string) => Type.String({ minLength: 1, maxLength: 253, description });
const filePath = (description: string) => Type.String({ minLength: 1, description });

export const TlsSchema = Type.Object(
  {
    certFile: filePath('PEM certificate chain presented to clients'),
    keyFile: filePath('PEM private key of the certificate (keep it mode 0600)'),
    caFile: Type.Optional(filePath('PEM CA bundle; when set, clients must present a certificate it signed (mutual TLS)')),
  },
  { ...closed, description: 'TLS for this listener; the files must exist at startup' },
);

export const HttpSchema = Type.Object(
  {
    host: host('Address the HTTP API binds; anything but loopback needs http.tls or http.insecureBind'),
    port: port('TCP port of the HTTP API'),
    tls: Type.Optional(TlsSchema),
    bodyLimitBytes: Type.Integer({
      minimum: LIMITS.recordBytes,
      maximum: 256 * MIB,
      description: 'Largest request body accepted, in bytes; must be at least ingest.maxBatchBytes',
    }),
    insecureBind: Type.Boolean({ description: 'Allow plain HTTP on a non-loopback http.host (tokens then cross the network in clear)' }),
    metricsAuth: Type.Enum(['token', 'none'], {
      description: 'Who may read GET /metrics: `token` any live API token (any role), `none` anyone who can reach the port',
    }),
  },
  closed,
);

export const SyslogSchema = Type.Object(
  {
    host: host('Address the syslog listeners bind; plain TCP/UDP on anything but loopback needs syslog.insecureBind'),
    tcpPort: port('Port of the plain syslog TCP listener (RFC 6587 framing)'),
    udpPort: port('Port of the syslog UDP listener (RFC 5426)'),
    tlsPort: port('Port of the syslog TLS listener (RFC 5425); it runs when syslog.tls is set'),
    tcpEnabled: Type.Boolean({ description: 'Run the plain syslog TCP listener' }),
    udpEnabled: Type.Boolean({ description: 'Run the syslog UDP listener' }),
    tls: Type.Optional(TlsSchema),
    insecureBind: Type.Boolean({ description: 'Allow plain syslog TCP/UDP on a non-loopback syslog.host' }),
  },
  closed,
);

export const LogSchema = Type.Object(
  {
    // c2sp.org/signed-note key names: no whitespace, no '+'. The origin is the
    // log key's name, so the same rule applies.
    origin: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        pattern: '^[^\\s+]+$',
        description: 'Checkpoint origin and log key name; fixed on first run (default seclog.local/<8 hex>/log) and never changed after',
      }),
    ),
    checkpointIntervalMs: Type.Integer({
      minimum: 10,
      maximum: 60_000,
      description: 'How often a new signed checkpoint is published while records arrive, in ms',
    }),
  },
  closed,
);

export const IngestSchema = Type.Object(
  {
    maxBatchRecords: Type.Integer({ minimum: 1, maximum: 100_000, description: 'Most records accepted in one ingest batch' }),
    // One largest record must fit in a batch, or a device could never ship it.
    maxBatchBytes: Type.Integer({
      minimum: LIMITS.recordBytes,
      maximum: 256 * MIB,
      description: 'Most canonical record bytes accepted in one ingest batch',
    }),
    groupCommitWindowMs: Type.Integer({
      minimum: 0,
      maximum: 100,
      description: 'How long a commit waits for more batches to share its fsync, in ms (0: commit at once)',
    }),
    perDeviceRatePerSec: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'Sustained records per second accepted from one device before ingest answers 429',
    }),
  },
  closed,
);

export const CollectorConfigSchema = Type.Object(
  {
    dataDir: filePath('Directory for the database and keys; created with mode 0700 on first run'),
    http: HttpSchema,
    syslog: SyslogSchema,
    log: LogSchema,
    ingest: IngestSchema,
    logLevel: Type.Enum([...LOG_LEVELS], { description: 'Level of the collector’s own log' }),
  },
  closed,
);

type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The validated, frozen configuration loadConfig returns. */
export type CollectorConfig = DeepReadonly<Static<typeof CollectorConfigSchema>>;
export type TlsConfig = DeepReadonly<Static<typeof TlsSchema>>;
