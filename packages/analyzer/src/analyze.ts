import path from 'node:path';
import ts from 'typescript';
import type { Analysis } from './analysis.js';
import { CallClassifier, lockTypeOf } from './graph/call-classifier.js';
import { Dispatch, hasHeritage } from './graph/dispatch.js';
import { indexFile, type FunctionIndex } from './graph/functions.js';
import { createSubsystemResolver } from './graph/subsystems.js';
import { FunctionWalker, type WalkContext } from './flow/function-walker.js';
import { declaredAdded, namesLetThrough, namesWith, programPropertyNames, readsAnyOf, writesAnyOf } from './flow/property-names.js';
import { fieldWritesOf, watchedNames, type FieldWrites } from './flow/field-writes.js';
import { isExternalFile } from './model/declaration-origin.js';
import { discoverProgramLocks, programLocksSignature } from './model/program-locks.js';
import { lockTypesPossible } from './model/lock-presence.js';
import { filesRetyped, importersIn, signatureText, typesMovedBy } from './incremental/type-flow.js';
import type { AnalyzerOptions } from './options.js';
import { toPosix } from './report/location.js';
import { computeSummaries } from './summaries/fixpoint.js';
import { wrapperEntrySignature } from './summaries/wrappers.js';
import { computeWrapperSummaries, emptyWrapperState, updateWrapperSummaries } from './summaries/wrapper-fixpoint.js';
import { analysisCounters, cacheSlot, type CacheSlot, consumedStillHolds, depsUnchanged, forgetWalks, dispatchStillHolds, foreignNodeFilesOnDemand, importedFiles, keptAcrossEdits, type FileEntry } from './incremental/file-cache.js';
import { bodyEdits, type BodyEdits } from './incremental/body-edits.js';
import { type CarriedFacts, factsToCarry, mergeConsumed } from './incremental/edited-file.js';
import { carryAnswers, NodeMemo } from './incremental/node-memo.js';
import { Carrier } from './incremental/carried.js';
import { mapByParts, type PartsMap } from './incremental/parts-map.js';
import { buildLockInventory, type LockInventory } from './summaries/inventory.js';
import type { AnalysisDiagnostic, AnalysisStats, FunctionFacts, WrapperSummary } from './types.js';
import { prepareCalls } from './flow/checker-calls.js';
import { ProgramAnalysis } from './program-analysis.js';

const MAX_WRAPPER_ROUNDS = 4;
/** A consumed-wrapper signature no summary has: the walk saw two answers for one function. */
const INCONSISTENT = '\0inconsistent';
/** A callee no guess can be taken from yet: it may be walked later in this walk, so ask again then. */
const NOT_WALKED = Symbol('not walked');
const cache = new WeakMap<ts.Program, Map<string, Analysis>>();

/**
 * The whole-program lock analysis of a program, whoever built it (a ts-morph Project in the
 * CLI, typescript-eslint's project service in the editor). Cached per program object and
 * options: every rule and every file of a lint run share one result.
 *
 * The analysis of a program is valid until the next program of the same project (same options)
 * is analysed: that analysis updates the previous one's maps where the edit changed them, which
 * is what makes an editor's re-lint cheap. An editor only ever lints with its newest program;
 * asking again for an older one analyses it again.
 */
export function analyzeProgram(program: ts.Program, options: AnalyzerOptions): Analysis {
  const key = JSON.stringify({ ...options, onProgress: undefined });
  let perProgram = cache.get(program);
  if (!perProgram) {
    perProgram = new Map();
    cache.set(program, perProgram);
  }
  const cached = perProgram.get(key);
  if (cached) return cached;
  const analysis = runAnalysis(program, options, key);
  perProgram.set(key, analysis);
  return analysis;
}

function runAnalysis(program: ts.Program, options: AnalyzerOptions, optionsKey: string): Analysis {
  const started = performance.now();
  const rootDir = toPosix(path.resolve(options.rootDir));
  const progress = options.onProgress ?? (() => {});
  const checker = program.getTypeChecker();
  prepareCalls(program, checker);
  const slot = cacheSlot(optionsKey);
  const sourceFiles = program.getSourceFiles().filter((sf) => !sf.isDeclarationFile && !isExternal(slot, program, sf));
  const programFiles = new Set(sourceFiles);
  const fileNames = sourceFiles.map((sf) => sf.fileName);
  // the same files keep their owners: resolving them again costs a path computation per file
  if (!slot.subsystems || slot.subsystems.fileNames.length !== fileNames.length || slot.subsystems.fileNames.some((name, i) => name !== fileNames[i])) {
    slot.subsystems = { fileNames, resolve: createSubsystemResolver(rootDir, fileNames, options.subsystems) };
  }
  const subsystemOf = slot.subsystems.resolve;
  const version = ++slot.version;
  // the previous program still answers for its own files: what an edit changed in their types (type-flow.ts)
  const previousProgram = slot.latest?.program;
  // This analysis updates the slot's maps in place: the previous one no longer holds its program's answers.
  if (slot.latest && slot.latest.program !== program) cache.get(slot.latest.program)?.delete(slot.latest.key);
  slot.latest = { program, key: optionsKey };
  analysisCounters.analyses++;

  progress(`indexing ${sourceFiles.length} files`);
  // a file's slot entry is replaced only when the loop below reaches that file: read before then, it is the previous analysis'
  const infosOf = (sf: ts.SourceFile) => {
    const entry = slot.entries.get(sf);
    return entry && entry.subsystem === subsystemOf(sf.fileName) && entry.rootDir === rootDir ? entry.infos : indexFile(sf, rootDir, subsystemOf(sf.fileName));
  };
  const fileInfos = mapOf(sourceFiles, (sf) => sf.fileName, infosOf);
  fileInfos.forEach((infos) => {
    if (slot.indexedInfos.has(infos)) return;
    for (const info of infos) slot.functionsByNode.set(info.node, info);
    slot.indexedInfos.add(infos);
  });
  slot.functionsByKey = mapByParts(fileInfos, (info) => info.key, slot.functionsByKey).built;
  const index: FunctionIndex = { byKey: slot.functionsByKey.map, byNode: slot.functionsByNode };
  const noProgramLocks = { classes: new Map(), functions: new Map() };
  slot.programLocksOfFiles = discoverProgramLocks(sourceFiles, checker, options.locks, (type) => lockTypeOf(program, checker, type, noProgramLocks)?.role === 'lock', slot.programLocksOfFiles);
  const programLocks = slot.programLocksOfFiles.discovery;
  const lockTypesExist = lockTypesPossible(program, programLocks.classes.size);
  // the walks asked no value's type while no lock type existed, so they recorded no dependency on
  // one; nor did they type external calls (below)
  if (slot.lockTypesPossible !== undefined && slot.lockTypesPossible !== lockTypesExist) forgetWalks(slot);
  slot.lockTypesPossible = lockTypesExist;
  const classifier = new CallClassifier(
    program,
    checker,
    (sf) => programFiles.has(sf),
    programLocks,
    (options.blocking?.operations ?? []).map(parseOperation),
    // Every lock is a value of a lock type (a library's or one of the program's own lock classes):
    // without one, no call is made while holding a lock, and whether an external call returns a
    // promise (what makes it block a holder) is asked of nothing. Typing the call to find out is
    // the costliest question in type-heavy code (viem).
    (options.blocking?.externalPromisesBlock ?? true) && lockTypesExist,
  );
  const dispatch = new Dispatch(program, checker, index, sourceFiles, slot.subtypes);
  const diagnostics: AnalysisDiagnostic[] = [];
  const reentrantIds = new Set(options.locks?.reentrant ?? []);
  const lockTypeMemo: WalkContext['lockTypes'] = new Map();
  const syntacticBefore = slot.propertyNames?.names;
  slot.propertyNames = programPropertyNames(program, slot.propertyNames);
  const syntacticNames = slot.propertyNames.names;

  /** Walks a file; `previous` carries the facts of functions an edit did not touch (see edited-file.ts). */
  const walkFile = (sf: ts.SourceFile, wrappers: ReadonlyMap<string, WrapperSummary>, previous?: { entry: FileEntry } & CarriedFacts): FileEntry => {
    analysisCounters.filesWalked++;
    const facts = new Map<string, FunctionFacts>();
    const walked = new Set<string>();
    // a finished function's guess cannot change for the rest of this walk: every call site of it shares one
    const guesses = new Map<string, WrapperSummary | undefined>();
    const deps = new Set<ts.SourceFile>(importedFiles(sf, checker).filter((f) => programFiles.has(f) && f !== sf));
    const consumed = new Map<string, string>();
    const dispatched = new Map<ts.Declaration, string>();
    const ctx: WalkContext = {
      program,
      checker,
      rootDir,
      index,
      classifier,
      dispatch: {
        functionsOf: (declaration) => dispatch.functionsOf(declaration),
        targetsOf(declaration, call) {
          const keys = dispatch.targetsOf(declaration, call);
          dispatched.set(declaration, keys.join('\0'));
          return keys;
        },
      },
      programLocks,
      reentrantIds,
      facts,
      walked,
      lockTypes: lockTypeMemo,
      lockTypesPossible: lockTypesExist,
      propertyNames,
      wrapper(key) {
        let summary = wrappers.get(key);
        if (!summary && !wrappers.has(key)) {
          if (!guesses.has(key)) {
            const guess = provisionalWrapper(key, sf, facts, walked);
            if (guess !== NOT_WALKED) guesses.set(key, guess);
          }
          summary = guesses.get(key);
        }
        const signature = wrapperEntrySignature(summary);
        const before = consumed.get(key);
        // two call sites that saw different answers cannot both be right: walk the file again
        consumed.set(key, before === undefined || before === signature ? signature : INCONSISTENT);
        return summary;
      },
      dependOn(node) {
        const file = node.getSourceFile();
        if (file !== sf && programFiles.has(file)) deps.add(file);
      },
      reuse: previous
        ? (info) => {
            if (!previous.facts.has(info.key)) return false;
            // the function and those inside it, in the order the previous walk recorded them
            const { pos, end } = info.node;
            for (const [key, f] of previous.facts) {
              if (f.info.node.pos < pos || f.info.node.end > end || facts.has(key)) continue;
              facts.set(key, f);
              walked.add(key);
              analysisCounters.functionsCarried++;
            }
            return true;
          }
        : undefined,
      onError: (fn, error) => {
        diagnostics.push({
          severity: 'error',
          message: `internal error while analysing ${fn.name}; it was skipped: ${error instanceof Error ? error.message : String(error)}`,
          location: fn.location,
        });
      },
    };
    new FunctionWalker(ctx, index.byNode.get(sf)!, { values: new Map(), held: [] }).walk();
    const factList = [...facts.values()];
    if (previous) {
      for (const dep of previous.entry.deps) deps.add(dep);
      for (const [declaration, keys] of previous.dispatched) if (!dispatched.has(declaration)) dispatched.set(declaration, keys);
    }
    const entry: FileEntry = {
      sourceFile: sf,
      subsystem: subsystemOf(sf.fileName),
      rootDir,
      infos: fileInfos.get(sf.fileName)!,
      facts: factList,
      deps,
      consumed: previous ? mergeConsumed(previous.consumed, consumed, INCONSISTENT) : consumed,
      nodesIn: foreignNodeFilesOnDemand(factList, sf),
      dispatched,
    };
    // the previous entry's own answers, unless its dependencies changed since (a kept entry is a copy: see keptAcrossEdits)
    if (previous && previous.entry === slot.entries.get(previous.entry.sourceFile)) analysisCounters.answersCarried += carryAnswers(previous.entry, entry, previous.nodes, previous.untouched);
    slot.entries.set(sf, entry);
    return entry;
  };

  /**
   * A function already walked (earlier in this file, or in a file walked before): its wrapper
   * summary from its own facts and those of the functions inside it. Lock wrappers are mostly
   * called from their own class (`withLock(fn)` used by the methods after it) or a module walked
   * earlier, so this first guess spares most files the second walk the final summaries would
   * otherwise send them to. A function still being walked (a recursive call) gets no guess.
   */
  const provisionalWrapper = (
    key: string,
    sf: ts.SourceFile,
    facts: ReadonlyMap<string, FunctionFacts>,
    walked: ReadonlySet<string>,
  ): WrapperSummary | undefined | typeof NOT_WALKED => {
    const info = index.byKey.get(key);
    if (!info) return undefined;
    // the file being walked (functions whose walk has finished), or one walked before it
    if (info.sourceFile === sf && !walked.has(key)) return NOT_WALKED;
    const known = info.sourceFile === sf ? [...facts.values()] : entries.get(info.sourceFile)?.facts;
    if (!known?.some((f) => f.info.key === key)) return NOT_WALKED;
    const { pos, end } = info.node;
    const own = new Map(known.filter((f) => f.info.node.pos >= pos && f.info.node.end <= end).map((f) => [f.info.key, f] as const));
    return computeWrapperSummaries(own).get(key);
  };

  // Start from the wrapper summaries the last analysis ended with: in an editor, the right ones
  // for every file but the edited one. Files whose walk consulted a summary that then changes are
  // walked again, until the summaries and the walks agree.
  progress('walking function bodies');
  const wrapperState = (slot.wrappers ??= emptyWrapperState());
  const wrappers: ReadonlyMap<string, WrapperSummary> = wrapperState.summaries;
  const entries = new Map<ts.SourceFile, FileEntry>();
  // entries walked since the wrapper summaries were last checked: every other one agrees with `wrappers`
  let walkedNow = new Set<FileEntry>();
  // An edit inside a body other files cannot see leaves the facts of the files that resolve into it
  // as they were, unless it changed what the program's own locks are.
  const locksSignature = programLocksSignature(programLocks);
  const shapesComparable = slot.programLocks === locksSignature;
  slot.programLocks = locksSignature;
  const byName = mapOf(sourceFiles, (sf) => sf.fileName, (sf) => sf);
  // a function whose return type is inferred shows the type it showed: asked of both versions' checkers
  const previousChecker = previousProgram?.getTypeChecker();
  const sameType =
    previousChecker &&
    ((before: ts.SignatureDeclaration, after: ts.SignatureDeclaration) => {
      const was = signatureText(before, previousChecker);
      return was !== undefined && was === signatureText(after, checker);
    });
  /** How a file's edit moved its nodes, when others learn from it what they learned before (see file-shape.ts); asked once per version. */
  const editsOf = new Map<ts.SourceFile, { after: ts.SourceFile; edits: BodyEdits | undefined }>();
  const shapeEdits = (before: ts.SourceFile, after: ts.SourceFile) => {
    const known = editsOf.get(before);
    if (known?.after === after) return known.edits;
    const old = slot.entries.get(before);
    const edits = old && bodyEdits(before, old.infos, after, fileInfos.get(after.fileName)!, sameType);
    editsOf.set(before, { after, edits });
    return edits;
  };
  // A call through a base runs every implementation: one added or removed anywhere changes it.
  // An edit inside bodies others cannot see leaves every class and heritage clause as it was
  // (a body that declares a class is never hidden: see file-shape.ts).
  const previousFiles = slot.files;
  slot.files = byName;
  const heritageMoved = (before: ts.SourceFile | undefined, after: ts.SourceFile | undefined) =>
    before !== after && ((before !== undefined && hasHeritage(before)) || (after !== undefined && hasHeritage(after))) && !(before && after && shapeEdits(before, after));
  const heritageChanged =
    !previousFiles ||
    sourceFiles.some((sf) => heritageMoved(previousFiles.get(sf.fileName), sf)) ||
    someValue(previousFiles, (sf) => !byName.has(sf.fileName) && hasHeritage(sf));
  // files whose text is unchanged but whose inferred types an edit elsewhere may have changed
  const typesMoved = previousFiles
    ? typesMovedBy(
        filesRetyped(previousFiles, sourceFiles, byName, shapeEdits, previousChecker, checker),
        importersIn(sourceFiles, previousFiles, (sf) => slot.entries.get(sf)?.deps),
        checker,
      )
    : new Set<ts.SourceFile>();
  const resolvesIntoMoved = (entry: FileEntry) => {
    if (typesMoved.size > 0) for (const dep of entry.deps) if (typesMoved.has(dep)) return true;
    return false;
  };
  // Which field names the program's writes resolve to. A file's answers hold while the files they
  // were read from hold, or changed only inside bodies (as its entry would be kept), unless it
  // writes a name that could not be a field's before: a write the declared names let pass without
  // the checker depends on nothing.
  const newlyDeclared = heritageChanged ? 'all' : declaredAdded(syntacticBefore?.declared, syntacticNames.declared);
  const writesHold = (sf: ts.SourceFile, writes: FieldWrites): FieldWrites | undefined => {
    if (newlyDeclared === 'all' || writesAnyOf(sf, newlyDeclared)) return undefined;
    let moved = false;
    const deps: ts.SourceFile[] = [];
    for (const dep of writes.deps) {
      const now = byName.get(dep.fileName);
      if (!now || typesMoved.has(now) || (now !== dep && !shapeEdits(dep, now))) return undefined;
      moved ||= now !== dep;
      deps.push(now);
    }
    return moved ? { ...writes, deps } : writes;
  };
  const watched = watchedNames(sourceFiles, syntacticNames.guarded, slot.fieldWrites, writesHold, (sf) => {
    // an edit inside the file's bodies: the sites outside the changed bodies keep their answers
    const before = previousFiles?.get(sf.fileName);
    const old = before && before !== sf ? slot.fieldWrites.get(before) : undefined;
    const held = old && writesHold(sf, old);
    const edits = held && shapeEdits(before!, sf);
    return fieldWritesOf(sf, checker, rootDir, syntacticNames, programFiles, held && edits ? { writes: held, edits } : undefined);
  });
  const propertyNames = namesWith(slot.watchedNames, syntacticNames, watched);
  // a read the name filters skipped, or kept only because a write of its field was found, is in
  // no file's dependencies: the files that read a name whose filtering changed are walked again, in full
  const letThrough = namesLetThrough(slot.watchedNames, propertyNames);
  slot.watchedNames = propertyNames;
  const readsNewField = (sf: ts.SourceFile) => letThrough === 'all' || readsAnyOf(sf, letThrough);
  const targetsOf = (declaration: ts.Declaration) => dispatch.targetsOf(declaration);
  /**
   * For a file whose previous version's entry still holds in everything but the file itself (as
   * a kept file's would): the facts of the functions its edit did not touch.
   */
  const carriedFrom = (sf: ts.SourceFile, subsystem: string): ({ entry: FileEntry } & CarriedFacts) | undefined => {
    const before = previousFiles?.get(sf.fileName);
    const old = before && before !== sf && shapesComparable && !readsNewField(sf) ? slot.entries.get(before) : undefined;
    if (!old || old.subsystem !== subsystem || old.rootDir !== rootDir || resolvesIntoMoved(old) || (heritageChanged && !dispatchStillHolds(old, targetsOf))) return undefined;
    const entry = depsUnchanged(old, programFiles) ? old : keptAcrossEdits(old, programFiles, (name) => byName.get(name), shapeEdits);
    const carried = entry && factsToCarry(entry, sf, fileInfos.get(sf.fileName)!, shapeEdits(old.sourceFile, sf), (key) => index.byKey.get(key));
    return carried && { entry, ...carried };
  };
  for (let i = 0; i < sourceFiles.length; i++) {
    const sf = sourceFiles[i]!;
    const entry = slot.entries.get(sf);
    const subsystem = subsystemOf(sf.fileName);
    const keepable =
      entry &&
      !readsNewField(sf) &&
      entry.subsystem === subsystem &&
      entry.rootDir === rootDir &&
      (entry.agreesWith === version - 1 || consumedStillHolds(entry, wrappers)) &&
      !resolvesIntoMoved(entry) &&
      (!heritageChanged || dispatchStillHolds(entry, targetsOf))
        ? entry
        : undefined;
    const kept = keepable && (depsUnchanged(keepable, programFiles) ? keepable : shapesComparable ? keptAcrossEdits(keepable, programFiles, (name) => byName.get(name), shapeEdits) : undefined);
    if (kept) {
      analysisCounters.filesReused++;
      if (kept !== entry) {
        analysisCounters.filesKeptAcrossEdits++;
        slot.entries.set(sf, kept);
      }
      entries.set(sf, kept);
    } else {
      const walked = walkFile(sf, wrappers, carriedFrom(sf, subsystem));
      entries.set(sf, walked);
      walkedNow.add(walked);
    }
  }
  // The facts the changed functions had in the previous analysis, when the facts map was updated in
  // place (a later round re-walks files again: their facts before this analysis are the first replaced).
  // Undefined when it was built afresh: the previous map is then intact, to compare with.
  let formerFacts: Map<string, FunctionFacts> | undefined;
  let summariesBase = slot.summaries;
  const factsByFile = () => {
    const files = new Map<string, readonly FunctionFacts[]>();
    entries.forEach((entry, sf) => files.set(sf.fileName, entry.facts));
    return files;
  };
  const factsOf = (files: ReadonlyMap<string, readonly FunctionFacts[]>, previous: PartsMap<FunctionFacts> | undefined) => {
    const { built, replaced } = mapByParts(files, (f) => f.info.key, previous);
    if (previous === slot.factsByKey) {
      formerFacts = replaced && new Map(replaced);
    } else if (replaced) {
      for (const [key, f] of replaced) if (formerFacts && !formerFacts.has(key)) formerFacts.set(key, f);
    } else if (formerFacts) {
      // a re-walk changed a file's functions after the previous map was updated in place: start the summaries afresh
      summariesBase = undefined;
    }
    return built;
  };
  let files = factsByFile();
  let factsByKey = factsOf(files, slot.factsByKey);
  // the wrapper summaries as the previous analysis left them, of every function whose summary was recomputed
  const wrappersBefore = new Map<string, WrapperSummary | undefined>();
  let agreed = false;
  for (let round = 0; round < MAX_WRAPPER_ROUNDS; round++) {
    const recomputed = updateWrapperSummaries(wrapperState, files, factsByKey.map);
    const differing = new Set<string>();
    for (const [key, before] of recomputed) {
      if (!wrappersBefore.has(key)) wrappersBefore.set(key, before);
      if (before !== wrappers.get(key) && wrapperEntrySignature(before) !== wrapperEntrySignature(wrappers.get(key))) differing.add(key);
    }
    const stale: FileEntry[] = [];
    entries.forEach((e) => {
      if (walkedNow.has(e) ? !consumedStillHolds(e, wrappers) : differing.size > 0 && someKey(e.consumed, (key) => differing.has(key))) stale.push(e);
    });
    if (stale.length === 0) {
      agreed = true;
      break;
    }
    progress(`re-walking ${stale.length} files whose lock wrappers changed`);
    walkedNow = new Set();
    for (const entry of stale) {
      const walked = walkFile(entry.sourceFile, wrappers);
      entries.set(entry.sourceFile, walked);
      walkedNow.add(walked);
    }
    files = factsByFile();
    factsByKey = factsOf(files, factsByKey);
  }
  slot.subtypes = dispatch.subtypeIndexBuilt ?? slot.subtypes;
  // every entry agrees with the final summaries: the next analysis need not ask again for those it keeps
  if (agreed) entries.forEach((entry) => (entry.agreesWith = version));
  slot.factsByKey = factsByKey;
  const facts = factsByKey.map;

  progress('computing summaries');
  const { summaries, callers, edges, graph, recomputed, delta } = computeSummaries(
    facts,
    wrappers,
    (key) => index.byKey.get(key)?.subsystem ?? '(root)',
    summariesBase && { graph: summariesBase, formerFacts, wrappersBefore },
  );
  slot.summaries = graph;
  analysisCounters.summariesComputed += recomputed;
  const ms = Math.round(performance.now() - started);
  // The inventory and the stats read every function's facts: built when a face asks (the CLI
  // does, an editor re-lint mostly does not).
  const carrier = new Carrier(slot, version, delta);
  const analysis: Analysis = new ProgramAnalysis({
    program,
    checker,
    options: { ...options, rootDir },
    index,
    facts,
    summaries,
    wrappers,
    callers,
    diagnostics,
    sourceFiles,
    subsystemOf,
    memo: new NodeMemo(entries),
    carrier,
    inventory: () => carrier.get<LockInventory>('lock-inventory', (previous) => buildLockInventory(facts, programLocks, subsystemOf, previous)).infos,
    stats: (): AnalysisStats => ({
      files: sourceFiles.length,
      functions: [...index.byKey.values()].filter((f) => !ts.isSourceFile(f.node)).length,
      callEdges: edges,
      locks: analysis.locks.size,
      heldRegions: [...facts.values()].reduce((n, f) => n + f.regions.length, 0),
      ms,
    }),
  });
  return analysis;
}

/** Library files are library files in every program of the project that holds them, and project files project files. */
function isExternal(slot: CacheSlot, program: ts.Program, sf: ts.SourceFile): boolean {
  let external = slot.external.get(sf);
  if (external === undefined) slot.external.set(sf, (external = isExternalFile(program, sf)));
  return external;
}

function parseOperation(text: string): { module: string; member: string } {
  const [module, member] = text.split('#');
  return { module: module ?? text, member: member ?? '*' };
}

/*
 * The loops over every file of the program run once per edit, and V8 seldom optimises code that
 * runs once per edit: there, each step of an iterator allocates a result object, and a spread
 * copies the map. `forEach` and indexed loops allocate nothing (heap sampling of a 102k-line
 * re-lint: iterator steps were nearly a third of what lockwise allocated).
 */

/** Whether some value of a map passes. */
function someValue<V>(map: ReadonlyMap<unknown, V>, test: (value: V) => boolean): boolean {
  let found = false;
  map.forEach((value) => (found ||= test(value)));
  return found;
}

function someKey<K>(map: ReadonlyMap<K, unknown>, test: (key: K) => boolean): boolean {
  for (const key of map.keys()) if (test(key)) return true;
  return false;
}

/**
 * A map over a list, built with a plain loop: an editor's every analysis builds several over the
 * program's files, and a pair array per file is garbage that a re-lint's time pays for.
 */
function mapOf<T, K, V>(list: readonly T[], keyOf: (item: T) => K, valueOf: (item: T) => V): Map<K, V> {
  const map = new Map<K, V>();
  for (let i = 0; i < list.length; i++) map.set(keyOf(list[i]!), valueOf(list[i]!));
  return map;
}
