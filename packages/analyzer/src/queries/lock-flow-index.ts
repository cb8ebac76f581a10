/** A one-to-many index: a key's values as a set, with no entry once the last one is gone. */
export class SetIndex<K, V> {
  private readonly map = new Map<K, Set<V>>();

  get(key: K): ReadonlySet<V> {
    return this.map.get(key) ?? EMPTY;
  }

  add(key: K, value: V): void {
    const set = this.map.get(key);
    if (set) set.add(value);
    else this.map.set(key, new Set([value]));
  }

  delete(key: K, value: V): void {
    const set = this.map.get(key);
    if (!set?.delete(value)) return;
    if (set.size === 0) this.map.delete(key);
  }
}

const EMPTY: ReadonlySet<never> = new Set();
