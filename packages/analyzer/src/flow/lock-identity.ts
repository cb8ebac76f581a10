import ts from 'typescript';
import { hasModifier } from '../graph/functions.js';
import { relativePosix } from '../report/location.js';
import type { LockIdentity, LockKind } from '../types.js';
import { symbolAt } from './symbols.js';

/** What a symbol is bound to inside the function being walked, if it is a lock value. */
export type BindingLookup = (symbol: ts.Symbol) => { lock: LockIdentity } | undefined;

export interface IdentityContext {
  checker: ts.TypeChecker;
  rootDir: string;
  /** Label and parameters of the function being walked (see `FunctionInfo.label`): a parameter lock is named after it and substituted at call sites. */
  functionLabel: string;
  functionNode: ts.Node;
  bindings: BindingLookup;
}

/** Parentheses, `!`, `as`, `satisfies` and `<T>`: each `ts.isX` guard of them is a test of `node.kind` alone. */
export const WRAPPER_KINDS: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.ParenthesizedExpression,
  ts.SyntaxKind.NonNullExpression,
  ts.SyntaxKind.AsExpression,
  ts.SyntaxKind.SatisfiesExpression,
  ts.SyntaxKind.TypeAssertionExpression,
]);

export function stripExpression(expr: ts.Expression): ts.Expression {
  let current = expr;
  while (WRAPPER_KINDS.has(current.kind)) {
    current = (current as ts.ParenthesizedExpression | ts.NonNullExpression | ts.AsExpression | ts.SatisfiesExpression | ts.TypeAssertion).expression;
  }
  return current;
}

export function resolveAlias(checker: ts.TypeChecker, symbol: ts.Symbol | undefined): ts.Symbol | undefined {
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) {
    try {
      return checker.getAliasedSymbol(symbol);
    } catch {
      return symbol;
    }
  }
  return symbol;
}

/** The literal a key expression stands for: a literal, an array of them, or a `const` bound to one. */
export function literalText(expr: ts.Expression | undefined, checker?: ts.TypeChecker, depth = 0): string | undefined {
  if (!expr) return undefined;
  const e = stripExpression(expr);
  if (ts.isStringLiteralLike(e) || ts.isNumericLiteral(e)) return e.text;
  if (ts.isArrayLiteralExpression(e)) {
    const parts = e.elements.map((el) => literalText(el, checker, depth));
    return parts.every((p) => p !== undefined) ? parts.join(',') : undefined;
  }
  if (checker && depth < 4 && (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e))) {
    const symbol = resolveAlias(checker, symbolAt(checker, ts.isPropertyAccessExpression(e) ? e.name : e));
    const declaration = symbol?.valueDeclaration;
    const isConst =
      !!declaration &&
      ((ts.isVariableDeclaration(declaration) && (declaration.parent.flags & ts.NodeFlags.Const) !== 0) ||
        (ts.isPropertyDeclaration(declaration) && hasModifier(declaration, ts.SyntaxKind.ReadonlyKeyword)));
    if (isConst && (declaration as ts.VariableDeclaration | ts.PropertyDeclaration).initializer) {
      return literalText((declaration as ts.VariableDeclaration).initializer, checker, depth + 1);
    }
  }
  return undefined;
}

/**
 * The abstract place a lock value lives: `Class#field`, `file.ts#binding`, a parameter of the
 * current function, or an anonymous place for a lock created inline. Kind, library and
 * reentrancy are filled in by the caller, who knows which model recognised the lock.
 */
export function placeOf(ctx: IdentityContext, expression: ts.Expression, depth = 0): Pick<LockIdentity, 'id' | 'paramIndex'> {
  const expr = stripExpression(expression);
  const { checker } = ctx;
  if (depth < 6 && ts.isIdentifier(expr)) {
    const symbol = resolveAlias(checker, symbolAt(checker, expr));
    if (symbol) {
      const bound = ctx.bindings(symbol);
      if (bound) return { id: bound.lock.id, paramIndex: bound.lock.paramIndex };
      const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
      if (declaration) return placeOfDeclaration(ctx, declaration, symbol.name, depth);
    }
    return { id: expr.text };
  }
  if (ts.isPropertyAccessExpression(expr) || ts.isPropertyAccessChain(expr)) {
    if (isNavigatorLocks(expr)) return { id: 'navigator.locks' };
    const symbol = symbolAt(checker, expr.name);
    const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
    const owner = declaration ? ownerName(declaration) : undefined;
    if (owner) return { id: `${owner}#${expr.name.text}` };
    return { id: `${placeOf(ctx, expr.expression, depth + 1).id}.${expr.name.text}` };
  }
  if (ts.isElementAccessExpression(expr)) {
    const key = literalText(expr.argumentExpression, checker);
    return { id: `${placeOf(ctx, expr.expression, depth + 1).id}[${key === undefined ? '*' : `'${key}'`}]` };
  }
  if (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression) && expr.expression.name.text === 'get') {
    // locks.get(key): a map of locks is one keyed lock family
    const key = literalText(expr.arguments[0], checker);
    return { id: `${placeOf(ctx, expr.expression.expression, depth + 1).id}[${key === undefined ? '*' : `'${key}'`}]` };
  }
  if (expr.kind === ts.SyntaxKind.ThisKeyword) {
    const cls = enclosingClass(expr);
    return { id: `${cls?.name?.text ?? '<class>'}#this` };
  }
  return { id: anonymousPlace(ctx, expr) };
}

function placeOfDeclaration(
  ctx: IdentityContext,
  declaration: ts.Declaration,
  name: string,
  depth: number,
): Pick<LockIdentity, 'id' | 'paramIndex'> {
  if (ts.isParameter(declaration)) {
    const fn = declaration.parent;
    if (fn === ctx.functionNode && ts.isFunctionLike(fn)) {
      return { id: `${ctx.functionLabel.split('#')[1] ?? ctx.functionLabel}(${name})`, paramIndex: fn.parameters.indexOf(declaration) };
    }
    return { id: `${relativePosix(ctx.rootDir, declaration.getSourceFile().fileName)}#${name}` };
  }
  if (ts.isVariableDeclaration(declaration)) {
    const init = declaration.initializer && stripExpression(declaration.initializer);
    const moduleLevel = isModuleLevel(declaration);
    // `const m = this.mutex` is the same lock under another name; `const m = new Mutex()` is a lock of its own.
    if (init && !moduleLevel && !ts.isNewExpression(init) && !ts.isCallExpression(init) && !ts.isAwaitExpression(init)) {
      return placeOf(ctx, init, depth + 1);
    }
    if (moduleLevel) return { id: `${relativePosix(ctx.rootDir, declaration.getSourceFile().fileName)}#${name}` };
    return { id: `${relativePosix(ctx.rootDir, declaration.getSourceFile().fileName)}#${scopeName(declaration)}:${name}` };
  }
  if (ts.isBindingElement(declaration)) {
    return { id: `${relativePosix(ctx.rootDir, declaration.getSourceFile().fileName)}#${scopeName(declaration)}:${name}` };
  }
  const owner = ownerName(declaration);
  if (owner) return { id: `${owner}#${name}` };
  return { id: `${relativePosix(ctx.rootDir, declaration.getSourceFile().fileName)}#${name}` };
}

function isNavigatorLocks(expr: ts.PropertyAccessExpression): boolean {
  const target = stripExpression(expr.expression);
  return expr.name.text === 'locks' && ts.isIdentifier(target) && target.text === 'navigator';
}

export function isModuleLevel(declaration: ts.VariableDeclaration): boolean {
  const statement = declaration.parent?.parent;
  return !!statement && ts.isVariableStatement(statement) && (ts.isSourceFile(statement.parent) || ts.isModuleBlock(statement.parent));
}

/** Class or interface (or object-literal holder) that declares a member. */
export function ownerName(declaration: ts.Node): string | undefined {
  const parent = declaration.parent;
  if (!parent) return undefined;
  if (ts.isClassLike(parent) || ts.isInterfaceDeclaration(parent)) return parent.name?.text ?? '<class>';
  if (ts.isTypeLiteralNode(parent) && ts.isTypeAliasDeclaration(parent.parent)) return parent.parent.name.text;
  if (ts.isObjectLiteralExpression(parent)) {
    const holder = parent.parent;
    if (ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name)) return holder.name.text;
  }
  if (ts.isParameter(declaration) && ts.isConstructorDeclaration(parent) && ts.isClassLike(parent.parent)) {
    // constructor(private readonly mutex: Mutex): a parameter property is a field
    return ts.getModifiers(declaration)?.length ? (parent.parent.name?.text ?? '<class>') : undefined;
  }
  return undefined;
}

function enclosingClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isClassLike(current)) return current;
  }
  return undefined;
}

function scopeName(node: ts.Node): string {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current) && 'name' in current && current.name && ts.isIdentifier(current.name)) {
      const cls = ts.isClassLike(current.parent) ? `${current.parent.name?.text ?? '<class>'}.` : '';
      return cls + current.name.text;
    }
    if (ts.isFunctionLike(current) && ts.isVariableDeclaration(current.parent) && ts.isIdentifier(current.parent.name)) {
      return current.parent.name.text;
    }
  }
  return '<local>';
}

function anonymousPlace(ctx: IdentityContext, expr: ts.Node): string {
  const sf = expr.getSourceFile();
  const { line, character } = sf.getLineAndCharacterOfPosition(expr.getStart(sf));
  return `${relativePosix(ctx.rootDir, sf.fileName)}@${line + 1}:${character + 1}`;
}

export function makeIdentity(
  place: Pick<LockIdentity, 'id' | 'paramIndex'>,
  library: string,
  kind: LockKind,
  reentrant: boolean,
  key?: { keyed: true; key: string | undefined },
): LockIdentity {
  if (key) {
    return {
      id: `${place.id}[${key.key === undefined ? '*' : `'${key.key}'`}]`,
      library,
      kind,
      reentrant,
      paramIndex: place.paramIndex,
      keyed: true,
      key: key.key,
    };
  }
  return { id: place.id, library, kind, reentrant, paramIndex: place.paramIndex };
}

/**
 * The program's declaration of the lock a call is made on: `this.mutex.acquire()` → the field,
 * `withTimeout(this.mutex, 100).acquire()` → the decorated lock. Declarations in library code
 * are not the program's.
 */
export function lockDeclarationOfCall(checker: ts.TypeChecker, node: ts.Node): ts.Node | undefined {
  if (!ts.isCallExpression(node)) return undefined;
  let callee = stripExpression(node.expression);
  if (ts.isPropertyAccessExpression(callee)) callee = stripExpression(callee.expression);
  if (ts.isCallExpression(callee) && callee.arguments[0]) callee = stripExpression(callee.arguments[0]);
  const nameNode = ts.isPropertyAccessExpression(callee) ? callee.name : ts.isIdentifier(callee) ? callee : undefined;
  if (!nameNode) return undefined;
  const declaration = resolveAlias(checker, symbolAt(checker, nameNode))?.valueDeclaration;
  return declaration && !declaration.getSourceFile().isDeclarationFile ? declaration : undefined;
}
