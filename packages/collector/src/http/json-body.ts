/**
 * The JSON body parser: secure-json-parse, as fastify's own parser uses it
 * (prototype-poisoning keys refused), but with errors that say what is wrong
 * (fastify reports every failure as "not valid JSON", even a `__proto__` key
 * in otherwise valid JSON), and refusing bodies that are not UTF-8 instead of
 * decoding them with U+FFFD in place of the bad bytes.
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
import sjson from 'secure-json-parse';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;
const FORBIDDEN = 'Object contains forbidden prototype property';

/** Parses a UTF-8 JSON text, or throws HTTP_BODY_INVALID naming the reason. */
export function parseJsonBody(text: string): unknown {
  try {
    return sjson.parse(text, undefined, PARSE_OPTIONS);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (message === FORBIDDEN) {
      throw new SeclogError(
        'HTTP_BODY_INVALID',
        'the body has a "__proto__" or "constructor.prototype" key, refused to prevent prototype poisoning',
        { reason: 'prototype_key' },
      );
    }
    // JSON.parse's message names the position of the first bad token.
    throw new SeclogError('HTTP_BODY_INVALID', `the body is not valid JSON: ${message.slice(0, 200)}`, { reason: 'json' });
  }
}

export function installJsonBodyParser(app: FastifyInstance): void {
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
    const text = bytes.toString('utf8');
    if (text.length === 0) {
      done(new SeclogError('HTTP_BODY_INVALID', 'the body is empty', { reason: 'empty' }), undefined);
      return;
    }
    try {
      done(null, parseJsonBody(text));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
