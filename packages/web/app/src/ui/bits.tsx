/** Small shared pieces: errors as the API wrote them, status badges, times, "not available". */
import type { ReactNode } from 'react';
import type { ApiError } from '../api.js';

/** An API error exactly as the collector sent it: code and message. */
export function ErrorBox({ error, what }: { error: ApiError | undefined; what?: string }) {
  if (error === undefined) return null;
  return (
    <div className="error" role="alert">
      {what === undefined ? null : <strong>{what}: </strong>}
      <code>{error.code}</code> {error.message}
    </div>
  );
}

/** Shown when an API this page reads does not exist on this collector (yet): say so, never invent data. */
export function NotAvailable({ error, what }: { error: ApiError; what: string }) {
  return (
    <section className="card muted" aria-label={`${what} not available`}>
      <h2>{what}</h2>
      <p>
        Not available on this collector ({error.status === 404 ? 'the API does not exist here' : <code>{error.code}</code>}
        {error.status === 404 ? null : ` ${error.message}`}).
      </p>
    </section>
  );
}

/** API missing (404 with no such route) vs. a real error. */
export const isMissingApi = (e: ApiError | undefined): e is ApiError => e !== undefined && e.status === 404 && e.code === 'HTTP_NOT_FOUND';

export function Badge({ kind, children }: { kind: string; children: ReactNode }) {
  return <span className={`badge badge-${kind.replace(/[^a-z_]/gi, '')}`}>{children}</span>;
}

/** A time in the reader's locale, with the exact UTC value in the title and the machine-readable attribute. */
export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span>—</span>;
  const d = new Date(value);
  return (
    <time dateTime={value} title={value}>
      {Number.isNaN(d.getTime()) ? value : d.toLocaleString()}
    </time>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function fmtBytes(n: number | undefined | null): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
