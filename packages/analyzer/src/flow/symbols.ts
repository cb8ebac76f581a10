import ts from 'typescript';
import { symbolAtLocation, symbolMemo } from './checker-calls.js';

/**
 * `checker.getSymbolAtLocation`, memoised per checker and node.
 *
 * The walk asks for the same node's symbol many times over: an identifier read is resolved by
 * the read itself, by its shared-state lookup, by its lock type and by its place; loop bodies are
 * walked again until their head state settles, and `finally` blocks once more for every exit
 * through them. The checker does not cache an identifier's symbol: every call resolves the name
 * through its scopes again. On the benchmark project four calls in five repeat a node.
 *
 * Safe because a checker belongs to one program, which never changes: the symbol at a node is
 * the same answer every time that checker is asked. A call that throws is not memoised, so it
 * throws again for the next caller, exactly as before.
 */
export function symbolAt(checker: ts.TypeChecker, node: ts.Node): ts.Symbol | undefined {
  const memo = symbolMemo(checker);
  // null marks "asked, no symbol", so one lookup answers both cases
  const known = memo.get(node);
  if (known !== undefined) return known ?? undefined;
  const symbol = symbolAtLocation(checker, node);
  memo.set(node, symbol ?? null);
  return symbol;
}
