import ts from 'typescript';
import type { SummaryGraph } from '../summaries/fixpoint.js';
import type { WrapperState } from '../summaries/wrapper-fixpoint.js';
import type { FunctionFacts, FunctionInfo, WrapperSummary } from '../types.js';
import { wrapperEntrySignature } from '../summaries/wrappers.js';
import type { PartsMap } from './parts-map.js';

/**
 * What one walk of one file produced, and what it depended on. An editor re-lints one file at
 * a time, and TypeScript's language service hands each lint a new program that reuses the
 * `SourceFile` objects of unchanged files: an entry keyed by `SourceFile` is still valid in
 * the new program when the files it resolved into are the same objects and the wrapper
 * summaries it consulted say the same. The summaries are then recomputed only where changed
 * facts reach (see `computeSummaries`).
 */
export interface FileEntry {
  sourceFile: ts.SourceFile;
  subsystem: string;
  rootDir: string;
  infos: FunctionInfo[];
  facts: FunctionFacts[];
  /** Program files whose declarations the walk resolved (callees, lock types, imports). */
  deps: Set<ts.SourceFile>;
  /** Wrapper summaries looked up during the walk: function key → signature ('' when absent). */
  consumed: Map<string, string>;
  /** The latest analysis whose final wrapper summaries say what the walk consulted. */
  agreesWith?: number;
}

/** Files walked and reused, for tests and `--debug` output: an edit must not re-walk the world. */
export const analysisCounters = { filesWalked: 0, filesReused: 0, analyses: 0, summariesComputed: 0 };

export interface CacheSlot {
  entries: WeakMap<ts.SourceFile, FileEntry>;
  /** The wrapper summaries of the latest analysis, updated in place by the next one. */
  wrappers?: WrapperState;
  /** The latest summary computation: the next one recomputes only what changed facts reach. */
  summaries?: SummaryGraph;
  /** Analyses of this slot so far: the latest is the only one later results may be carried from. */
  version: number;
  /** The latest function index and facts by key, updated by the next analysis where files changed. */
  functionsByKey?: PartsMap<FunctionInfo>;
  factsByKey?: PartsMap<FunctionFacts>;
  /**
   * Functions by node, for every file indexed in this slot: a node belongs to one file version,
   * so nothing is ever replaced, and entries of files no program holds any more go with them.
   */
  functionsByNode: WeakMap<ts.Node, FunctionInfo>;
  /** The info lists already in `functionsByNode`. */
  indexedInfos: WeakSet<readonly FunctionInfo[]>;
  /** The files the latest analysis took as the project's, and who owns each. */
  subsystems?: { fileNames: readonly string[]; resolve: (fileName: string) => string };
  /** Whether a file is a library or default-library file, for the files this slot's programs hold. */
  external: WeakMap<ts.SourceFile, boolean>;
  /** The program and options key of the latest analysis: superseded by the next one (see `analyzeProgram`). */
  latest?: { program: ts.Program; key: string };
  /** Query results carried to the next analysis (see `Analysis.carry`), with the version that computed them. */
  carried: Map<string, { version: number; value: unknown }>;
}

/** One slot per project configuration; a process that analyses many projects (a test run) keeps the latest few. */
const MAX_SLOTS = 8;
const slots = new Map<string, CacheSlot>();

export function cacheSlot(optionsKey: string): CacheSlot {
  let slot = slots.get(optionsKey);
  if (slot) {
    slots.delete(optionsKey);
  } else {
    slot = { entries: new WeakMap(), version: 0, carried: new Map(), functionsByNode: new WeakMap(), indexedInfos: new WeakSet(), external: new WeakMap() };
    if (slots.size >= MAX_SLOTS) slots.delete(slots.keys().next().value as string);
  }
  slots.set(optionsKey, slot);
  return slot;
}

/**
 * Whether a cached entry still describes its file in a program of `programFiles`, given the
 * wrapper summaries in force: those the analysis `previous` ended with, when they are unchanged
 * since (an entry that agreed with them then still does).
 */
export function isReusable(
  entry: FileEntry | undefined,
  programFiles: ReadonlySet<ts.SourceFile>,
  subsystem: string,
  rootDir: string,
  wrappers: ReadonlyMap<string, WrapperSummary>,
  previous: number,
): entry is FileEntry {
  if (!entry || entry.subsystem !== subsystem || entry.rootDir !== rootDir) return false;
  // a file of the program is the same object as long as its text is unchanged
  for (const dep of entry.deps) if (!programFiles.has(dep)) return false;
  return entry.agreesWith === previous || consumedStillHolds(entry, wrappers);
}

export function consumedStillHolds(entry: FileEntry, wrappers: ReadonlyMap<string, WrapperSummary>): boolean {
  for (const [key, signature] of entry.consumed) {
    if (wrapperEntrySignature(wrappers.get(key)) !== signature) return false;
  }
  return true;
}

/** The files a file imports directly: an edit there can change what its names resolve to. */
export function importedFiles(sourceFile: ts.SourceFile, checker: ts.TypeChecker): ts.SourceFile[] {
  const files: ts.SourceFile[] = [];
  for (const statement of sourceFile.statements) {
    const specifier =
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier
        ? statement.moduleSpecifier
        : undefined;
    if (!specifier) continue;
    const declaration = checker.getSymbolAtLocation(specifier)?.valueDeclaration;
    if (declaration && ts.isSourceFile(declaration)) files.push(declaration);
  }
  return files;
}
