import ts from 'typescript';
import { hasModifier } from '../graph/functions.js';
import { changedOnlyAlike, sameItems } from '../incremental/file-list-diff.js';
import { classesOf } from '../graph/file-classes.js';

/**
 * The names of every class field the program can see (its own files and the declaration files
 * it holds): `record.id` can name shared state only if some class declares a field `id`.
 *
 * Asking the checker which declaration `record.id` names type-checks `record` first, which for
 * a local initialised from an awaited call or a contextually typed callback parameter resolves
 * overloads and infers type arguments: on an editor's fresh checker, most of what walking a
 * file costs. Most property reads name no class field at all (`id`, `length`, `then`), and a
 * syntactic scan of the program's classes says so without the checker.
 *
 * `mutable` holds the names some class declares without `readonly`: a plain read of a readonly
 * field is no shared state (its value never changes), only a container's entries are, so a plain
 * `response.ok` needs the checker only if some class declares a mutable `ok`.
 *
 * Undefined when a field's name cannot be read without the checker (a computed name that is
 * not a literal): every name must then be asked about.
 */
export type FieldNames = { readonly all: ReadonlySet<string>; readonly mutable: ReadonlySet<string> } | undefined;

interface FileFields {
  all: readonly string[];
  mutable: readonly string[];
}

/** Per file: its field names, or null when one of its names is computed. Files never change. */
const perFile = new WeakMap<ts.SourceFile, FileFields | null>();
const perProgram = new WeakMap<ts.Program, ProgramFieldNames>();

/** A program's field names, with the files they were read from (what the next program's are compared with). */
export interface ProgramFieldNames {
  files: readonly ts.SourceFile[];
  names: FieldNames;
}

/**
 * The field names of a program. `previous`, the result for the project's last program, is
 * kept when the files that changed since declare the fields they did (an edit inside a body):
 * the union of every file's names costs a pass over the whole program.
 */
export function programFieldNames(program: ts.Program, previous?: ProgramFieldNames): ProgramFieldNames {
  const known = perProgram.get(program);
  if (known) return known;
  const files = program.getSourceFiles();
  const result =
    previous && changedOnlyAlike(previous.files, files, (before, after) => sameFields(fieldNamesOf(before), fieldNamesOf(after)))
      ? { files, names: previous.names }
      : { files, names: unionOf(files) };
  perProgram.set(program, result);
  return result;
}

/**
 * The names the filter lets through now and did not for `before`: a file that reads one as
 * `x.name` skipped that read when it was walked, and must be walked again (`'all'` when the
 * filter is lifted: every name is asked about now). Empty when nothing was added.
 */
export function namesLetThrough(before: FieldNames, after: FieldNames): ReadonlySet<string> | 'all' {
  if (before === after || before === undefined) return NONE;
  if (after === undefined) return 'all';
  const added = new Set<string>();
  for (const name of after.all) if (!before.all.has(name)) added.add(name);
  for (const name of after.mutable) if (!before.mutable.has(name)) added.add(name);
  return added;
}

const NONE: ReadonlySet<string> = new Set();
/** Per file, the names it reads as `x.name`. Files never change. */
const accessedPerFile = new WeakMap<ts.SourceFile, ReadonlySet<string>>();

/** Whether a file reads some of `names` as `x.name`: the reads the field-name filter may have skipped in it. */
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

function unionOf(files: readonly ts.SourceFile[]): FieldNames {
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
  const known = perFile.get(sf);
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
  perFile.set(sf, result);
  return result;
}

function literalName(name: ts.PropertyName | ts.BindingName): string | undefined {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name) && ts.isStringLiteralLike(name.expression)) return name.expression.text;
  return undefined;
}

function isWellKnownSymbol(expression: ts.Expression): boolean {
  return ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.expression) && expression.expression.text === 'Symbol';
}
