/**
 * Size limits of a seclog record. They are part of the contract (docs/events.md
 * documents them) and sized for the transports: a foreign syslog message of
 * the RFC 5425 recommended 8 KiB fits a passthrough record whole, and a
 * seclog record encoded as RFC 5424 (structured data plus the canonical JSON)
 * stays under the collector's default 64 KiB syslog limit.
 */
export const LIMITS = {
  /** Catalogue and vendor names; RFC 5424 MSGID allows at most 32 characters. */
  nameChars: 32,
  /** Identifiers: device.id, stream, boot, device.fw, device.model. */
  idChars: 128,
  /** Any other single string field (actor.*, target.*, attrs values), in UTF-8 bytes. */
  fieldBytes: 1024,
  /** Structured context kept as JSON text in one attr (a passthrough's syslog SD or OTLP attributes), in UTF-8 bytes. */
  jsonTextBytes: 4096,
  /** The optional human message, in UTF-8 bytes (a whole default-size RFC 5425 syslog message fits). */
  messageBytes: 8192,
  /** Number of keys in attrs. */
  attrsKeys: 64,
  /** Characters in an attrs key. */
  attrKeyChars: 48,
  /** The canonical JSON of a whole record, in UTF-8 bytes. */
  recordBytes: 16384,
} as const;

export type Limits = typeof LIMITS;
