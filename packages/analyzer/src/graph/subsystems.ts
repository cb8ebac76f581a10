import path from 'node:path';
import { minimatch } from 'minimatch';
import type { SubsystemOptions } from '../options.js';
import { relativePosix, toPosix } from '../report/location.js';

export const ROOT_SUBSYSTEM = '(root)';

/**
 * Who owns a file: a configured glob first, then the workspace package that contains it,
 * then the first folder under the common source root. Files directly in the root belong to `(root)`.
 */
export function createSubsystemResolver(
  rootDir: string,
  fileNames: readonly string[],
  options: SubsystemOptions = {},
): (fileName: string) => string {
  const globs = Object.entries(options.globs ?? {});
  const packages = [...(options.packages ?? [])]
    .map((p) => ({ name: p.name, dir: toPosix(path.resolve(rootDir, p.dir)) }))
    .sort((a, b) => b.dir.length - a.dir.length);
  const sourceRoot = toPosix(options.sourceRoot ? path.resolve(rootDir, options.sourceRoot) : commonDirectory(fileNames));
  const cache = new Map<string, string>();
  const resolve = (fileName: string): string => {
    const file = toPosix(fileName);
    const rel = relativePosix(rootDir, file);
    let subsystem = globs.find(([, patterns]) => patterns.some((glob) => minimatch(rel, glob, { dot: true })))?.[0];
    subsystem ??= packages.find((p) => file.startsWith(`${p.dir}/`))?.name;
    if (subsystem === undefined) {
      const under = path.posix.relative(sourceRoot, file);
      const parts = under.split('/');
      subsystem = under.startsWith('..') || parts.length < 2 ? ROOT_SUBSYSTEM : parts[0]!;
    }
    cache.set(fileName, subsystem);
    return subsystem;
  };
  // Every file asks on every edit. The lookup is a function of its own: one whose locals an inner
  // closure captures allocates their context on every call, the cached ones included.
  return (fileName) => cache.get(fileName) ?? resolve(fileName);
}

export function commonDirectory(fileNames: readonly string[]): string {
  if (fileNames.length === 0) return '/';
  const split = fileNames.map((f) => path.posix.dirname(toPosix(f)).split('/'));
  const first = split[0]!;
  let length = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < length && parts[i] === first[i]) i++;
    length = i;
  }
  // One folder of files is one subsystem's worth of code: its parent is the root of the subsystems.
  const common = first.slice(0, length).join('/') || '/';
  return split.every((parts) => parts.length === length) && length > 1 ? path.posix.dirname(common) : common;
}
