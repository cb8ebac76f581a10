import ts from 'typescript';
import { moduleDeclarationOf } from './file-cache.js';
import { hasHiddenBody } from './file-shape.js';
import { perSourceFile } from './per-source-file.js';

/**
 * Files whose text is unchanged but whose declarations may now show other types. A file that
 * writes `export const shared = make()` gives `shared` the type `make` returns, and one that
 * writes `get(): Box` shows `Box` with the members its module gives it: when an edit changes
 * those, the file's own text and shape stay as they were, so the files that import it alone would
 * be kept, with facts taken under the old types. The closure follows importers through files
 * whose visible part names what they import from a file whose types changed (see `passesTypesOf`).
 *
 * `seeds` are the names of the files whose exported types changed or that are gone; `importersOf`
 * gives the unchanged files whose previous walk resolved into a file. The direct importers of a
 * seed are walked again anyway (a dependency's shape changed); what this adds is their importers.
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
 * The types a module shows other files, as text: each export's type (a type alias's meaning), and
 * for a class or interface its members' types (what a file that names it reads). Undefined when
 * the checker fails.
 */
function exportedTypes(sf: ts.SourceFile, checker: ts.TypeChecker): string | undefined {
  try {
    const module = checker.getSymbolAtLocation(sf);
    if (!module) return undefined;
    const printer = new CanonicalPrinter(checker);
    const lines: string[] = [];
    for (const symbol of checker.getExportsOfModule(module)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const value = target.flags & ts.SymbolFlags.Value ? printer.type(checker.getTypeOfSymbol(target), CANONICAL_DEPTH) : '';
      const alias = target.flags & ts.SymbolFlags.TypeAlias ? printer.type(checker.getDeclaredTypeOfSymbol(target), CANONICAL_DEPTH) : '';
      lines.push(`${symbol.name}: ${value} = ${alias}`);
      if (target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
        for (const member of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(target))) lines.push(`  ${printer.member(member, CANONICAL_DEPTH)}`);
      }
    }
    return lines.join('\n');
  } catch {
    // the checker failed, or the text outgrew its budget: the file counts as retyped
    return undefined;
  }
}

/**
 * A function's signature as text, inferred return type and type predicate included, comparable
 * between two checkers (see `CanonicalPrinter`). Undefined when the checker fails or the text
 * outgrows its budget.
 */
export function signatureText(fn: ts.SignatureDeclaration, checker: ts.TypeChecker): string | undefined {
  try {
    const signature = checker.getSignatureFromDeclaration(fn);
    if (!signature) return undefined;
    const predicate = checker.getTypePredicateOfSignature(signature);
    const printer = new CanonicalPrinter(checker);
    const asserted = predicate ? ` ${predicate.kind} ${predicate.parameterName ?? 'this'} is ${predicate.type ? printer.type(predicate.type, CANONICAL_DEPTH) : ''}` : '';
    return `${printer.signature(signature, CANONICAL_DEPTH)}${asserted}`;
  } catch {
    return undefined;
  }
}

/**
 * How deep `CanonicalPrinter` orders what it prints; below, the checker's own text. Two checkers
 * list a union's members and an object type's properties in the order each met them, so the same
 * type would print as two texts; what noise is left costs walks, not answers.
 */
const CANONICAL_DEPTH = 8;
/** Past this many characters of one file's types, comparing them costs more than the walks it saves. */
const CANONICAL_BUDGET = 400_000;

/** Types as text in an order of their own: union and intersection members sorted, the members of an object type without a name sorted by name, signatures in full. */
class CanonicalPrinter {
  private readonly memo = new Map<ts.Type, string[]>();
  private printed = 0;

  constructor(private readonly checker: ts.TypeChecker) {}

  type(type: ts.Type, depth: number): string {
    let byDepth = this.memo.get(type);
    if (!byDepth) this.memo.set(type, (byDepth = []));
    let text = byDepth[depth];
    if (text === undefined) {
      text = byDepth[depth] = this.uncached(type, depth);
      this.printed += text.length;
      if (this.printed > CANONICAL_BUDGET) throw new RangeError('canonical text over budget');
    }
    return text;
  }

  member(member: ts.Symbol, depth: number): string {
    const optional = member.flags & ts.SymbolFlags.Optional ? '?' : '';
    return `${member.name}${optional}: ${this.type(this.checker.getTypeOfSymbol(member), depth)}`;
  }

  private uncached(type: ts.Type, depth: number): string {
    const { checker } = this;
    if (depth <= 0) return checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation);
    // a generic named by its arguments: the name's meaning is printed where it is declared
    if (type.aliasSymbol && type.aliasTypeArguments?.length) return `${type.aliasSymbol.name}<${this.list(type.aliasTypeArguments, depth - 1).join(', ')}>`;
    if (type.flags & ts.TypeFlags.Object && (type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
      const typeArguments = checker.getTypeArguments(type as ts.TypeReference);
      if (typeArguments.length > 0) return `${checker.typeToString((type as ts.TypeReference).target)}<${this.list(typeArguments, depth - 1).join(', ')}>`;
    }
    if (type.isUnion() || type.isIntersection()) return `(${this.list(type.types, depth - 1).sort().join(type.isUnion() ? ' | ' : ' & ')})`;
    // not a class or interface, known by its name: an object literal, a function, a mapped type
    if (type.flags & ts.TypeFlags.Object && !((type as ts.ObjectType).objectFlags & ts.ObjectFlags.ClassOrInterface)) {
      const members = type.getProperties().map((p) => this.member(p, depth - 1));
      const calls = type.getCallSignatures().map((sig) => this.signature(sig, depth - 1));
      const constructs = type.getConstructSignatures().map((sig) => `new ${this.signature(sig, depth - 1)}`);
      // a class's constructor type is anonymous too: its name says which class it builds
      const built = (type.getSymbol()?.flags ?? 0) & ts.SymbolFlags.Class ? checker.typeToString(type) : '';
      return `${built}{ ${[...members.sort(), ...calls, ...constructs].join('; ')} }`;
    }
    return checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation);
  }

  private list(types: readonly ts.Type[], depth: number): string[] {
    return types.map((t) => this.type(t, depth));
  }

  signature(signature: ts.Signature, depth: number): string {
    const { checker } = this;
    const typeParameters = (signature.typeParameters ?? []).map((t) => {
      const constraint = t.getConstraint();
      return `${checker.typeToString(t)}${constraint ? ` extends ${this.type(constraint, depth)}` : ''}`;
    });
    const parameters = signature.parameters.map((p) => {
      const declaration = p.valueDeclaration;
      const parameter = declaration && ts.isParameter(declaration) ? declaration : undefined;
      const rest = parameter?.dotDotDotToken ? '...' : '';
      const optional = parameter && checker.isOptionalParameter(parameter) ? '?' : '';
      return `${rest}${p.name}${optional}: ${this.type(checker.getTypeOfSymbol(p), depth)}`;
    });
    return `<${typeParameters.join(', ')}>(${parameters.join(', ')}) => ${this.type(signature.getReturnType(), depth)}`;
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

/**
 * Whether what other files can see of `sf` (its text outside the bodies its shape hides) names
 * something it imports from `fileName`, or re-exports it: then a type `sf` shows may come from
 * there, inferred (`export const shared = make()`) or written (`get(): Box`, whose members a
 * reader resolves). A file that resolved into `fileName` without importing it passes a type on
 * where it has a declaration whose type is inferred.
 */
function passesTypesOf(sf: ts.SourceFile, fileName: string, checker: ts.TypeChecker): boolean {
  const names = new Set<string>();
  let imports = false;
  for (const statement of sf.statements) {
    if (moduleDeclarationOf(statement, checker)?.getSourceFile().fileName !== fileName) continue;
    if (!ts.isImportDeclaration(statement)) return true;
    imports = true;
    const clause = statement.importClause;
    if (clause?.name) names.add(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
    else if (bindings) for (const element of bindings.elements) names.add(element.name.text);
  }
  if (!imports) return hasInferredDeclaration(sf);
  const visible = visibleNames(sf);
  for (const name of names) if (visible.has(name)) return true;
  return false;
}

/** The identifiers of a file outside its imports and outside the bodies its shape hides. */
const visibleNames = perSourceFile((sf): ReadonlySet<string> => {
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) found.add(node.text);
    else if (hasHiddenBody(node, sf)) ts.forEachChild(node, (child) => (child === node.body ? undefined : visit(child)));
    else if (!ts.isImportDeclaration(node)) ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
});

/** Whether the file has a declaration whose type is not written: it takes its type from an initializer or a body. */
const hasInferredDeclaration = perSourceFile((sf) => sf.statements.some(isInferred));

function isInferred(statement: ts.Statement): boolean {
  if (ts.isExportAssignment(statement)) return true;
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.some((d) => !d.type && !!d.initializer);
  if (ts.isFunctionDeclaration(statement)) return !statement.type && !!statement.body;
  if (ts.isClassDeclaration(statement)) {
    return statement.members.some(
      (member) =>
        (ts.isPropertyDeclaration(member) && !member.type && !!member.initializer) ||
        ((ts.isMethodDeclaration(member) || ts.isGetAccessorDeclaration(member)) && !member.type && !!member.body),
    );
  }
  // a namespace's members are declarations of their own
  if (ts.isModuleDeclaration(statement) && statement.body && ts.isModuleBlock(statement.body)) return statement.body.statements.some(isInferred);
  return false;
}
