/**
 * A one-to-many index carried from one program version to the next: the next version forks it
 * (a shallow copy) and changes only the entries an edit reaches. A set shared with the version
 * it was forked from is copied before it is changed, so the older version still reads its own.
 */
export class SetIndex<K, V> {
  private readonly owned = new WeakSet<Set<V>>();

  private constructor(private readonly map: Map<K, Set<V>>) {}

  static empty<K, V>(): SetIndex<K, V> {
    return new SetIndex(new Map());
  }

  fork(): SetIndex<K, V> {
    return new SetIndex(new Map(this.map));
  }

  get(key: K): ReadonlySet<V> {
    return this.map.get(key) ?? EMPTY;
  }

  add(key: K, value: V): void {
    this.own(key).add(value);
  }

  delete(key: K, value: V): void {
    if (!this.map.get(key)?.has(value)) return;
    const set = this.own(key);
    set.delete(value);
    if (set.size === 0) this.map.delete(key);
  }

  private own(key: K): Set<V> {
    let set = this.map.get(key);
    if (!set || !this.owned.has(set)) {
      set = new Set(set);
      this.owned.add(set);
      this.map.set(key, set);
    }
    return set;
  }
}

const EMPTY: ReadonlySet<never> = new Set();
