import path from 'node:path';
import ts from 'typescript';
import type { Analysis } from './analysis.js';
import { CallClassifier, lockTypeOf } from './graph/call-classifier.js';
import { Dispatch } from './graph/dispatch.js';
import { enclosingFunction, indexFunctions } from './graph/functions.js';
import { createSubsystemResolver } from './graph/subsystems.js';
import { FunctionWalker, type WalkContext } from './flow/function-walker.js';
import { isExternalFile } from './model/declaration-origin.js';
import { discoverProgramLocks } from './model/program-locks.js';
import type { AnalyzerOptions } from './options.js';
import { locationOf, relativePosix, toPosix } from './report/location.js';
import { computeSummaries } from './summaries/fixpoint.js';
import { computeWrapperSummaries, wrapperSignature } from './summaries/wrappers.js';
import { buildLockInventory } from './summaries/inventory.js';
import type { AnalysisDiagnostic, FunctionFacts, FunctionInfo, WrapperSummary } from './types.js';

const MAX_WRAPPER_ROUNDS = 4;
const cache = new WeakMap<ts.Program, Map<string, Analysis>>();

/**
 * The whole-program lock analysis of a program, whoever built it (a ts-morph Project in the
 * CLI, typescript-eslint's project service in the editor). Cached per program object and
 * options: every rule and every file of a lint run share one result.
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
  const analysis = runAnalysis(program, options);
  perProgram.set(key, analysis);
  return analysis;
}

function runAnalysis(program: ts.Program, options: AnalyzerOptions): Analysis {
  const started = performance.now();
  const rootDir = toPosix(path.resolve(options.rootDir));
  const progress = options.onProgress ?? (() => {});
  const checker = program.getTypeChecker();
  const sourceFiles = program.getSourceFiles().filter((sf) => !sf.isDeclarationFile && !isExternalFile(program, sf));
  const programFiles = new Set(sourceFiles);
  const subsystemOf = createSubsystemResolver(rootDir, sourceFiles.map((sf) => sf.fileName), options.subsystems);
  progress(`indexing ${sourceFiles.length} files`);
  const index = indexFunctions(sourceFiles, rootDir, subsystemOf);
  const noProgramLocks = { classes: new Map(), functions: new Map() };
  const programLocks = discoverProgramLocks(sourceFiles, checker, options.locks, (type) => lockTypeOf(program, checker, type, noProgramLocks)?.role === 'lock');
  const classifier = new CallClassifier(
    program,
    checker,
    (sf) => programFiles.has(sf),
    programLocks,
    (options.blocking?.operations ?? []).map(parseOperation),
    options.blocking?.externalPromisesBlock ?? true,
  );
  const dispatch = new Dispatch(checker, index, sourceFiles);
  const diagnostics: AnalysisDiagnostic[] = [];
  const reentrantIds = new Set(options.locks?.reentrant ?? []);
  const lockTypes = new Map();

  const walkFiles = (files: readonly ts.SourceFile[], wrappers: ReadonlyMap<string, WrapperSummary>, facts: Map<string, FunctionFacts>) => {
    const ctx: WalkContext = {
      program,
      checker,
      rootDir,
      index,
      classifier,
      dispatch,
      programLocks,
      reentrantIds,
      facts,
      wrappers,
      lockTypes,
      onError: (fn, error) => {
        diagnostics.push({
          severity: 'error',
          message: `internal error while analysing ${fn.name}; it was skipped: ${error instanceof Error ? error.message : String(error)}`,
          location: fn.location,
        });
      },
    };
    for (const sf of files) {
      const fileInfo = index.byNode.get(sf)!;
      new FunctionWalker(ctx, fileInfo, { values: new Map(), held: [] }).walk();
    }
  };

  progress('walking function bodies');
  let facts = new Map<string, FunctionFacts>();
  walkFiles(sourceFiles, new Map(), facts);
  let wrappers = computeWrapperSummaries(facts);
  // Callers of wrappers learn what the wrappers do only from their summaries: walk those again.
  for (let round = 1; round < MAX_WRAPPER_ROUNDS && wrappers.size > 0; round++) {
    const wrapperKeys = new Set(wrappers.keys());
    const affected = new Set<ts.SourceFile>();
    for (const f of facts.values()) {
      if (f.calls.some((c) => c.targets.some((t) => wrapperKeys.has(t)))) affected.add(f.info.sourceFile);
    }
    if (affected.size === 0) break;
    progress(`re-walking ${affected.size} files that call lock wrappers`);
    const next = new Map([...facts].filter(([, f]) => !affected.has(f.info.sourceFile)));
    walkFiles([...affected], wrappers, next);
    facts = next;
    const nextWrappers = computeWrapperSummaries(facts);
    const stable = wrapperSignature(nextWrappers) === wrapperSignature(wrappers);
    wrappers = nextWrappers;
    if (stable) break;
  }

  progress('computing summaries');
  const { summaries, callers, edges } = computeSummaries(facts, wrappers, (key) => index.byKey.get(key)?.subsystem ?? '(root)');
  const locks = buildLockInventory(facts, programLocks, checker, subsystemOf);

  const functionOf = (node: ts.Node): FunctionInfo | undefined => index.byNode.get(node);
  const analysis: Analysis = {
    program,
    checker,
    options: { ...options, rootDir },
    functions: index.byKey,
    facts,
    summaries,
    wrappers,
    locks,
    callers,
    diagnostics,
    sourceFiles,
    stats: {
      files: sourceFiles.length,
      functions: [...index.byKey.values()].filter((f) => !ts.isSourceFile(f.node)).length,
      callEdges: edges,
      locks: locks.size,
      heldRegions: [...facts.values()].reduce((n, f) => n + f.regions.length, 0),
      ms: Math.round(performance.now() - started),
    },
    functionOf,
    functionAt(node) {
      const fn = enclosingFunction(node);
      return fn ? index.byNode.get(fn) : index.byNode.get(node.getSourceFile());
    },
    location: (node) => locationOf(node),
    relativePath: (fileName) => relativePosix(rootDir, fileName),
    subsystemOf,
  };
  return analysis;
}

function parseOperation(text: string): { module: string; member: string } {
  const [module, member] = text.split('#');
  return { module: module ?? text, member: member ?? '*' };
}
