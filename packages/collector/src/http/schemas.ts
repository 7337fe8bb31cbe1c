/** TypeBox schemas of the HTTP API: they validate requests and generate the OpenAPI document at /docs. */
import Type from 'typebox';

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Object({}, { additionalProperties: true }),
    }),
  },
  { description: 'Every error: code from docs/errors.md' },
);

export const IngestBodySchema = Type.Object({
  device: Type.String({ minLength: 1, maxLength: 128 }),
  stream: Type.String({ minLength: 1, maxLength: 128 }),
  // Records are checked one by one by core's validator (errors name the index and field), not here.
  records: Type.Array(Type.Unknown(), { minItems: 1 }),
});

const AckedSchema = Type.Object({ stream: Type.String(), seq: Type.Integer(), head: Type.String() });
const GapsSchema = Type.Array(Type.Object({ from: Type.Integer(), to: Type.Integer() }), {
  description: 'Open gaps of the stream, half-open [from, to): seqs below the acked seq that the collector lacks (docs/ingest.md)',
});

export const IngestAckSchema = Type.Object({
  acked: AckedSchema,
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  gaps: GapsSchema,
});

export const IngestCursorSchema = Type.Object({
  device: Type.String(),
  streams: Type.Array(Type.Object({ stream: Type.String(), seq: Type.Integer(), head: Type.String(), gaps: GapsSchema })),
});

// Query strings are strings: the app does not coerce types (http/app.ts), so counts are digits here.
const count = Type.String({ pattern: '^(0|[1-9][0-9]{0,15})$', description: 'non-negative integer' });

export const InclusionQuerySchema = Type.Object({ index: count, size: count });
export const ConsistencyQuerySchema = Type.Object({ from: count, to: count });

export const InclusionProofSchema = Type.Object({
  index: Type.Integer(),
  size: Type.Integer(),
  leafHash: Type.String({ description: 'base64' }),
  proof: Type.Array(Type.String({ description: 'base64' })),
});

export const ConsistencyProofSchema = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  proof: Type.Array(Type.String({ description: 'base64' })),
});

export const HealthSchema = Type.Object({
  status: Type.String(),
  treeSize: Type.Integer(),
  events: Type.Integer(),
  // leader: this node appends the Merkle log (always, on SQLite); follower: another collector on the database does.
  role: Type.Union([Type.Literal('leader'), Type.Literal('follower')]),
});
