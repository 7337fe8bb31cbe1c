/** Alerts: list with filters, detail with evidence events and the triage history, and triage actions. */
import { type FormEvent, useEffect, useState } from 'react';
import { type ApiError, get, post, query } from '../api.js';
import { Link, navigate, useLocation } from '../router.js';
import { canTriage, useSession } from '../session.js';
import type { Alert, AlertDetail, StoredEvent } from '../types.js';
import { Badge, ErrorBox, Loading, Time } from '../ui/bits.js';
import { asApiError, useApi } from '../ui/use-api.js';

const RESOLUTIONS = ['true_positive', 'false_positive', 'benign', 'duplicate', 'indeterminate'] as const;

export function AlertsPage({ id }: { id: string | undefined }) {
  return id === undefined ? <AlertList /> : <AlertView id={id} />;
}

function AlertList() {
  const location = useLocation();
  const search = new URLSearchParams(location.includes('?') ? location.slice(location.indexOf('?')) : '');
  const status = search.get('status') ?? '';
  const severity = search.get('severity') ?? '';
  const list = useApi<{ alerts: Alert[]; next: string | null }>(`/api/v1/alerts${query({ status, severity, limit: 100 })}`);
  // New alerts appear without a reload: the list is read again every 10 s.
  const { reload } = list;
  useEffect(() => {
    const t = setInterval(reload, 10_000);
    return () => clearInterval(t);
  }, [reload]);
  const set = (k: string, v: string) => {
    const q = new URLSearchParams(search);
    if (v) q.set(k, v);
    else q.delete(k);
    const s = q.toString();
    navigate(`/alerts${s ? `?${s}` : ''}`);
  };
  return (
    <>
      <h1 tabIndex={-1}>Alerts</h1>
      <fieldset className="filters card">
        <legend className="sr-only">Alert filters</legend>
        <div className="field">
          <label htmlFor="a-status">Status</label>
          <select id="a-status" value={status} onChange={(e) => set('status', e.target.value)}>
            <option value="">any</option>
            <option value="new">new</option>
            <option value="acknowledged">acknowledged</option>
            <option value="in_progress">in progress</option>
            <option value="closed">closed</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="a-severity">Severity</label>
          <select id="a-severity" value={severity} onChange={(e) => set('severity', e.target.value)}>
            <option value="">any</option>
            <option>info</option>
            <option>low</option>
            <option>medium</option>
            <option>high</option>
            <option>critical</option>
          </select>
        </div>
      </fieldset>
      <ErrorBox error={list.error} />
      {list.data === undefined ? (
        list.loading ? (
          <Loading what="alerts" />
        ) : null
      ) : (
        <div className="table-wrap">
          <table>
            <caption>{list.data.alerts.length} alerts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Alert</th>
                <th scope="col">Severity</th>
                <th scope="col">Status</th>
                <th scope="col">Device</th>
                <th scope="col">Group</th>
                <th scope="col">Events</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.data.alerts.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Link to={`/alerts/${a.id}`}>{a.rule.title}</Link>
                  </td>
                  <td>
                    <Badge kind={a.severity}>{a.severity}</Badge>
                  </td>
                  <td>
                    <Badge kind={a.status}>{a.status.replace('_', ' ')}</Badge>
                  </td>
                  <td>{a.device ?? '—'}</td>
                  <td>{a.groupKey || '—'}</td>
                  <td>{a.count}</td>
                  <td>
                    <Time value={a.created} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function Evidence({ ids, total }: { ids: string[]; total: number }) {
  const shown = ids.slice(0, 25);
  const [events, setEvents] = useState<(StoredEvent | ApiError)[]>();
  useEffect(() => {
    let live = true;
    void Promise.all(shown.map((i) => get<StoredEvent>(`/api/v1/events/${i}`).catch((err: unknown) => asApiError(err)))).then(
      (r) => live && setEvents(r),
    );
    return () => {
      live = false;
    };
  }, [ids.join(',')]);
  return (
    <section className="card" aria-labelledby="evidence-h">
      <h2 id="evidence-h">Evidence</h2>
      <p className="muted">
        {total} matching events{total > shown.length ? `; the first ${shown.length} are shown` : ''}.
      </p>
      {events === undefined ? (
        <Loading what="evidence" />
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Evidence events</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Outcome</th>
                <th scope="col">Actor</th>
                <th scope="col">Source IP</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e, i) =>
                'record' in e ? (
                  <tr key={e.record.id}>
                    <td>
                      <Time value={e.record.time} />
                    </td>
                    <td>
                      <Link to={`/events/${e.record.id}`}>{e.record.name}</Link>
                    </td>
                    <td>{e.record.outcome}</td>
                    <td>{e.record.actor?.user ?? '—'}</td>
                    <td>{e.record.actor?.ip ?? '—'}</td>
                  </tr>
                ) : (
                  <tr key={shown[i]}>
                    <td colSpan={5}>
                      {shown[i]}: <code>{e.code}</code> {e.message}
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Triage({ alert, onDone }: { alert: AlertDetail; onDone: (a: AlertDetail) => void }) {
  const { session } = useSession();
  const [resolution, setResolution] = useState<string>('true_positive');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  if (!canTriage(session.role)) return <p className="muted">Triage is for the admin and analyst roles; you are {session.role}.</p>;
  const send = (body: Record<string, string>) => {
    setBusy(true);
    post<AlertDetail>(`/api/v1/alerts/${alert.id}/transition`, body).then(
      (a) => {
        setBusy(false);
        setError(undefined);
        setComment('');
        onDone(a);
      },
      (err: unknown) => {
        setBusy(false);
        setError(asApiError(err));
      },
    );
  };
  const close = (e: FormEvent) => {
    e.preventDefault();
    send({ to: 'closed', resolution, comment });
  };
  return (
    <section className="card" aria-labelledby="triage-h">
      <h2 id="triage-h">Triage</h2>
      <ErrorBox error={error} />
      {alert.status === 'closed' ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            send({ to: 'new', comment });
          }}
        >
          <label htmlFor="reopen-comment">Comment</label>
          <textarea id="reopen-comment" required value={comment} onChange={(e) => setComment(e.target.value)} />
          <button type="submit" disabled={busy}>
            Reopen
          </button>
        </form>
      ) : (
        <>
          <div className="actions">
            {alert.status === 'new' ? (
              <button type="button" disabled={busy} onClick={() => send({ to: 'acknowledged' })}>
                Acknowledge
              </button>
            ) : null}
            {alert.status === 'acknowledged' ? (
              <button type="button" disabled={busy} onClick={() => send({ to: 'in_progress' })}>
                Start work
              </button>
            ) : null}
          </div>
          <form onSubmit={close} aria-label="Close the alert">
            <div className="field">
              <label htmlFor="close-resolution">Resolution</label>
              <select id="close-resolution" value={resolution} onChange={(e) => setResolution(e.target.value)}>
                {RESOLUTIONS.map((r) => (
                  <option key={r} value={r}>
                    {r.replace('_', ' ')}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="close-comment">Comment</label>
              <textarea id="close-comment" required value={comment} onChange={(e) => setComment(e.target.value)} />
            </div>
            <button type="submit" disabled={busy}>
              Close
            </button>
          </form>
        </>
      )}
    </section>
  );
}

function AlertView({ id }: { id: string }) {
  const res = useApi<AlertDetail>(`/api/v1/alerts/${encodeURIComponent(id)}`);
  const [alert, setAlert] = useState<AlertDetail>();
  useEffect(() => setAlert(res.data), [res.data]);
  const a = alert;
  return (
    <>
      <p>
        <Link to="/alerts">← Alerts</Link>
      </p>
      <h1 tabIndex={-1}>{a ? a.rule.title : 'Alert'}</h1>
      <ErrorBox error={res.error} />
      {a === undefined ? (
        res.loading ? (
          <Loading what="the alert" />
        ) : null
      ) : (
        <>
          <section className="card" aria-labelledby="alert-h">
            <h2 id="alert-h">Alert</h2>
            <dl className="kv">
              <dt>Status</dt>
              <dd>
                <Badge kind={a.status}>{a.status.replace('_', ' ')}</Badge>
                {a.resolution ? ` (${a.resolution.replace('_', ' ')})` : ''}
              </dd>
              <dt>Severity</dt>
              <dd>
                <Badge kind={a.severity}>{a.severity}</Badge>
              </dd>
              <dt>Rule</dt>
              <dd>
                {a.rule.id} <span className="muted">v{a.rule.version}</span>
              </dd>
              <dt>Device</dt>
              <dd>{a.device ? <Link to={`/devices/${encodeURIComponent(a.device)}`}>{a.device}</Link> : '—'}</dd>
              <dt>Group</dt>
              <dd>{a.groupKey || '—'}</dd>
              <dt>Window</dt>
              <dd>
                <Time value={a.windowStart} /> – <Time value={a.windowEnd} />
              </dd>
              <dt>Assignee</dt>
              <dd>{a.assignee ?? '—'}</dd>
              <dt>Log leaf</dt>
              <dd>{a.logLeafIndex ?? 'not yet committed'}</dd>
            </dl>
          </section>
          <Triage alert={a} onDone={setAlert} />
          <section className="card" aria-labelledby="hist-h">
            <h2 id="hist-h">Transitions</h2>
            {a.transitions.length === 0 ? (
              <p className="muted">No transitions yet.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <caption>Triage history, oldest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">From</th>
                      <th scope="col">To</th>
                      <th scope="col">By</th>
                      <th scope="col">Resolution</th>
                      <th scope="col">Comment</th>
                    </tr>
                  </thead>
                  <tbody>
                    {a.transitions.map((t) => (
                      <tr key={`${t.at}-${t.to}-${t.logLeafIndex ?? ''}`}>
                        <td>
                          <Time value={t.at} />
                        </td>
                        <td>{t.from}</td>
                        <td>{t.to}</td>
                        <td>{t.actor}</td>
                        <td>{t.resolution ?? '—'}</td>
                        <td>{t.comment ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <Evidence ids={a.evidence} total={a.evidenceTotal} />
        </>
      )}
    </>
  );
}
