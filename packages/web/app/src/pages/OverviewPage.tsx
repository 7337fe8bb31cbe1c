/**
 * Overview: event rate by outcome over the last hour (uPlot), failed logins,
 * top source IPs, open alerts by severity, integrity, storage and device
 * horizons. The counts come from the events API (at most OVERVIEW_MAX_EVENTS
 * of the last hour, said on the page when the cap is hit) and grow live from
 * the server-sent events stream.
 */
import { useEffect, useMemo, useState } from 'react';
import { type ApiError, get, query } from '../api.js';
import { Link } from '../router.js';
import { canReadLog, useSession } from '../session.js';
import { type Alert, type EventPage, isStored, type ListedEvent, type StoredEvent } from '../types.js';
import { Badge, ErrorBox, fmtBytes, isMissingApi, Loading, NotAvailable, Time } from '../ui/bits.js';
import { RateChart, type RateSeries } from '../ui/RateChart.js';
import { asApiError, useApi } from '../ui/use-api.js';
import { toHex } from '../verify/bytes.js';
import { latestCheckpoint } from '../verify/log-trust.js';

const WINDOW_MS = 60 * 60_000;
const BUCKET_MS = 60_000;
const OVERVIEW_MAX_EVENTS = 5000;
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;

async function recentEvents(fromIso: string): Promise<{ events: StoredEvent[]; capped: boolean }> {
  const events: StoredEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await get<EventPage>(`/api/v1/events${query({ from: fromIso, limit: 1000, cursor })}`);
    events.push(...page.events.filter(isStored));
    if (page.next === null) return { events, capped: false };
    if (events.length >= OVERVIEW_MAX_EVENTS) return { events, capped: true };
    cursor = page.next;
  }
}

function rateSeries(events: StoredEvent[], startMs: number, endMs: number): RateSeries {
  const first = Math.floor(startMs / BUCKET_MS) * BUCKET_MS;
  const n = Math.floor((endMs - first) / BUCKET_MS) + 1;
  const s: RateSeries = {
    times: Array.from({ length: n }, (_, i) => (first + i * BUCKET_MS) / 1000),
    success: new Array<number>(n).fill(0),
    failure: new Array<number>(n).fill(0),
    unknown: new Array<number>(n).fill(0),
  };
  for (const e of events) {
    const t = Date.parse(e.received);
    const i = Math.floor((t - first) / BUCKET_MS);
    if (i < 0 || i >= n) continue;
    const o = e.record.outcome === 'success' || e.record.outcome === 'failure' ? e.record.outcome : 'unknown';
    (s[o] as number[])[i] = ((s[o] as number[])[i] ?? 0) + 1;
  }
  return s;
}

function useRecentEvents() {
  const [state, setState] = useState<{ events: StoredEvent[]; capped: boolean; startMs: number }>();
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    const startMs = Date.now() - WINDOW_MS;
    let source: EventSource | undefined;
    let live = true;
    recentEvents(new Date(startMs).toISOString()).then(
      (r) => {
        if (!live) return;
        setState({ ...r, startMs });
        const seen = new Set(r.events.map((e) => e.leafIndex));
        source = new EventSource('/api/v1/events/stream');
        source.onmessage = (m: MessageEvent<string>) => {
          const e = JSON.parse(m.data) as ListedEvent;
          if (!isStored(e) || seen.has(e.leafIndex)) return;
          seen.add(e.leafIndex);
          setState((old) => (old === undefined ? old : { ...old, events: [e, ...old.events] }));
        };
      },
      (err: unknown) => live && setError(asApiError(err)),
    );
    return () => {
      live = false;
      source?.close();
    };
  }, []);
  return { state, error };
}

function Counts({ title, rows, empty, link }: { title: string; rows: [string, number][]; empty: string; link: (key: string) => string }) {
  return (
    <section className="card" aria-label={title}>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table>
          <caption className="sr-only">{title}</caption>
          <tbody>
            {rows.map(([k, n]) => (
              <tr key={k}>
                <th scope="row">
                  <Link to={link(k)}>{k}</Link>
                </th>
                <td className="num">{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function OpenAlerts() {
  const [counts, setCounts] = useState<Record<string, number>>();
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    Promise.all(['new', 'acknowledged', 'in_progress'].map((s) => get<{ alerts: Alert[] }>(`/api/v1/alerts?status=${s}&limit=500`))).then(
      (pages) => {
        const c: Record<string, number> = {};
        for (const a of pages.flatMap((p) => p.alerts)) c[a.severity] = (c[a.severity] ?? 0) + 1;
        setCounts(c);
      },
      (err: unknown) => setError(asApiError(err)),
    );
  }, []);
  if (isMissingApi(error)) return <NotAvailable error={error} what="Open alerts" />;
  return (
    <section className="card" aria-label="Open alerts by severity">
      <h2>Open alerts</h2>
      <ErrorBox error={error} />
      {counts === undefined ? (
        error ? null : (
          <Loading what="alerts" />
        )
      ) : (
        <ul className="sev-list">
          {SEVERITIES.map((s) => (
            <li key={s}>
              <Link to={`/alerts?severity=${s}`}>
                <Badge kind={s}>{s}</Badge> {counts[s] ?? 0}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Integrity() {
  const { session } = useSession();
  const health = useApi<{ status: string; treeSize: number; events: number }>('/healthz');
  const [cp, setCp] = useState<{ ok: boolean; text: string }>();
  useEffect(() => {
    if (!canReadLog(session.role)) return;
    latestCheckpoint().then(
      (r) =>
        setCp(
          r.ok
            ? { ok: true, text: `signed checkpoint verified: ${r.checkpoint.size} leaves, root ${toHex(r.checkpoint.root).slice(0, 16)}…` }
            : { ok: false, text: r.reason },
        ),
      (err: unknown) => setCp({ ok: false, text: asApiError(err).message }),
    );
  }, [session.role]);
  return (
    <section className="card" aria-label="Integrity status">
      <h2>Integrity</h2>
      <ErrorBox error={health.error} />
      {health.data ? (
        <p>
          Collector {health.data.status}; {health.data.events} events in the log (tree size {health.data.treeSize}).
        </p>
      ) : null}
      {!canReadLog(session.role) ? (
        <p className="muted">Checkpoints are read by the admin and auditor roles.</p>
      ) : cp === undefined ? (
        <Loading what="the checkpoint" />
      ) : (
        <p role="status" className={cp.ok ? 'proof-ok' : 'proof-fail'}>
          {cp.ok ? '✓ ' : '✗ '}
          {cp.text}
        </p>
      )}
      <Link to="/integrity">Checkpoint timeline</Link>
    </section>
  );
}

interface StorageInfo {
  usage: {
    level: string;
    usedPercent: number;
    disk: { freeBytes: number; totalBytes: number } | null;
    database: { bytes: number; payloadBytes: number; capBytes: number | null };
    projection: { daysUntilFull: number | null; daysUntilCap: number | null };
    rejecting: boolean;
  };
  retention: { enabled?: boolean; summary?: string };
}

function Storage() {
  const { session } = useSession();
  const s = useApi<StorageInfo>(canReadLog(session.role) ? '/api/v1/storage' : null);
  if (!canReadLog(session.role)) {
    return (
      <section className="card" aria-label="Storage">
        <h2>Storage</h2>
        <p className="muted">Storage is read by the admin and auditor roles.</p>
      </section>
    );
  }
  if (isMissingApi(s.error)) return <NotAvailable error={s.error} what="Storage" />;
  const u = s.data?.usage;
  const days = (n: number | null | undefined) => (typeof n === 'number' ? `${Math.round(n)} days (projected)` : 'not projected');
  return (
    <section className="card" aria-label="Storage">
      <h2>Storage</h2>
      <ErrorBox error={s.error} />
      {u === undefined ? null : (
        <dl className="kv">
          <dt>Level</dt>
          <dd>
            <Badge kind={u.level}>{u.level}</Badge> {u.usedPercent.toFixed(1)} % used{u.rejecting ? '; ingest is refusing events' : ''}
          </dd>
          <dt>Database</dt>
          <dd>{fmtBytes(u.database.bytes)}</dd>
          <dt>Disk free</dt>
          <dd>{u.disk === null ? 'not measured' : fmtBytes(u.disk.freeBytes)}</dd>
          <dt>Full in</dt>
          <dd>{u.database.capBytes === null ? days(u.projection.daysUntilFull) : days(u.projection.daysUntilCap)}</dd>
          <dt>Retention</dt>
          <dd>{s.data?.retention.summary ?? '—'}</dd>
        </dl>
      )}
    </section>
  );
}

interface DeviceSummary {
  id: string;
  status: string;
  lastSeen: string | null;
  ring: { horizonHours: number | null; belowMinimum: boolean | null };
}

function Horizons() {
  const d = useApi<{ devices: DeviceSummary[]; minHorizonHours: number; belowMinimum: string[] }>('/api/v1/devices');
  if (isMissingApi(d.error)) return <NotAvailable error={d.error} what="Device horizons" />;
  const data = d.data;
  const active = data?.devices.filter((x) => x.status === 'active') ?? [];
  const shortest = active
    .filter((x) => typeof x.ring.horizonHours === 'number')
    .sort((a, b) => (a.ring.horizonHours ?? 0) - (b.ring.horizonHours ?? 0))
    .slice(0, 3);
  return (
    <section className="card" aria-label="Device horizons">
      <h2>Device horizons</h2>
      <ErrorBox error={d.error} />
      {data === undefined ? null : (
        <>
          <p>
            {active.length} active devices; {data.belowMinimum.length} with a ring horizon below the {data.minHorizonHours} h minimum
            {data.belowMinimum.length > 0 ? `: ${data.belowMinimum.join(', ')}` : ''}.
          </p>
          {shortest.length > 0 ? (
            <ul>
              {shortest.map((x) => (
                <li key={x.id}>
                  <Link to={`/devices/${encodeURIComponent(x.id)}`}>{x.id}</Link>: {x.ring.horizonHours?.toFixed(1)} h
                </li>
              ))}
            </ul>
          ) : null}
          <Link to="/devices">All devices</Link>
        </>
      )}
    </section>
  );
}

export function OverviewPage() {
  const { state, error } = useRecentEvents();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  const derived = useMemo(() => {
    if (state === undefined) return undefined;
    const events = state.events;
    const failedLogins = events.filter((e) => e.record.name === 'authn_login_fail');
    const ips = new Map<string, number>();
    for (const e of events) {
      const ip = e.record.actor?.ip;
      if (ip) ips.set(ip, (ips.get(ip) ?? 0) + 1);
    }
    const topIps = [...ips].sort((a, b) => b[1] - a[1]).slice(0, 8);
    return { series: rateSeries(events, now - WINDOW_MS, now), failedLogins, topIps };
  }, [state, now]);
  return (
    <>
      <h1 tabIndex={-1}>Overview</h1>
      <ErrorBox error={error} what="Events" />
      <section className="card wide" aria-label="Event rate">
        <h2>Event rate, last hour</h2>
        {derived === undefined ? (
          error ? null : (
            <Loading what="events" />
          )
        ) : (
          <>
            <RateChart data={derived.series} label="Events per minute over the last hour, by outcome" />
            <p className="muted">
              {state?.events.length} events{state?.capped ? ` (only the newest ${OVERVIEW_MAX_EVENTS} of the hour are counted)` : ''}; live.
            </p>
          </>
        )}
      </section>
      <div className="grid">
        <section className="card" aria-label="Failed logins">
          <h2>Failed logins</h2>
          {derived === undefined ? null : (
            <>
              <p className="big">{derived.failedLogins.length}</p>
              <p className="muted">in the last hour</p>
              <ul>
                {derived.failedLogins.slice(0, 5).map((e) => (
                  <li key={e.leafIndex}>
                    <Link to={`/events/${e.record.id}`}>
                      {e.record.actor?.user ?? '?'} from {e.record.actor?.ip ?? '?'} on {e.record.device?.id ?? '?'}
                    </Link>{' '}
                    <Time value={e.record.time} />
                  </li>
                ))}
              </ul>
              <Link to="/events?name=authn_login_fail">All failed logins</Link>
            </>
          )}
        </section>
        <Counts
          title="Top source IPs"
          rows={derived?.topIps ?? []}
          empty="No source IPs in the last hour."
          link={(ip) => `/events?ip=${encodeURIComponent(ip)}`}
        />
        <OpenAlerts />
        <Integrity />
        <Storage />
        <Horizons />
      </div>
    </>
  );
}
