/**
 * Integrity: the checkpoint timeline, and the consistency of two checkpoints
 * checked in the browser: both notes' Ed25519 signatures (WebCrypto, pinned
 * log key) and the RFC 9162 consistency proof between their roots.
 */
import { useEffect, useState } from 'react';
import { ApiError, get, getText, query } from '../api.js';
import { canReadLog, useSession } from '../session.js';
import type { CheckpointRow } from '../types.js';
import { Badge, ErrorBox, Loading, Time } from '../ui/bits.js';
import { asApiError, useApi } from '../ui/use-api.js';
import { fromBase64, toHex } from '../verify/bytes.js';
import { checkNote, clearPinnedKey, pinnedKey } from '../verify/log-trust.js';
import { verifyConsistency } from '../verify/merkle.js';

type Check = { kind: 'idle' } | { kind: 'checking' } | { kind: 'ok'; text: string } | { kind: 'fail'; text: string };

async function checkPair(older: CheckpointRow, newer: CheckpointRow): Promise<Check> {
  const a = await checkNote(older.note);
  if (!a.ok) return { kind: 'fail', text: `checkpoint ${older.treeSize}: ${a.reason}` };
  const b = await checkNote(newer.note);
  if (!b.ok) return { kind: 'fail', text: `checkpoint ${newer.treeSize}: ${b.reason}` };
  const p = await get<{ proof: string[] }>(`/api/v1/log/proof/consistency?from=${a.checkpoint.size}&to=${b.checkpoint.size}`);
  const proof = p.proof.map(fromBase64);
  if (proof.some((h) => h === undefined)) return { kind: 'fail', text: 'the proof is not base64' };
  const r = await verifyConsistency(a.checkpoint.size, b.checkpoint.size, a.checkpoint.root, b.checkpoint.root, proof as Uint8Array[]);
  if (!r.ok) return { kind: 'fail', text: r.reason };
  return {
    kind: 'ok',
    text: `the log of ${b.checkpoint.size} leaves extends the log of ${a.checkpoint.size} leaves: nothing before leaf ${a.checkpoint.size} was changed or removed`,
  };
}

export function IntegrityPage() {
  const { session } = useSession();
  if (!canReadLog(session.role)) {
    return (
      <>
        <h1 tabIndex={-1}>Integrity</h1>
        <p>Checkpoints and proofs are read by the admin and auditor roles; you are signed in as {session.role}.</p>
      </>
    );
  }
  return <Timeline />;
}

function Timeline() {
  const [before, setBefore] = useState<string>();
  const list = useApi<{ checkpoints: CheckpointRow[]; next: string | null }>(`/api/v1/log/checkpoints${query({ limit: 50, before })}`);
  const rows = list.data?.checkpoints ?? [];
  const [older, setOlder] = useState<number>();
  const [newer, setNewer] = useState<number>();
  const [check, setCheck] = useState<Check>({ kind: 'idle' });
  const [pinned, setPinned] = useState(pinnedKey());
  const [key, setKey] = useState<string>();
  const [keyError, setKeyError] = useState<ApiError>();

  useEffect(() => {
    getText('/api/v1/log/key').then(
      (k) => setKey(k.trim()),
      (err: unknown) => setKeyError(asApiError(err)),
    );
  }, []);
  // Default pair: the oldest and newest checkpoints on the page.
  useEffect(() => {
    if (rows.length >= 2) {
      setNewer(rows[0]?.treeSize);
      setOlder(rows[rows.length - 1]?.treeSize);
    } else if (rows.length === 1) {
      setNewer(rows[0]?.treeSize);
      setOlder(rows[0]?.treeSize);
    }
  }, [rows]);

  const verify = () => {
    const a = rows.find((r) => r.treeSize === older);
    const b = rows.find((r) => r.treeSize === newer);
    if (a === undefined || b === undefined) return;
    const [lo, hi] = a.treeSize <= b.treeSize ? [a, b] : [b, a];
    setCheck({ kind: 'checking' });
    checkPair(lo, hi).then(
      (c) => {
        setCheck(c);
        setPinned(pinnedKey());
      },
      (err: unknown) => setCheck({ kind: 'fail', text: err instanceof ApiError ? `${err.code} ${err.message}` : (err as Error).message }),
    );
  };

  return (
    <>
      <h1 tabIndex={-1}>Integrity</h1>
      <section className="card" aria-labelledby="key-h">
        <h2 id="key-h">Log key</h2>
        <ErrorBox error={keyError} />
        <p>
          Collector's verifier key: <code>{key ?? '…'}</code>
        </p>
        <p>
          {pinned === null ? (
            'No key is pinned in this browser yet: the first verification pins the key above.'
          ) : pinned === key ? (
            <>
              <Badge kind="pass">pinned</Badge> This browser verifies checkpoints against this key. Compare it with log.vkey in the
              collector's data directory.
            </>
          ) : (
            <>
              <Badge kind="fail">differs</Badge> This browser pinned <code>{pinned}</code>; checkpoints signed by another key are refused.
            </>
          )}
        </p>
        {pinned !== null ? (
          <button
            type="button"
            onClick={() => {
              clearPinnedKey();
              setPinned(null);
            }}
          >
            Forget the pinned key
          </button>
        ) : null}
      </section>
      <section className="card" aria-labelledby="cons-h">
        <h2 id="cons-h">Consistency between two checkpoints</h2>
        <div className="actions">
          <label htmlFor="i-older">Older</label>
          <select id="i-older" value={older ?? ''} onChange={(e) => setOlder(Number(e.target.value))}>
            {rows.map((r) => (
              <option key={r.treeSize} value={r.treeSize}>
                {r.treeSize}
              </option>
            ))}
          </select>
          <label htmlFor="i-newer">Newer</label>
          <select id="i-newer" value={newer ?? ''} onChange={(e) => setNewer(Number(e.target.value))}>
            {rows.map((r) => (
              <option key={r.treeSize} value={r.treeSize}>
                {r.treeSize}
              </option>
            ))}
          </select>
          <button type="button" onClick={verify} disabled={rows.length === 0 || check.kind === 'checking'}>
            Verify consistency
          </button>
        </div>
        {check.kind === 'checking' ? <p role="status">Checking in this browser…</p> : null}
        {check.kind === 'ok' ? (
          <p role="status" className="proof-ok">
            <strong>Consistency verified</strong> in this browser: {check.text}.
          </p>
        ) : null}
        {check.kind === 'fail' ? (
          <p role="alert" className="proof-fail">
            <strong>Consistency check failed:</strong> {check.text}
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="tl-h">
        <h2 id="tl-h">Checkpoint timeline</h2>
        <ErrorBox error={list.error} />
        {list.loading && list.data === undefined ? <Loading what="checkpoints" /> : null}
        {rows.length === 0 && !list.loading ? <p className="muted">No checkpoint has been signed yet.</p> : null}
        {rows.length > 0 ? (
          <div className="table-wrap">
            <table>
              <caption>Signed checkpoints, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Tree size</th>
                  <th scope="col">Signed</th>
                  <th scope="col">Root</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.treeSize}>
                    <td className="num">{r.treeSize}</td>
                    <td>
                      <Time value={r.created} />
                    </td>
                    <td>
                      <code>{toHex(fromBase64(r.root) ?? new Uint8Array()).slice(0, 32)}…</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <div className="actions">
          {before !== undefined ? (
            <button type="button" onClick={() => setBefore(undefined)}>
              Newest
            </button>
          ) : null}
          {list.data?.next ? (
            <button type="button" onClick={() => setBefore(list.data?.next ?? undefined)}>
              Older checkpoints
            </button>
          ) : null}
        </div>
      </section>
    </>
  );
}
