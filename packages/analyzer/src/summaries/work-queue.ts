/**
 * A first-in first-out worklist without duplicates: the order of a `Set` used as a queue,
 * without its cost. Taking the first element of a `Set` and deleting it leaves a hole that
 * every later `values().next()` walks over, which makes a fixpoint over thousands of functions
 * quadratic.
 */
export class WorkQueue<T> {
  private readonly items: T[];
  private head = 0;
  private readonly queued: Set<T>;

  constructor(initial: Iterable<T> = []) {
    this.items = [...initial];
    this.queued = new Set(this.items);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  add(item: T): void {
    if (this.queued.has(item)) return;
    this.queued.add(item);
    this.items.push(item);
  }

  /** The oldest item; only call while `size > 0`. */
  take(): T {
    const item = this.items[this.head++]!;
    this.queued.delete(item);
    // drop the consumed prefix now and then so a long run does not keep it alive
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }
}
