import ts from 'typescript';
import { symbolAtLocation } from '../flow/checker-calls.js';

/**
 * Files whose text is unchanged but whose declarations may now have other types. A file that
 * writes `export const shared = make()` gives `shared` the type `make` returns: when an edit
 * changes that (a body edit in `make`'s file, which changes that file's shape), the file's own
 * text and shape stay as they were, so the files that import it alone would be kept, with facts
 * taken under the old type. A type passes on this way only through a declaration whose type is
 * not written and whose initializer or body names something imported from the changed file, and
 * through a re-export of it; the closure follows importers through such files.
 *
 * `seeds` are the names of the files whose shape changed or that are gone; `importersOf` gives
 * the unchanged files whose previous walk resolved into a file. The direct importers of a seed
 * are walked again anyway (a dependency's shape changed); what this adds is their importers.
 */
export function typesMovedBy(
  seeds: Iterable<string>,
  importersOf: (fileName: string) => readonly ts.SourceFile[] | undefined,
  checker: ts.TypeChecker,
): Set<ts.SourceFile> {
  const moved = new Set<ts.SourceFile>();
  const queue = [...seeds];
  while (queue.length > 0) {
    const from = queue.pop()!;
    for (const importer of importersOf(from) ?? []) {
      if (moved.has(importer) || !passesTypesOf(importer, from, checker)) continue;
      moved.add(importer);
      queue.push(importer.fileName);
    }
  }
  return moved;
}

/**
 * The files an edit changed in what other files can learn of their types, and those it removed.
 * A file whose shape is unchanged (`shapeEdits` defined) changed nothing others see. Where the
 * shape changed, what it exports is typed by both versions' checkers and compared: typing a
 * statement into a function whose return type is inferred reshapes its file but seldom retypes it.
 * Without the previous checker, every reshaped file counts.
 */
export function filesRetyped(
  previousFiles: ReadonlyMap<string, ts.SourceFile>,
  sourceFiles: readonly ts.SourceFile[],
  currentFiles: ReadonlyMap<string, ts.SourceFile>,
  shapeEdits: (before: ts.SourceFile, after: ts.SourceFile) => unknown,
  previousChecker: ts.TypeChecker | undefined,
  checker: ts.TypeChecker,
): string[] {
  const retyped: string[] = [];
  let added = 0;
  for (const sf of sourceFiles) {
    const before = previousFiles.get(sf.fileName);
    if (!before) added++;
    else if (before !== sf && !shapeEdits(before, sf) && !sameExportedTypes(before, previousChecker, sf, checker)) retyped.push(sf.fileName);
  }
  // as many files as before, none of them new: none is gone
  if (previousFiles.size !== sourceFiles.length - added) for (const name of previousFiles.keys()) if (!currentFiles.has(name)) retyped.push(name);
  return retyped;
}

function sameExportedTypes(before: ts.SourceFile, previousChecker: ts.TypeChecker | undefined, after: ts.SourceFile, checker: ts.TypeChecker): boolean {
  const was = previousChecker && exportedTypes(before, previousChecker);
  return was !== undefined && was === exportedTypes(after, checker);
}

/**
 * The types a module shows other files, as text: each export's type, and for a class or interface
 * its members' types (what a file that names it reads). Undefined when the checker fails.
 */
function exportedTypes(sf: ts.SourceFile, checker: ts.TypeChecker): string | undefined {
  try {
    const module = checker.getSymbolAtLocation(sf);
    if (!module) return undefined;
    const lines: string[] = [];
    const text = (type: ts.Type) => checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation);
    for (const symbol of checker.getExportsOfModule(module)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      lines.push(`${symbol.name}: ${target.flags & ts.SymbolFlags.Value ? text(checker.getTypeOfSymbol(target)) : ''}`);
      if (target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
        for (const member of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(target))) lines.push(`  ${member.name}: ${text(checker.getTypeOfSymbol(member))}`);
      }
    }
    return lines.join('\n');
  } catch {
    return undefined;
  }
}

/**
 * Who resolved into a file, by its name, among the files whose text is unchanged (their previous
 * walk's dependencies, read before this analysis replaces any entry). Built at the first question:
 * most edits reshape nothing and ask none.
 */
export function importersIn(
  sourceFiles: readonly ts.SourceFile[],
  previousFiles: ReadonlyMap<string, ts.SourceFile>,
  depsOf: (sf: ts.SourceFile) => ReadonlySet<ts.SourceFile> | undefined,
): (fileName: string) => readonly ts.SourceFile[] | undefined {
  let importers: Map<string, ts.SourceFile[]> | undefined;
  return (fileName) => {
    if (!importers) {
      importers = new Map();
      for (const sf of sourceFiles) {
        if (previousFiles.get(sf.fileName) !== sf) continue;
        for (const dep of depsOf(sf) ?? []) {
          let list = importers.get(dep.fileName);
          if (!list) importers.set(dep.fileName, (list = []));
          list.push(sf);
        }
      }
    }
    return importers.get(fileName);
  };
}

/** Whether a declaration of `sf` that other files can see has a type inferred from what `sf` imports from `fileName`. */
function passesTypesOf(sf: ts.SourceFile, fileName: string, checker: ts.TypeChecker): boolean {
  const inferred = inferredParts(sf);
  if (inferred.length === 0 && !sf.statements.some(ts.isExportDeclaration)) return false;
  const names = new Set<string>();
  for (const statement of sf.statements) {
    if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) || !statement.moduleSpecifier) continue;
    if (symbolAtLocation(checker, statement.moduleSpecifier)?.valueDeclaration?.getSourceFile().fileName !== fileName) continue;
    if (ts.isExportDeclaration(statement)) return true;
    const clause = statement.importClause;
    if (clause?.name) names.add(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
    else if (bindings) for (const element of bindings.elements) names.add(element.name.text);
  }
  if (names.size === 0) return false;
  const mentionsImported = (node: ts.Node): boolean => (ts.isIdentifier(node) && names.has(node.text)) || !!ts.forEachChild(node, mentionsImported);
  return inferred.some(mentionsImported);
}

const inferredPartsByFile = new WeakMap<ts.SourceFile, readonly ts.Node[]>();

/** The initializers and bodies that give a declaration of the file its type, where the type is not written. */
function inferredParts(sf: ts.SourceFile): readonly ts.Node[] {
  let parts = inferredPartsByFile.get(sf);
  if (!parts) {
    const found: ts.Node[] = [];
    collectInferred(sf.statements, found);
    inferredPartsByFile.set(sf, (parts = found));
  }
  return parts;
}

function collectInferred(statements: readonly ts.Statement[], found: ts.Node[]): void {
  for (const statement of statements) {
    if (ts.isExportAssignment(statement)) found.push(statement.expression);
    else if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (!d.type && d.initializer) found.push(d.initializer);
    } else if (ts.isFunctionDeclaration(statement)) {
      if (!statement.type && statement.body) found.push(statement.body);
    } else if (ts.isClassDeclaration(statement)) {
      for (const member of statement.members) {
        if (ts.isPropertyDeclaration(member) && !member.type && member.initializer) found.push(member.initializer);
        else if ((ts.isMethodDeclaration(member) || ts.isGetAccessorDeclaration(member)) && !member.type && member.body) found.push(member.body);
      }
    } else if (ts.isModuleDeclaration(statement) && statement.body && ts.isModuleBlock(statement.body)) {
      // a namespace's members are declarations of their own
      collectInferred(statement.body.statements, found);
    }
  }
}
