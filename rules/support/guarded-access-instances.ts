import ts from 'typescript';
import { stripExpression } from '@lockwise/analyzer';
import { symbolAt } from '@lockwise/analyzer';

/**
 * Lock identities are per class (`Account#mu`): `a.mu` and `b.mu` are one identity. For a
 * guard that lives in the same object as the state it guards, the object matters: holding
 * `a.mu` does not guard `b.count`. These helpers recover the receiver expressions of both
 * sides, where the code names them, so a rule can compare them. Where either side is not
 * written as `<receiver>.<field>` (a lock in a local alias, a lock held by a caller) nothing
 * can be compared and nothing is claimed.
 */

/** The object whose field `node` accesses: `b` in `b.count`, `b.items.push`, `b.items[0]`. */
export function accessReceiver(node: ts.Node, field: string): ts.Expression | undefined {
  let current: ts.Node = node;
  for (let depth = 0; depth < 3; depth++) {
    if (!ts.isExpression(current)) return undefined;
    const e = stripExpression(current);
    if (ts.isPropertyAccessExpression(e) && e.name.text === field) return stripExpression(e.expression);
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) current = e.expression;
    else return undefined;
  }
  return undefined;
}

/** The lock expression an acquisition names: `a.mu` in `a.mu.acquire()`, `withTimeout(a.mu, 5).acquire()`, `a.mu.runExclusive(…)`. */
export function lockExpressionOf(acquiredAt: ts.Node): ts.PropertyAccessExpression | undefined {
  if (!ts.isCallExpression(acquiredAt)) return undefined;
  const callee = stripExpression(acquiredAt.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  let lock = stripExpression(callee.expression);
  // A decorator such as withTimeout(lock, ms) or tryAcquire(lock): the lock is its first argument.
  if (ts.isCallExpression(lock) && lock.arguments[0]) lock = stripExpression(lock.arguments[0]);
  return ts.isPropertyAccessExpression(lock) ? lock : undefined;
}

/** The receiver of a method call: `acct` in `acct.withdrawImpl()`, `this` in `this.withdrawImpl()`. */
export function callReceiver(call: ts.CallExpression | ts.NewExpression): ts.Expression | undefined {
  const callee = stripExpression(call.expression);
  return ts.isPropertyAccessExpression(callee) ? stripExpression(callee.expression) : undefined;
}

/**
 * Whether two receiver expressions denote different objects, as far as their text and symbols
 * tell: `this` vs `this` is the same, `a` vs `b` (different variables) differ. Anything else
 * (calls, element accesses) is "can't tell" and returns false.
 */
export function differentObjects(checker: ts.TypeChecker, a: ts.Expression, b: ts.Expression): boolean {
  const key = (e: ts.Expression): string | undefined => {
    const x = stripExpression(e);
    if (x.kind === ts.SyntaxKind.ThisKeyword) return 'this';
    if (ts.isIdentifier(x)) {
      const symbol = symbolAt(checker, x);
      return symbol ? `id:${symbolId(symbol)}` : undefined;
    }
    if (ts.isPropertyAccessExpression(x)) {
      const inner = key(x.expression);
      return inner && `${inner}.${x.name.text}`;
    }
    return undefined;
  };
  const ka = key(a);
  const kb = key(b);
  return ka !== undefined && kb !== undefined && ka !== kb;
}

const ids = new WeakMap<ts.Symbol, number>();
let nextId = 0;
function symbolId(symbol: ts.Symbol): number {
  let id = ids.get(symbol);
  if (id === undefined) {
    id = nextId++;
    ids.set(symbol, id);
  }
  return id;
}
