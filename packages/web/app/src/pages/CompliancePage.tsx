/** Compliance: the guide's six-item checklist with its evidence, and the generated documentation to download. */
import { useState } from 'react';
import type { ComplianceReport } from '../types.js';
import { Badge, ErrorBox, Loading, Time } from '../ui/bits.js';
import { useApi } from '../ui/use-api.js';

const FORMATS = [
  { value: 'md', label: 'Markdown' },
  { value: 'html', label: 'HTML' },
  { value: 'pdf', label: 'PDF' },
] as const;

export function CompliancePage() {
  const [days, setDays] = useState(7);
  const [format, setFormat] = useState<string>('md');
  const report = useApi<ComplianceReport>(`/api/v1/compliance/check?days=${days}`);
  const r = report.data;
  return (
    <>
      <h1 tabIndex={-1}>Compliance</h1>
      <section className="card" aria-label="Checklist">
        <div className="actions">
          <label htmlFor="c-days">Window (days)</label>
          <select id="c-days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[1, 7, 30, 90].map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
          <button type="button" onClick={report.reload}>
            Check again
          </button>
        </div>
        <ErrorBox error={report.error} />
        {r === undefined ? (
          report.loading ? (
            <Loading what="the check" />
          ) : null
        ) : (
          <>
            <p>
              {r.pass ? <Badge kind="pass">all items pass</Badge> : <Badge kind="fail">some items fail</Badge>} checked{' '}
              <Time value={r.at} /> over <Time value={r.window.from} /> – <Time value={r.window.to} />.
            </p>
            <ol className="checklist">
              {r.items.map((item) => (
                <li key={item.id}>
                  <h2>
                    {item.pass ? <Badge kind="pass">pass</Badge> : <Badge kind="fail">fail</Badge>} {item.title}
                  </h2>
                  {item.why ? <p>{item.why}</p> : null}
                  {item.evidence.length > 0 ? (
                    <ul aria-label={`Evidence for ${item.title}`}>
                      {item.evidence.map((e) => (
                        <li key={e}>{e}</li>
                      ))}
                    </ul>
                  ) : null}
                </li>
              ))}
            </ol>
          </>
        )}
      </section>
      <section className="card" aria-labelledby="docs-h">
        <h2 id="docs-h">Technical file: logging section</h2>
        <p>Generated from the running configuration by the collector (GET /api/v1/compliance/docs).</p>
        <div className="actions">
          <label htmlFor="c-format">Format</label>
          <select id="c-format" value={format} onChange={(e) => setFormat(e.target.value)}>
            {FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
          <a className="button" href={`/api/v1/compliance/docs?format=${format}`} download>
            Download
          </a>
        </div>
      </section>
    </>
  );
}
