/**
 * Field names in rules. Rules address records by seclog's own paths
 * (`actor.ip`, `attrs.reason`); the usual ECS / Sigma names are accepted as
 * aliases so that rules written for other tools read naturally here.
 */

/** Alias → seclog path. Keys are matched exactly (Sigma field names are case-sensitive). */
export const FIELD_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  '@timestamp': 'time',
  'event.id': 'id',
  'event.action': 'name',
  'event.outcome': 'outcome',
  'source.ip': 'actor.ip',
  'client.ip': 'actor.ip',
  src_ip: 'actor.ip',
  'source.port': 'actor.port',
  'client.port': 'actor.port',
  'user.name': 'actor.user',
  'user.target.name': 'target.user',
  'process.name': 'actor.process',
  'host.id': 'device.id',
  'host.name': 'device.id',
  'device.model.identifier': 'device.model',
  'session.id': 'actor.session',
});

/** The seclog path a rule's field name refers to. */
export function resolveFieldPath(field: string): string {
  return Object.hasOwn(FIELD_ALIASES, field) ? FIELD_ALIASES[field]! : field;
}

/**
 * The value at `path` in a record (`attrs.reason`, `actor.ip`), or undefined.
 * Paths are split once per call; rules precompile them with `compileFieldPath`.
 */
export function getField(record: unknown, path: string): unknown {
  return compileFieldPath(path)(record);
}

/** A getter for `path` (aliases resolved), built once at rule load. */
export function compileFieldPath(field: string): (record: unknown) => unknown {
  const parts = resolveFieldPath(field).split('.');
  if (parts.some((p) => p in Object.prototype)) {
    // `constructor`, `toString`, `__proto__`…: only own properties count, or every record would "have" them.
    return (record) => {
      let cur: unknown = record;
      for (const p of parts[0] === 'attrs' && parts.length > 2 ? ['attrs', parts.slice(1).join('.')] : parts) {
        if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, p)) return undefined;
        cur = (cur as Record<string, unknown>)[p];
      }
      return cur;
    };
  }
  if (parts[0] === 'attrs' && parts.length > 2) {
    // attrs keys are flat, so `attrs.a.b` can only mean the key "a.b"; keep it whole.
    const key = parts.slice(1).join('.');
    return (r) => (r as { attrs?: Record<string, unknown> } | null)?.attrs?.[key];
  }
  // One- and two-part paths cover every fixed field; they get a getter without a loop.
  if (parts.length === 1) {
    const [a] = parts as [string];
    return (r) => (typeof r === 'object' && r !== null ? (r as Record<string, unknown>)[a] : undefined);
  }
  if (parts.length === 2) {
    const [a, b] = parts as [string, string];
    return (r) => {
      if (typeof r !== 'object' || r === null) return undefined;
      const o = (r as Record<string, unknown>)[a];
      return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[b] : undefined;
    };
  }
  return (record) => {
    let cur: unknown = record;
    for (const p of parts) {
      if (typeof cur !== 'object' || cur === null) return undefined;
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
  };
}
