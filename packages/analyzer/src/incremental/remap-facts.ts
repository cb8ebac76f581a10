import ts from 'typescript';
import type { FunctionFacts, FunctionInfo } from '../types.js';
import { isNode, type NodeMap } from './node-map.js';

/** Facts that cannot be carried to the new version of their file: walk it instead. */
const NOT_CARRIED = Symbol('not carried');

/** What a walk of a file recorded for some of its functions: their facts and the dispatch answers it took. */
export interface WalkPart {
  facts: readonly FunctionFacts[];
  dispatched: ReadonlyMap<ts.Declaration, string>;
}

/**
 * The facts of functions an edit did not touch, as the walk of the file's new version would
 * record them: the same values, with every node of the old version replaced by the node at the
 * same place of the new one (`nodes`, see node-map.ts) and every function by the new version's.
 * Undefined when a value is not plain data the copy can vouch for (a checker symbol or type, a
 * node inside a changed body, a key of a function inside one), or a node has no counterpart.
 */
export function remapFacts(
  part: WalkPart,
  from: ts.SourceFile,
  to: ts.SourceFile,
  nodes: NodeMap,
  infoOf: (key: string) => FunctionInfo | undefined,
  forbiddenKeys: ReadonlySet<string>,
): WalkPart | undefined {
  const infos = new Set(part.facts.map((f) => f.info));
  const mapNode = (node: ts.Node): ts.Node => {
    const mapped = nodes(node);
    if (!mapped) throw NOT_CARRIED;
    return mapped;
  };

  const copies = new Map<object, unknown>();
  const copy = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (forbiddenKeys.has(value)) throw NOT_CARRIED;
      return value;
    }
    if (typeof value !== 'object' || value === null) {
      if (typeof value === 'function' || typeof value === 'symbol') throw NOT_CARRIED;
      return value;
    }
    const known = copies.get(value);
    if (known !== undefined) return known;
    let result: unknown;
    if (infos.has(value as FunctionInfo)) {
      const old = value as FunctionInfo;
      const info = infoOf(old.key);
      if (!info || info.node !== mapNode(old.node)) throw NOT_CARRIED;
      result = info;
    } else if (isNode(value)) {
      result = value.getSourceFile() === from ? mapNode(value) : value;
    } else if (Array.isArray(value)) {
      const list: unknown[] = [];
      copies.set(value, list);
      for (const item of value) list.push(copy(item));
      return list;
    } else if (value instanceof Map) {
      const map = new Map();
      copies.set(value, map);
      value.forEach((v, k) => map.set(copy(k), copy(v)));
      return map;
    } else if (value instanceof Set) {
      const set = new Set();
      copies.set(value, set);
      value.forEach((v) => set.add(copy(v)));
      return set;
    } else if (Object.getPrototypeOf(value) === Object.prototype) {
      const object: Record<string, unknown> = {};
      copies.set(value, object);
      // for-in, not Object.entries: a plain object's own keys in the same order, without a pair per key
      for (const k in value) object[k] = copy((value as Record<string, unknown>)[k]);
      return object;
    } else {
      throw NOT_CARRIED;
    }
    copies.set(value, result);
    return result;
  };

  try {
    return copy(part) as WalkPart;
  } catch (error) {
    if (error === NOT_CARRIED) return undefined;
    throw error;
  }
}
