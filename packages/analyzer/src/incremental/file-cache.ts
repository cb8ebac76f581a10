import ts from 'typescript';
import type { SummaryGraph } from '../summaries/fixpoint.js';
import type { WrapperState } from '../summaries/wrapper-fixpoint.js';
import type { FunctionFacts, FunctionInfo, WrapperSummary } from '../types.js';
import { wrapperEntrySignature } from '../summaries/wrappers.js';
import type { PartsMap } from './parts-map.js';
import type { ProgramPropertyNames, PropertyNames } from '../flow/property-names.js';
import type { FieldWrites } from '../flow/field-writes.js';
import type { ProgramLocksOfFiles } from '../model/program-locks.js';
import type { SubtypeIndex } from '../graph/dispatch.js';
import type { BodyEdits } from './body-edits.js';
import { isNode, nodeMap, type NodeMap } from './node-map.js';
import { keepAnswers } from './node-memo.js';
import { symbolAtLocation } from '../flow/checker-calls.js';

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
  /**
   * Other files whose nodes the facts hold (a lock's declaration): the facts name that version of
   * them. Asked only when a later analysis finds a dependency edited, so it is found then, from the
   * facts, which do not change: a lint run that ends after one analysis never pays for it.
   */
  nodesIn: () => ReadonlySet<ts.SourceFile>;
  /**
   * Calls through a class or interface member: the member's declaration and the functions the
   * walk took it to run. Implementations can be added in files the walk never resolved into.
   */
  dispatched: ReadonlyMap<ts.Declaration, string>;
}

/** Files walked and reused, for tests and `--debug` output: an edit must not re-walk the world. */
export const analysisCounters = {
  filesWalked: 0,
  filesReused: 0,
  /** Of those reused, files kept although a file they resolve into changed (its shape did not: see file-shape.ts). */
  filesKeptAcrossEdits: 0,
  /** Functions of walked files whose facts came from the file's previous version (see edited-file.ts). */
  functionsCarried: 0,
  /** Answers about their nodes carried with them (see node-memo.ts). */
  answersCarried: 0,
  /** Answers about the nodes of files kept across edits of their dependencies, kept with them (see node-memo.ts). */
  answersKept: 0,
  analyses: 0,
  summariesComputed: 0,
};

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
  /** What the program's own lock classes and functions were taken for in the latest analysis. */
  programLocks?: string;
  /** The latest heritage index a walk built, and the files it was built from. */
  subtypes?: SubtypeIndex;
  /** The latest program's own locks, and what the next program's are compared with. */
  programLocksOfFiles?: ProgramLocksOfFiles;
  /** The latest program's property names (see property-names.ts), and the files they were read from. */
  propertyNames?: ProgramPropertyNames;
  /** The names the latest analysis' walks filtered reads by, watched names included. */
  watchedNames?: PropertyNames;
  /** Per file, the class fields its writes resolve to, with the files the answers were read from (see field-writes.ts). */
  fieldWrites: WeakMap<ts.SourceFile, FieldWrites>;
  /** The project files of the latest analysis, by name: the next one compares its files with them. */
  files?: ReadonlyMap<string, ts.SourceFile>;
  /** Whether the latest program could hold a lock-typed value (see lock-presence.ts). */
  lockTypesPossible?: boolean;
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
    slot = { entries: new WeakMap(), version: 0, carried: new Map(), functionsByNode: new WeakMap(), indexedInfos: new WeakSet(), external: new WeakMap(), fieldWrites: new WeakMap() };
    if (slots.size >= MAX_SLOTS) slots.delete(slots.keys().next().value as string);
  }
  slots.set(optionsKey, slot);
  return slot;
}

/**
 * Drops what the walks found and everything built on it, keeping the function index: the next
 * analysis walks every file, as the first one did.
 */
export function forgetWalks(slot: CacheSlot): void {
  slot.entries = new WeakMap();
  slot.wrappers = undefined;
  slot.summaries = undefined;
  slot.factsByKey = undefined;
  slot.files = undefined;
  slot.programLocks = undefined;
  slot.carried.clear();
}

/** Whether the files an entry's walk resolved into are the program's: a file of the program is the same object as long as its text is unchanged. */
export function depsUnchanged(entry: FileEntry, programFiles: ReadonlySet<ts.SourceFile>): boolean {
  for (const dep of entry.deps) if (!programFiles.has(dep)) return false;
  return true;
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
    const declaration = moduleDeclarationOf(statement, checker);
    if (declaration && ts.isSourceFile(declaration)) files.push(declaration);
  }
  return files;
}

/** What the module specifier of an import or re-export resolves to: a file, or an ambient module's declaration. */
export function moduleDeclarationOf(statement: ts.Statement, checker: ts.TypeChecker): ts.Declaration | undefined {
  const specifier = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier;
  return specifier ? symbolAtLocation(checker, specifier)?.valueDeclaration : undefined;
}

/**
 * An entry for a file whose own text is unchanged but some of whose dependencies changed: the
 * same facts, depending on the new versions, when every changed dependency has the shape its
 * old version had and the facts hold none of its nodes. The dispatch answers it took at the
 * changed dependencies' declarations move to their new nodes. A fresh object, with the answers
 * memoised for the old entry that name no node of a changed dependency, or name one that moved
 * (see `keepAnswers` in node-memo.ts).
 */
export function keptAcrossEdits(
  entry: FileEntry,
  programFiles: ReadonlySet<ts.SourceFile>,
  currentFile: (fileName: string) => ts.SourceFile | undefined,
  shapeEdits: (before: ts.SourceFile, after: ts.SourceFile) => BodyEdits | undefined,
): FileEntry | undefined {
  const deps = new Set<ts.SourceFile>();
  const moved = new Map<ts.SourceFile, NodeMap>();
  for (const dep of entry.deps) {
    if (programFiles.has(dep)) {
      deps.add(dep);
      continue;
    }
    const now = currentFile(dep.fileName);
    const edits = now && !entry.nodesIn().has(dep) ? shapeEdits(dep, now) : undefined;
    if (!now || !edits) return undefined;
    deps.add(now);
    moved.set(dep, nodeMap(dep, now, edits));
  }
  let dispatched = entry.dispatched;
  if ([...dispatched.keys()].some((declaration) => moved.has(declaration.getSourceFile()))) {
    const updated = new Map<ts.Declaration, string>();
    for (const [declaration, keys] of dispatched) {
      const map = moved.get(declaration.getSourceFile());
      const now = map ? map(declaration) : declaration;
      if (!now) return undefined;
      updated.set(now as ts.Declaration, keys);
    }
    dispatched = updated;
  }
  const kept = { ...entry, deps, dispatched };
  analysisCounters.answersKept += keepAnswers(entry, kept, moved);
  return kept;
}

/** The files other than its own whose nodes a file's facts hold, found at the first call and remembered. */
export function foreignNodeFilesOnDemand(facts: readonly FunctionFacts[], own: ts.SourceFile): () => ReadonlySet<ts.SourceFile> {
  let files: ReadonlySet<ts.SourceFile> | undefined;
  return () => (files ??= foreignNodeFiles(facts, own));
}

function foreignNodeFiles(facts: readonly FunctionFacts[], own: ts.SourceFile): Set<ts.SourceFile> {
  const files = new Set<ts.SourceFile>();
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (isNode(value)) {
      const file = value.getSourceFile();
      if (file !== own) files.add(file);
      return;
    }
    if (value instanceof Map) {
      for (const [k, v] of value) {
        visit(k);
        visit(v);
      }
    } else if (value instanceof Set || Array.isArray(value)) {
      for (const v of value) visit(v);
    } else {
      // for-in, not Object.values: an array per object visited is most of what this walk allocates
      for (const key in value) visit((value as Record<string, unknown>)[key]);
    }
  };
  for (const f of facts) {
    // the function's own info holds only its own file's nodes
    const { info: _info, ...rest } = f;
    visit(rest);
  }
  return files;
}

/** Whether every call through a class or interface member the walk resolved still runs the same functions. */
export function dispatchStillHolds(entry: FileEntry, targetsOf: (declaration: ts.Declaration) => readonly string[]): boolean {
  for (const [declaration, keys] of entry.dispatched) if (targetsOf(declaration).join('\0') !== keys) return false;
  return true;
}
