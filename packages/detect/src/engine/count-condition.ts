/** Correlation count conditions (`gt`, `gte`, `lt`, `lte`, `eq`; several bounds are ANDed). */
import type { CountCondition } from '../rule/types.js';

export function satisfies(c: CountCondition, n: number): boolean {
  return (
    (c.gt === undefined || n > c.gt) &&
    (c.gte === undefined || n >= c.gte) &&
    (c.lt === undefined || n < c.lt) &&
    (c.lte === undefined || n <= c.lte) &&
    (c.eq === undefined || n === c.eq)
  );
}

/**
 * A condition with only lower bounds can be decided the moment a window
 * reaches it (sliding evaluation). One with an upper bound (lt, lte, eq) can
 * only be decided when a window is complete (anchored evaluation).
 */
export function isLowerBoundOnly(c: CountCondition): boolean {
  return c.lt === undefined && c.lte === undefined && c.eq === undefined;
}
