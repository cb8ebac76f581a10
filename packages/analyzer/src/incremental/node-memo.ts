import type ts from 'typescript';
import type { FileEntry } from './file-cache.js';

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

export type NodeMemo = <T>(table: string, node: ts.Node, compute: () => T) => T;

export function nodeMemo(entryOf: (file: ts.SourceFile) => FileEntry | undefined): NodeMemo {
  return <T>(table: string, node: ts.Node, compute: () => T): T => {
    const entry = entryOf(node.getSourceFile());
    if (!entry) return compute();
    let tables = memos.get(entry);
    if (!tables) memos.set(entry, (tables = new Map()));
    let memo = tables.get(table);
    if (!memo) tables.set(table, (memo = new Map()));
    if (memo.has(node)) return memo.get(node) as T;
    const value = compute();
    memo.set(node, value);
    return value;
  };
}
