import path from 'node:path';
import ts from 'typescript';
import type { SourceLocation } from '../types.js';

export function toPosix(fileName: string): string {
  return fileName.split(path.sep).join('/');
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

export function relativePosix(rootDir: string, fileName: string): string {
  const rel = path.relative(rootDir, fileName);
  return toPosix(rel === '' ? path.basename(fileName) : rel);
}
