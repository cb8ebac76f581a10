import type ts from 'typescript';

/**
 * The files of a list that are new versions of the previous list's files, as [before, after]
 * pairs, when the two lists name the same files in the same order; undefined when a file was
 * added, removed or moved. An editor's next program differs from the last in the edited file
 * only: a result built over the whole list can then be kept when the changed files contribute
 * to it what they did before, instead of being built again from every file.
 */
export function changedFiles(before: readonly ts.SourceFile[], after: readonly ts.SourceFile[]): [ts.SourceFile, ts.SourceFile][] | undefined {
  if (before.length !== after.length) return undefined;
  const changed: [ts.SourceFile, ts.SourceFile][] = [];
  for (let i = 0; i < after.length; i++) {
    const old = before[i]!;
    const now = after[i]!;
    if (old === now) continue;
    if (old.fileName !== now.fileName) return undefined;
    changed.push([old, now]);
  }
  return changed;
}

/** Two lists with the same items in the same order. */
export function sameItems<T>(a: readonly T[] | null, b: readonly T[] | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((item, i) => item === b[i]);
}
