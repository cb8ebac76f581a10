import ts from 'typescript';
import { isFunctionNode } from '../graph/functions.js';
import type { FunctionInfo } from '../types.js';

/**
 * What other files' walks can learn from a file: its text without the bodies whose contents
 * no other file can see, and the keys of its functions outside those bodies. Two versions of a
 * file with the same shape give every file that resolves into it the same facts, so an edit
 * inside such a body (what typing mostly is) re-walks the edited file and not its importers.
 *
 * A body is hidden when the function's type does not depend on it: a function, method or getter
 * with a declared return type, a constructor, a setter. It is kept when it declares a class,
 * which can implement an interface other files call through. JavaScript files have no shape:
 * their types are inferred from bodies.
 *
 * The loose shape hides the body of every function, its type declared or not, and names every
 * function's key: two versions with the same loose shape differ inside bodies only, and where
 * those bodies' functions show the types they showed (see `bodyEdits`), other files learn the
 * same from both.
 */
export interface Shape {
  text: string;
  /** The hidden bodies, in source order (outermost only: one inside another is part of it). */
  hidden: readonly HiddenBody[];
}

export interface HiddenBody extends ts.TextRange {
  /** The function whose body it is. */
  fn: FunctionWithBody;
  /** Whether the function's type is declared (its body cannot change it). */
  typed: boolean;
}

/** The file's shape, with the bodies it hides: where an edit leaves it as it was. */
export const fileShape = shapeOnce(isFunctionWithHiddenBody, false);

/** The file's loose shape: every function's body hidden, every function's key named. */
export const looseShape = shapeOnce(isFunctionWithBody, true);

/** A shape computed once per `SourceFile` (its text never changes; JavaScript has none). */
function shapeOnce(hides: (node: ts.Node) => node is FunctionWithBody, namesEvery: boolean) {
  const shapes = new WeakMap<ts.SourceFile, Shape | null>();
  return (sf: ts.SourceFile, infos: readonly FunctionInfo[]): Shape | undefined => {
    let shape = shapes.get(sf);
    if (shape === undefined) shapes.set(sf, (shape = computeShape(sf, infos, hides, namesEvery)));
    return shape ?? undefined;
  };
}

/** `namesEvery`: the keys of the functions inside the hidden bodies too (a call elsewhere may resolve into one through an inferred type). */
function computeShape(sf: ts.SourceFile, infos: readonly FunctionInfo[], hides: (node: ts.Node) => node is FunctionWithBody, namesEvery: boolean): Shape | null {
  if (!isTypeScript(sf)) return null;
  const hidden: HiddenBody[] = [];
  const visit = (node: ts.Node): void => {
    if (hides(node) && !declaresClass(node, sf)) {
      hidden.push({ pos: node.body.pos, end: node.body.end, fn: node, typed: isFunctionWithHiddenBody(node) });
      // the parameters and the declared type are part of the shape; nothing inside the body is
      for (const parameter of node.parameters) visit(parameter);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const parts: string[] = [];
  let from = 0;
  for (const range of hidden) {
    parts.push(sf.text.slice(from, range.pos));
    from = range.end;
  }
  parts.push(sf.text.slice(from));
  // the functions come in source order, as the bodies do: one pass over both
  let next = 0;
  const isHidden = (node: ts.Node) => {
    while (next < hidden.length && hidden[next]!.end <= node.pos) next++;
    const range = hidden[next];
    return range !== undefined && node.pos >= range.pos && node.end <= range.end;
  };
  const keys = namesEvery ? infos.map((info) => info.key) : infos.filter((info) => !isHidden(info.node)).map((info) => info.key);
  return { text: `${parts.join('\u0000{}')}\u0001${keys.join('\u0001')}`, hidden };
}

export type FunctionWithBody = ts.FunctionLikeDeclaration & { body: ts.Block | ts.Expression };

/** Whether the shape leaves out this function's body: its type does not depend on it, and it declares no class. */
export function hasHiddenBody(node: ts.Node, sf: ts.SourceFile): node is FunctionWithBody {
  return isFunctionWithHiddenBody(node) && !declaresClass(node, sf);
}

function declaresClass(node: FunctionWithBody, sf: ts.SourceFile): boolean {
  return /\bclass\b/.test(sf.text.slice(node.body.pos, node.body.end));
}

function isFunctionWithBody(node: ts.Node): node is FunctionWithBody {
  return isFunctionNode(node) && node.body !== undefined;
}

function isFunctionWithHiddenBody(node: ts.Node): node is FunctionWithBody {
  if (ts.isConstructorDeclaration(node) || ts.isSetAccessorDeclaration(node)) return node.body !== undefined;
  if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node)) {
    return node.body !== undefined && node.type !== undefined;
  }
  return false;
}

function isTypeScript(sf: ts.SourceFile): boolean {
  return /\.[mc]?tsx?$/.test(sf.fileName) && !sf.isDeclarationFile;
}
