import type ts from 'typescript';
import type { Analysis, Carried } from './analysis.js';
import type { FunctionIndex } from './graph/functions.js';
import { enclosingFunction } from './graph/functions.js';
import type { Carrier } from './incremental/carried.js';
import type { NodeMemo } from './incremental/node-memo.js';
import { locationOf, relativePosix } from './report/location.js';
import type { AnalysisStats, FunctionInfo, LockInfo, SourceLocation } from './types.js';

/** What one analysis computed, for `ProgramAnalysis` to answer from. */
export type AnalysisParts = Pick<Analysis, 'program' | 'checker' | 'options' | 'facts' | 'summaries' | 'wrappers' | 'callers' | 'diagnostics' | 'sourceFiles'> & {
  index: FunctionIndex;
  subsystemOf: (fileName: string) => string;
  memo: NodeMemo;
  carrier: Carrier;
  /** The lock inventory and the stats read every function's facts: built when a face asks. */
  inventory: () => Analysis['locks'];
  stats: () => Analysis['stats'];
};

/**
 * The analysis of one program version, as the faces and queries read it.
 *
 * One class for every version, with its methods on the prototype: the rules' and the queries'
 * code is optimised while the full lint asks the first analysis, and keeps working for the
 * analyses of the editor's later versions. An object literal of closures made per analysis gave
 * each version new functions, and at the first edit V8 threw away the code that had inlined the
 * old ones ("wrong call target"; docs/benchmarks.md, ninth session).
 */
export class ProgramAnalysis implements Analysis {
  readonly program: Analysis['program'];
  readonly checker: Analysis['checker'];
  readonly options: Analysis['options'];
  readonly functions: Analysis['functions'];
  readonly facts: Analysis['facts'];
  readonly summaries: Analysis['summaries'];
  readonly wrappers: Analysis['wrappers'];
  readonly callers: Analysis['callers'];
  readonly diagnostics: Analysis['diagnostics'];
  readonly sourceFiles: Analysis['sourceFiles'];
  private readonly parts: AnalysisParts;
  private inventory: ReadonlyMap<string, LockInfo> | undefined;
  private computedStats: AnalysisStats | undefined;

  constructor(parts: AnalysisParts) {
    this.program = parts.program;
    this.checker = parts.checker;
    this.options = parts.options;
    this.functions = parts.index.byKey;
    this.facts = parts.facts;
    this.summaries = parts.summaries;
    this.wrappers = parts.wrappers;
    this.callers = parts.callers;
    this.diagnostics = parts.diagnostics;
    this.sourceFiles = parts.sourceFiles;
    this.parts = parts;
    this.inventory = undefined;
    this.computedStats = undefined;
  }

  get locks(): ReadonlyMap<string, LockInfo> {
    return (this.inventory ??= this.parts.inventory());
  }

  get stats(): AnalysisStats {
    return (this.computedStats ??= this.parts.stats());
  }

  functionOf(node: ts.Node): FunctionInfo | undefined {
    return this.parts.index.byNode.get(node);
  }

  functionAt(node: ts.Node): FunctionInfo | undefined {
    const fn = enclosingFunction(node);
    return this.parts.index.byNode.get(fn ?? node.getSourceFile());
  }

  location(node: ts.Node): SourceLocation {
    return locationOf(node);
  }

  relativePath(fileName: string): string {
    return relativePosix(this.options.rootDir, fileName);
  }

  subsystemOf(fileName: string): string {
    return this.parts.subsystemOf(fileName);
  }

  memo<T>(table: string, node: ts.Node, compute: () => T): T {
    return this.parts.memo.get(table, node, compute);
  }

  carry<T>(query: string, compute: (previous: Carried<T> | undefined) => T): T {
    return this.parts.carrier.get(query, compute);
  }
}
