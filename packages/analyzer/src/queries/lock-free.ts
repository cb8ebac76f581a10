import type { Analysis } from '../analysis.js';
import type { FunctionFacts } from '../types.js';

const answers = new WeakMap<Analysis, boolean>();

/**
 * Whether no function of the program takes, holds, releases or hands on a lock: no lock
 * operation, no held region, no lock value passed, stored or returned. Most of the npm corpus,
 * and every program before its first lock. The whole-program lock queries (what each function
 * waits to acquire, the locks held on entry, where lock values flow) then have nothing to find,
 * and skip building the per-function state that would only say so. They carry nothing to the
 * next program version either: the first version that takes a lock computes them from nothing.
 */
export function takesNoLock(analysis: Analysis): boolean {
  let answer = answers.get(analysis);
  if (answer === undefined) answers.set(analysis, (answer = !someFunctionTouchesLock(analysis)));
  return answer;
}

function someFunctionTouchesLock(analysis: Analysis): boolean {
  for (const f of analysis.facts.values()) if (touchesLock(f)) return true;
  return false;
}

function touchesLock(f: FunctionFacts): boolean {
  if (f.lockOps.length || f.regions.length || f.stores.length || f.returns.length) return true;
  return f.calls.some((site) => site.lockArgs.length || site.held.length || site.external?.kind === 'lock-op');
}
