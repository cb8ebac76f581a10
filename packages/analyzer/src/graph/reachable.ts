/** The seeds and everything reachable from them by `next`. */
export function reachable(seeds: Iterable<string>, next: (key: string) => Iterable<string>): Set<string> {
  const seen = new Set(seeds);
  const stack = [...seen];
  while (stack.length) {
    for (const other of next(stack.pop()!)) {
      if (!seen.has(other)) {
        seen.add(other);
        stack.push(other);
      }
    }
  }
  return seen;
}
