/**
 * A relation from each function to the functions its result is computed from, with its reverse,
 * kept from one program version to the next: an edit re-indexes the functions it changed, not
 * the program.
 */
export class DependencyIndex {
  private readonly forward = new Map<string, readonly string[]>();
  private readonly reverse = new Map<string, Set<string>>();

  set(key: string, dependencies: readonly string[]): void {
    this.delete(key);
    this.forward.set(key, dependencies);
    for (const dependency of dependencies) {
      let dependents = this.reverse.get(dependency);
      if (!dependents) this.reverse.set(dependency, (dependents = new Set()));
      dependents.add(key);
    }
  }

  delete(key: string): void {
    for (const dependency of this.forward.get(key) ?? []) {
      const dependents = this.reverse.get(dependency);
      dependents?.delete(key);
      if (dependents?.size === 0) this.reverse.delete(dependency);
    }
    this.forward.delete(key);
  }

  dependenciesOf(key: string): readonly string[] {
    return this.forward.get(key) ?? [];
  }

  dependentsOf(key: string): ReadonlySet<string> {
    return this.reverse.get(key) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<string> = new Set();


/**
 * The strongly connected components of the graph over `nodes` (edges leaving `nodes` ignored),
 * each listed after every component it depends on, members sorted: the order in which a
 * fixpoint can settle each component once, from settled inputs (Tarjan's algorithm, without
 * recursion: call chains are deeper than the stack). Members are sorted by `compare` (function
 * keys by default).
 */
export function componentsInOrder<T = string>(
  nodes: ReadonlySet<T>,
  dependencies: (key: T) => Iterable<T>,
  compare: (a: T, b: T) => number = compareKeys as unknown as (a: T, b: T) => number,
): T[][] {
  const index = new Map<T, number>();
  const low = new Map<T, number>();
  const onStack = new Set<T>();
  const stack: T[] = [];
  const components: T[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const frames: { key: T; next: Iterator<T> }[] = [];
    const enter = (key: T) => {
      index.set(key, counter);
      low.set(key, counter++);
      stack.push(key);
      onStack.add(key);
      frames.push({ key, next: dependencies(key)[Symbol.iterator]() });
    };
    enter(root);
    while (frames.length) {
      const frame = frames[frames.length - 1]!;
      const step = frame.next.next();
      if (!step.done) {
        const other = step.value;
        if (!nodes.has(other)) continue;
        if (!index.has(other)) enter(other);
        else if (onStack.has(other)) low.set(frame.key, Math.min(low.get(frame.key)!, index.get(other)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.key, Math.min(low.get(parent.key)!, low.get(frame.key)!));
      if (low.get(frame.key) === index.get(frame.key)) {
        const component: T[] = [];
        let member: T;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.key);
        components.push(component.length > 1 ? component.sort(compare) : component);
      }
    }
  }
  return components;
}

/** A total order of function keys that does not depend on the locale. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
