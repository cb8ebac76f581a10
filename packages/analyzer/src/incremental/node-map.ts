import ts from 'typescript';
import type { BodyEdits } from './body-edits.js';

/**
 * The node of a file's new version at the place a node of its previous version was, for nodes
 * outside the bodies an edit changed: the same path of children from the root, checked against
 * the kind and the offset the edit moved it by. Undefined for a node inside a changed body or
 * without a counterpart.
 */
export type NodeMap = (node: ts.Node) => ts.Node | undefined;

/** Whether a value met while scanning or copying facts is a syntax node (of any file). */
export function isNode(value: object): value is ts.Node {
  return typeof (value as ts.Node).kind === 'number' && typeof (value as ts.Node).pos === 'number' && typeof (value as ts.Node).getSourceFile === 'function';
}

export function nodeMap(from: ts.SourceFile, to: ts.SourceFile, edits: BodyEdits): NodeMap {
  const mapped = new Map<ts.Node, ts.Node | undefined>([[from, to]]);
  const map = (node: ts.Node): ts.Node | undefined => {
    if (mapped.has(node)) return mapped.get(node);
    let result: ts.Node | undefined;
    if (!edits.inside(node) && node.parent) {
      const parent = map(node.parent);
      const candidate = parent && counterpart(node.parent, node, parent, from, to);
      if (candidate && candidate.kind === node.kind && candidate.pos === edits.position(node.pos) && candidate.end === edits.position(node.end)) result = candidate;
    }
    mapped.set(node, result);
    return result;
  };
  return map;
}

/**
 * The child of `newParent` at the place `child` has under `oldParent`: among the children the
 * AST walks, or else among the tokens (a block's closing brace).
 */
function counterpart(oldParent: ts.Node, child: ts.Node, newParent: ts.Node, from: ts.SourceFile, to: ts.SourceFile): ts.Node | undefined {
  const index = childIndex(oldParent, child);
  if (index !== undefined) return childAt(newParent, index);
  const at = oldParent.getChildren(from).indexOf(child);
  return at < 0 ? undefined : newParent.getChildren(to)[at];
}

function childIndex(parent: ts.Node, child: ts.Node): number | undefined {
  let index = 0;
  let found: number | undefined;
  ts.forEachChild(parent, (c) => {
    if (c === child) {
      found = index;
      return true;
    }
    index++;
    return undefined;
  });
  return found;
}

function childAt(parent: ts.Node, wanted: number): ts.Node | undefined {
  let index = 0;
  return ts.forEachChild(parent, (c) => (index++ === wanted ? c : undefined));
}
