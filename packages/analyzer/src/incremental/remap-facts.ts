import ts from 'typescript';
import type { FunctionFacts, FunctionInfo } from '../types.js';
import { isNode, type NodeMap } from './node-map.js';

/** Facts that cannot be carried to the new version of their file: walk it instead. */
const NOT_CARRIED = Symbol('not carried');
const IN_PROGRESS = Symbol('in progress');

type LiteralCopier = (value: Record<string, unknown>, copy: (value: unknown) => unknown) => Record<string, unknown>;
const copiers = new Map<string, LiteralCopier>();

/**
 * A function that copies a plain object with these keys as an object literal with the same keys
 * in the same order, made once per key list. V8 gives such a literal the hidden class of the
 * walk's own objects, wherever it is written; an object built key by key, or by a spread, gets
 * a class of its own. The rules' code, optimised on the walk's objects during the full lint,
 * was deoptimised ("wrong map") by the first carried facts it met at the first edit
 * (docs/benchmarks.md, eighth session).
 */
function literalCopier(value: object): LiteralCopier {
  const keys = Object.keys(value);
  const id = keys.join('\0');
  let copier = copiers.get(id);
  if (!copier) {
    // the keys are our own fact types' property names, quoted as JSON string literals
    const fields = keys.map((key) => `${JSON.stringify(key)}: copy(value[${JSON.stringify(key)}])`).join(', ');
    try {
      copier = new Function('value', 'copy', `return { ${fields} };`) as LiteralCopier;
    } catch {
      // a process run with --disallow-code-generation-from-strings: the same copy, key by key
      copier = (original, copyValue) => {
        const object: Record<string, unknown> = {};
        for (const key of keys) object[key] = copyValue(original[key]);
        return object;
      };
    }
    copiers.set(id, copier);
  }
  return copier;
}

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
    // an object reached again while its own copy is being made: a cycle the copy cannot follow
    if (known === IN_PROGRESS) throw NOT_CARRIED;
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
      // `slice` keeps the original's elements kind, which a literal site's arrays can have from the
      // start (V8 tracks it per allocation site): a list built from `[]` by pushes would differ
      const list: unknown[] = value.slice();
      copies.set(value, list);
      for (let i = 0; i < list.length; i++) list[i] = copy(value[i]);
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
      copies.set(value, IN_PROGRESS);
      const object = literalCopier(value)(value as Record<string, unknown>, copy);
      copies.set(value, object);
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
