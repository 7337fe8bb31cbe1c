import { useCallback, useEffect, useState } from 'react';
import { ApiError, get } from '../api.js';

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, 'NETWORK', (err as Error).message);
}

/** GET `path` (JSON) when it changes; `null` skips the request. */
export function useApi<T>(path: string | null): ApiState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setLoading(true);
    get<T>(path, ctl.signal).then(
      (d) => {
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        setError(asApiError(err));
        setLoading(false);
      },
    );
    return () => ctl.abort();
    // tick re-runs the request on reload()
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

export { asApiError };
