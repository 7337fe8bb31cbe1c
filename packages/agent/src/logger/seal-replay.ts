/**
 * Bringing the persisted sealer up to date with the ring at open.
 *
 * The logger appends a seal record and only then evolves the key in the
 * state slots (ring.setState with erase, which fsyncs the record first). A
 * power cut between the two leaves a seal in the ring that the state does
 * not know of yet: its key k_e is still the state's. Replaying the seals
 * found after the state's epoch start, with the state's own key, recovers
 * exactly where the sealer stood; each replayed seal's tag is checked, so a
 * record that merely looks like a seal cannot move the sealer.
 *
 *   state: epoch e, key k_e, firstSeq f          ring: … f … s(log_seal e) … head
 *   after replay: epoch e+1, key k_{e+1} (k_e wiped), firstSeq s+1, prevSealTag tag(s)
 */
import type { SealerState } from '@seclog/core';
import { computeSealTag, evolveKey, parseDateTime, readSealAttrs, sealBody, sealKey } from '@seclog/core';
import type { RingStore } from '../ring/ring-store.js';
import type { CorruptRange } from '../ring/ring-types.js';
import { scanRecords } from './ring-scan.js';

export type ReplayResult = { state: SealerState; replayed: number } | { problem: string };

/** Replay the seals in the ring from `st.firstSeq` to `headSeq`; damage met on the way is added to `corrupt`. */
export function replaySeals(ring: RingStore, st: SealerState, headSeq: number, corrupt: CorruptRange[]): ReplayResult {
  if (st.firstSeq > headSeq + 1) {
    return { problem: `the seal state begins at seq ${st.firstSeq} but the ring ends at ${headSeq}` };
  }
  let cur = st;
  let replayed = 0;
  let problem: string | undefined;
  scanRecords(ring, 'log_seal', st.firstSeq, headSeq, corrupt, (rec) => {
    const a = readSealAttrs(rec.attrs);
    if (typeof a === 'string') {
      problem = `the seal at seq ${rec.seq} is malformed: ${a}`;
      return false;
    }
    if (a.epoch !== cur.epoch || a.first_seq !== cur.firstSeq || a.prev_seal_tag !== cur.prevSealTag) {
      problem = `the seal at seq ${rec.seq} (epoch ${a.epoch}) does not follow the persisted epoch ${cur.epoch}`;
      return false;
    }
    const key = Buffer.from(cur.key, 'hex');
    const sk = sealKey(key);
    const { tag, ...body } = a;
    const ok = computeSealTag(sk, sealBody(body, cur.deviceId, cur.stream)) === tag;
    sk.fill(0);
    if (!ok) {
      key.fill(0);
      problem = `the seal at seq ${rec.seq} was not made with the persisted key of epoch ${cur.epoch}`;
      return false;
    }
    const next = evolveKey(key, cur.epoch);
    key.fill(0);
    const end = parseDateTime(a.epoch_end);
    cur = {
      ...cur,
      epoch: cur.epoch + 1,
      key: next.toString('hex'),
      epochStartUs: end.ms * 1000 + end.us,
      firstSeq: rec.seq + 1,
      prevSealTag: tag,
    };
    next.fill(0);
    replayed++;
    return true;
  });
  return problem === undefined ? { state: cur, replayed } : { problem };
}
