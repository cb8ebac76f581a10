import type ts from 'typescript';
import type { FunctionFacts, FunctionInfo } from '../types.js';
import type { BodyEdits } from './body-edits.js';
import type { FileEntry } from './file-cache.js';
import { nodeMap, type NodeMap } from './node-map.js';
import { remapFacts, type Renamed } from './remap-facts.js';

/**
 * The facts of an edited file's functions that the edit cannot have changed, ready for the walk
 * of its new version to take (see `WalkContext.reuse`): every function but those inside the
 * changed bodies and those holding them, whose walk meets the edit. The walk then goes through
 * the file as it would, and where it meets such a function takes its facts instead of walking
 * it: the functions before and after it see the same state as in a walk from scratch.
 *
 * `previous` must still hold for the new program in everything but its own file (the caller
 * checks its dependencies and dispatch as for a kept file); the wrapper summaries it consumed
 * travel with the walk's own (see `mergeConsumed`).
 */
export function factsToCarry(
  previous: FileEntry,
  after: ts.SourceFile,
  afterInfos: readonly FunctionInfo[],
  /** Where the edit fell (see `bodyEdits`), between `previous`'s file and `after`. */
  edits: BodyEdits | undefined,
  infoOf: (key: string) => FunctionInfo | undefined,
): CarriedFacts | undefined {
  const before = previous.sourceFile;
  if (!edits || edits.before.length === 0) return undefined;
  const untouched = previous.facts.filter((f) => !edits.inside(f.info.node) && !edits.holds(f.info.node));
  if (untouched.length === 0) return undefined;
  // functions inside the changed bodies may be gone or renamed (one typed before another without a name): nothing carried may name them
  const inside = new Set(previous.infos.filter((info) => edits.inside(info.node)).map((info) => info.key));
  // the dispatch answers are the whole previous walk's; the re-walked functions ask again about declarations inside the changed bodies
  const dispatched = new Map([...previous.dispatched].filter(([declaration]) => declaration.getSourceFile() !== before || !edits.inside(declaration)));
  const nodes = nodeMap(before, after, edits);
  const renamed = edits.keepsLines ? undefined : renamedKeys(previous.infos, afterInfos, inside, nodes, before.getLineAndCharacterOfPosition(edits.before[0]!.pos));
  if (renamed === null) return undefined;
  const carried = remapFacts({ facts: untouched, dispatched }, before, after, nodes, infoOf, inside, renamed);
  if (!carried) return undefined;
  const ranges = untouched.map((f) => f.info.node);
  return {
    facts: new Map(carried.facts.map((f) => [f.info.key, f])),
    dispatched: carried.dispatched,
    nodes,
    untouched: (node) => !edits.inside(node) && ranges.some((range) => node.pos >= range.pos && node.end <= range.end),
    consumed: renamed?.keys.size ? renameKeys(previous.consumed, renamed.keys) : previous.consumed,
  };
}

/** The wrapper summaries the previous walk consulted, under the keys their functions have now. */
function renameKeys(consumed: ReadonlyMap<string, string>, keys: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...consumed].map(([key, signature]) => [keys.get(key) ?? key, signature]));
}

/**
 * The keys an edit that moved lines gave the functions outside the changed bodies: each old
 * function's node has a counterpart in the new version, whose function may be keyed otherwise.
 * Null when one has no counterpart function.
 */
function renamedKeys(
  beforeInfos: readonly FunctionInfo[],
  afterInfos: readonly FunctionInfo[],
  inside: ReadonlySet<string>,
  nodes: NodeMap,
  movedFrom: ts.LineAndCharacter,
): Renamed | null {
  const byNode = new Map<ts.Node, FunctionInfo>(afterInfos.map((info) => [info.node, info]));
  const keys = new Map<string, string>();
  for (const info of beforeInfos) {
    if (inside.has(info.key)) continue;
    const now = nodes(info.node);
    const moved = now && byNode.get(now);
    if (!moved) return null;
    if (moved.key !== info.key) keys.set(info.key, moved.key);
  }
  return { movedFrom, keys };
}

export interface CarriedFacts {
  /** By function key, in the order the previous walk recorded them. */
  facts: ReadonlyMap<string, FunctionFacts>;
  /** The previous walk's dispatch answers, at the new version's declarations. */
  dispatched: ReadonlyMap<ts.Declaration, string>;
  /** Where the previous version's nodes are in the new one. */
  nodes: NodeMap;
  /** Whether a node of the previous version lies in a function whose facts are carried. */
  untouched: (node: ts.Node) => boolean;
  /** The wrapper summaries the previous walk consulted, by the keys of the new version. */
  consumed: ReadonlyMap<string, string>;
}

/**
 * What a partial walk consulted: what the previous walk consulted (the carried functions' answers
 * are in it) and what this one did. A summary both saw differently cannot agree with both walks.
 */
export function mergeConsumed(previous: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>, inconsistent: string): Map<string, string> {
  const merged = new Map(previous);
  for (const [key, signature] of now) {
    const before = merged.get(key);
    merged.set(key, before === undefined || before === signature ? signature : inconsistent);
  }
  return merged;
}
