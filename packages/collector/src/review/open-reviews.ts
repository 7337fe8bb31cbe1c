/**
 * A ReviewService on an opened data directory, for the CLI (`seclog review`)
 * working without a running server, like `seclog user`: the tree is the one
 * stored in the database, and records are committed to the collector's own
 * stream at once (OwnStreamBuilder), read back by the server's integrator.
 */
import { createMerkleTree, SeclogError } from '@seclog/core';
import { OwnStreamBuilder } from '../ingest/own-stream.js';
import type { OpenedDataDir } from '../server/data-store.js';
import type { ReviewsConfig } from './config-schema.js';
import { type Reviewer, ReviewService } from './review-service.js';

export function openDataDirReviews(dd: OpenedDataDir, config: ReviewsConfig, now?: () => number): ReviewService {
  const builder = new OwnStreamBuilder(dd.store, dd.key.origin);
  return new ReviewService({
    store: dd.store,
    origin: dd.key.origin,
    verifierKey: dd.key.verifierKey,
    signer: dd.key.signer,
    tree: () => createMerkleTree(dd.store.nodeStore()),
    append: async (events) => dd.store.transaction(() => dd.store.commitBatches([builder.build(events)]))[0] ?? [],
    config,
    ...(now === undefined ? {} : { now }),
  });
}

/**
 * The reviewer a CLI command acts as (`--as <user>`): an enabled account with the analyst or admin
 * role, recorded as `user/<name>` like a signed-in user. Whoever can open the data directory holds
 * the log key anyway; `--as` says who takes responsibility, and the record names them.
 */
export function reviewerOfUser(dd: OpenedDataDir, name: string): Reviewer {
  const u = dd.store.users().getUser(name);
  if (u === undefined || u.disabledUs !== null || (u.role !== 'analyst' && u.role !== 'admin')) {
    throw new SeclogError(
      'REVIEW_REVIEWER_INVALID',
      `--as ${name}: ${u === undefined ? 'no such user' : u.disabledUs !== null ? 'the account is disabled' : `the role is ${u.role}, reviews need analyst or admin`} (seclog user list)`,
      { user: name },
    );
  }
  return { id: `user/${name}` };
}
