import type { Analysis } from '../analysis.js';
import type { CallSite } from '../types.js';
import { WorkQueue } from '../summaries/work-queue.js';

/**
 * Locks held on entry to a function on *every* path into it: the must-counterpart of
 * `FunctionSummary.heldOnEntry` (which says "on some path"). A helper that writes guarded
 * state is fine when each of its callers holds the guard at the call; a function with no
 * caller in the program is an entry point and holds nothing. Computed as the greatest
 * fixpoint over the reverse call graph, so recursion keeps what its outside callers hold.
 *
 * `assumed(key)` adds what a function may take for granted beyond what it can see held
 * (the locks it `@requires`).
 */
export function mustHoldOnEntry(analysis: Analysis, assumed: (key: string) => readonly string[] = () => []): Map<string, ReadonlySet<string>> {
  // undefined: "every lock" (not yet constrained by any caller).
  const must = new Map<string, Set<string> | undefined>();
  for (const key of analysis.facts.keys()) must.set(key, (analysis.callers.get(key)?.length ?? 0) > 0 ? undefined : new Set());
  const dependents = new Map<string, Set<string>>();
  for (const [key, sites] of analysis.callers) {
    for (const site of sites) {
      const list = dependents.get(site.caller) ?? new Set<string>();
      list.add(key);
      dependents.set(site.caller, list);
    }
  }
  const worklist = new WorkQueue(must.keys());
  while (worklist.size) {
    const key = worklist.take();
    const sites = analysis.callers.get(key) ?? [];
    if (sites.length === 0) continue;
    let result: Set<string> | undefined;
    for (const site of sites) {
      const callerMust = must.get(site.caller);
      if (callerMust === undefined && analysis.facts.has(site.caller)) continue;
      const here = new Set<string>([...(callerMust ?? []), ...assumed(site.caller), ...heldAtCall(analysis, site, key)]);
      result = result ? new Set([...result].filter((id) => here.has(id))) : here;
    }
    if (!result) continue;
    const previous = must.get(key);
    if (previous && previous.size === result.size && [...previous].every((id) => result!.has(id))) continue;
    must.set(key, result);
    for (const dependent of dependents.get(key) ?? []) worklist.add(dependent);
  }
  const final = new Map<string, ReadonlySet<string>>();
  // Still unconstrained: only reachable from itself (dead code) — assume nothing.
  for (const [key, set] of must) final.set(key, set ?? new Set());
  return final;
}

/** What a call holds for the function it enters: the caller's definite locks, plus the lock of the API that runs it as a callback. */
function heldAtCall(analysis: Analysis, site: CallSite, callee: string): string[] {
  const ids = site.held.filter((h) => h.definite && h.lock.paramIndex === undefined).map((h) => h.lock.id);
  const asCallback = site.callbackArgs.filter((cb) => cb.fn === callee);
  if (asCallback.length && site.external?.kind === 'lock-op' && (site.external.op.kind === 'run-callback' || site.external.op.kind === 'acquire')) {
    ids.push(site.external.op.lock.id);
  }
  for (const cb of asCallback) {
    for (const target of site.targets) {
      for (const lock of analysis.wrappers.get(target)?.paramsUnderLock.get(cb.argIndex) ?? []) {
        if (lock.paramIndex === undefined) ids.push(lock.id);
      }
    }
  }
  return ids;
}
