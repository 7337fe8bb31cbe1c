/** Rules: the loaded rules, enable or disable one (admin), run a rule's tests. */
import { useState } from 'react';
import { type ApiError, post, put } from '../api.js';
import { useSession } from '../session.js';
import type { Rule } from '../types.js';
import { Badge, ErrorBox, isMissingApi, Loading } from '../ui/bits.js';
import { asApiError, useApi } from '../ui/use-api.js';

interface TestCase {
  name: string;
  pass: boolean;
  message?: string;
}
interface TestAnswer {
  rule: string;
  pass: boolean;
  files: { source: string; error?: string; cases: TestCase[] }[];
}

export function RulesPage() {
  const { session } = useSession();
  const list = useApi<{ rules: Rule[]; problems: { source: string; code: string; message: string }[] }>('/api/v1/rules');
  const [error, setError] = useState<ApiError>();
  const [tests, setTests] = useState<Record<string, TestAnswer | ApiError>>({});
  const [busy, setBusy] = useState<string>();
  const toggle = (r: Rule) => {
    setBusy(r.id);
    put<{ rule: Rule }>(`/api/v1/rules/${encodeURIComponent(r.id)}`, { enabled: !r.enabled }).then(
      () => {
        setBusy(undefined);
        setError(undefined);
        list.reload();
      },
      (err: unknown) => {
        setBusy(undefined);
        setError(asApiError(err));
      },
    );
  };
  const runTests = (r: Rule) => {
    setBusy(r.id);
    post<TestAnswer>(`/api/v1/rules/${encodeURIComponent(r.id)}/test`).then(
      (t) => {
        setBusy(undefined);
        setTests((old) => ({ ...old, [r.id]: t }));
      },
      (err: unknown) => {
        setBusy(undefined);
        setTests((old) => ({ ...old, [r.id]: asApiError(err) }));
      },
    );
  };
  const isAdmin = session.role === 'admin';
  return (
    <>
      <h1 tabIndex={-1}>Rules</h1>
      {isMissingApi(list.error) ? <p>Detection is not enabled on this collector.</p> : <ErrorBox error={list.error} />}
      <ErrorBox error={error} />
      {!isAdmin ? <p className="muted">Enabling and disabling rules is for the admin role; you are {session.role}.</p> : null}
      {list.data === undefined ? (
        list.loading ? (
          <Loading what="rules" />
        ) : null
      ) : (
        <>
          {list.data.problems.length > 0 ? (
            <section className="card" aria-label="Rule files that did not load">
              <h2>Rule files that did not load</h2>
              <ul>
                {list.data.problems.map((p) => (
                  <li key={`${p.source}-${p.code}`}>
                    {p.source}: <code>{p.code}</code> {p.message}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <div className="table-wrap">
            <table>
              <caption>{list.data.rules.length} rules</caption>
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Level</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Source</th>
                  <th scope="col">State</th>
                  <th scope="col">Actions</th>
                  <th scope="col">Tests</th>
                </tr>
              </thead>
              <tbody>
                {list.data.rules.map((r) => {
                  const t = tests[r.id];
                  return (
                    <tr key={r.id}>
                      <th scope="row">
                        {r.title}
                        <br />
                        <span className="muted">
                          {r.id} v{r.version}
                        </span>
                      </th>
                      <td>{r.level ? <Badge kind={r.level}>{r.level}</Badge> : '—'}</td>
                      <td>{r.kind}</td>
                      <td>{r.source}</td>
                      <td>
                        <Badge kind={r.enabled ? 'pass' : 'closed'}>{r.enabled ? 'enabled' : 'disabled'}</Badge>
                      </td>
                      <td>
                        {isAdmin ? (
                          <button
                            type="button"
                            disabled={busy === r.id}
                            onClick={() => toggle(r)}
                            aria-label={`${r.enabled ? 'Disable' : 'Enable'} ${r.title}`}
                          >
                            {r.enabled ? 'Disable' : 'Enable'}
                          </button>
                        ) : null}{' '}
                        <button type="button" disabled={busy === r.id} onClick={() => runTests(r)} aria-label={`Run tests of ${r.title}`}>
                          Run tests
                        </button>
                      </td>
                      <td aria-live="polite">
                        {t === undefined ? null : 'code' in t ? (
                          <span className="proof-fail">
                            <code>{t.code}</code> {t.message}
                          </span>
                        ) : (
                          <TestResult t={t} />
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}

function TestResult({ t }: { t: TestAnswer }) {
  const cases = t.files.flatMap((f) => f.cases);
  const failed = cases.filter((c) => !c.pass);
  const fileErrors = t.files.filter((f) => f.error !== undefined);
  return (
    <span className={t.pass ? 'proof-ok' : 'proof-fail'}>
      {t.pass ? `${cases.length} tests passed` : `${failed.length + fileErrors.length} of ${cases.length + fileErrors.length} failed`}
      {failed.map((c) => (
        <span key={c.name} className="block">
          {c.name}: {c.message ?? 'failed'}
        </span>
      ))}
      {fileErrors.map((f) => (
        <span key={f.source} className="block">
          {f.source}: {f.error}
        </span>
      ))}
    </span>
  );
}
