/** Above this many new keys, sorting the whole list again is cheaper than placing each (a build from nothing). */
const PLACE_AT_MOST = 16;

/**
 * A sorted list of keys with some taken out and some put in, as a new array: the list it
 * replaces may have been handed out. Keys put in come after keys they compare equal to, as a
 * stable sort of the old keys followed by the new ones gives.
 */
export function reorder(order: readonly string[], gone: ReadonlySet<string>, appeared: readonly string[], compare: (a: string, b: string) => number): string[] {
  const kept = gone.size > 0 ? order.filter((key) => !gone.has(key)) : [...order];
  if (appeared.length > PLACE_AT_MOST) return [...kept, ...appeared].sort(compare);
  for (const key of appeared) kept.splice(upperBound(kept, key, compare), 0, key);
  return kept;
}

/** The first place in a sorted list whose key comes after `key`. */
function upperBound(list: readonly string[], key: string, compare: (a: string, b: string) => number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(list[middle]!, key) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
