import ts from 'typescript';
import { hasModifier, isFunctionNode } from '../graph/functions.js';
import { changedOnlyAlike, sameItems } from '../incremental/file-list-diff.js';
import { classesOf } from '../graph/file-classes.js';
import { stripExpression, WRAPPER_KINDS } from './lock-identity.js';
import { ENTRY_WRITES, isConstructionWrite, writtenFieldName } from './shared-state.js';

/**
 * What a property read's name says without the checker: whether `record.id` can name shared
 * state at all.
 *
 * Asking the checker which declaration `record.id` names type-checks `record` first, which for
 * a local initialised from an awaited call or a contextually typed callback parameter resolves
 * overloads and infers type arguments: on an editor's fresh checker, most of what walking a
 * file costs. Most property reads name no class field at all (`id`, `length`, `then`), and a
 * syntactic scan of the program says so without the checker.
 */
export interface PropertyNames {
  /**
   * The names of every class field the program can see (its own files and the declaration files
   * it holds), and those some class declares without `readonly`: a plain read of a readonly field
   * is no shared state (its value never changes), only a container's entries are, so a plain
   * `response.ok` needs the checker only if some class declares a mutable `ok`.
   *
   * Undefined when a field's name cannot be read without the checker (a computed name that is
   * not a literal): every name must then be asked about.
   */
  readonly declared: { readonly all: ReadonlySet<string>; readonly mutable: ReadonlySet<string> } | undefined;
  /**
   * The names whose reads some rule has a use for: those of the class fields the program's own
   * code writes (each write site resolved, see `fieldWriteSites` and field-writes.ts), and of the
   * fields it annotates `@guardedBy` (whose references a rule follows out of their region). A
   * read of any other name pairs with no write of the program: what it reads is set once, where
   * its object is made. In viem, every field read the checker was asked about (`error.errorName`,
   * `status`, `data`) names a field only constructors set, whatever plain objects the code writes
   * under the same names.
   */
  readonly watched: ReadonlySet<string>;
  /**
   * The names under which `x.name` can read one of the program's functions: those its functions
   * are declared with (`save() {}`, `save = () => {}`, `{ save: function () {} }`, `function
   * save() {}` read through a namespace import), and the names its modules export. An argument
   * `plugins.some(Plugin.isAccounts)` is a callback only under one of them; asking the checker
   * which declaration every other `options.address` names costs most of what walking viem does.
   *
   * Undefined when a function's name cannot be read without the checker (a computed name that
   * is not a literal): every name must then be asked about.
   */
  readonly functions: ReadonlySet<string> | undefined;
}

interface FileFields {
  all: readonly string[];
  mutable: readonly string[];
}

/** Per file: its field names, or null when one of its names is computed. Files never change. */
const fieldsPerFile = new WeakMap<ts.SourceFile, FileFields | null>();

/**
 * A place the walker records a write of `x.name` at, and the name: an assignment's target,
 * `++`/`--` or `delete` (`expression` is the target), or a collection method that changes its
 * entries (`expression` is the collection).
 */
export interface FieldWriteSite {
  expression: ts.Expression;
  entries: boolean;
  name: string;
}

/** What a file's code says about property names. */
interface FileCodeNames {
  /** Where it writes `x.name`, outside a constructor's own fields (see `isConstructionWrite`). */
  writes: readonly FieldWriteSite[];
  /** The fields it annotates `@guardedBy`. */
  guarded: readonly string[];
  /** The names its functions are declared or exported with; null when one of them is computed. */
  functions: readonly string[] | null;
}

/** A program's property names that need no checker: all of `PropertyNames` but `watched`, and the guarded fields. */
export interface SyntacticNames {
  readonly declared: PropertyNames['declared'];
  readonly functions: PropertyNames['functions'];
  readonly guarded: ReadonlySet<string>;
}

/** Per file: what its code says about property names. Files never change. */
const codeNamesPerFile = new WeakMap<ts.SourceFile, FileCodeNames>();
const perProgram = new WeakMap<ts.Program, ProgramPropertyNames>();

/** A program's property names, with the files they were read from (what the next program's are compared with). */
export interface ProgramPropertyNames {
  files: readonly ts.SourceFile[];
  names: SyntacticNames;
}

/**
 * The property names of a program. `previous`, the result for the project's last program, is
 * kept when the files that changed since say what they did (an edit inside a body that declares
 * no field, annotates no field and names no function it did not before): the union of every file's names
 * costs a pass over the whole program.
 */
export function programPropertyNames(program: ts.Program, previous?: ProgramPropertyNames): ProgramPropertyNames {
  const known = perProgram.get(program);
  if (known) return known;
  const files = program.getSourceFiles();
  const result =
    previous && changedOnlyAlike(previous.files, files, (before, after) => sameFields(fieldNamesOf(before), fieldNamesOf(after)) && sameCodeNames(codeNamesOf(before), codeNamesOf(after)))
      ? { files, names: previous.names }
      : { files, names: unionOf(files) };
  perProgram.set(program, result);
  return result;
}

/**
 * The names whose reads the filters let through now and did not for `before`, or the other way
 * round: a file that reads one as `x.name` recorded a read a walk from scratch would not (or
 * skipped one it would), and must be walked again (`'all'` when a filter is lifted: every name
 * is asked about now). Empty when nothing changed.
 *
 * A declared field or function that goes away needs no entry here: a read that named it
 * resolved to its declaration, whose file it depends on. A watched name that goes away does: no
 * read depends on the writes of its name.
 */
export function namesLetThrough(before: PropertyNames | undefined, after: PropertyNames): ReadonlySet<string> | 'all' {
  if (before === undefined || before === after) return NONE;
  const changed = new Set<string>();
  for (const name of after.watched) if (!before.watched.has(name)) changed.add(name);
  for (const name of before.watched) if (!after.watched.has(name)) changed.add(name);
  // with no declared-field filter before, every name was asked about: nothing was skipped
  if (before.declared !== undefined) {
    const added = declaredAdded(before.declared, after.declared);
    if (added === 'all') return 'all';
    for (const name of added) changed.add(name);
  }
  if (before.functions !== undefined && before.functions !== after.functions) {
    if (after.functions === undefined) return 'all';
    for (const name of after.functions) if (!before.functions.has(name)) changed.add(name);
  }
  return changed;
}

/**
 * The names the walk filters by: the syntactic ones and `watched`. The last analysis' object
 * when nothing in it changed, so that `namesLetThrough` has nothing to compare.
 */
export function namesWith(last: PropertyNames | undefined, names: SyntacticNames, watched: ReadonlySet<string>): PropertyNames {
  if (last && last.declared === names.declared && last.functions === names.functions && sameSet(last.watched, watched)) return last;
  return { declared: names.declared, functions: names.functions, watched };
}

/**
 * The names some class declares as a field (mutable, or at all) now and did not in `before`: a
 * read or write of one passed the filter without the checker then. `'all'` when there was no
 * filter before, or there is none now.
 */
export function declaredAdded(before: PropertyNames['declared'] | undefined, after: PropertyNames['declared']): ReadonlySet<string> | 'all' {
  if (before === after) return NONE;
  if (!before || !after) return 'all';
  const added = new Set<string>();
  for (const name of after.all) if (!before.all.has(name)) added.add(name);
  for (const name of after.mutable) if (!before.mutable.has(name)) added.add(name);
  return added;
}

/** Whether a file writes some of `names` as `x.name` (see `fieldWriteSites`). */
export function writesAnyOf(sf: ts.SourceFile, names: ReadonlySet<string>): boolean {
  if (names.size === 0) return false;
  return codeNamesOf(sf).writes.some((site) => names.has(site.name));
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}

const NONE: ReadonlySet<string> = new Set();
/** Per file, the names it reads as `x.name`. Files never change. */
const accessedPerFile = new WeakMap<ts.SourceFile, ReadonlySet<string>>();

/** Whether a file reads some of `names` as `x.name`: the reads the property-name filters may have skipped in it. */
export function readsAnyOf(sf: ts.SourceFile, names: ReadonlySet<string>): boolean {
  if (names.size === 0) return false;
  const accessed = accessedPerFile.get(sf) ?? accessedIn(sf);
  for (const name of names) if (accessed.has(name)) return true;
  return false;
}

/** A function of its own: every file is asked on every edit, and a closure over `found` would allocate its context on each call (see subsystems.ts). */
function accessedIn(sf: ts.SourceFile): ReadonlySet<string> {
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) found.add(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  accessedPerFile.set(sf, found);
  return found;
}

function unionOf(files: readonly ts.SourceFile[]): SyntacticNames {
  const guarded = new Set<string>();
  let functions: Set<string> | undefined = new Set<string>();
  for (const sf of files) {
    const own = codeNamesOf(sf);
    for (const name of own.guarded) guarded.add(name);
    if (own.functions === null) functions = undefined;
    else if (functions) for (const name of own.functions) functions.add(name);
  }
  return { declared: declaredUnionOf(files), functions, guarded };
}

function sameCodeNames(a: FileCodeNames, b: FileCodeNames): boolean {
  return a === b || (sameItems(a.guarded, b.guarded) && sameItems(a.functions, b.functions));
}

/** Where a file writes `x.name` (see `FieldWriteSite`). */
export function fieldWriteSites(sf: ts.SourceFile): readonly FieldWriteSite[] {
  return codeNamesOf(sf).writes;
}

function declaredUnionOf(files: readonly ts.SourceFile[]): PropertyNames['declared'] {
  const all = new Set<string>();
  const mutable = new Set<string>();
  for (const sf of files) {
    const own = fieldNamesOf(sf);
    if (own === null) return undefined;
    for (const name of own.all) all.add(name);
    for (const name of own.mutable) mutable.add(name);
  }
  return { all, mutable };
}

function sameFields(a: FileFields | null, b: FileFields | null): boolean {
  return a === b || (!!a && !!b && sameItems(a.all, b.all) && sameItems(a.mutable, b.mutable));
}

function fieldNamesOf(sf: ts.SourceFile): FileFields | null {
  const known = fieldsPerFile.get(sf);
  if (known !== undefined) return known;
  const names: string[] = [];
  const mutable: string[] = [];
  let unreadable = false;
  const addName = (name: ts.PropertyName | ts.BindingName, declaration: ts.PropertyDeclaration | ts.ParameterDeclaration) => {
    const text = literalName(name);
    if (text !== undefined) {
      names.push(text);
      if (!hasModifier(declaration, ts.SyntaxKind.ReadonlyKeyword)) mutable.push(text);
    }
    // `[Symbol.iterator]`: a symbol-keyed field is never read as `x.name`
    else if (ts.isComputedPropertyName(name) && !isWellKnownSymbol(name.expression)) unreadable = true;
  };
  const addMember = (member: ts.Node): void => {
    if (ts.isPropertyDeclaration(member)) addName(member.name, member);
    else if (ts.isConstructorDeclaration(member)) for (const parameter of member.parameters) if (ts.getModifiers(parameter)?.length) addName(parameter.name, parameter);
  };
  // Declaration files hold classes only as statements (of the file, a namespace or an ambient
  // module): `classesOf` does not walk the types of the whole standard library.
  for (const declaration of classesOf(sf)) for (const member of declaration.members) addMember(member);
  const result = unreadable ? null : { all: names, mutable };
  fieldsPerFile.set(sf, result);
  return result;
}

/**
 * What a file's code says about property names, in one pass. Writes: where it writes `x.name`,
 * in the shapes the function walker records as writes (an assignment's target, `++`/`--`,
 * `delete`, and a collection method that changes its entries, `x.name.set(k, v)`); a constructor
 * setting its own object's field writes nothing a read could pair with (see
 * `isConstructionWrite`). Guarded: the fields it annotates `@guardedBy`. Functions: the names its
 * functions are declared with and the names it exports. A declaration file has no code, and no
 * function of the program.
 */
function codeNamesOf(sf: ts.SourceFile): FileCodeNames {
  const known = codeNamesPerFile.get(sf);
  if (known !== undefined) return known;
  const result = sf.isDeclarationFile ? NO_CODE : collectCodeNames(sf, sf.text.includes('@guardedBy'));
  codeNamesPerFile.set(sf, result);
  return result;
}

const NO_CODE: FileCodeNames = { writes: [], guarded: [], functions: [] };

function collectCodeNames(sf: ts.SourceFile, annotated: boolean): FileCodeNames {
  const writes: FieldWriteSite[] = [];
  const guarded = new Set<string>();
  const functions = new Set<string>();
  let unreadable = false;
  const visit = (node: ts.Node): void => {
    const site = writeSiteOf(node);
    if (site !== undefined) writes.push(site);
    const guardedName = annotated ? guardedFieldName(node) : undefined;
    if (guardedName !== undefined) guarded.add(guardedName);
    if (isFunctionNode(node) || ts.isExportSpecifier(node)) {
      const name = referenceNameOf(node);
      if (typeof name === 'string') functions.add(name);
      else if (name === UNREADABLE) unreadable = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  // `export default function` is read as `x.default`
  functions.add('default');
  return { writes, guarded: [...guarded], functions: unreadable ? null : [...functions] };
}

const UNREADABLE = Symbol('unreadable');

/**
 * The name `x.name` reads a function by, as `bodyOf` (graph/dispatch.ts) finds a function from
 * the declaration the checker names: the function's own name, or that of the variable, field or
 * property it initialises; for an export specifier, the name it exports.
 */
function referenceNameOf(node: ts.FunctionLikeDeclaration | ts.ExportSpecifier): string | typeof UNREADABLE | undefined {
  if (ts.isExportSpecifier(node)) return node.name.text;
  let host: ts.Node = node;
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
    // what `stripExpression` looks through: `(save as Handler)` still initialises with `save`'s function
    while (WRAPPER_KINDS.has(host.parent.kind)) host = host.parent;
    host = host.parent;
    if (!ts.isVariableDeclaration(host) && !ts.isPropertyDeclaration(host) && !ts.isPropertyAssignment(host)) return undefined;
  }
  const name = (host as ts.NamedDeclaration).name;
  if (name === undefined || !(ts.isPropertyName(name) || ts.isPrivateIdentifier(name))) return undefined;
  const text = literalName(name);
  if (text !== undefined) return text;
  // `[Symbol.iterator]() {}`: a symbol-keyed function is never read as `x.name`
  return ts.isComputedPropertyName(name) && !isWellKnownSymbol(name.expression) ? UNREADABLE : undefined;
}

function writeSiteOf(node: ts.Node): FieldWriteSite | undefined {
  const target = assignedTargetOf(node);
  if (target === undefined) return entriesChangedOf(node);
  const name = isConstructionWrite(target, enclosingFunction(target)) ? undefined : writtenFieldName(target);
  return name === undefined ? undefined : { expression: target, entries: false, name };
}

/** A class field with a `@guardedBy` tag (as lock-annotations.ts reads them). */
function guardedFieldName(node: ts.Node): string | undefined {
  if (!ts.isPropertyDeclaration(node) || !(ts.isIdentifier(node.name) || ts.isPrivateIdentifier(node.name))) return undefined;
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'guardedBy') ? node.name.text : undefined;
}

/** What an assignment, `++`/`--` or `delete` writes. */
function assignedTargetOf(node: ts.Node): ts.Expression | undefined {
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    return op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment ? node.left : undefined;
  }
  if (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) {
    return node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken ? node.operand : undefined;
  }
  return ts.isDeleteExpression(node) ? node.expression : undefined;
}

/** `x.name.set(k, v)`: the collection whose entries a call changes. */
function entriesChangedOf(node: ts.Node): FieldWriteSite | undefined {
  if (!ts.isCallExpression(node) && !ts.isNewExpression(node)) return undefined;
  const callee = stripExpression(node.expression);
  if (!ts.isPropertyAccessExpression(callee) || !ENTRY_WRITES.has(callee.name.text)) return undefined;
  const name = writtenFieldName(callee.expression);
  return name === undefined ? undefined : { expression: callee.expression, entries: true, name };
}

function enclosingFunction(node: ts.Node): ts.Node | undefined {
  for (let current = node.parent; current; current = current.parent) if (ts.isFunctionLike(current)) return current;
  return undefined;
}

function literalName(name: ts.PropertyName | ts.BindingName): string | undefined {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name) && ts.isStringLiteralLike(name.expression)) return name.expression.text;
  return undefined;
}

function isWellKnownSymbol(expression: ts.Expression): boolean {
  return ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.expression) && expression.expression.text === 'Symbol';
}
