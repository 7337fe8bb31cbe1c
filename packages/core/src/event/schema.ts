/**
 * TypeBox schemas of the record, generated from the catalogue: the base record
 * (closed top level, open attrs) and one schema per event name with its
 * required attrs and fields. docs/event-schema.json is written from
 * `eventJsonSchema()`, and the collector's routes use the same objects.
 */
import Type, { type TSchema } from 'typebox';
import { Format } from 'typebox/format';
import type { AttrSpec, CatalogueEntry } from '../catalogue/types.js';
import { LIMITS } from './limits.js';
import {
  ATTR_KEY_PATTERN,
  EVENT_TIME_PATTERN,
  ID_PATTERN,
  isIpAddress,
  NAME_PATTERN,
  SAFE_MESSAGE_PATTERN,
  SAFE_TEXT_PATTERN,
  SHA256_HEX_PATTERN,
  UUIDV7_PATTERN,
} from './patterns.js';
import { OUTCOMES, SEVERITIES, TIME_SOURCES } from './types.js';

// `ip` is seclog's format name for "IPv4 or IPv6 text form"; other JSON Schema
// validators treat an unknown format as an annotation, TypeBox checks it.
Format.Set('ip', isIpAddress);

// JSON Schema counts characters, the contract counts UTF-8 bytes; a string of
// N bytes has at most N characters, so maxLength is the byte limit and the
// validator checks bytes exactly.
const text = (description: string, maxBytes: number = LIMITS.fieldBytes) =>
  Type.String({ description, maxLength: maxBytes, pattern: SAFE_TEXT_PATTERN });
const id = (description: string) => Type.String({ description, minLength: 1, maxLength: LIMITS.idChars, pattern: ID_PATTERN });

export const SeveritySchema = Type.Union(
  SEVERITIES.map((s) => Type.Literal(s)),
  { description: 'info, low, medium, high, critical (OCSF severity_id 1–5)' },
);
export const OutcomeSchema = Type.Union(
  OUTCOMES.map((s) => Type.Literal(s)),
  { description: 'success, failure or unknown' },
);

export const DeviceSchema = Type.Object(
  {
    id: id('Which product instance'),
    fw: Type.Optional(text('Firmware version', LIMITS.idChars)),
    model: Type.Optional(text('Product model', LIMITS.idChars)),
  },
  { additionalProperties: false },
);

// Field schemas without the optional modifier, so a catalogue entry can make one required.
const actorFields = {
  user: text('User name as presented (also for failed logins)'),
  ip: Type.String({ description: 'IPv4 or IPv6 address of the actor', maxLength: 64, format: 'ip' }),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  session: text('Session id, always stored hashed'),
  process: text('Process or service that acted'),
};
const targetFields = {
  resource: text('Resource acted on (path, endpoint, object)'),
  user: text('User acted on'),
  setting: text('Configuration setting acted on'),
};

function objectOf(fields: Record<string, TSchema>, prefix: string, required: ReadonlySet<string>): TSchema {
  const props: Record<string, TSchema> = {};
  for (const [k, schema] of Object.entries(fields)) props[k] = required.has(`${prefix}.${k}`) ? schema : Type.Optional(schema);
  return Type.Object(props, { additionalProperties: false });
}

export const ActorSchema = objectOf(actorFields, 'actor', new Set());
export const TargetSchema = objectOf(targetFields, 'target', new Set());

export const TimeQualitySchema = Type.Object(
  {
    synced: Type.Boolean({ description: 'Clock synchronised with `source` when stamped' }),
    source: Type.Union(TIME_SOURCES.map((s) => Type.Literal(s))),
    accuracy_ms: Type.Optional(Type.Number({ minimum: 0 })),
    offset_ms: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

export const AttrValueSchema = Type.Union([
  Type.String({ maxLength: LIMITS.fieldBytes, pattern: SAFE_TEXT_PATTERN }),
  Type.Number(),
  Type.Boolean(),
]);

function attrSchema(spec: AttrSpec): TSchema {
  const base = { description: spec.description };
  switch (spec.type) {
    case 'string': {
      if (spec.enum)
        return Type.Union(
          spec.enum.map((v) => Type.Literal(v)),
          base,
        );
      const opts: Record<string, unknown> = { ...base, maxLength: spec.maxBytes ?? LIMITS.fieldBytes, pattern: SAFE_TEXT_PATTERN };
      if (spec.format === 'sha256-hex') opts.pattern = SHA256_HEX_PATTERN;
      if (spec.format === 'ip') opts.format = 'ip';
      if (spec.format === 'date-time') opts.format = 'date-time';
      return Type.String(opts);
    }
    case 'integer':
      return Type.Integer(spec.minimum === undefined ? base : { ...base, minimum: spec.minimum });
    case 'number':
      return Type.Number(spec.minimum === undefined ? base : { ...base, minimum: spec.minimum });
    case 'boolean':
      return Type.Boolean(base);
  }
}

function attrsSchema(entry: CatalogueEntry | undefined): TSchema {
  const props: Record<string, TSchema> = {};
  for (const [key, spec] of Object.entries(entry?.attrs ?? {})) {
    props[key] = spec.required ? attrSchema(spec) : Type.Optional(attrSchema(spec));
  }
  return Type.Object(props, {
    description: 'Event-specific context: flat, scalar values; undeclared keys allowed',
    additionalProperties: AttrValueSchema,
    propertyNames: { pattern: ATTR_KEY_PATTERN },
    maxProperties: LIMITS.attrsKeys,
  });
}

function recordProperties(entry: CatalogueEntry | undefined) {
  const required: ReadonlySet<string> = new Set(entry?.requiredFields ?? []);
  const actor = objectOf(actorFields, 'actor', required);
  const target = objectOf(targetFields, 'target', required);
  const needsActor = [...required].some((p) => p.startsWith('actor.'));
  const needsTarget = [...required].some((p) => p.startsWith('target.'));
  return {
    v: Type.Literal(1, { description: 'Schema version' }),
    id: Type.String({ description: 'UUIDv7', pattern: UUIDV7_PATTERN }),
    name: entry
      ? Type.Literal(entry.name, { description: entry.title })
      : Type.String({ description: 'Catalogue or vendor event name', maxLength: LIMITS.nameChars, pattern: NAME_PATTERN }),
    time: Type.String({ description: 'Device wall clock, RFC 3339 UTC, microseconds', pattern: EVENT_TIME_PATTERN, format: 'date-time' }),
    severity: SeveritySchema,
    outcome: OutcomeSchema,
    device: DeviceSchema,
    actor: needsActor ? actor : Type.Optional(actor),
    target: needsTarget ? target : Type.Optional(target),
    attrs: attrsSchema(entry),
    message: required.has('message')
      ? Type.String({ maxLength: LIMITS.messageBytes, pattern: SAFE_MESSAGE_PATTERN })
      : Type.Optional(
          Type.String({ description: 'Human text; TAB and LF allowed', maxLength: LIMITS.messageBytes, pattern: SAFE_MESSAGE_PATTERN }),
        ),
    stream: Type.Optional(id('Per-device stream id')),
    seq: Type.Optional(Type.Integer({ description: 'Strictly +1 within a stream, from 1', minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    boot: Type.Optional(id('Boot id')),
    mono_ms: Type.Optional(
      Type.Integer({ description: 'Monotonic milliseconds since boot', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    ),
    prev: Type.Optional(Type.String({ description: 'Chain hash of the previous record, hex', pattern: SHA256_HEX_PATTERN })),
    tq: Type.Optional(TimeQualitySchema),
    redacted: Type.Optional(
      Type.Array(Type.String({ maxLength: 64, pattern: '^[a-z_.]+$' }), {
        description: 'Paths hashed or dropped by redaction',
        uniqueItems: true,
        maxItems: LIMITS.attrsKeys + 8,
      }),
    ),
  };
}

/** The record of any event name (attrs undeclared): what every record satisfies. */
export const SecurityEventSchema = Type.Object(recordProperties(undefined), {
  $id: 'https://seclog.dev/schema/v1/event',
  title: 'seclog security event (any name)',
  additionalProperties: false,
});

/** The record of one catalogue (or vendor) event, with its required attrs and fields. */
export function eventSchemaFor(entry: CatalogueEntry): TSchema {
  return Type.Object(recordProperties(entry), {
    title: `${entry.name}: ${entry.title}`,
    description: entry.when,
    additionalProperties: false,
  });
}

/**
 * The published JSON Schema (draft 2020-12): one `$defs` entry per event,
 * selected by `name`.
 */
export function eventJsonSchema(entries: readonly CatalogueEntry[]): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  for (const e of entries) defs[e.name] = eventSchemaFor(e);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://seclog.dev/schema/v1/event.json',
    title: 'seclog security event, schema version 1',
    description:
      'One record of the seclog catalogue. `name` selects the definition; strings are also limited in UTF-8 bytes (maxLength is the byte limit) and must be well-formed Unicode. Generated from packages/core; do not edit.',
    type: 'object',
    required: ['name'],
    properties: { name: { enum: entries.map((e) => e.name) } },
    oneOf: entries.map((e) => ({ $ref: `#/$defs/${e.name}` })),
    $defs: defs,
  };
}
