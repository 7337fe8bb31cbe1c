import { type FormEvent, useState } from 'react';
import { type ApiError, post } from '../api.js';
import type { Session } from '../types.js';
import { ErrorBox } from '../ui/bits.js';
import { asApiError } from '../ui/use-api.js';

export function LoginPage({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    post<Session>('/api/v1/auth/login', { user, password }).then(
      (s) => {
        setBusy(false);
        onSignedIn(s);
      },
      (err: unknown) => {
        setBusy(false);
        setPassword('');
        setError(asApiError(err));
      },
    );
  };
  return (
    <main className="login">
      <h1 tabIndex={-1}>Sign in</h1>
      <p className="muted">seclog collector dashboard</p>
      <form onSubmit={submit} className="card">
        <label htmlFor="login-user">User name</label>
        <input id="login-user" name="user" autoComplete="username" required value={user} onChange={(e) => setUser(e.target.value)} />
        <label htmlFor="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
