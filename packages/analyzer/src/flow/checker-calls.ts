import type ts from 'typescript';

/**
 * The checker and program methods the analysis calls on every edit, reached through objects of
 * one class.
 *
 * Every program version comes with a new checker and a new program object. Each is an object
 * literal of many closures, and V8 gives each version's object a hidden class of its own and
 * each method a new function. Code optimised on the full lint's checker (the walk, the symbol
 * memo, the lock type of a name) was thrown away at an editor's first edit. The new checker's
 * class failed the optimised code's check ("wrong map"), and so did a new method where the code
 * had inlined the old one ("wrong call target"). The functions then ran unoptimised for the
 * first re-lints (docs/benchmarks.md, ninth session).
 *
 * Here the methods are fields of one class whatever the version. They are called through
 * `Function.prototype.call`, which V8 does not specialise on the function called. Nothing the
 * optimiser assumes changes with the version.
 */
class CheckerMethods {
  /** The symbol at each node asked about, null for none. */
  readonly symbols = new Map<ts.Node, ts.Symbol | null>();
  readonly getSymbolAtLocation: ts.TypeChecker['getSymbolAtLocation'];
  readonly getTypeAtLocation: ts.TypeChecker['getTypeAtLocation'];
  readonly getTypeOfSymbol: ts.TypeChecker['getTypeOfSymbol'];
  readonly getShorthandAssignmentValueSymbol: ts.TypeChecker['getShorthandAssignmentValueSymbol'];

  constructor(checker: ts.TypeChecker) {
    this.getSymbolAtLocation = checker.getSymbolAtLocation;
    this.getTypeAtLocation = checker.getTypeAtLocation;
    this.getTypeOfSymbol = checker.getTypeOfSymbol;
    this.getShorthandAssignmentValueSymbol = checker.getShorthandAssignmentValueSymbol;
  }
}

class ProgramMethods {
  readonly isSourceFileDefaultLibrary: ts.Program['isSourceFileDefaultLibrary'];
  readonly isSourceFileFromExternalLibrary: ts.Program['isSourceFileFromExternalLibrary'];

  constructor(program: ts.Program) {
    this.isSourceFileDefaultLibrary = program.isSourceFileDefaultLibrary;
    this.isSourceFileFromExternalLibrary = program.isSourceFileFromExternalLibrary;
  }
}

const checkers = new WeakMap<ts.TypeChecker, CheckerMethods>();
const programs = new WeakMap<ts.Program, ProgramMethods>();

/**
 * Makes the method tables of a new program version. The analysis does it before it walks, so
 * that the lookups in hot code always find one: a branch optimised code has never taken (the
 * first lookup of a new checker) would throw that code away too.
 */
export function prepareCalls(program: ts.Program, checker: ts.TypeChecker): void {
  if (!checkers.has(checker)) checkers.set(checker, new CheckerMethods(checker));
  if (!programs.has(program)) programs.set(program, new ProgramMethods(program));
}

function checkerMethods(checker: ts.TypeChecker): CheckerMethods {
  return checkers.get(checker) ?? created(checkers, checker, new CheckerMethods(checker));
}

function programMethods(program: ts.Program): ProgramMethods {
  return programs.get(program) ?? created(programs, program, new ProgramMethods(program));
}

function created<K extends object, V>(table: WeakMap<K, V>, key: K, value: V): V {
  table.set(key, value);
  return value;
}

/** `checker.getSymbolAtLocation`, memoised (see symbols.ts). */
export function symbolMemo(checker: ts.TypeChecker): Map<ts.Node, ts.Symbol | null> {
  return checkerMethods(checker).symbols;
}

export function symbolAtLocation(checker: ts.TypeChecker, node: ts.Node): ts.Symbol | undefined {
  return checkerMethods(checker).getSymbolAtLocation.call(checker, node);
}

export function typeAtLocation(checker: ts.TypeChecker, node: ts.Node): ts.Type {
  return checkerMethods(checker).getTypeAtLocation.call(checker, node);
}

export function typeOfSymbol(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Type {
  return checkerMethods(checker).getTypeOfSymbol.call(checker, symbol);
}

export function shorthandValueSymbol(checker: ts.TypeChecker, node: ts.Node): ts.Symbol | undefined {
  return checkerMethods(checker).getShorthandAssignmentValueSymbol.call(checker, node);
}

export function isDefaultLibrary(program: ts.Program, sourceFile: ts.SourceFile): boolean {
  return programMethods(program).isSourceFileDefaultLibrary.call(program, sourceFile);
}

export function isFromExternalLibrary(program: ts.Program, sourceFile: ts.SourceFile): boolean {
  return programMethods(program).isSourceFileFromExternalLibrary.call(program, sourceFile);
}
