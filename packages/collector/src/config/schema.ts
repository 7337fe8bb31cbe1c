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
import { DevicesSchema, RetentionSchema, StorageSchema } from '../retention/config-schema.js';
import { ReviewsSchema } from '../review/config-schema.js';

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

// The HTTP listener's TLS keys, but a client certificate is optional for syslog (syslog.requireClientCert).
const SyslogTlsSchema = Type.Object(
  {
    certFile: filePath('PEM certificate chain presented to clients'),
    keyFile: filePath('PEM private key of the certificate (keep it mode 0600)'),
    caFile: Type.Optional(
      filePath('PEM CA bundle; a client certificate it signed attributes messages to the enrolled device its CN or SAN names'),
    ),
  },
  { ...closed, description: 'TLS for the syslog TLS listener; the files must exist at startup' },
);

export const SyslogSchema = Type.Object(
  {
    host: host('Address the syslog listeners bind; plain TCP/UDP on anything but loopback needs syslog.insecureBind'),
    tcpPort: port('Port of the plain syslog TCP listener (RFC 6587 framing)'),
    udpPort: port('Port of the syslog UDP listener (RFC 5426)'),
    tlsPort: port('Port of the syslog TLS listener (RFC 5425); it runs when syslog.tls is set'),
    tcpEnabled: Type.Boolean({ description: 'Run the plain syslog TCP listener' }),
    udpEnabled: Type.Boolean({ description: 'Run the syslog UDP listener' }),
    tls: Type.Optional(SyslogTlsSchema),
    insecureBind: Type.Boolean({ description: 'Allow plain syslog TCP/UDP on a non-loopback syslog.host' }),
    requireClientCert: Type.Boolean({
      description:
        'Refuse TLS clients without a certificate signed by syslog.tls.caFile (default: optional; a verified one attributes messages)',
    }),
    maxMessageBytes: Type.Integer({
      minimum: 480,
      maximum: MIB,
      description: 'Largest syslog message accepted, in bytes; a longer TCP/TLS frame closes its connection, a longer datagram is dropped',
    }),
    maxConnections: Type.Integer({
      minimum: 1,
      maximum: 65_535,
      description: 'Open syslog TCP plus TLS connections at most; more are refused',
    }),
    connectionRatePerSec: Type.Integer({
      minimum: 1,
      maximum: 10_000_000,
      description:
        'Messages per second from one TCP/TLS connection (reading pauses beyond it) or one UDP source address (dropped beyond it)',
    }),
    sourceMap: Type.Array(
      Type.Object(
        {
          source: Type.String({
            minLength: 1,
            maxLength: 253,
            description: 'IP address, or a host name resolved at startup and every sourceMapRefreshSeconds',
          }),
          device: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$', description: 'Device id the messages are attributed to' }),
        },
        closed,
      ),
      {
        maxItems: 10_000,
        description:
          'Sender address or host name -> device id for syslog without a client certificate: a list set in the file (docs/syslog.md)',
      },
    ),
    sourceMapRefreshSeconds: Type.Integer({
      minimum: 0,
      maximum: 86_400,
      description:
        'How often the host names of sourceMap are looked up again, in seconds (0: only at startup); a name that stops resolving keeps its last addresses',
    }),
  },
  closed,
);

export const MqttTlsSchema = Type.Object(
  {
    caFile: Type.Optional(filePath('PEM CA bundle to trust for the broker certificate (default: the system CAs)')),
    certFile: Type.Optional(filePath('PEM client certificate presented to the broker (with keyFile)')),
    keyFile: Type.Optional(filePath('PEM private key of mqtt.tls.certFile (keep it mode 0600)')),
  },
  { ...closed, description: 'TLS towards an mqtts:// broker; the files must exist at startup' },
);

export const MqttSchema = Type.Object(
  {
    enabled: Type.Boolean({
      description: 'Connect to the MQTT broker at mqtt.url and ingest batches published on seclog/+/events (docs/mqtt.md)',
    }),
    url: Type.Optional(
      Type.String({ pattern: '^mqtts?://', description: 'Broker URL, mqtt://host:1883 or mqtts://host:8883; required when mqtt.enabled' }),
    ),
    clientId: Type.String({
      pattern: '^[A-Za-z0-9._-]{1,64}$',
      description: 'MQTT client id; the broker keeps the persistent session under it, so it must be stable and used by one collector only',
    }),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'User name for the broker' })),
    passwordFile: Type.Optional(filePath('File holding the broker password (its first line; keep it mode 0600)')),
    passwordEnv: Type.Optional(
      Type.String({
        pattern: '^SECLOG_[A-Z0-9_]+$',
        description: 'Environment variable holding the broker password (instead of passwordFile)',
      }),
    ),
    tls: Type.Optional(MqttTlsSchema),
    sessionExpirySec: Type.Integer({
      minimum: 60,
      maximum: 4_294_967_295,
      description: 'How long the broker keeps the collector’s session (subscription and queued batches) while it is away, in seconds',
    }),
    keepaliveSec: Type.Integer({ minimum: 5, maximum: 3600, description: 'MQTT keep-alive interval, in seconds' }),
    insecure: Type.Boolean({ description: 'Allow plain mqtt:// to a non-loopback broker (device tokens then cross the network in clear)' }),
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

export const DetectSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Run the detection rules on the integrated stream and serve /api/v1/alerts and /api/v1/rules' }),
    builtinRules: Type.Boolean({ description: 'Load the built-in rule pack (rules/); custom rules come from the API either way' }),
    sweepIntervalMs: Type.Integer({
      minimum: 10,
      maximum: 600_000,
      description: 'How often absence rules and time-bounded windows are checked against the clock, in ms',
    }),
    allowedLatenessMs: Type.Integer({
      minimum: 0,
      maximum: 7 * 86_400_000,
      description: 'How far behind the newest event time an event may arrive and still count in correlation windows, in ms',
    }),
    stateSaveIntervalMs: Type.Integer({
      minimum: 100,
      maximum: 3_600_000,
      description: 'How often the detection state is saved (the most a restart replays), in ms',
    }),
  },
  closed,
);

/** seclog's severities, lowest first (core's Severity); a notification filter lets through its level and above. */
export const NOTIFY_SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;

// One closed object for every channel type: a union would report each branch's
// missing keys for one mistake. What each type needs is checked by
// notify/channels/channel-config.ts, and docs/notifications.md lists the keys per type.
export const NotifyChannelSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,47}$', description: 'Channel name: lower case, digits, - and _' }),
    type: Type.Enum(['webhook', 'email', 'syslog'], { description: 'Channel type' }),
    minSeverity: Type.Optional(Type.Enum([...NOTIFY_SEVERITIES], { description: 'Overrides notify.minSeverity for this channel' })),
    url: Type.Optional(Type.String({ minLength: 1, description: 'webhook: http(s) URL to POST to' })),
    format: Type.Optional(Type.Enum(['json', 'slack'], { description: 'webhook: payload format (default json)' })),
    secret: Type.Optional(Type.String({ minLength: 16, description: 'webhook: HMAC-SHA256 signing key (or secretEnv)' })),
    secretEnv: Type.Optional(
      Type.String({ pattern: '^SECLOG_[A-Z0-9_]+$', description: 'webhook: environment variable holding the signing key' }),
    ),
    host: Type.Optional(host('email, syslog: server host')),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'email, syslog: server port' })),
    tls: Type.Optional(Type.Enum(['starttls', 'implicit', 'none'], { description: 'email: transport security (default starttls)' })),
    caFile: Type.Optional(filePath('email: PEM CA bundle to trust for the server certificate (default: the system CAs)')),
    user: Type.Optional(Type.String({ minLength: 1, description: 'email: SMTP AUTH user' })),
    password: Type.Optional(Type.String({ minLength: 1, description: 'email: SMTP AUTH password (or passwordEnv)' })),
    passwordEnv: Type.Optional(
      Type.String({ pattern: '^SECLOG_[A-Z0-9_]+$', description: 'email: environment variable holding the password' }),
    ),
    from: Type.Optional(Type.String({ minLength: 3, description: 'email: sender address' })),
    to: Type.Optional(Type.Array(Type.String({ minLength: 3 }), { minItems: 1, maxItems: 50, description: 'email: recipients' })),
    protocol: Type.Optional(Type.Enum(['tcp', 'udp'], { description: 'syslog: transport (default tcp, octet counting)' })),
    facility: Type.Optional(Type.Integer({ minimum: 0, maximum: 23, description: 'syslog: facility (default 13, log audit)' })),
    insecure: Type.Optional(Type.Boolean({ description: 'Allow a plain-text channel (http://, tls none, syslog) to a non-loopback host' })),
  },
  closed,
);

export const NotifyRetrySchema = Type.Object(
  {
    initialDelayMs: Type.Integer({ minimum: 1, maximum: 3_600_000, description: 'Delay before the first retry, in ms' }),
    maxDelayMs: Type.Integer({ minimum: 1, maximum: 86_400_000, description: 'Longest delay between retries, in ms' }),
    maxAttempts: Type.Integer({ minimum: 1, maximum: 10_000, description: 'Attempts before a notification is marked dead' }),
    maxAgeMs: Type.Integer({
      minimum: 1,
      maximum: 30 * 86_400_000,
      description: 'Age after which a notification that still fails is marked dead, in ms',
    }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, description: 'Time one delivery attempt may take, in ms' }),
  },
  closed,
);

export const NotifySchema = Type.Object(
  {
    minSeverity: Type.Enum([...NOTIFY_SEVERITIES], { description: 'Lowest alert severity notified (per channel: minSeverity)' }),
    channels: Type.Array(NotifyChannelSchema, {
      maxItems: 32,
      description: 'Where alerts are sent: a list set in the file (keys per type in docs/notifications.md)',
    }),
    retry: NotifyRetrySchema,
    maxInFlight: Type.Integer({ minimum: 1, maximum: 256, description: 'Deliveries in progress at once, over all channels' }),
  },
  closed,
);

const ms = (minimum: number, description: string) => Type.Integer({ minimum, maximum: 600_000, description });

export const ClusterSchema = Type.Object(
  {
    ttlMs: ms(500, 'How long the integrator lease lasts without a renewal: a dead holder is replaced about this long after it died'),
    renewMs: ms(100, 'How often the holder renews the lease; at most half of cluster.ttlMs'),
    tryMs: ms(50, 'How often a follower tries to take the lease'),
    pollMs: ms(20, 'How often the holder looks for records other collectors committed'),
  },
  {
    ...closed,
    description: 'Several collectors on one PostgreSQL database (db): the integrator lease (docs/scaling.md); unused with SQLite',
  },
);

export const CollectorConfigSchema = Type.Object(
  {
    dataDir: filePath('Directory for the database and keys; created with mode 0700 on first run'),
    db: Type.Optional(
      Type.String({
        pattern: '^postgres(ql)?://',
        description:
          'PostgreSQL instead of the embedded SQLite file: a postgres:// URL (keys stay in dataDir). Keep the password out of it: PGPASSWORD or ~/.pgpass',
      }),
    ),
    http: HttpSchema,
    syslog: SyslogSchema,
    mqtt: MqttSchema,
    log: LogSchema,
    ingest: IngestSchema,
    detect: DetectSchema,
    notify: NotifySchema,
    retention: RetentionSchema,
    storage: StorageSchema,
    devices: DevicesSchema,
    reviews: ReviewsSchema,
    cluster: ClusterSchema,
    logLevel: Type.Enum([...LOG_LEVELS], { description: 'Level of the collector’s own log' }),
  },
  closed,
);

type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The validated, frozen configuration loadConfig returns. */
export type CollectorConfig = DeepReadonly<Static<typeof CollectorConfigSchema>>;
export type TlsConfig = DeepReadonly<Static<typeof TlsSchema>>;
export type DetectConfig = DeepReadonly<Static<typeof DetectSchema>>;
export type NotifyConfig = DeepReadonly<Static<typeof NotifySchema>>;
export type MqttConfig = DeepReadonly<Static<typeof MqttSchema>>;
export type NotifyChannelConfig = DeepReadonly<Static<typeof NotifyChannelSchema>>;
