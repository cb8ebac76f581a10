/**
 * A map over the items of many parts (the functions of each file, by file name), built as a plain
 * loop over the parts would build it. An editor's next analysis changes the items of one or two
 * files: then the previous map is copied and those items replaced.
 *
 * `ordered` maps are iterated by their users, and must keep the order a build from scratch
 * gives: they are patched only when the parts are the same, in the same order, and each changed
 * part has the same keys in the same order (a key set again keeps its place). Unordered maps
 * (looked up only) are patched whenever the parts are the same.
 */
export interface PartsMap<K, V> {
  parts: ReadonlyMap<string, readonly V[]>;
  map: ReadonlyMap<K, V>;
}

export function mapByParts<K, V>(
  parts: ReadonlyMap<string, readonly V[]>,
  keyOf: (item: V) => K,
  ordered: boolean,
  previous?: PartsMap<K, V>,
): PartsMap<K, V> {
  const changed = previous && changedParts(parts, previous.parts, ordered ? keyOf : undefined);
  if (!changed) {
    const map = new Map<K, V>();
    for (const items of parts.values()) for (const item of items) map.set(keyOf(item), item);
    return { parts, map };
  }
  if (changed.length === 0) return { parts, map: previous.map };
  const map = new Map(previous.map);
  for (const [before] of changed) for (const item of before) map.delete(keyOf(item));
  for (const [, after] of changed) for (const item of after) map.set(keyOf(item), item);
  return { parts, map };
}

/** Each part whose items differ, before and after; undefined when the parts, or the keys of an ordered map, moved. */
function changedParts<K, V>(
  parts: ReadonlyMap<string, readonly V[]>,
  previous: ReadonlyMap<string, readonly V[]>,
  keyOf: ((item: V) => K) | undefined,
): [readonly V[], readonly V[]][] | undefined {
  if (parts.size !== previous.size) return undefined;
  const changed: [readonly V[], readonly V[]][] = [];
  const before = previous.entries();
  for (const [part, items] of parts) {
    const [oldPart, oldItems] = before.next().value as [string, readonly V[]];
    if (part !== oldPart) return undefined;
    if (items === oldItems) continue;
    if (keyOf && (items.length !== oldItems.length || items.some((item, i) => keyOf(item) !== keyOf(oldItems[i]!)))) return undefined;
    // an ordered map sets the same keys again, in place: nothing to delete first
    changed.push([keyOf ? [] : oldItems, items]);
  }
  return changed;
}
