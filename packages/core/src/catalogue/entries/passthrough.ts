/** Passthrough: records from non-seclog sources (syslog, OTLP), kept whole and chained. */
import { LIMITS } from '../../event/limits.js';
import type { CatalogueEntry } from '../types.js';

const text = (description: string) => ({ type: 'string', required: false, description }) as const;
/** Structured context kept as JSON text gets more room than a plain field. */
const jsonText = (description: string) => ({ type: 'string', required: false, description, maxBytes: LIMITS.jsonTextBytes }) as const;

export const PASSTHROUGH_EVENTS: readonly CatalogueEntry[] = [
  {
    name: 'passthrough',
    title: 'Foreign record',
    when: 'The collector received a record from a source that does not speak seclog (RFC 5424 or RFC 3164 syslog, OTLP logs) and stores it whole in this wrapper, so it is chained, searchable and exportable like catalogue events. Device code never emits it.',
    group: 'passthrough',
    origin: 'any',
    defaultSeverity: 'info',
    defaultOutcome: 'unknown',
    mandatory: false,
    critical: false,
    sdkMethod: 'passthrough',
    requiredFields: [],
    attrs: {
      format: { type: 'string', required: true, enum: ['rfc5424', 'rfc3164', 'otlp'], description: 'Wire format the record arrived in.' },
      legacy: {
        type: 'boolean',
        required: false,
        description: 'True for RFC 3164 (BSD syslog) input, whose timestamp has no year or zone.',
      },
      facility: { type: 'integer', required: false, minimum: 0, description: 'Syslog facility, 0–23.' },
      syslog_severity: { type: 'integer', required: false, minimum: 0, description: 'Syslog severity, 0 (emergency) to 7 (debug).' },
      host: text('HOSTNAME of the syslog header, or the OTLP host.name resource attribute.'),
      app: text('APP-NAME (RFC 5424) or TAG (RFC 3164).'),
      procid: text('PROCID of the syslog header.'),
      msgid: text('MSGID of the syslog header.'),
      sd: jsonText(
        'Structured data of an RFC 5424 message as canonical JSON text, order and repeated params kept: [["sd-id",[["param","value"],…]],…]. Longer than its limit, it is cut and ends in "…" (then no longer JSON).',
      ),
      syslog_timestamp: text('Timestamp exactly as written in the message, before conversion.'),
      otlp_severity_number: { type: 'integer', required: false, minimum: 0, description: 'OTLP SeverityNumber, 1–24 (0 unspecified).' },
      otlp_severity_text: text('OTLP SeverityText.'),
      otlp_scope: text('OTLP instrumentation scope name and version, as name@version.'),
      otlp_resource: jsonText('OTLP resource attributes, as JSON text.'),
      otlp_attributes: jsonText('OTLP log record attributes, as JSON text.'),
      source_ip: { type: 'string', required: false, format: 'ip', description: 'Address the record was received from.' },
      attribution: {
        type: 'string',
        required: false,
        enum: ['certificate', 'source_map', 'token', 'unauthenticated'],
        description:
          'How the record was tied to device.id: client certificate, source-address map, ingest token, or unauthenticated (claimed name).',
      },
    },
    ocsf: { categoryUid: 0, categoryName: 'Uncategorized', classUid: 0, className: 'Base Event', activityId: 99, activityName: 'Other' },
    ecs: { kind: 'event', category: ['host'], type: ['info'] },
    requirements: { iec62443: 'control system events', en304621: [], en303645: [] },
    example: {
      attrs: {
        format: 'rfc5424',
        facility: 10,
        syslog_severity: 6,
        host: 'edge-fw-01',
        app: 'sshd',
        procid: '2214',
        syslog_timestamp: '2026-11-04T10:14:07.201+01:00',
        source_ip: '192.0.2.10',
        attribution: 'source_map',
      },
      message: 'Accepted publickey for backup from 192.0.2.55 port 50122 ssh2',
    },
  },
];
