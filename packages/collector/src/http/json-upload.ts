/**
 * The request side of the upload routes (device batches, OTLP logs): JSON
 * only, optionally gzip. gzip bodies are inflated before parsing and the body
 * limit counts inflated bytes, so a small gzip bomb is refused like a large body.
 */
import { createGunzip } from 'node:zlib';
import { SeclogError } from '@seclog/core';
import type { preParsingHookHandler } from 'fastify';

/** A route's `preParsing`: refuses other media types and encodings (415), inflates gzip. */
export const jsonUploadPreParsing: preParsingHookHandler = (req, _reply, payload, done) => {
  // fastify would parse text/plain too; these bodies are JSON only.
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return done(
      new SeclogError('HTTP_UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type || '(none)'} is not accepted (application/json is)`, { type }),
    );
  }
  const enc = req.headers['content-encoding'];
  if (enc === undefined || enc === 'identity') return done(null, payload);
  if (enc !== 'gzip') {
    return done(new SeclogError('HTTP_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${enc} is not accepted (gzip is)`, { encoding: enc }));
  }
  const gunzip = createGunzip();
  // fastify compares Content-Length with the bytes received, not the inflated ones.
  let received = 0;
  payload.on('data', (chunk: Buffer) => {
    received += chunk.length;
    (gunzip as unknown as { receivedEncodedLength: number }).receivedEncodedLength = received;
  });
  payload.on('error', (err) => gunzip.destroy(err));
  payload.pipe(gunzip);
  done(null, gunzip);
};
