import ts from 'typescript';
import { resolveAlias, stripExpression } from '../flow/lock-identity.js';
import { isFunctionNode, type FunctionIndex } from './functions.js';

/**
 * Maps a resolved declaration to the function bodies a call to it may run: the body itself,
 * the function a variable or property is initialised with, and for interface, abstract and
 * overridable methods every implementation or override in the program.
 */
export class Dispatch {
  private subtypes?: Map<ts.Symbol, ts.ClassLikeDeclaration[]>;
  private readonly memo = new Map<ts.Node, string[]>();

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly index: FunctionIndex,
    private readonly sourceFiles: readonly ts.SourceFile[],
  ) {}

  functionsOf(declaration: ts.Node): string[] {
    const body = bodyOf(declaration);
    const info = body && this.index.byNode.get(body);
    return info ? [info.key] : [];
  }

  targetsOf(declaration: ts.Declaration, _call?: ts.Node): string[] {
    const cached = this.memo.get(declaration);
    if (cached) return cached;
    const keys = new Set(this.functionsOf(declaration));
    const member = memberName(declaration);
    const owner = declaration.parent;
    if (member !== undefined && owner && (ts.isClassLike(owner) || ts.isInterfaceDeclaration(owner))) {
      const ownerSymbol = this.symbolOf(owner);
      if (ownerSymbol) {
        for (const sub of this.allSubtypes(ownerSymbol)) {
          for (const m of sub.members) {
            if (memberName(m) === member) for (const key of this.functionsOf(m)) keys.add(key);
          }
        }
      }
    }
    const result = [...keys];
    this.memo.set(declaration, result);
    return result;
  }

  private symbolOf(node: ts.ClassLikeDeclaration | ts.InterfaceDeclaration): ts.Symbol | undefined {
    return node.name ? this.checker.getSymbolAtLocation(node.name) : undefined;
  }

  private allSubtypes(symbol: ts.Symbol): ts.ClassLikeDeclaration[] {
    const direct = this.subtypeIndex();
    const seen = new Set<ts.Symbol>([symbol]);
    const result: ts.ClassLikeDeclaration[] = [];
    const queue = [symbol];
    while (queue.length) {
      const current = queue.pop()!;
      for (const cls of direct.get(current) ?? []) {
        result.push(cls);
        const s = this.symbolOf(cls);
        if (s && !seen.has(s)) {
          seen.add(s);
          queue.push(s);
        }
      }
    }
    return result;
  }

  /** Heritage edges of every class and interface in the program, built once. */
  private subtypeIndex(): Map<ts.Symbol, ts.ClassLikeDeclaration[]> {
    if (this.subtypes) return this.subtypes;
    const index = new Map<ts.Symbol, ts.ClassLikeDeclaration[]>();
    const visit = (node: ts.Node): void => {
      if ((ts.isClassLike(node) || ts.isInterfaceDeclaration(node)) && node.heritageClauses) {
        for (const clause of node.heritageClauses) {
          for (const type of clause.types) {
            const base = resolveAlias(this.checker, this.checker.getSymbolAtLocation(type.expression));
            if (!base) continue;
            if (ts.isClassLike(node)) {
              const list = index.get(base) ?? [];
              list.push(node);
              index.set(base, list);
            } else {
              // interface extends interface: implementations of the sub-interface implement the base
              const sub = this.symbolOf(node);
              if (sub) {
                const list = index.get(base) ?? [];
                for (const impl of index.get(sub) ?? []) list.push(impl);
                index.set(base, list);
                this.pendingInterfaceEdges.push([base, sub]);
              }
            }
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    for (const sf of this.sourceFiles) visit(sf);
    // Second pass: classes implementing a sub-interface were possibly seen after the interface.
    for (const [base, sub] of this.pendingInterfaceEdges) {
      const list = index.get(base) ?? [];
      for (const impl of index.get(sub) ?? []) if (!list.includes(impl)) list.push(impl);
      index.set(base, list);
    }
    this.subtypes = index;
    return index;
  }

  private readonly pendingInterfaceEdges: [ts.Symbol, ts.Symbol][] = [];
}

function memberName(node: ts.Node): string | undefined {
  if (
    (ts.isMethodDeclaration(node) || ts.isMethodSignature(node) || ts.isPropertyDeclaration(node) || ts.isPropertySignature(node) || ts.isGetAccessorDeclaration(node)) &&
    node.name
  ) {
    return ts.isIdentifier(node.name) || ts.isPrivateIdentifier(node.name) || ts.isStringLiteral(node.name) ? node.name.text : node.name.getText();
  }
  return undefined;
}

/** The function body a declaration stands for: itself, or the function it is initialised with. */
export function bodyOf(declaration: ts.Node): ts.Node | undefined {
  if (isFunctionNode(declaration)) return declaration;
  if ((ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration) || ts.isPropertyAssignment(declaration)) && declaration.initializer) {
    const init = stripExpression(declaration.initializer);
    if (isFunctionNode(init)) return init;
  }
  if (ts.isShorthandPropertyAssignment(declaration)) return undefined;
  return undefined;
}
