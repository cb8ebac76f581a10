import type ts from 'typescript';
import type { FileEntry } from './file-cache.js';
import { isNode, type NodeMap } from './node-map.js';

/**
 * Answers the whole-program queries get from the type checker about one file's nodes (the
 * instance a lock expression names, the subsystem that owns a place, the variable an identifier
 * reads), kept as long as the file's walk entry is reused. An editor's new program comes with a
 * new, cold checker: asking it again about every unchanged file would re-check the program on
 * every keystroke. The entry is reused only while the file and the files it resolved into are
 * unchanged, which is what these answers depend on too.
 *
 * An answer must not hold a checker symbol or type: it is kept for as long as the file is, and a
 * symbol the checker made holds that checker and its whole program version. Keep declarations.
 */
const memos = new WeakMap<FileEntry, Map<string, Map<ts.Node, unknown>>>();

/** `Analysis.memo` for one analysis, over the file entries it walked or kept. */
export class NodeMemo {
  constructor(private readonly entries: ReadonlyMap<ts.SourceFile, FileEntry>) {}

  get<T>(table: string, node: ts.Node, compute: () => T): T {
    const entry = this.entries.get(node.getSourceFile());
    if (!entry) return compute();
    let tables = memos.get(entry);
    if (!tables) memos.set(entry, (tables = new Map()));
    let memo = tables.get(table);
    if (!memo) tables.set(table, (memo = new Map()));
    if (memo.has(node)) return memo.get(node) as T;
    const value = compute();
    memo.set(node, value);
    return value;
  }
}

/**
 * Tables whose answer about a node depends only on the function holding it, on what other files
 * declare and on the file's shape (see file-shape.ts): for a function whose facts are carried to
 * the file's new version, the previous version's answers still hold. (`field-of` names a field
 * by its offset when it has no holder, and `lock-annotations` is asked of the whole file.)
 */
const CARRIED_TABLES = new Set(['lock-instance', 'object-path', 'place-owner', 'lock-typed-parameter', 'value-declaration', 'invoked-container', 'stored-container']);
const NOT_CARRIED = Symbol('not carried');

/**
 * Copies to a partial walk's entry the answers its previous version's entry had about nodes of
 * the carried functions (`untouched`), at the new version's nodes; answers that are not plain
 * data or a node with a counterpart are asked again. The previous entry's dependencies must be
 * the program's: its answers name their nodes.
 */
export function carryAnswers(from: FileEntry, to: FileEntry, nodes: NodeMap, untouched: (node: ts.Node) => boolean): number {
  const own = from.sourceFile;
  return copyAnswers(from, to, (node) => (untouched(node) ? nodes(node) : undefined), (file) => (file === own ? nodes : undefined));
}

/**
 * Copies to an entry kept across its dependencies' body edits (see `keptAcrossEdits`) the answers
 * its old entry had. The file is the same and every changed dependency has the shape it had, so
 * it declares what it did; an answer naming a node of a changed dependency takes the node at the
 * same place of its new version (`moved`), or is asked again. Without this, every importer of an
 * edited file would ask the new checker again about its own nodes on every keystroke.
 */
export function keepAnswers(from: FileEntry, to: FileEntry, moved: ReadonlyMap<ts.SourceFile, NodeMap>): number {
  return copyAnswers(from, to, (node) => node, (file) => moved.get(file));
}

/**
 * Copies the carried tables' answers of `from` into `to`'s: each under the node `keyAt` gives
 * (none: not copied), a node answer through the map `movedIn` gives for its file (none: the same
 * node). Answers that are not plain data, or a node without a counterpart, are asked again.
 */
function copyAnswers(
  from: FileEntry,
  to: FileEntry,
  keyAt: (node: ts.Node) => ts.Node | undefined,
  movedIn: (file: ts.SourceFile) => NodeMap | undefined,
): number {
  const tables = memos.get(from);
  if (!tables) return 0;
  let target = memos.get(to);
  if (!target) memos.set(to, (target = new Map()));
  let copied = 0;
  for (const [name, memo] of tables) {
    if (!CARRIED_TABLES.has(name)) continue;
    let into = target.get(name);
    if (!into) target.set(name, (into = new Map()));
    for (const [node, value] of memo) {
      const key = keyAt(node);
      if (!key || into.has(key)) continue;
      const answer = answerAt(value, movedIn);
      if (answer === NOT_CARRIED) continue;
      into.set(key, answer);
      copied++;
    }
  }
  return copied;
}

function answerAt(value: unknown, movedIn: (file: ts.SourceFile) => NodeMap | undefined): unknown {
  if (value === undefined || value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value !== 'object' || !isNode(value)) return NOT_CARRIED;
  const nodes = movedIn(value.getSourceFile());
  return nodes ? (nodes(value) ?? NOT_CARRIED) : value;
}
