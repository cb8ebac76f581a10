import ts from 'typescript';
import { locationOf, relativePosix } from '../report/location.js';
import type { FunctionInfo, FunctionNode } from '../types.js';

/** JSDoc tags the analysis reads; everything else in a comment is the user's. */
export const ANALYSIS_TAGS = new Set([
  'blocking',
  'nonBlocking',
  'noBlocking',
  'requires',
  'excludes',
  'acquires',
  'releases',
  'lock',
  'guardedBy',
  'lockwise',
]);

/** The kinds `isFunctionNode` accepts: each `ts.isX` guard of them is a test of `node.kind` alone. */
const FUNCTION_KINDS: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
  ts.SyntaxKind.ArrowFunction,
  ts.SyntaxKind.FunctionExpression,
]);

/** Asked for nearly every node the walk and the index meet: one set lookup instead of seven calls. */
export function isFunctionNode(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return FUNCTION_KINDS.has(node.kind);
}

export function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((m) => m.kind === kind) ?? false);
}

/** The name a reader would use for the function, qualified by its class or object. */
export function functionName(node: FunctionNode): string {
  if (ts.isSourceFile(node)) return '<module>';
  const own = ownName(node);
  const container = containerName(node);
  if (own !== undefined) return container ? `${container}.${own}` : own;
  const enclosing = enclosingFunction(node);
  const pos = node.getSourceFile().getLineAndCharacterOfPosition(node.getStart());
  const where = `@${pos.line + 1}:${pos.character + 1}`;
  return enclosing ? `${functionName(enclosing)}>${where}` : `<anonymous>${where}`;
}

function ownName(node: ts.FunctionLikeDeclaration): string | undefined {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name) {
    const text = ts.isIdentifier(node.name) || ts.isPrivateIdentifier(node.name) || ts.isStringLiteral(node.name)
      ? node.name.text
      : node.name.getText();
    if (ts.isGetAccessorDeclaration(node)) return `get ${text}`;
    if (ts.isSetAccessorDeclaration(node)) return `set ${text}`;
    return text;
  }
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.initializer === node) {
    return parent.name.getText();
  }
  if (ts.isExportAssignment(parent)) return 'default';
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === node) {
    return parent.left.getText().replace(/^this\./, '');
  }
  return undefined;
}

function containerName(node: ts.Node): string | undefined {
  let parent = node.parent;
  if (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isVariableDeclaration(parent)) {
    parent = parent.parent;
  }
  if (ts.isClassLike(parent)) return parent.name?.text ?? '<class>';
  if (ts.isObjectLiteralExpression(parent)) {
    const holder = parent.parent;
    if (ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name)) return holder.name.text;
    if (ts.isPropertyAssignment(holder)) return holder.name.getText();
    return '<object>';
  }
  return undefined;
}

export function enclosingFunction(node: ts.Node): ts.FunctionLikeDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (isFunctionNode(current)) return current;
  }
  return undefined;
}

export function jsDocTagsOf(node: FunctionNode): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  if (ts.isSourceFile(node)) return tags;
  const hosts: ts.Node[] = [node];
  if (ts.isVariableDeclaration(node.parent)) hosts.push(node.parent, node.parent.parent.parent);
  if (ts.isPropertyDeclaration(node.parent) || ts.isPropertyAssignment(node.parent)) hosts.push(node.parent);
  for (const host of hosts) {
    for (const tag of ts.getJSDocTags(host)) {
      const name = tag.tagName.text;
      if (!ANALYSIS_TAGS.has(name)) continue;
      const comment = typeof tag.comment === 'string' ? tag.comment : ts.getTextOfJSDocComment(tag.comment) ?? '';
      const list = tags.get(name) ?? [];
      list.push(comment.trim());
      tags.set(name, list);
    }
  }
  return tags;
}

export interface FunctionIndex {
  byKey: ReadonlyMap<string, FunctionInfo>;
  byNode: { get(node: ts.Node): FunctionInfo | undefined };
}

/**
 * Every function body of one file, in source order. Keyed by name (`file#Class.method`), and an
 * anonymous function by its place among the anonymous functions of the function around it
 * (`file#Class.method>#2`): typing a line moves every function after it, and a key that moved
 * with it would make every edit rename them, which the editor's in-place update cannot follow.
 * The label names it by line and column (`file#Class.method>@12:5`), as a reader finds it.
 */
export function indexFile(sourceFile: ts.SourceFile, rootDir: string, subsystem: string): FunctionInfo[] {
  const rel = relativePosix(rootDir, sourceFile.fileName);
  const infos: FunctionInfo[] = [];
  const keys = new Set<string>();
  const byNode = new Map<ts.Node, FunctionInfo>();
  // the anonymous functions met so far inside each function (the file's own by the source file)
  const anonymousIn = new Map<ts.Node, number>();
  // a JSDoc tag starts with `@`: a file without one spares every function the JSDoc lookup
  const mayBeTagged = sourceFile.text.includes('@');
  const add = (node: FunctionNode) => {
    const name = functionName(node);
    const keyName = ts.isSourceFile(node) || ownName(node) !== undefined ? name : anonymousKeyName(node);
    let key = `${rel}#${keyName}`;
    let label = `${rel}#${name}`;
    for (let n = 2; keys.has(key); n++) {
      key = `${rel}#${keyName}~${n}`;
      label = `${rel}#${name}~${n}`;
    }
    keys.add(key);
    const isSource = ts.isSourceFile(node);
    const info: FunctionInfo = {
      key,
      label,
      name,
      node,
      sourceFile,
      subsystem,
      location: isSource ? { file: locationOf(node, sourceFile).file, line: 1, column: 1, endLine: 1, endColumn: 1 } : locationOf(node, sourceFile),
      isAsync: !isSource && hasModifier(node, ts.SyntaxKind.AsyncKeyword),
      isGenerator: !isSource && !!node.asteriskToken,
      hasBody: isSource || node.body !== undefined,
      tags: mayBeTagged ? jsDocTagsOf(node) : new Map(),
    };
    if (!isSource) {
      const parent = node.parent;
      if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.arguments?.includes(node as ts.Expression)) {
        const enclosing = enclosingFunction(node);
        info.inlineArgumentOf = {
          call: parent,
          argIndex: parent.arguments.indexOf(node as ts.Expression),
          enclosing: enclosing ? (byNode.get(enclosing)?.key ?? '') : `${rel}#<module>`,
        };
      }
    }
    infos.push(info);
    byNode.set(node, info);
  };
  const anonymousKeyName = (node: ts.FunctionLikeDeclaration): string => {
    const enclosing = enclosingFunction(node);
    const around: ts.Node = enclosing ?? sourceFile;
    const nth = (anonymousIn.get(around) ?? 0) + 1;
    anonymousIn.set(around, nth);
    const outer = enclosing && byNode.get(enclosing);
    return outer ? `${outer.key.slice(rel.length + 1)}>#${nth}` : `<anonymous>#${nth}`;
  };
  add(sourceFile);
  const visit = (node: ts.Node): void => {
    if (isFunctionNode(node) && node.body) add(node);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sourceFile, visit);
  return infos;
}
