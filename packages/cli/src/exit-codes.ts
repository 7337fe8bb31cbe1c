/** Exit codes of every seclog command (DESIGN.md §6). */
export const EXIT = {
  /** Success: the check passed, the data is intact. */
  ok: 0,
  /** A check failed or an integrity violation was found. */
  failed: 1,
  /** Usage error, unreadable input, I/O error. */
  usage: 2,
} as const;
