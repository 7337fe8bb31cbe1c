/**
 * An MQTT payload as an ingest batch: the same JSON as the HTTP ingest body
 * (docs/protocol.md), optionally gzipped (user property
 * `content-encoding: gzip`), with the same limits and error codes as
 * POST /api/v1/ingest: the size limit counts inflated bytes, so a small gzip
 * bomb is refused like a large body.
 */
import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';
import { SeclogError } from '@seclog/core';
import type { IngestBatch } from '../ingest/classify.js';

const gunzip = promisify(gunzipCb);

const MAX_ID = 128;

export async function decodeBatchPayload(payload: Buffer, encoding: string | undefined, maxBytes: number): Promise<IngestBatch> {
  let body = payload;
  if (encoding !== undefined && encoding !== 'identity') {
    if (encoding !== 'gzip') {
      throw new SeclogError('HTTP_UNSUPPORTED_MEDIA_TYPE', `content-encoding ${encoding} is not accepted (gzip is)`, { encoding });
    }
    try {
      body = await gunzip(payload, { maxOutputLength: maxBytes });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        throw new SeclogError('HTTP_BODY_TOO_LARGE', `the inflated payload exceeds ${maxBytes} bytes`, { limit: maxBytes });
      }
      throw new SeclogError('HTTP_BODY_INVALID', `the gzip payload cannot be decoded: ${(err as Error).message}`, { reason: code });
    }
  }
  if (body.length > maxBytes) {
    throw new SeclogError('HTTP_BODY_TOO_LARGE', `the payload of ${body.length} bytes exceeds ${maxBytes} bytes`, { limit: maxBytes });
  }
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new SeclogError('HTTP_BODY_INVALID', `the payload is not JSON: ${(err as Error).message}`, { reason: 'json' });
  }
  const o = v as { device?: unknown; stream?: unknown; records?: unknown };
  const bad = (field: string, why: string): never => {
    throw new SeclogError('HTTP_BODY_INVALID', `${field}: ${why}`, { field });
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('', 'the payload must be a JSON object { device, stream, records }');
  if (typeof o.device !== 'string' || o.device.length < 1 || o.device.length > MAX_ID)
    bad('/device', 'must be a string of 1–128 characters');
  if (typeof o.stream !== 'string' || o.stream.length < 1 || o.stream.length > MAX_ID)
    bad('/stream', 'must be a string of 1–128 characters');
  if (!Array.isArray(o.records) || o.records.length === 0) bad('/records', 'must be a non-empty array');
  return { device: o.device as string, stream: o.stream as string, records: o.records as unknown[] };
}
