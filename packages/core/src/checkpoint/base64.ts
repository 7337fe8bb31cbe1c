/**
 * Standard base64 with padding (RFC 4648 §4), as signed notes and checkpoints
 * use it. Buffer's own decoder is lenient (it skips stray characters and
 * accepts the URL-safe alphabet), so decoding here accepts only the one
 * canonical spelling of each byte string: a note cannot then be altered
 * without changing its bytes-as-signed meaning.
 */

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The decoded bytes, or undefined unless `text` is canonical standard base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!STD_BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Rejects non-zero bits in the last character's unused low bits.
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : undefined;
}
