import type ts from 'typescript';

/**
 * Whether a list names the files of the previous one in the same order, and every file that is
 * a new version contributes what its previous version did (`alike`). An editor's next program
 * differs from the last in the edited file only: a result built over the whole list can then be
 * kept, instead of being built again from every file.
 */
export function changedOnlyAlike(
  before: readonly ts.SourceFile[],
  after: readonly ts.SourceFile[],
  alike: (before: ts.SourceFile, after: ts.SourceFile) => boolean,
): boolean {
  if (before.length !== after.length) return false;
  for (let i = 0; i < after.length; i++) {
    const old = before[i]!;
    const now = after[i]!;
    if (old === now) continue;
    if (old.fileName !== now.fileName || !alike(old, now)) return false;
  }
  return true;
}

/** Two lists with the same items in the same order. */
export function sameItems<T>(a: readonly T[] | null, b: readonly T[] | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((item, i) => item === b[i]);
}
