import type ts from 'typescript';
import type { AnalyzerOptions } from './options.js';
import type {
  AnalysisDiagnostic,
  AnalysisStats,
  CallSite,
  FunctionFacts,
  FunctionInfo,
  FunctionSummary,
  LockInfo,
  SourceLocation,
  WrapperSummary,
} from './types.js';

/**
 * What changed between two consecutive analyses of one project (an editor's program versions):
 * the sets a query needs to know which of its previous per-function results still hold.
 */
export interface AnalysisDelta {
  /** Functions whose facts differ: walked again, added or removed (and callers of a changed lock wrapper). */
  readonly changed: ReadonlySet<string>;
  /** `changed` and their callers, transitively, over the old and the new call edges. */
  readonly up: ReadonlySet<string>;
  /** `changed` and their callees, transitively, over the old and the new call edges. */
  readonly down: ReadonlySet<string>;
  /**
   * The facts the changed functions had in the previous analysis (none for added ones). The
   * previous analysis' maps are updated in place: this is the only way back to its facts.
   */
  readonly former: ReadonlyMap<string, FunctionFacts>;
  /** Whether the functions are the same and in the same order as before (no function added, removed or moved). */
  readonly sameOrder: boolean;
}

/** The result a query computed for the previous analysis of the same project, and what changed since. */
export interface Carried<T> {
  value: T;
  delta: AnalysisDelta;
}

/**
 * The whole-program result every rule and every face reads. Computed once per program (see
 * `analyzeProgram`) and valid until the next program of the same project is analysed, which
 * updates its maps in place where an edit changed them.
 */
export interface Analysis {
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  readonly options: Required<Pick<AnalyzerOptions, 'rootDir'>> & AnalyzerOptions;
  readonly functions: ReadonlyMap<string, FunctionInfo>;
  readonly facts: ReadonlyMap<string, FunctionFacts>;
  readonly summaries: ReadonlyMap<string, FunctionSummary>;
  readonly locks: ReadonlyMap<string, LockInfo>;
  /** Acquire, release and lock wrappers: user functions whose callers inherit what they do to locks. */
  readonly wrappers: ReadonlyMap<string, WrapperSummary>;
  /** Call sites whose targets include the key (reverse call graph). */
  readonly callers: ReadonlyMap<string, CallSite[]>;
  readonly diagnostics: readonly AnalysisDiagnostic[];
  readonly stats: AnalysisStats;

  /** The innermost analysed function that contains the node. */
  functionAt(node: ts.Node): FunctionInfo | undefined;
  /** The function a function-like node is, if it was analysed. */
  functionOf(node: ts.Node): FunctionInfo | undefined;
  location(node: ts.Node): SourceLocation;
  /** POSIX path relative to rootDir. */
  relativePath(fileName: string): string;
  subsystemOf(fileName: string): string;
  /** Files that belong to the analysed project (not declaration files, not node_modules). */
  readonly sourceFiles: readonly ts.SourceFile[];
  /**
   * A checker-derived answer about a node of the program, computed once and kept across program
   * versions while the node's file is unchanged (see incremental/node-memo.ts). `compute` must
   * depend only on the node's file and the files it imports.
   */
  memo<T>(table: string, node: ts.Node, compute: () => T): T;
  /**
   * A whole-program query computed once per analysis and carried to the next program version of
   * the same project: `compute` receives what it returned for the previous analysis, with the
   * delta since, or nothing (a cold run, or the previous analysis did not run this query). It
   * recomputes what the delta can reach and keeps the rest. The value outlives the program: it
   * must not hold the analysis, the program or the checker.
   */
  carry<T>(query: string, compute: (previous: Carried<T> | undefined) => T): T;
}
