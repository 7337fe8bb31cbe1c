/**
 * The app shell: the session gate, the navigation (titles from DASHBOARD_PAGES,
 * shared with the collector's deep-link list) and the page for the path.
 */
import { useCallback, useEffect, useState } from 'react';
import { DASHBOARD_PAGES } from '../../src/pages.js';
import { ApiError, post, request, setCsrfToken, setSignedOutHandler } from './api.js';
import { AlertsPage } from './pages/AlertsPage.js';
import { CompliancePage } from './pages/CompliancePage.js';
import { DevicesPage } from './pages/DevicesPage.js';
import { EventsPage } from './pages/EventsPage.js';
import { IntegrityPage } from './pages/IntegrityPage.js';
import { LoginPage } from './pages/LoginPage.js';
import { OverviewPage } from './pages/OverviewPage.js';
import { ReviewsPage } from './pages/ReviewsPage.js';
import { RulesPage } from './pages/RulesPage.js';
import { Link, navigate, useLocation } from './router.js';
import { SessionContext } from './session.js';
import type { Session } from './types.js';
import { ErrorBox, Loading } from './ui/bits.js';

const NAV = DASHBOARD_PAGES.filter((p) => p.path !== '/login');

function pageFor(path: string) {
  const [, first = '', second] = path.split('?')[0]?.split('/') ?? [];
  const id = second === undefined || second === '' ? undefined : decodeURIComponent(second);
  switch (`/${first}`) {
    case '/':
      return <OverviewPage />;
    case '/events':
      return <EventsPage id={id} />;
    case '/alerts':
      return <AlertsPage id={id} />;
    case '/devices':
      return <DevicesPage id={id} />;
    case '/integrity':
      return <IntegrityPage />;
    case '/reviews':
      return <ReviewsPage id={id} />;
    case '/compliance':
      return <CompliancePage />;
    case '/rules':
      return <RulesPage />;
    default:
      return (
        <>
          <h1 tabIndex={-1}>Not found</h1>
          <p>No dashboard page at {path}.</p>
        </>
      );
  }
}

const isCurrent = (page: string, path: string): boolean => {
  const p = path.split('?')[0] ?? path;
  return page === '/' ? p === '/' : p === page || p.startsWith(`${page}/`);
};

export function App() {
  const location = useLocation();
  const [session, setSession] = useState<Session | null>();
  const [error, setError] = useState<ApiError>();

  useEffect(() => {
    request<Session>('/api/v1/auth/session', { quiet401: true }).then(
      (s) => {
        setCsrfToken(s.csrfToken);
        setSession(s);
      },
      (err: unknown) => {
        if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof ApiError ? err : undefined);
        setSession(null);
      },
    );
  }, []);

  const signedOut = useCallback(() => {
    setCsrfToken(undefined);
    setSession(null);
  }, []);
  useEffect(() => {
    setSignedOutHandler(signedOut);
    return () => setSignedOutHandler(undefined);
  }, [signedOut]);

  const signOut = useCallback(() => {
    const done = () => {
      signedOut();
      navigate('/login');
    };
    post('/api/v1/auth/logout').then(done, done);
  }, [signedOut]);

  // Keep the page title in step with the page, for screen readers and browser history.
  useEffect(() => {
    const page = NAV.find((p) => isCurrent(p.path, location));
    document.title = `${session ? (page?.title ?? 'seclog') : 'Sign in'} · seclog`;
  }, [location, session]);

  if (session === undefined) return <Loading what="session" />;
  if (session === null) {
    return (
      <>
        <ErrorBox error={error} />
        <LoginPage
          onSignedIn={(s) => {
            setCsrfToken(s.csrfToken);
            setSession(s);
            if (location.startsWith('/login')) navigate('/', true);
          }}
        />
      </>
    );
  }
  const path = location.startsWith('/login') ? '/' : location;
  return (
    <SessionContext.Provider value={{ session, signOut }}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">seclog</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((p) => (
              <li key={p.path}>
                <Link to={p.path} aria-current={isCurrent(p.path, path) ? 'page' : undefined}>
                  {p.title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {session.user} <span className="muted">({session.role})</span>
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">{pageFor(path)}</main>
    </SessionContext.Provider>
  );
}
