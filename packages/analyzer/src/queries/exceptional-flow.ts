import ts from 'typescript';
import type { CallSite, FunctionFacts, HeldLock } from '../types.js';

/**
 * Where an exception can start in a function, and what catches it on the way out. The flow walk
 * follows normal control flow only (its `try` handling joins the states a `catch` can start
 * from); a lock released after a call that throws is the case it cannot see. This answers
 * that question from the facts (what is held at each call, await and `throw`) and the shape
 * of the `try` statements around them.
 */

/** A point that can throw or reject, with the locks held when it does. */
export interface ThrowPoint {
  node: ts.Node;
  held: HeldLock[];
  /** How the point reads in a message: `` `fs.readFile()` ``, `` `await p` ``, `` `throw` ``. */
  what: string;
  /** Key of the function whose facts recorded it (an inline callback's own key for code inside one). */
  function: string;
}

/**
 * Synchronous library calls that throw on bad input. Everything else declared by TypeScript's
 * own lib files (array, map and string methods, `Math`, `new Error`) is taken not to throw:
 * counting `this.items.push(x)` as a way out of a region would bury the real ones.
 */
const THROWING_LIB_CALLS = new Set([
  'JSON.parse',
  'JSON.stringify',
  'decodeURI',
  'decodeURIComponent',
  'encodeURI',
  'encodeURIComponent',
  'structuredClone',
  'atob',
  'btoa',
  'BigInt',
  'URL.new',
  'URLConstructor.new',
  'URL',
  'RegExpConstructor.new',
  'RegExp',
  'ArrayConstructor.new',
]);

const NON_THROWING_MODULE_APIS = /^(console|Console)\./;

/** Whether the call can throw (or reject into an `await`) at the place it is made. */
export function mayThrow(site: CallSite, isAsyncFunction: (key: string) => boolean): boolean {
  const external = site.external;
  if (external?.kind === 'lock-op') {
    // Releasing never throws; a nested region's callback can, and its rejection arrives here.
    return external.op.kind === 'run-callback' && site.awaited;
  }
  if (external?.kind === 'non-blocking' || external?.kind === 'promise-combinator') return false;
  if (external?.kind === 'callback-api') return site.awaited;
  if (external?.kind === 'external' && external.module === 'typescript/lib') {
    return site.awaited || THROWING_LIB_CALLS.has(external.name);
  }
  if (external?.kind === 'external' && NON_THROWING_MODULE_APIS.test(external.name)) return false;
  if (site.targets.length > 0 && !site.awaited && site.targets.every(isAsyncFunction)) {
    // An async function never throws at its call: it rejects a promise nobody awaits here.
    return false;
  }
  return true;
}

/**
 * Every point of one function's own code that can throw while a lock is held there (or every
 * point at all, with `unheldToo`: what can throw before an acquisition matters as well).
 */
export function throwPointsOf(facts: FunctionFacts, isAsyncFunction: (key: string) => boolean, unheldToo = false): ThrowPoint[] {
  const points: ThrowPoint[] = [];
  const key = facts.info.key;
  const skip = (held: readonly HeldLock[]) => held.length === 0 && !unheldToo;
  for (const site of facts.calls) {
    if (skip(site.held) || !mayThrow(site, isAsyncFunction)) continue;
    points.push({ node: site.node, held: site.held, what: `\`${site.calleeText}()\``, function: key });
  }
  for (const y of facts.yields) {
    // An awaited call is already a point of its own; `await p` on a stored promise is one here.
    if (skip(y.held) || y.call || ts.isYieldExpression(y.node)) continue;
    const operand = ts.isAwaitExpression(y.node) ? y.node.expression.getText() : 'for await';
    points.push({ node: y.node, held: y.held, what: ts.isAwaitExpression(y.node) ? `\`await ${clip(operand)}\`` : '`for await`', function: key });
  }
  for (const t of facts.throws) {
    if (skip(t.held)) continue;
    points.push({ node: t.node, held: t.held, what: '`throw`', function: key });
  }
  return points.sort((a, b) => a.node.getStart() - b.node.getStart());
}

/** How an exception thrown at a node is stopped before it leaves `boundary`, if it is. */
export type Protection =
  /** a `finally` (or a `catch`) on the way out does what `handles` looks for */
  | { by: 'handler'; statement: ts.TryStatement; block: ts.Block }
  /** a `catch` swallows it: control continues after the `try`, where normal flow takes over */
  | { by: 'swallowed'; statement: ts.TryStatement };

/**
 * Climbs from `node` to `boundary` through every `try` it sits in. A `finally`, or a `catch`
 * for which `handles(block)` holds, protects the node; a `catch` that does not always rethrow
 * swallows the exception. Undefined means the exception leaves `boundary` with nothing done.
 * Function boundaries in between are crossed: the callbacks climbed out of run in place
 * (their code was recorded with the locks held, so the caller runs them before going on).
 */
export function protectionOf(node: ts.Node, boundary: ts.Node, handles: (block: ts.Block) => boolean): Protection | undefined {
  let child: ts.Node = node;
  for (let current = node.parent; current && current !== boundary.parent; current = current.parent) {
    if (ts.isTryStatement(current)) {
      const inTry = child === current.tryBlock;
      const inCatch = !!current.catchClause && child === current.catchClause;
      if (inTry && current.catchClause) {
        if (handles(current.catchClause.block)) return { by: 'handler', statement: current, block: current.catchClause.block };
        if (!alwaysThrows(current.catchClause.block)) return { by: 'swallowed', statement: current };
      }
      if ((inTry || inCatch) && current.finallyBlock && handles(current.finallyBlock)) {
        return { by: 'handler', statement: current, block: current.finallyBlock };
      }
    }
    if (current === boundary) break;
    child = current;
  }
  return undefined;
}

/** A block whose last statement is a `throw` (the usual rethrowing `catch`). */
export function alwaysThrows(block: ts.Block): boolean {
  const last = block.statements[block.statements.length - 1];
  if (!last) return false;
  if (ts.isThrowStatement(last)) return true;
  if (ts.isBlock(last)) return alwaysThrows(last);
  if (ts.isIfStatement(last) && last.elseStatement) {
    return branchThrows(last.thenStatement) && branchThrows(last.elseStatement);
  }
  return false;
}

function branchThrows(statement: ts.Statement): boolean {
  return ts.isThrowStatement(statement) || (ts.isBlock(statement) && alwaysThrows(statement));
}

/** `try` statements of a function's own body (not of nested functions), in source order. */
export function tryStatementsOf(fn: ts.Node): ts.TryStatement[] {
  const found: ts.TryStatement[] = [];
  const visit = (node: ts.Node): void => {
    if (node !== fn && ts.isFunctionLike(node)) return;
    if (ts.isTryStatement(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return found;
}

export function isWithin(node: ts.Node, container: ts.Node): boolean {
  return node.getSourceFile() === container.getSourceFile() && node.pos >= container.pos && node.end <= container.end;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 40 ? `${flat.slice(0, 37)}...` : flat;
}
