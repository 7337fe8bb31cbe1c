/**
 * Events explorer: the API's filters, pages newest first, a live tail over the
 * server-sent events stream, and an event's detail with its raw record, its
 * mappings and its inclusion proof checked in the browser. Every read here is
 * recorded by the collector as log_access.
 */
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { type ApiError, get, query } from '../api.js';
import { Link, navigate, useLocation } from '../router.js';
import { type EventPage, isStored, type ListedEvent, type StoredEvent } from '../types.js';
import { Badge, ErrorBox, Loading, Time } from '../ui/bits.js';
import { ProofCheck } from '../ui/ProofCheck.js';
import { asApiError, useApi } from '../ui/use-api.js';

const FILTERS = ['from', 'to', 'device', 'name', 'outcome', 'severity', 'ip', 'user', 'q'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

const LIVE_MAX = 500;
const TABS = ['raw', 'ocsf', 'ecs', 'cef'] as const;

function filtersOf(search: string): Filters {
  const p = new URLSearchParams(search);
  const f: Filters = {};
  for (const k of FILTERS) {
    const v = p.get(k);
    if (v) f[k] = v;
  }
  return f;
}

/** datetime-local ⇄ RFC 3339 UTC. */
const toRfc3339 = (local: string): string => (local ? new Date(local).toISOString() : '');
const toLocalInput = (iso: string | undefined): string => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

export function EventsPage({ id }: { id: string | undefined }) {
  return id === undefined ? <EventList /> : <EventDetail id={id} />;
}

function EventTable({ events, caption }: { events: ListedEvent[]; caption: string }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col">Outcome</th>
            <th scope="col">Severity</th>
            <th scope="col">Device</th>
            <th scope="col">Actor</th>
            <th scope="col">Source IP</th>
            <th scope="col">Leaf</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) =>
            !isStored(e) ? (
              <tr key={e.leafIndex}>
                <td>
                  <Time value={e.received} />
                </td>
                <td colSpan={6} className="muted">
                  {e.pruned.message}
                  {e.pruned.device ? ` (device ${e.pruned.device}, seq ${e.pruned.seq ?? '?'})` : ''}
                </td>
                <td>{e.leafIndex}</td>
              </tr>
            ) : (
              <tr key={e.leafIndex}>
                <td>
                  <Time value={e.record.time} />
                </td>
                <td>
                  <Link to={`/events/${e.record.id}`}>{e.record.name}</Link>
                </td>
                <td>
                  <Badge kind={e.record.outcome}>{e.record.outcome}</Badge>
                </td>
                <td>
                  <Badge kind={e.record.severity}>{e.record.severity}</Badge>
                </td>
                <td>{e.record.device?.id ?? '—'}</td>
                <td>{e.record.actor?.user ?? '—'}</td>
                <td>{e.record.actor?.ip ?? '—'}</td>
                <td>{e.leafIndex}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

function EventList() {
  const location = useLocation();
  const search = location.includes('?') ? location.slice(location.indexOf('?')) : '';
  const filters = filtersOf(search);
  const [draft, setDraft] = useState<Filters>(filters);
  const [events, setEvents] = useState<ListedEvent[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [live, setLive] = useState(false);
  const [liveState, setLiveState] = useState('');
  const seen = useRef(new Set<number>());

  useEffect(() => {
    setDraft(filtersOf(search));
    setLoading(true);
    get<EventPage>(`/api/v1/events${query({ ...filtersOf(search), limit: 100 })}`).then(
      (page) => {
        seen.current = new Set(page.events.map((e) => e.leafIndex));
        setEvents(page.events);
        setNext(page.next);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        setError(asApiError(err));
        setEvents([]);
        setLoading(false);
      },
    );
  }, [search]);

  // The live tail: new events with the same filters, newest on top.
  useEffect(() => {
    if (!live) return;
    const f = filtersOf(search);
    const { from: _from, to: _to, ...streamFilters } = f;
    const source = new EventSource(`/api/v1/events/stream${query(streamFilters)}`);
    setLiveState('connecting');
    source.onopen = () => setLiveState('following new events');
    source.onmessage = (m: MessageEvent<string>) => {
      const e = JSON.parse(m.data) as ListedEvent;
      if (seen.current.has(e.leafIndex)) return;
      seen.current.add(e.leafIndex);
      setEvents((old) => [e, ...old].slice(0, LIVE_MAX));
    };
    source.addEventListener('error', (m) => {
      const data = (m as MessageEvent<string>).data;
      if (typeof data === 'string' && data !== '') {
        try {
          const body = JSON.parse(data) as { error: { code: string; message: string } };
          setLiveState(`stopped: ${body.error.code} ${body.error.message}`);
          source.close();
          return;
        } catch {
          // not an error record
        }
      }
      setLiveState(source.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting');
    });
    return () => source.close();
  }, [live, search]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/events${query(draft)}`);
  };
  const more = () => {
    if (next === null) return;
    get<EventPage>(`/api/v1/events${query({ ...filters, limit: 100, cursor: next })}`).then(
      (page) => {
        for (const ev of page.events) seen.current.add(ev.leafIndex);
        setEvents((old) => [...old, ...page.events]);
        setNext(page.next);
      },
      (err: unknown) => setError(asApiError(err)),
    );
  };
  const field = (k: keyof Filters, label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`f-${k}`}>{label}</label>
      <input id={`f-${k}`} type={type} value={draft[k] ?? ''} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
    </div>
  );
  return (
    <>
      <h1 tabIndex={-1}>Events</h1>
      <form className="filters card" onSubmit={apply} aria-label="Event filters">
        <div className="field">
          <label htmlFor="f-from">From</label>
          <input
            id="f-from"
            type="datetime-local"
            value={toLocalInput(draft.from)}
            onChange={(e) => setDraft({ ...draft, from: toRfc3339(e.target.value) })}
          />
        </div>
        <div className="field">
          <label htmlFor="f-to">To</label>
          <input
            id="f-to"
            type="datetime-local"
            value={toLocalInput(draft.to)}
            onChange={(e) => setDraft({ ...draft, to: toRfc3339(e.target.value) })}
          />
        </div>
        {field('device', 'Device')}
        {field('name', 'Event name')}
        <div className="field">
          <label htmlFor="f-outcome">Outcome</label>
          <select id="f-outcome" value={draft.outcome ?? ''} onChange={(e) => setDraft({ ...draft, outcome: e.target.value })}>
            <option value="">any</option>
            <option>success</option>
            <option>failure</option>
            <option>unknown</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-severity">Severity</label>
          <select id="f-severity" value={draft.severity ?? ''} onChange={(e) => setDraft({ ...draft, severity: e.target.value })}>
            <option value="">any</option>
            <option>info</option>
            <option>low</option>
            <option>medium</option>
            <option>high</option>
            <option>critical</option>
          </select>
        </div>
        {field('ip', 'Source IP')}
        {field('user', 'User')}
        {field('q', 'Text')}
        <div className="actions">
          <button type="submit">Search</button>
          <button type="button" onClick={() => navigate('/events')}>
            Clear
          </button>
          <button type="button" aria-pressed={live} onClick={() => setLive(!live)}>
            Live tail
          </button>
          <span role="status" className="muted">
            {live ? `Live: ${liveState}` : ''}
          </span>
        </div>
      </form>
      <ErrorBox error={error} />
      {loading ? <Loading what="events" /> : <EventTable events={events} caption={`${events.length} events, newest first`} />}
      {next !== null && !loading ? (
        <button type="button" onClick={more}>
          Load older events
        </button>
      ) : null}
    </>
  );
}

interface Mappings {
  ocsf: unknown;
  ecs: unknown;
  cef: string;
}

function EventDetail({ id }: { id: string }) {
  const ev = useApi<StoredEvent>(`/api/v1/events/${encodeURIComponent(id)}`);
  const maps = useApi<Mappings>(ev.data ? `/api/v1/events/${encodeURIComponent(id)}/mappings` : null);
  const [tab, setTab] = useState<(typeof TABS)[number]>('raw');
  // WAI-ARIA tabs: the arrow keys move between the formats, Tab leaves the tab list.
  const onTabKey = (k: KeyboardEvent<HTMLDivElement>) => {
    const step = k.key === 'ArrowRight' ? 1 : k.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    k.preventDefault();
    const next = TABS[(TABS.indexOf(tab) + step + TABS.length) % TABS.length] ?? 'raw';
    setTab(next);
    document.getElementById(`tab-${next}`)?.focus();
  };
  const e = ev.data;
  return (
    <>
      <p>
        <Link to="/events">← Events</Link>
      </p>
      <h1 tabIndex={-1}>Event {e?.record.name ?? id}</h1>
      <ErrorBox error={ev.error} />
      {ev.loading && !e ? <Loading what="the event" /> : null}
      {e ? (
        <>
          <section className="card" aria-labelledby="ev-h">
            <h2 id="ev-h">Record</h2>
            <dl className="kv">
              <dt>Id</dt>
              <dd>
                <code>{e.record.id}</code>
              </dd>
              <dt>Time (device)</dt>
              <dd>
                <Time value={e.record.time} />
              </dd>
              <dt>Received</dt>
              <dd>
                <Time value={e.received} />
              </dd>
              <dt>Outcome</dt>
              <dd>
                <Badge kind={e.record.outcome}>{e.record.outcome}</Badge>
              </dd>
              <dt>Severity</dt>
              <dd>
                <Badge kind={e.record.severity}>{e.record.severity}</Badge>
              </dd>
              <dt>Device</dt>
              <dd>
                {e.record.device?.id ? <Link to={`/devices/${encodeURIComponent(e.record.device.id)}`}>{e.record.device.id}</Link> : '—'}
              </dd>
              <dt>Stream / seq</dt>
              <dd>
                {String(e.record.stream ?? '—')} / {String(e.record.seq ?? '—')}
              </dd>
              <dt>Leaf index</dt>
              <dd>{e.leafIndex}</dd>
              {e.record.message ? (
                <>
                  <dt>Message</dt>
                  <dd>{e.record.message}</dd>
                </>
              ) : null}
            </dl>
          </section>
          <ProofCheck event={e} />
          <section className="card" aria-labelledby="raw-h">
            <h2 id="raw-h">Raw record and mappings</h2>
            <div role="tablist" aria-label="Format" onKeyDown={onTabKey}>
              {TABS.map((t) => (
                <button
                  key={t}
                  id={`tab-${t}`}
                  type="button"
                  role="tab"
                  aria-selected={tab === t}
                  aria-controls="tab-panel"
                  tabIndex={tab === t ? 0 : -1}
                  onClick={() => setTab(t)}
                >
                  {t === 'raw' ? 'Raw' : t.toUpperCase()}
                </button>
              ))}
            </div>
            <div role="tabpanel" id="tab-panel" aria-labelledby={`tab-${tab}`}>
              {tab === 'raw' ? (
                <pre>{JSON.stringify(e.record, null, 2)}</pre>
              ) : maps.error ? (
                <ErrorBox error={maps.error} what="Mappings" />
              ) : maps.data === undefined ? (
                <Loading what="mappings" />
              ) : (
                <pre>{tab === 'cef' ? maps.data.cef : JSON.stringify(maps.data[tab], null, 2)}</pre>
              )}
            </div>
          </section>
        </>
      ) : null}
    </>
  );
}
