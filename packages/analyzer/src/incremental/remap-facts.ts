import ts from 'typescript';
import type { FunctionFacts, FunctionInfo } from '../types.js';
import { isNode, type NodeMap } from './node-map.js';

/** Facts that cannot be carried to the new version of their file: walk it instead. */
const NOT_CARRIED = Symbol('not carried');
const IN_PROGRESS = Symbol('in progress');

type LiteralCopier = (values: readonly unknown[], base: number) => Record<string, unknown>;
const copiers = new Map<string, LiteralCopier>();

/**
 * A function that makes an object literal with these keys, in this order, from the values at
 * `values[base]` on, made once per key list. V8 gives such a literal the hidden class of the
 * walk's own literals with the same keys, wherever it is written; an object built key by key
 * gets a class of its own. The rules' code, optimised on the walk's objects during the full
 * lint, was deoptimised ("wrong map") by the first carried facts it met at the first edit
 * (docs/benchmarks.md, eighth session).
 */
function literalCopier(keys: readonly string[]): LiteralCopier {
  const id = keys.join('\0');
  let copier = copiers.get(id);
  if (!copier) {
    // the keys are our own fact types' property names, quoted as JSON string literals
    const fields = keys.map((key, i) => `${JSON.stringify(key)}: values[base + ${i}]`).join(', ');
    try {
      copier = new Function('values', 'base', `return { ${fields} };`) as LiteralCopier;
    } catch {
      // a process run with --disallow-code-generation-from-strings: the same copy, key by key
      copier = (values, base) => {
        const object: Record<string, unknown> = {};
        for (let i = 0; i < keys.length; i++) object[keys[i]!] = values[base + i];
        return object;
      };
    }
    copiers.set(id, copier);
  }
  return copier;
}

/**
 * Functions whose key moved with the edit. Keys name functions, not places (one without a name
 * by its rank among those of the function around it, `file#run>#2`), but a function typed into
 * a changed body can take the key of a later one of the same name (`helper` becomes `helper~2`).
 */
export interface Renamed {
  /**
   * Where the edit began to move lines or columns (outside the changed bodies; zero-based), when
   * it did: a place named by line and column at or after it may name another place now.
   */
  movedFrom?: ts.LineAndCharacter;
  /** Old key → new key, for the functions whose key moved. */
  keys: ReadonlyMap<string, string>;
}

const NOTHING_RENAMED: Renamed = { keys: new Map() };
const POSITION = /@(\d+):(\d+)/g;

/** Whether a text names a place by line and column (one-based) at or after `from`. */
function namesMovedPlace(text: string, from: ts.LineAndCharacter): boolean {
  for (const [, line, column] of text.matchAll(POSITION)) {
    const l = Number(line) - 1;
    if (l > from.line || (l === from.line && Number(column) - 1 >= from.character)) return true;
  }
  return false;
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
 * What holds neither is shared with the old facts, not copied.
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
  renamed: Renamed = NOTHING_RENAMED,
): WalkPart | undefined {
  const infos = new Set(part.facts.map((f) => f.info));
  const mapNode = (node: ts.Node): ts.Node => {
    const mapped = nodes(node);
    if (!mapped) throw NOT_CARRIED;
    return mapped;
  };

  const copies = new Map<object, unknown>();
  // Whether the value copied last held a node or a function: only then is its copy a new object.
  // Plain data (a lock's identity, a lock operation, a forwarded parameter) is shared with the
  // old facts. It is never changed after the walk, and sharing it keeps the class V8 saw at its
  // creation: a literal copy differs from an object built by a spread or key by key.
  let remapped = false;
  // the copied values of the objects being copied, each object's from its own base
  const values: unknown[] = [];
  const copy = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (forbiddenKeys.has(value)) throw NOT_CARRIED;
      const key = renamed.keys.get(value);
      if (key !== undefined) {
        remapped = true;
        return key;
      }
      // After an edit that moved lines, a text naming a place by its line and column (a lock made in
      // place, `src/one.ts@3:84`; a parameter lock of a function without a name, `run>@12:5(release)`)
      // may name another place now, unless the place comes before the edit.
      if (renamed.movedFrom && value.includes('@') && namesMovedPlace(value, renamed.movedFrom)) throw NOT_CARRIED;
      return value;
    }
    if (typeof value !== 'object' || value === null) {
      if (typeof value === 'function' || typeof value === 'symbol') throw NOT_CARRIED;
      return value;
    }
    const known = copies.get(value);
    // an object reached again while its own copy is being made: a cycle the copy cannot follow
    if (known === IN_PROGRESS) throw NOT_CARRIED;
    if (known !== undefined) {
      if (known !== value) remapped = true;
      return known;
    }
    let result: unknown;
    if (infos.has(value as FunctionInfo)) {
      const old = value as FunctionInfo;
      const info = infoOf(renamed.keys.get(old.key) ?? old.key);
      if (!info || info.node !== mapNode(old.node)) throw NOT_CARRIED;
      result = info;
    } else if (isNode(value)) {
      result = value.getSourceFile() === from ? mapNode(value) : value;
    } else {
      copies.set(value, IN_PROGRESS);
      const outer = remapped;
      remapped = false;
      result = copyContainer(value);
      copies.set(value, result);
      remapped ||= outer;
      return result;
    }
    remapped = true;
    copies.set(value, result);
    return result;
  };
  /** A list, map, set or plain object: itself when nothing in it was remapped, else a copy. */
  const copyContainer = (value: object): unknown => {
    if (Array.isArray(value)) {
      // `slice` keeps the original's elements kind, which a literal site's arrays can have from the
      // start (V8 tracks it per allocation site): a list built from `[]` by pushes would differ
      let list: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const element = copy(value[i]);
        if (remapped) list ??= value.slice();
        if (list) list[i] = element;
      }
      return list ?? value;
    }
    if (value instanceof Map || value instanceof Set) {
      const base = values.length;
      if (value instanceof Map) value.forEach((v, k) => values.push(copy(k), copy(v)));
      else value.forEach((v) => values.push(copy(v)));
      let result: unknown = value;
      if (remapped && value instanceof Map) {
        const map = new Map();
        for (let i = base; i < values.length; i += 2) map.set(values[i], values[i + 1]);
        result = map;
      } else if (remapped) {
        result = new Set(values.slice(base));
      }
      values.length = base;
      return result;
    }
    if (Object.getPrototypeOf(value) !== Object.prototype) throw NOT_CARRIED;
    const keys = Object.keys(value);
    const base = values.length;
    for (const key of keys) values.push(copy((value as Record<string, unknown>)[key]));
    const result = remapped ? literalCopier(keys)(values, base) : value;
    values.length = base;
    return result;
  };

  try {
    return copy(part) as WalkPart;
  } catch (error) {
    if (error === NOT_CARRIED) return undefined;
    throw error;
  }
}
