import ts from 'typescript';
import { hasModifier } from '../graph/functions.js';
import { relativePosix } from '../report/location.js';
import { isModuleLevel, resolveAlias, stripExpression } from './lock-identity.js';
import { symbolAt } from './symbols.js';
import type { PropertyNames } from './property-names.js';

/** Collection methods that change the collection's entries, and those that read them. */
export const ENTRY_WRITES = new Set(['set', 'delete', 'clear', 'add', 'push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill']);
export const ENTRY_READS = new Set(['get', 'has', 'at', 'includes', 'indexOf', 'find', 'some', 'every', 'keys', 'values', 'entries', 'slice']);

/**
 * Told of every declaration an answer was read from: whether a field is readonly, or a field at
 * all, is decided where it is declared, which may be a file the reader does not import.
 */
export interface DeclarationDependencies {
  dependOn(declaration: ts.Node): void;
}

/**
 * A read of a field no write of the program resolves to (nor annotated `@guardedBy`) is no read
 * of shared state (see `PropertyNames.watched`); a write always is.
 */
export type Access = 'read' | 'write';

/**
 * The shared place an expression reads or writes, if it is one: a mutable class field
 * (`Class#field`), a mutable module binding (`file.ts#name`), or a mutable local captured from
 * an enclosing function (`file.ts#scope:name`). Locals and readonly/const bindings are not shared.
 */
export function sharedStateOf(checker: ts.TypeChecker, rootDir: string, expression: ts.Expression, access: Access, currentFunction: ts.Node, fields?: PropertyNames, deps?: DeclarationDependencies): string | undefined {
  return placeOfState(checker, rootDir, expression, access, currentFunction, false, fields, deps);
}

/** Like `sharedStateOf`, but a `const` Map or a `readonly` array field counts: its entries are the shared state. */
export function containerStateOf(checker: ts.TypeChecker, rootDir: string, expression: ts.Expression, access: Access, currentFunction: ts.Node, fields?: PropertyNames, deps?: DeclarationDependencies): string | undefined {
  const place = placeOfState(checker, rootDir, expression, access, currentFunction, true, fields, deps);
  return place && `${place}[]`;
}

/**
 * The field name a write target writes as `x.name`: `x.name = v`, `x.name[k] = v`, and the
 * collection `x.name` whose entries a method changes: the name a `FieldWriteSite` records.
 */
export function writtenFieldName(target: ts.Expression): string | undefined {
  let current = stripExpression(target);
  while (ts.isElementAccessExpression(current)) current = stripExpression(current.expression);
  return ts.isPropertyAccessExpression(current) ? current.name.text : undefined;
}

/**
 * `this.name = v` written in a constructor's own body: the slot of an object no other code holds
 * yet (a constructor cannot await, and `this` is always the new object), so no read from before
 * an await can see it change. As RacerD treats a constructor's accesses, it pairs with no read
 * (see `SharedAccess.initialises`). Only the field itself: `this.items.push(x)` may change a
 * collection a caller handed in.
 */
export function isConstructionWrite(target: ts.Expression, currentFunction: ts.Node | undefined): boolean {
  if (currentFunction === undefined || !ts.isConstructorDeclaration(currentFunction)) return false;
  const place = stripExpression(target);
  return ts.isPropertyAccessExpression(place) && place.expression.kind === ts.SyntaxKind.ThisKeyword;
}

function placeOfState(
  checker: ts.TypeChecker,
  rootDir: string,
  expression: ts.Expression,
  access: Access,
  currentFunction: ts.Node,
  container: boolean,
  fields: PropertyNames | undefined,
  deps: DeclarationDependencies | undefined,
): string | undefined {
  const expr = stripExpression(expression);
  if (ts.isPropertyAccessExpression(expr)) {
    if (access === 'read' && fields && !fields.watched.has(expr.name.text)) return undefined;
    const own = ownMemberOfThis(expr);
    // only a class field is shared state: a name no class declares (mutable, for a plain read) needs no checker
    const declared = fields?.declared;
    if (!own && declared && !(container ? declared.all : declared.mutable).has(expr.name.text)) return undefined;
    const declaration = own ? own.declaration : symbolAt(checker, expr.name)?.valueDeclaration;
    if (!declaration) return undefined;
    if (!own) deps?.dependOn(declaration);
    const isField = ts.isPropertyDeclaration(declaration) || (ts.isParameter(declaration) && ts.isConstructorDeclaration(declaration.parent) && !!ts.getModifiers(declaration)?.length);
    if (!isField) return undefined;
    if (!container && hasModifier(declaration, ts.SyntaxKind.ReadonlyKeyword)) return undefined;
    const owner = declaration.parent && ts.isClassLike(declaration.parent) ? declaration.parent : ts.isParameter(declaration) ? declaration.parent.parent : undefined;
    const ownerName = owner && ts.isClassLike(owner) ? (owner.name?.text ?? '<class>') : '<class>';
    return `${ownerName}#${expr.name.text}`;
  }
  if (ts.isElementAccessExpression(expr)) {
    const place = placeOfState(checker, rootDir, expr.expression, access, currentFunction, true, fields, deps);
    return place !== undefined ? `${place}[]` : undefined;
  }
  if (ts.isIdentifier(expr)) {
    const symbol = resolveAlias(checker, symbolAt(checker, expr));
    const declaration = symbol?.valueDeclaration;
    if (!declaration) return undefined;
    deps?.dependOn(declaration);
    if (!ts.isVariableDeclaration(declaration)) return undefined;
    const list = declaration.parent;
    const isConst = ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0;
    if (isConst && !container) return undefined;
    const file = relativePosix(rootDir, declaration.getSourceFile().fileName);
    if (isModuleLevel(declaration)) return `${file}#${symbol!.name}`;
    const owner = enclosingFunctionLike(declaration);
    if (!owner || owner === currentFunction || isInside(currentFunction, owner) === false) return undefined;
    if (owner === currentFunction) return undefined;
    return `${file}#${scopeLabel(owner)}:${symbol!.name}`;
  }
  return undefined;
}

/**
 * `this.name` where the enclosing class itself declares `name`: found by syntax. Asking the checker
 * for the symbol of a property access type-checks the whole access (receiver type, narrowing), and
 * most reads of shared state are exactly this form. Inherited members, accessors of object
 * literals and `this` rebound by a nested `function` go to the checker.
 */
export function ownMemberOfThis(expr: ts.PropertyAccessExpression): { declaration: ts.Declaration | undefined } | undefined {
  if (expr.expression.kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  let fn: ts.Node | undefined = expr.parent;
  while (fn && !(ts.isFunctionLike(fn) && !ts.isArrowFunction(fn)) && !ts.isClassLike(fn) && !ts.isClassStaticBlockDeclaration(fn) && !ts.isSourceFile(fn)) fn = fn.parent;
  if (!fn || ts.isSourceFile(fn)) return undefined;
  // a property initializer or a static block: `this` is the class (instance or constructor)
  const member = ts.isClassLike(fn) ? undefined : fn;
  const owner = member ? member.parent : fn;
  if (!owner || !ts.isClassLike(owner)) return undefined;
  const isStaticContext = member ? ts.isClassStaticBlockDeclaration(member) || hasModifier(member, ts.SyntaxKind.StaticKeyword) : isInStaticInitializer(expr, owner);
  const members = membersByName(owner);
  const name = expr.name.text;
  const declaration = (isStaticContext ? members.statics : members.instance).get(name) ?? (isStaticContext ? undefined : members.parameters.get(name));
  return declaration ? { declaration } : undefined;
}

interface ClassMembers {
  instance: Map<string, ts.ClassElement>;
  statics: Map<string, ts.ClassElement>;
  /** Parameter properties of the first constructor declaration (`constructor(private x: T)`). */
  parameters: Map<string, ts.ParameterDeclaration>;
}

/** Per class, its members by name: `this.x` reads are most reads of shared state, and a class is read from many times. */
const classMembers = new WeakMap<ts.ClassLikeDeclaration, ClassMembers>();

/** The first member of each name wins, as a scan of `members` in order would find it. */
function membersByName(owner: ts.ClassLikeDeclaration): ClassMembers {
  let members = classMembers.get(owner);
  if (members) return members;
  members = { instance: new Map(), statics: new Map(), parameters: new Map() };
  for (const element of owner.members) {
    if (!element.name || !ts.isMemberName(element.name)) continue;
    const byName = hasModifier(element, ts.SyntaxKind.StaticKeyword) ? members.statics : members.instance;
    if (!byName.has(element.name.text)) byName.set(element.name.text, element);
  }
  const constructor = owner.members.find(ts.isConstructorDeclaration);
  for (const p of constructor?.parameters ?? []) {
    if (ts.isIdentifier(p.name) && !!ts.getModifiers(p)?.length && !members.parameters.has(p.name.text)) members.parameters.set(p.name.text, p);
  }
  classMembers.set(owner, members);
  return members;
}

function isInStaticInitializer(node: ts.Node, owner: ts.ClassLikeDeclaration): boolean {
  for (let current: ts.Node = node; current.parent && current.parent !== owner; current = current.parent) {
    if (ts.isPropertyDeclaration(current.parent) && current.parent.parent === owner) return hasModifier(current.parent, ts.SyntaxKind.StaticKeyword);
  }
  return false;
}

function enclosingFunctionLike(node: ts.Node): ts.Node | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current)) return current;
  }
  return undefined;
}

function isInside(inner: ts.Node, outer: ts.Node): boolean {
  for (let current: ts.Node | undefined = inner; current; current = current.parent) if (current === outer) return true;
  return false;
}

function scopeLabel(fn: ts.Node): string {
  const pos = fn.getSourceFile().getLineAndCharacterOfPosition(fn.getStart());
  if ('name' in fn && fn.name && ts.isIdentifier(fn.name as ts.Node)) return (fn.name as ts.Identifier).text;
  if (ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) return fn.parent.name.text;
  return `@${pos.line + 1}:${pos.character + 1}`;
}
