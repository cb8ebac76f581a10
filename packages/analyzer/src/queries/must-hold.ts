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
  return settle(solve(analysis, assumed, new Set(analysis.facts.keys()), new Map()));
}

/** A fixpoint as the worklist leaves it: undefined is "every lock" (no caller constrains it). */
type Must = ReadonlyMap<string, ReadonlySet<string> | undefined>;

interface CarriedMust {
  /** What the `assumed` callback says, as text: a carried fixpoint is good only for the same assumptions. */
  assumptions: string;
  must: Must;
}

/**
 * `mustHoldOnEntry`, carried to the next program version: what a function may assume on entry
 * depends on its callers, transitively, so only the functions whose callers (or themselves)
 * changed (the delta's `down`) are solved again, against the kept answers of the others. Those
 * others have only unchanged callers: their answers are the ones a computation from scratch
 * finds. `user` names the caller (each carries its own fixpoint); `assumptions` must describe
 * everything `assumed` answers beyond the facts.
 */
export function carriedMustHoldOnEntry(
  analysis: Analysis,
  user: string,
  assumed: (key: string) => readonly string[],
  assumptions: string,
): ReadonlyMap<string, ReadonlySet<string>> {
  const carried = analysis.carry<CarriedMust>(`must-hold:${user}`, (previous) => {
    const kept = previous?.value.assumptions === assumptions ? previous : undefined;
    if (!kept) return { assumptions, must: solve(analysis, assumed, new Set(analysis.facts.keys()), new Map()) };
    const fixed = new Map<string, ReadonlySet<string> | undefined>();
    const open = new Set<string>();
    for (const key of analysis.facts.keys()) {
      if (kept.delta.down.has(key) || !kept.value.must.has(key)) open.add(key);
      else fixed.set(key, kept.value.must.get(key));
    }
    return { assumptions, must: solve(analysis, assumed, open, fixed) };
  });
  // a user carries one fixpoint per analysis: other assumptions are solved from scratch
  if (carried.assumptions !== assumptions) return mustHoldOnEntry(analysis, assumed);
  return settledOf(carried.must);
}

const settledCache = new WeakMap<Must, Map<string, ReadonlySet<string>>>();

function settledOf(must: Must): Map<string, ReadonlySet<string>> {
  let settled = settledCache.get(must);
  if (!settled) settledCache.set(must, (settled = settle(must)));
  return settled;
}

/** Still unconstrained: only reachable from itself (dead code) — assume nothing. */
function settle(must: Must): Map<string, ReadonlySet<string>> {
  const final = new Map<string, ReadonlySet<string>>();
  for (const [key, set] of must) final.set(key, set ?? new Set());
  return final;
}

/** The greatest fixpoint for the `open` functions, with the answers of every other function `fixed`. */
function solve(analysis: Analysis, assumed: (key: string) => readonly string[], open: ReadonlySet<string>, fixed: Must): Must {
  const must = new Map<string, Set<string> | ReadonlySet<string> | undefined>(fixed);
  for (const key of open) must.set(key, (analysis.callers.get(key)?.length ?? 0) > 0 ? undefined : new Set());
  const dependents = new Map<string, Set<string>>();
  for (const key of open) {
    for (const site of analysis.callers.get(key) ?? []) {
      const list = dependents.get(site.caller) ?? new Set<string>();
      list.add(key);
      dependents.set(site.caller, list);
    }
  }
  const worklist = new WorkQueue(open);
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
  return must;
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
