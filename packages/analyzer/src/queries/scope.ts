import type ts from 'typescript';
import type { Analysis } from '../analysis.js';
import type { FunctionFacts } from '../types.js';
import { compareFiles, factsOfFile } from './file-index.js';

/**
 * The files whose findings a face wants: the editor lints one file at a time, the CLI the whole
 * program (no scope). A query or rule may skip the work whose results would all fall outside the
 * scope; what it computes inside must be what the whole-program run computes there.
 */
export type FileScope = ReadonlySet<ts.SourceFile>;

export function inScope(scope: FileScope | undefined, node: ts.Node): boolean {
  return !scope || scope.has(node.getSourceFile());
}

/** The facts of the functions declared in the scope's files (every function without a scope). */
export function factsInScope(analysis: Analysis, scope: FileScope | undefined): Iterable<FunctionFacts> {
  if (!scope) return analysis.facts.values();
  const files = [...scope];
  if (files.length === 1) return factsOfFile(analysis, files[0]!);
  return files.sort((a, b) => compareFiles(analysis, a, b)).flatMap((file) => factsOfFile(analysis, file));
}

/** A cache key for results computed under a scope. */
export function scopeKey(scope: FileScope | undefined): string {
  return scope ? [...scope].map((sf) => sf.fileName).sort().join('\n') : '';
}
