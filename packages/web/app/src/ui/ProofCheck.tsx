/**
 * The inclusion proof of one event, checked in the browser: the leaf hash is
 * computed here from the record and its receive time, the proof from the
 * collector must lead from it to the root of a checkpoint whose Ed25519
 * signature WebCrypto verified against the pinned log key.
 */
import { useEffect, useState } from 'react';
import { ApiError, get } from '../api.js';
import { canReadLog, useSession } from '../session.js';
import type { StoredEvent } from '../types.js';
import { equalBytes, fromBase64, toHex } from '../verify/bytes.js';
import { recordLeafHash } from '../verify/leaf.js';
import { latestCheckpoint } from '../verify/log-trust.js';
import { verifyInclusion } from '../verify/merkle.js';

type State =
  | { kind: 'checking'; step: string }
  | { kind: 'ok'; size: number; root: string; keyId: string; leaf: string; computed: boolean }
  | { kind: 'fail'; reason: string };

interface InclusionAnswer {
  index: number;
  size: number;
  leafHash: string;
  proof: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function check(event: StoredEvent, setStep: (s: string) => void): Promise<State> {
  setStep('verifying the signed checkpoint');
  // The event may be newer than the last checkpoint (one is signed at most every second).
  let cp = await latestCheckpoint();
  for (let i = 0; i < 6 && cp.ok && cp.checkpoint.size <= event.leafIndex; i++) {
    await sleep(1000);
    cp = await latestCheckpoint();
  }
  if (!cp.ok) return { kind: 'fail', reason: cp.reason };
  const { checkpoint, key } = cp;
  if (checkpoint.size <= event.leafIndex) return { kind: 'fail', reason: `no signed checkpoint covers leaf ${event.leafIndex} yet` };
  setStep('computing the leaf from the record');
  const computed = await recordLeafHash(event.record, event.received);
  setStep('checking the inclusion proof');
  const p = await get<InclusionAnswer>(`/api/v1/log/proof/inclusion?index=${event.leafIndex}&size=${checkpoint.size}`);
  const served = fromBase64(p.leafHash);
  const proof = p.proof.map(fromBase64);
  if (served === undefined || proof.some((h) => h === undefined)) return { kind: 'fail', reason: 'the proof is not base64' };
  if (computed !== undefined && !equalBytes(computed, served)) {
    return { kind: 'fail', reason: 'the record on screen does not hash to the leaf the log holds at its index' };
  }
  const leaf = computed ?? served;
  const r = await verifyInclusion(event.leafIndex, checkpoint.size, leaf, proof as Uint8Array[], checkpoint.root);
  if (!r.ok) return { kind: 'fail', reason: r.reason };
  return {
    kind: 'ok',
    size: checkpoint.size,
    root: toHex(checkpoint.root),
    keyId: toHex(key.keyId),
    leaf: toHex(leaf),
    computed: computed !== undefined,
  };
}

export function ProofCheck({ event }: { event: StoredEvent }) {
  const { session } = useSession();
  const [state, setState] = useState<State>({ kind: 'checking', step: 'starting' });
  useEffect(() => {
    if (!canReadLog(session.role)) return;
    let live = true;
    setState({ kind: 'checking', step: 'starting' });
    check(event, (step) => live && setState({ kind: 'checking', step })).then(
      (s) => live && setState(s),
      (err: unknown) =>
        live && setState({ kind: 'fail', reason: err instanceof ApiError ? `${err.code} ${err.message}` : (err as Error).message }),
    );
    return () => {
      live = false;
    };
  }, [event, session.role]);

  if (!canReadLog(session.role)) {
    return (
      <section className="card" aria-labelledby="proof-h">
        <h2 id="proof-h">Inclusion proof</h2>
        <p className="muted">Proofs are read by the admin and auditor roles; you are signed in as {session.role}.</p>
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="proof-h">
      <h2 id="proof-h">Inclusion proof</h2>
      {state.kind === 'checking' ? (
        <p role="status">Checking in this browser: {state.step}…</p>
      ) : state.kind === 'ok' ? (
        <div role="status" className="proof-ok">
          <p>
            <strong>Proof verified</strong> in this browser: leaf {event.leafIndex} is in the log of {state.size} leaves whose root is
            signed by key {state.keyId}.
          </p>
          <dl className="kv">
            <dt>Leaf hash</dt>
            <dd>
              <code>{state.leaf}</code> {state.computed ? '(computed here from the record)' : '(as served: the record has no chain fields)'}
            </dd>
            <dt>Checkpoint root</dt>
            <dd>
              <code>{state.root}</code>
            </dd>
          </dl>
        </div>
      ) : (
        <p role="alert" className="proof-fail">
          <strong>Proof check failed:</strong> {state.reason}
        </p>
      )}
    </section>
  );
}
