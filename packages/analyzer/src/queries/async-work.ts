import ts from 'typescript';
import type { Analysis } from '../analysis.js';
import { isPromiseLike } from '../graph/call-classifier.js';
import { stripExpression } from '../flow/lock-identity.js';
import type { CallSite } from '../types.js';
import { callSiteAt } from './file-index.js';

/** Lock operations whose promise settles only when the lock (or its callback) is done with. */
const WAITING_LOCK_OPS = new Set(['acquire', 'run-callback', 'wait-unlock', 'condition-wait', 'extend']);
const PROMISE_CHAINS = new Set(['then', 'catch', 'finally']);

export { callSiteAt };

export function isPromiseTyped(analysis: Analysis, node: ts.Node): boolean {
  try {
    return isPromiseLike(analysis.checker, analysis.checker.getTypeAtLocation(node));
  } catch {
    return false;
  }
}

/**
 * The call starts work that goes on after it returns: its promise settles later than the
 * synchronous part of the call. A user async function that never suspends does all its work
 * before returning, so it does not count; an unknown promise-returning call does.
 */
export function startsAsyncWork(analysis: Analysis, site: CallSite): boolean {
  const external = site.external;
  if (external?.kind === 'lock-op') return WAITING_LOCK_OPS.has(external.op.kind) && isPromiseTyped(analysis, site.node);
  if (site.targets.length > 0) {
    return site.targets.some((target) => {
      const facts = analysis.facts.get(target);
      if (!facts) return isPromiseTyped(analysis, site.node);
      return !!analysis.summaries.get(target)?.mayBlock || facts.yields.length > 0;
    });
  }
  switch (external?.kind) {
    case 'blocking':
      return external.returnsPromise ?? isPromiseTyped(analysis, site.node);
    case 'unresolved':
    case undefined:
      return isPromiseTyped(analysis, site.node);
    case 'external':
      return external.returnsPromise;
    case 'promise-combinator':
      return true;
    case 'non-blocking':
      return chainStartsWork(analysis, site);
    case 'callback-api':
      return chainStartsWork(analysis, site);
    default:
      return false;
  }
}

/** `p.then(cb)`, `p.catch(cb)`: the chain works while `p` does, and while its callbacks do. */
function chainStartsWork(analysis: Analysis, site: CallSite): boolean {
  const callee = stripExpression(site.node.expression);
  if (!ts.isPropertyAccessExpression(callee) || !PROMISE_CHAINS.has(callee.name.text)) return false;
  if (site.callbackArgs.some((cb) => doesWork(analysis, cb.fn))) return true;
  const receiver = stripExpression(callee.expression);
  const inner = ts.isCallExpression(receiver) ? callSiteAt(analysis, receiver) : undefined;
  return inner ? startsAsyncWork(analysis, inner) : isPromiseTyped(analysis, receiver);
}

/**
 * A callback does something that matters if it runs outside the region it was written in:
 * touches shared state, calls program functions, blocks, takes locks or emits. Calling a
 * parameter (`resolve`) or logging does not.
 */
export function doesWork(analysis: Analysis, key: string): boolean {
  const summary = analysis.summaries.get(key);
  const facts = analysis.facts.get(key);
  if (!summary || !facts) return false;
  if (summary.reads.size > 0 || summary.writes.size > 0 || summary.mayBlock || summary.acquires.size > 0) return true;
  return facts.calls.some(
    (c) =>
      c.targets.length > 0 ||
      c.external?.kind === 'blocking' ||
      c.external?.kind === 'lock-op' ||
      c.external?.kind === 'emit' ||
      (c.external?.kind === 'external' && c.external.returnsPromise),
  );
}
