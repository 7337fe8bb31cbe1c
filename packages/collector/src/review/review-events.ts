/** The log records of a signed and an approved review (catalogue: review_signed, review_approved). */
import { createHash } from 'node:crypto';
import { formatKeyId, type NoteSigner } from '@seclog/core';
import type { OwnEvent } from '../ingest/own-stream.js';
import type { StoredReview } from '../store/review-types.js';
import { rfc3339 } from './review-record.js';

export function reviewSignedEvent(r: StoredReview, findings: number, signer: NoteSigner | undefined, ip?: string): OwnEvent {
  const s = r.signature as NonNullable<StoredReview['signature']>;
  return {
    name: 'review_signed',
    input: {
      actor: { user: s.signedBy, ...(ip ? { ip } : {}) },
      attrs: {
        review_id: r.id,
        period_start: rfc3339(r.periodStartUs),
        period_end: rfc3339(r.periodEndUs),
        findings,
        checkpoint_size: s.checkpointSize,
        checkpoint_root: s.checkpointRoot,
        ...(signer === undefined ? {} : { key_id: `${signer.name}+${formatKeyId(signer.keyId)}` }),
      },
      message: `${s.signedBy} signed review ${r.id} of ${rfc3339(r.periodStartUs)} to ${rfc3339(r.periodEndUs)} with ${findings} finding(s)`,
    },
  };
}

export function reviewApprovedEvent(r: StoredReview, ip?: string): OwnEvent {
  const s = r.signature as NonNullable<StoredReview['signature']>;
  const a = r.approval as NonNullable<StoredReview['approval']>;
  return {
    name: 'review_approved',
    input: {
      actor: { user: a.approvedBy, ...(ip ? { ip } : {}) },
      attrs: { review_id: r.id, signed_by: s.signedBy, review_digest: createHash('sha256').update(s.note, 'utf8').digest('hex') },
      message: `${a.approvedBy} approved review ${r.id}, signed by ${s.signedBy}`,
    },
  };
}
