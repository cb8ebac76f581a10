/**
 * A map over the items of many parts (the functions of each file, by file name), in the order a
 * plain loop over the parts gives, which its users iterate. An editor's next analysis changes the
 * items of one or two files: when the parts are the same, in the same order, and each changed
 * part has the same keys in the same order, the previous map is updated in place (a key set again
 * keeps its place) and the items it replaced are reported. Anything else is built afresh, leaving the
 * previous map as it was.
 *
 * Updating in place is what makes an edit cheap (copying a map of every function of a large
 * program costs more than the rest of the update), and it is why an analysis is superseded by
 * the next analysis of the same project (see `analyzeProgram`).
 */
export interface PartsMap<V> {
  parts: ReadonlyMap<string, readonly V[]>;
  map: Map<string, V>;
}

export function mapByParts<V>(
  parts: ReadonlyMap<string, readonly V[]>,
  keyOf: (item: V) => string,
  previous?: PartsMap<V>,
): { built: PartsMap<V>; replaced?: ReadonlyMap<string, V> } {
  const changed = previous && changedParts(parts, previous.parts, keyOf);
  if (!changed) {
    const map = new Map<string, V>();
    for (const items of parts.values()) for (const item of items) map.set(keyOf(item), item);
    return { built: { parts, map } };
  }
  const replaced = new Map<string, V>();
  for (const items of changed) {
    for (const item of items) {
      const key = keyOf(item);
      replaced.set(key, previous.map.get(key)!);
      previous.map.set(key, item);
    }
  }
  return { built: { parts, map: previous.map }, replaced };
}

/** The item lists that differ from the previous ones; undefined when the parts or their keys moved. */
function changedParts<V>(parts: ReadonlyMap<string, readonly V[]>, previous: ReadonlyMap<string, readonly V[]>, keyOf: (item: V) => string): (readonly V[])[] | undefined {
  if (parts.size !== previous.size) return undefined;
  const changed: (readonly V[])[] = [];
  // side by side, without a pair per part: this runs over every file of the program on each edit
  const oldParts = Array.from(previous.keys());
  const oldLists = Array.from(previous.values());
  let i = 0;
  let moved = false;
  parts.forEach((items, part) => {
    const oldItems = oldLists[i]!;
    if (moved || part !== oldParts[i++]) {
      moved = true;
      return;
    }
    if (items === oldItems) return;
    if (sameKeys(items, oldItems, keyOf)) changed.push(items);
    else moved = true;
  });
  return moved ? undefined : changed;
}

/**
 * Whether two lists have the same keys in the same order. A function of its own: a closure in
 * the loop above that captured `oldItems` would allocate a context for every part on every edit.
 */
function sameKeys<V>(items: readonly V[], oldItems: readonly V[], keyOf: (item: V) => string): boolean {
  if (items.length !== oldItems.length) return false;
  for (let j = 0; j < items.length; j++) if (keyOf(items[j]!) !== keyOf(oldItems[j]!)) return false;
  return true;
}
