/** The filter parameters of the events API, and a filter as the client gave it (validated). */
export const FILTER_PARAMS = ['from', 'to', 'device', 'name', 'outcome', 'severity', 'ip', 'user', 'q'] as const;

export type FilterParam = (typeof FILTER_PARAMS)[number];

/** Kept as given: the cursor's fingerprint and the log_access record use it. */
export type FilterView = Partial<Record<FilterParam, string>>;
