/**
 * Per-rule group state with a hard cap. Each use moves a group to the back,
 * so the group evicted at the cap is the one unused for longest: an attack
 * that keeps hitting its group keeps it, while a flood of one-off groups
 * (spoofed addresses) evicts only its own kind. Evictions are counted.
 */
export class GroupMap<V> {
  private readonly map = new Map<string, V>();

  constructor(
    private readonly cap: number,
    private readonly onEvict: () => void,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  /** The group for `key`, marked most recently used; created (evicting at the cap) when missing. */
  use(key: string, create: () => V): V {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
      return v;
    }
    if (this.map.size >= this.cap) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
      this.onEvict();
    }
    const created = create();
    this.map.set(key, created);
    return created;
  }

  /** Put back an imported group (no eviction accounting: the exporter held it within the cap). */
  restore(key: string, value: V): void {
    this.map.set(key, value);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }
}
