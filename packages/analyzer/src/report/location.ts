import path from 'node:path';
import ts from 'typescript';
import type { SourceLocation } from '../types.js';

export function toPosix(fileName: string): string {
  // splitting on '/' and joining with '/' gives the string back: skip the two allocations
  return path.sep === '/' ? fileName : fileName.split(path.sep).join('/');
}

/** 1-based line/column span of a node, without its leading trivia. */
export function locationOf(node: ts.Node, sourceFile: ts.SourceFile = node.getSourceFile()): SourceLocation {
  const start = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  const end = sourceFile.getLineAndCharacterOfPosition(node.getEnd());
  return {
    file: toPosix(sourceFile.fileName),
    line: start.line + 1,
    column: start.character + 1,
    endLine: end.line + 1,
    endColumn: end.character + 1,
  };
}

/**
 * Memo of `relativePosix` for absolute paths, per root: the walk names a place by its file for
 * every module binding and captured local it meets, and `path.relative` normalises both paths
 * each time. Relative paths depend on the working directory, which may change, and so does a
 * drive-less absolute path on Windows: only absolute POSIX paths are memoised.
 */
const relativeMemo = new Map<string, Map<string, string>>();

export function relativePosix(rootDir: string, fileName: string): string {
  if (path.sep !== '/' || !path.isAbsolute(rootDir) || !path.isAbsolute(fileName)) return computeRelativePosix(rootDir, fileName);
  let perRoot = relativeMemo.get(rootDir);
  if (!perRoot) {
    perRoot = new Map();
    relativeMemo.set(rootDir, perRoot);
  }
  let rel = perRoot.get(fileName);
  if (rel === undefined) {
    rel = computeRelativePosix(rootDir, fileName);
    perRoot.set(fileName, rel);
  }
  return rel;
}

function computeRelativePosix(rootDir: string, fileName: string): string {
  const rel = path.relative(rootDir, fileName);
  return toPosix(rel === '' ? path.basename(fileName) : rel);
}
