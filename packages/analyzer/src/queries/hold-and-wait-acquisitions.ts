import type { FunctionFacts, LockIdentity } from '../types.js';
import { WorkQueue } from '../summaries/work-queue.js';
import { compareKeys, componentsInOrder, DependencyIndex } from './dependency-graph.js';
import { reachable } from '../graph/reachable.js';
import type { WaitingCalls } from './hold-and-wait-calls.js';
import type { Acquisition, Acquisitions } from './hold-and-wait-types.js';

/** What every function waits to acquire, and what each one's answer was computed from. */
export interface AcquisitionState {
  values: Map<string, Acquisitions>;
  /** Function → the functions its calls may run (callees, callbacks, stored listeners). */
  index: DependencyIndex;
}

export function emptyAcquisitionState(): AcquisitionState {
  return { values: new Map(), index: new DependencyIndex() };
}

/**
 * Brings the acquisitions up to date after the facts of `seeds` changed (every function on a
 * cold run): what can change is the seeds and their dependents, transitively. Those are settled
 * component by component, callees first, each from the settled answers of what it calls; a
 * component none of whose inputs changed keeps its answers, and an answer equal to the one it
 * replaces (same locks, same chains through the same nodes) stays the same object, so its
 * dependents see no change. The answer of a component depends only on its inputs, never on the
 * order edits came in: a warm result is the cold one.
 *
 * Returns the functions whose answer was replaced (or removed).
 */
export function updateAcquisitions(state: AcquisitionState, calls: WaitingCalls, facts: ReadonlyMap<string, FunctionFacts>, seeds: ReadonlySet<string>): Set<string> {
  const replaced = new Set<string>();
  for (const key of seeds) {
    const f = facts.get(key);
    if (f) {
      state.index.set(key, calls.dependencies(f));
    } else {
      state.index.delete(key);
      if (state.values.delete(key)) replaced.add(key);
    }
  }
  const reached = reachable(seeds, (key) => state.index.dependentsOf(key));
  for (const key of reached) if (!facts.has(key)) reached.delete(key);
  const inReached = (key: string) => state.index.dependenciesOf(key).filter((d) => reached.has(d));
  for (const component of componentsInOrder(reached, inReached)) {
    const dirty = component.some((key) => seeds.has(key) || state.index.dependenciesOf(key).some((d) => replaced.has(d)));
    if (!dirty) continue;
    for (const [key, value] of settle(component, state, calls, facts)) {
      const old = state.values.get(key);
      if (old && sameAcquisitions(old, value)) continue;
      state.values.set(key, value);
      replaced.add(key);
    }
  }
  return replaced;
}

/**
 * The answers of one component, from nothing: a function that calls no member is computed
 * once; recursion iterates in key order until no answer changes its locks or lengths (the
 * fixpoint's own measure: a chain only replaces one that gave up more locks or was longer).
 */
function settle(component: readonly string[], state: AcquisitionState, calls: WaitingCalls, facts: ReadonlyMap<string, FunctionFacts>): Map<string, Acquisitions> {
  const members = new Set(component);
  const scratch = new Map<string, Acquisitions>(component.map((key) => [key, new Map()]));
  const acquired = (key: string) => scratch.get(key) ?? state.values.get(key);
  const selfContained = component.length === 1 && !state.index.dependenciesOf(component[0]!).includes(component[0]!);
  if (selfContained) {
    scratch.set(component[0]!, calls.acquisitionsOf(facts.get(component[0]!)!, acquired));
    return scratch;
  }
  const worklist = new WorkQueue(component);
  while (worklist.size) {
    const key = worklist.take();
    const next = calls.acquisitionsOf(facts.get(key)!, acquired);
    if (signature(next) === signature(scratch.get(key)!)) continue;
    scratch.set(key, next);
    for (const dependent of [...state.index.dependentsOf(key)].filter((d) => members.has(d)).sort(compareKeys)) worklist.add(dependent);
  }
  return scratch;
}

function signature(map: Acquisitions): string {
  return [...map].map(([key, a]) => `${key}:${a.releasedBefore.length}:${a.chain.length}`).sort().join('|');
}

/** Equal answers: same keys in the same order, same locks, and chains through the very same nodes. */
export function sameAcquisitions(a: Acquisitions, b: Acquisitions): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  const left = [...a];
  const right = [...b];
  return left.every(([key, x], i) => right[i]![0] === key && sameAcquisition(x, right[i]![1]));
}

function sameAcquisition(a: Acquisition, b: Acquisition): boolean {
  return (
    a === b ||
    (a.at === b.at &&
      a.api === b.api &&
      a.instance === b.instance &&
      a.shared === b.shared &&
      sameLock(a.lock, b.lock) &&
      a.releasedBefore.length === b.releasedBefore.length &&
      a.releasedBefore.every((lock, i) => sameLock(lock, b.releasedBefore[i]!)) &&
      a.chain.length === b.chain.length &&
      a.chain.every((link, i) => {
        const other = b.chain[i]!;
        return link.from === other.from && link.call === other.call && link.to === other.to && link.operation === other.operation;
      }))
  );
}

function sameLock(a: LockIdentity, b: LockIdentity): boolean {
  return a === b || (a.id === b.id && a.library === b.library && a.kind === b.kind && a.reentrant === b.reentrant && a.paramIndex === b.paramIndex && a.key === b.key && a.keyed === b.keyed);
}
