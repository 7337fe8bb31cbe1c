/**
 * The JSON body parser: fastify's own (prototype-poisoning checks included),
 * but refusing bodies that are not UTF-8 instead of decoding them with U+FFFD
 * in place of the bad bytes.
 *
 * Why it matters here: a record's chain hash covers its exact text. A
 * silently replaced byte changes the record, so its successor's `prev` no
 * longer matches and the batch was refused as INGEST_CHAIN_BROKEN with a
 * `log_integrity_fail` event — a false tamper alarm — or, in a batch's last
 * record, stored as something the device never sent. RFC 8259 §8.1: JSON
 * exchanged between systems is UTF-8, and defines no charset parameter; one
 * naming another charset is refused as unsupported.
 */
import { isUtf8 } from 'node:buffer';
import { SeclogError } from '@seclog/core';
import type { FastifyInstance } from 'fastify';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const charset = CHARSET.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(new SeclogError('HTTP_UNSUPPORTED_MEDIA_TYPE', `charset ${charset} is not accepted (JSON is UTF-8)`, { charset }), undefined);
      return;
    }
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) {
      done(new SeclogError('HTTP_BODY_INVALID', 'the body is not valid UTF-8', { reason: 'utf8' }), undefined);
      return;
    }
    // fastify's parser answers through done; its return value is nothing.
    void parse(req, bytes.toString('utf8'), done);
  });
}
