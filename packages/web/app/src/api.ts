/**
 * The dashboard's requests: same origin, the session cookie, the CSRF token on
 * every state-changing request (docs/access-control.md). An error answer is
 * shown to the user as the API wrote it: `{"error":{"code","message"}}`.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;

/** Set after sign-in and on every session read; cleared on sign-out. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when any request answers 401: the session ended. */
let onSignedOut: (() => void) | undefined;
export function setSignedOutHandler(fn: (() => void) | undefined): void {
  onSignedOut = fn;
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    if (body.error && typeof body.error.code === 'string' && typeof body.error.message === 'string') {
      return new ApiError(res.status, body.error.code, body.error.message, (body.error.details ?? {}) as Record<string, unknown>);
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError(res.status, `HTTP_${res.status}`, text.slice(0, 200) || res.statusText);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Answer the body as text (checkpoints, keys). */
  text?: boolean;
  signal?: AbortSignal;
  /** Do not treat a 401 as the end of the session (the session probe itself). */
  quiet401?: boolean;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: options.text ? 'text/plain' : 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !options.quiet401) onSignedOut?.();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return (options.text ? await res.text() : await res.json()) as T;
}

export const get = <T>(path: string, signal?: AbortSignal): Promise<T> => request<T>(path, signal ? { signal } : {});
export const getText = (path: string): Promise<string> => request<string>(path, { text: true });
export const post = <T>(path: string, body?: unknown): Promise<T> => request<T>(path, { method: 'POST', body: body ?? {} });
export const put = <T>(path: string, body: unknown): Promise<T> => request<T>(path, { method: 'PUT', body });

/** `?a=1&b=2` of the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}
