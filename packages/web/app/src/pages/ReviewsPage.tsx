/**
 * Periodic reviews: start one for a period (the collector collects its
 * evidence), add findings, sign, and approve (a second person). Reads
 * /api/v1/reviews; on a collector without that API the page says so.
 */
import { type FormEvent, useState } from 'react';
import { type ApiError, post } from '../api.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session.js';
import { Badge, ErrorBox, isMissingApi, Loading, NotAvailable, Time } from '../ui/bits.js';
import { asApiError, useApi } from '../ui/use-api.js';

interface Finding {
  seq: number;
  text: string;
  severity: string;
  alertIds: string[];
  created: string;
  createdBy: string;
}

interface Review {
  id: string;
  status: string;
  schedule: string | null;
  periodStart: string;
  periodEnd: string;
  due: string | null;
  overdue: boolean;
  created: string;
  createdBy: string;
  evidenceCollected: string;
  signed: { at: string; by: string; checkpoint: { size: number; root: string } } | null;
  approved: { at: string; by: string } | null;
  logLeafIndex: number | null;
}

interface ReviewDetail extends Review {
  approvalRequired: boolean;
  evidence: unknown;
  findings: Finding[];
  verification: unknown;
}

/** A datetime-local value (the reader's time zone, to the minute) `ms` ago, and back to RFC 3339 UTC. */
const localAgo = (ms: number): string => {
  const d = new Date(Math.floor((Date.now() - ms) / 60_000) * 60_000);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const toIso = (local: string): string => new Date(local).toISOString();

export function ReviewsPage({ id }: { id: string | undefined }) {
  return id === undefined ? <ReviewList /> : <ReviewView id={id} />;
}

function StartReview() {
  const [from, setFrom] = useState(localAgo(7 * 86_400_000));
  const [to, setTo] = useState(localAgo(0));
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const start = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    // Half-open [start, end); the API wants a period that has ended (the default ends this minute).
    post<ReviewDetail>('/api/v1/reviews', { periodStart: toIso(from), periodEnd: toIso(to) }).then(
      (r) => {
        setBusy(false);
        navigate(`/reviews/${encodeURIComponent(r.id)}`);
      },
      (err: unknown) => {
        setBusy(false);
        setError(asApiError(err));
      },
    );
  };
  return (
    <form className="card filters" onSubmit={start} aria-label="Start a review">
      <div className="field">
        <label htmlFor="r-from">Period start</label>
        <input id="r-from" type="datetime-local" required value={from} onChange={(e) => setFrom(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="r-to">Period end (excluded)</label>
        <input id="r-to" type="datetime-local" required value={to} onChange={(e) => setTo(e.target.value)} />
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Start review
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}

function ReviewList() {
  const res = useApi<{ reviews: Review[]; next: string | null }>('/api/v1/reviews');
  if (isMissingApi(res.error)) {
    return (
      <>
        <h1 tabIndex={-1}>Reviews</h1>
        <NotAvailable error={res.error} what="Reviews" />
      </>
    );
  }
  const reviews = res.data?.reviews;
  return (
    <>
      <h1 tabIndex={-1}>Reviews</h1>
      <StartReview />
      <ErrorBox error={res.error} />
      {reviews === undefined ? (
        res.loading ? (
          <Loading what="reviews" />
        ) : null
      ) : reviews.length === 0 ? (
        <p className="muted">No review has been started yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>{reviews.length} reviews, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Review</th>
                <th scope="col">Period</th>
                <th scope="col">Status</th>
                <th scope="col">Due</th>
                <th scope="col">Schedule</th>
              </tr>
            </thead>
            <tbody>
              {reviews.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/reviews/${encodeURIComponent(r.id)}`}>{r.id}</Link>
                  </td>
                  <td>
                    <Time value={r.periodStart} /> – <Time value={r.periodEnd} />
                  </td>
                  <td>
                    <Badge kind={r.status}>{r.status}</Badge>
                    {r.overdue ? (
                      <>
                        {' '}
                        <Badge kind="fail">overdue</Badge>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <Time value={r.due} />
                  </td>
                  <td>{r.schedule ?? 'by hand'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function ReviewView({ id }: { id: string }) {
  const { session } = useSession();
  const res = useApi<ReviewDetail>(`/api/v1/reviews/${encodeURIComponent(id)}`);
  const review = res.data;
  const [text, setText] = useState('');
  const [severity, setSeverity] = useState('info');
  const [alertIds, setAlertIds] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const act = (path: string, body: unknown, after?: () => void) => {
    setBusy(true);
    post<unknown>(`/api/v1/reviews/${encodeURIComponent(id)}${path}`, body).then(
      () => {
        setBusy(false);
        setError(undefined);
        after?.();
        res.reload();
      },
      (err: unknown) => {
        setBusy(false);
        setError(asApiError(err));
      },
    );
  };
  const addFinding = (e: FormEvent) => {
    e.preventDefault();
    const ids = alertIds
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    act('/findings', { text, severity, ...(ids.length > 0 ? { alertIds: ids } : {}) }, () => {
      setText('');
      setAlertIds('');
    });
  };
  const r = review;
  return (
    <>
      <p>
        <Link to="/reviews">← Reviews</Link>
      </p>
      <h1 tabIndex={-1}>Review {id}</h1>
      {isMissingApi(res.error) ? <NotAvailable error={res.error} what="Review" /> : <ErrorBox error={res.error} />}
      {r === undefined ? (
        res.loading ? (
          <Loading what="the review" />
        ) : null
      ) : (
        <>
          <section className="card" aria-label="Review summary">
            <h2>Summary</h2>
            <dl className="kv">
              <dt>Status</dt>
              <dd>
                <Badge kind={r.status}>{r.status}</Badge>
              </dd>
              <dt>Period</dt>
              <dd>
                <Time value={r.periodStart} /> – <Time value={r.periodEnd} />
              </dd>
              <dt>Due</dt>
              <dd>
                {r.due ? <Time value={r.due} /> : 'no due date (started by hand)'}
                {r.overdue ? ' — overdue' : ''}
              </dd>
              <dt>Started by</dt>
              <dd>
                {r.createdBy} <Time value={r.created} />
              </dd>
              <dt>Evidence collected</dt>
              <dd>
                <Time value={r.evidenceCollected} />
              </dd>
              <dt>Signed</dt>
              <dd>
                {r.signed ? (
                  <>
                    by {r.signed.by} <Time value={r.signed.at} />, at checkpoint {r.signed.checkpoint.size}
                  </>
                ) : (
                  'not yet'
                )}
              </dd>
              <dt>Approved</dt>
              <dd>
                {r.approved ? (
                  <>
                    by {r.approved.by} <Time value={r.approved.at} />
                  </>
                ) : r.approvalRequired ? (
                  'not yet (required)'
                ) : (
                  'not yet (optional)'
                )}
              </dd>
            </dl>
            <ErrorBox error={error} />
            <div className="actions">
              {r.status === 'open' ? (
                <>
                  <button type="button" disabled={busy} onClick={() => act('/collect', {})}>
                    Collect evidence again
                  </button>
                  <button type="button" disabled={busy} onClick={() => act('/sign', {})}>
                    Sign
                  </button>
                </>
              ) : null}
              {r.status === 'signed' && r.signed?.by !== `user/${session.user}` ? (
                <button type="button" disabled={busy} onClick={() => act('/approve', {})}>
                  Approve
                </button>
              ) : null}
            </div>
            {r.status === 'signed' && r.signed?.by === `user/${session.user}` ? (
              <p className="muted">Approval is for a second person: the signer cannot approve.</p>
            ) : null}
          </section>
          <section className="card" aria-labelledby="findings-h">
            <h2 id="findings-h">Findings</h2>
            {r.findings.length === 0 ? (
              <p className="muted">No findings yet.</p>
            ) : (
              <ul className="findings">
                {r.findings.map((f) => (
                  <li key={f.seq}>
                    <Badge kind={f.severity}>{f.severity}</Badge> {f.text}
                    {f.alertIds.length > 0 ? (
                      <>
                        {' '}
                        (alerts:{' '}
                        {f.alertIds.map((a) => (
                          <Link key={a} to={`/alerts/${a}`}>
                            {a}{' '}
                          </Link>
                        ))}
                        )
                      </>
                    ) : null}
                    <span className="muted"> — {f.createdBy}</span>
                  </li>
                ))}
              </ul>
            )}
            {r.status === 'open' ? (
              <form onSubmit={addFinding} aria-label="Add a finding">
                <div className="field">
                  <label htmlFor="f-text">Finding</label>
                  <textarea id="f-text" required value={text} onChange={(e) => setText(e.target.value)} />
                </div>
                <div className="field">
                  <label htmlFor="f-sev">Finding severity</label>
                  <select id="f-sev" value={severity} onChange={(e) => setSeverity(e.target.value)}>
                    <option>info</option>
                    <option>low</option>
                    <option>medium</option>
                    <option>high</option>
                    <option>critical</option>
                  </select>
                </div>
                <div className="field">
                  <label htmlFor="f-alerts">Alert ids (optional)</label>
                  <input id="f-alerts" value={alertIds} onChange={(e) => setAlertIds(e.target.value)} />
                </div>
                <button type="submit" disabled={busy}>
                  Add finding
                </button>
              </form>
            ) : null}
          </section>
          {r.verification ? (
            <section className="card" aria-labelledby="verify-h">
              <h2 id="verify-h">Verification (by the collector)</h2>
              <pre>{JSON.stringify(r.verification, null, 2)}</pre>
            </section>
          ) : null}
          <section className="card" aria-labelledby="evidence-h">
            <h2 id="evidence-h">Evidence collected</h2>
            <EvidenceSummary evidence={r.evidence} />
            <pre>{JSON.stringify(r.evidence ?? null, null, 2)}</pre>
          </section>
        </>
      )}
    </>
  );
}

/** The headline numbers of the evidence (review/evidence.ts); the whole of it follows as JSON. */
function EvidenceSummary({ evidence }: { evidence: unknown }) {
  const e = evidence as {
    events?: { total?: number; devices?: number };
    alerts?: { opened?: number; stillOpen?: number; overdue?: number };
  } | null;
  if (e === null || typeof e !== 'object' || e.events === undefined) return null;
  const a = e.alerts;
  return (
    <p>
      {e.events.total ?? '?'} events from {e.events.devices ?? '?'} devices in the period
      {a ? `; ${a.opened ?? '?'} alerts opened, ${a.stillOpen ?? '?'} still open, ${a.overdue ?? '?'} overdue` : ''}.
    </p>
  );
}
