/**
 * Devices: last seen, profile, firmware, integrity (gaps, forks, seal
 * failures), time quality and skew, ring horizon. Reads /api/v1/devices; on a
 * collector without that API the page says so.
 */
import { Link } from '../router.js';
import { Badge, ErrorBox, fmtBytes, isMissingApi, Loading, NotAvailable, Time } from '../ui/bits.js';
import { useApi } from '../ui/use-api.js';

interface Device {
  id: string;
  profile: string;
  status: string;
  enrolledAt?: string;
  lastSeen: string | null;
  firmware: { version: string | null; lastUpdate: { at: string; result: string | null; from: string | null; to: string | null } | null };
  events: { window: number; windowBytes: number; windowHours: number; lastAt: string | null };
  integrity: { gaps: number; openGaps: number; droppedGaps: number; forks: number; sealFailures: number; lastSealAt: string | null };
  time: { quality: string; source: string | null; accuracyMs: number | null; skewMs: number | null };
  ring: { capacityBytes: number | null; bytesPerHour: number | null; horizonHours: number | null; belowMinimum: boolean | null };
}

interface DeviceList {
  devices: Device[];
  minHorizonHours: number;
  belowMinimum: string[];
}

const horizon = (d: Device): string =>
  typeof d.ring.horizonHours === 'number'
    ? `${d.ring.horizonHours.toFixed(1)} h${d.ring.belowMinimum ? ' (below minimum)' : ''}`
    : 'unknown';
const timeText = (d: Device): string =>
  `${d.time.quality}${d.time.source ? ` (${d.time.source})` : ''}${typeof d.time.skewMs === 'number' ? `, skew ${Math.round(d.time.skewMs)} ms` : ''}`;
const firmwareText = (d: Device): string => {
  const u = d.firmware.lastUpdate;
  const last = u === null ? '' : `; last update ${u.result ?? '?'}${u.to ? ` to ${u.to}` : ''}`;
  return `${d.firmware.version ?? '—'}${last}`;
};

export function DevicesPage({ id }: { id: string | undefined }) {
  return id === undefined ? <DeviceList /> : <DeviceView id={id} />;
}

function DeviceList() {
  const res = useApi<DeviceList>('/api/v1/devices');
  const devices = res.data?.devices;
  return (
    <>
      <h1 tabIndex={-1}>Devices</h1>
      {isMissingApi(res.error) ? <NotAvailable error={res.error} what="Devices" /> : <ErrorBox error={res.error} />}
      {devices === undefined ? (
        res.loading ? (
          <Loading what="devices" />
        ) : null
      ) : (
        <div className="table-wrap">
          <table>
            <caption>
              {devices.length} devices; ring horizon minimum {res.data?.minHorizonHours} h
              {res.data && res.data.belowMinimum.length > 0 ? `, below it: ${res.data.belowMinimum.join(', ')}` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Profile</th>
                <th scope="col">Status</th>
                <th scope="col">Last seen</th>
                <th scope="col">Firmware</th>
                <th scope="col">Events (window)</th>
                <th scope="col">Gaps (open)</th>
                <th scope="col">Forks</th>
                <th scope="col">Seal failures</th>
                <th scope="col">Time</th>
                <th scope="col">Ring horizon</th>
              </tr>
            </thead>
            <tbody>
              {devices.map((d) => (
                <tr key={d.id}>
                  <td>
                    <Link to={`/devices/${encodeURIComponent(d.id)}`}>{d.id}</Link>
                  </td>
                  <td>{d.profile}</td>
                  <td>
                    <Badge kind={d.status}>{d.status}</Badge>
                  </td>
                  <td>
                    <Time value={d.lastSeen} />
                  </td>
                  <td>{firmwareText(d)}</td>
                  <td className="num">{d.events.window}</td>
                  <td className="num">
                    {d.integrity.gaps} ({d.integrity.openGaps})
                  </td>
                  <td className={d.integrity.forks > 0 ? 'num warn' : 'num'}>{d.integrity.forks}</td>
                  <td className={d.integrity.sealFailures > 0 ? 'num warn' : 'num'}>{d.integrity.sealFailures}</td>
                  <td className={d.time.quality === 'synced' ? undefined : 'warn'}>{timeText(d)}</td>
                  <td className={d.ring.belowMinimum ? 'warn' : undefined}>{horizon(d)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function DeviceView({ id }: { id: string }) {
  const res = useApi<Device>(`/api/v1/devices/${encodeURIComponent(id)}`);
  const d = res.data;
  return (
    <>
      <p>
        <Link to="/devices">← Devices</Link>
      </p>
      <h1 tabIndex={-1}>Device {id}</h1>
      {isMissingApi(res.error) ? <NotAvailable error={res.error} what="Device details" /> : <ErrorBox error={res.error} />}
      {d === undefined ? (
        res.loading ? (
          <Loading what="the device" />
        ) : null
      ) : (
        <section className="card" aria-label="Device summary">
          <h2>Summary</h2>
          <dl className="kv">
            <dt>Profile</dt>
            <dd>{d.profile}</dd>
            <dt>Status</dt>
            <dd>
              <Badge kind={d.status}>{d.status}</Badge>
            </dd>
            <dt>Enrolled</dt>
            <dd>
              <Time value={d.enrolledAt} />
            </dd>
            <dt>Last seen</dt>
            <dd>
              <Time value={d.lastSeen} />
            </dd>
            <dt>Firmware</dt>
            <dd>{firmwareText(d)}</dd>
            <dt>Events</dt>
            <dd>
              {d.events.window} in the last {d.events.windowHours} h ({fmtBytes(d.events.windowBytes)}); last{' '}
              <Time value={d.events.lastAt} />
            </dd>
            <dt>Gaps / open gaps</dt>
            <dd>
              {d.integrity.gaps} / {d.integrity.openGaps}
              {d.integrity.droppedGaps > 0 ? ` (${d.integrity.droppedGaps} declared lost by the device: log_dropped)` : ''}
            </dd>
            <dt>Forks</dt>
            <dd>{d.integrity.forks}</dd>
            <dt>Seal failures</dt>
            <dd>
              {d.integrity.sealFailures}; last seal <Time value={d.integrity.lastSealAt} />
            </dd>
            <dt>Time</dt>
            <dd>
              {timeText(d)}
              {typeof d.time.accuracyMs === 'number' ? `, accuracy ${d.time.accuracyMs} ms` : ''}
            </dd>
            <dt>Ring</dt>
            <dd>
              {fmtBytes(d.ring.capacityBytes)} capacity,{' '}
              {typeof d.ring.bytesPerHour === 'number' ? `${fmtBytes(d.ring.bytesPerHour)}/h` : 'rate unknown'}, horizon {horizon(d)}
            </dd>
          </dl>
          <Link to={`/events?device=${encodeURIComponent(d.id)}`}>Events of this device</Link>
        </section>
      )}
    </>
  );
}
