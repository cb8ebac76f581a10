import type { FunctionFacts } from '../types.js';
import { WorkQueue } from '../summaries/work-queue.js';
import { compareKeys, componentsInOrder, DependencyIndex } from './dependency-graph.js';
import { reachable } from '../graph/reachable.js';
import type { GateContribution, WaitingCalls } from './hold-and-wait-calls.js';

/**
 * Entry gates: the global locks held on every path into a function (a greatest fixpoint over
 * callers), what serializes everything it does. Functions nobody calls are entry points: no
 * gates. A callback written in place, or an IIFE, has the gates of the function it is written
 * in when that waits for it (its gate root), none otherwise.
 */
export interface GateState {
  /** Per function that is its own gate root: its gates, sorted; undefined while no caller constrains it (recursion only). */
  gates: Map<string, readonly string[] | undefined>;
  /** Caller → the functions its calls constrain; the reverse is who constrains a function. */
  callers: DependencyIndex;
  /** Per caller: what each of its calls adds, per constrained function, in call order. */
  contributions: Map<string, Map<string, GateContribution[]>>;
  /** Per function: its gate root (null: nothing is known held), and the reverse. */
  roots: Map<string, string | null>;
  members: Map<string, Set<string>>;
}

export function emptyGateState(): GateState {
  return { gates: new Map(), callers: new DependencyIndex(), contributions: new Map(), roots: new Map(), members: new Map() };
}

const NONE: readonly string[] = [];

/** The entry gates of any function, from the state. */
export function entryGatesOf(state: GateState, key: string): readonly string[] {
  const root = state.roots.get(key);
  return root ? (state.gates.get(root) ?? NONE) : NONE;
}

/**
 * Brings the gates up to date after the facts of `seeds` changed (every function on a cold run):
 * the functions those call, and everything below whose gates change, transitively. Components
 * are settled callers first, each from top (unconstrained) to its greatest fixpoint given the
 * settled gates of its outside callers, which is what a computation from scratch reaches.
 *
 * Returns the functions whose entry gates may differ (members of every replaced gate root).
 */
export function updateGates(state: GateState, calls: WaitingCalls, facts: ReadonlyMap<string, FunctionFacts>, seeds: ReadonlySet<string>): Set<string> {
  const touched = new Set<string>(seeds);
  for (const key of seeds) {
    for (const target of state.callers.dependenciesOf(key)) touched.add(target);
    setRoot(state, key, undefined);
    state.contributions.delete(key);
    state.callers.delete(key);
    const f = facts.get(key);
    // gates of its own only while it is a gate root (a callback written in place has its root's)
    if (!isGateRoot(facts, key)) state.gates.delete(key);
    if (!f) continue;
    setRoot(state, key, calls.gateRoot(f));
    const byTarget = new Map<string, GateContribution[]>();
    for (const entry of calls.gateEntries(f)) {
      const list = byTarget.get(entry.target) ?? [];
      list.push(calls.contribution(f, entry));
      byTarget.set(entry.target, list);
    }
    state.contributions.set(key, byTarget);
    state.callers.set(key, [...byTarget.keys()]);
    for (const target of byTarget.keys()) touched.add(target);
  }
  // who reads a root's gates: what the members of that root call
  const dependents = function* (key: string) {
    for (const member of state.members.get(key) ?? []) yield* state.callers.dependenciesOf(member);
  };
  const dependencies = (key: string) => [...state.callers.dependentsOf(key)].map((caller) => state.roots.get(caller)).filter((root): root is string => !!root);
  const reached = reachable(touched, dependents);
  for (const key of reached) if (!isGateRoot(facts, key)) reached.delete(key);
  const replaced = new Set<string>();
  for (const component of componentsInOrder(reached, dependencies)) {
    const dirty = component.some((key) => touched.has(key) || dependencies(key).some((d) => replaced.has(d)));
    if (!dirty) continue;
    for (const [key, value] of settle(component, state, dependents)) {
      if (state.gates.has(key) && sameGates(state.gates.get(key), value)) continue;
      state.gates.set(key, value);
      replaced.add(key);
    }
  }
  const affected = new Set<string>();
  for (const key of replaced) for (const member of state.members.get(key) ?? []) affected.add(member);
  return affected;
}

/** Functions with gates of their own: not written in place as an argument (an IIFE is, but its root is elsewhere). */
function isGateRoot(facts: ReadonlyMap<string, FunctionFacts>, key: string): boolean {
  const f = facts.get(key);
  return !!f && !f.info.inlineArgumentOf;
}

function setRoot(state: GateState, key: string, root: string | null | undefined): void {
  const before = state.roots.get(key);
  if (before) state.members.get(before)?.delete(key);
  if (root === undefined) {
    state.roots.delete(key);
    return;
  }
  state.roots.set(key, root);
  if (root) {
    let members = state.members.get(root);
    if (!members) state.members.set(root, (members = new Set()));
    members.add(key);
  }
}

/** One component's gates from top: each the meet, over its callers, of what the caller holds around the call. */
function settle(component: readonly string[], state: GateState, dependents: (key: string) => Iterable<string>): Map<string, readonly string[] | undefined> {
  const scratch = new Map<string, readonly string[] | undefined>();
  const current = (root: string) => (scratch.has(root) ? scratch.get(root) : state.gates.get(root));
  const constrained = new Set<string>();
  for (const key of component) {
    const constrainedBy = state.callers.dependentsOf(key).size > 0;
    scratch.set(key, constrainedBy ? undefined : NONE);
    if (constrainedBy) constrained.add(key);
  }
  const worklist = new WorkQueue(constrained);
  while (worklist.size) {
    const key = worklist.take();
    const meet = meetOfCallers(state, key, current);
    if (meet === undefined || sameGates(scratch.get(key), meet)) continue;
    scratch.set(key, meet);
    // the content of a greatest fixpoint does not depend on the order it is reached in
    for (const other of dependents(key)) if (constrained.has(other)) worklist.add(other);
  }
  return scratch;
}

function meetOfCallers(state: GateState, key: string, current: (root: string) => readonly string[] | undefined): readonly string[] | undefined {
  let meet: Set<string> | undefined;
  for (const caller of [...state.callers.dependentsOf(key)].sort(compareKeys)) {
    const root = state.roots.get(caller);
    for (const { waited, held, underLock } of state.contributions.get(caller)?.get(key) ?? []) {
      let contribution: Set<string>;
      if (waited) {
        const outer = root ? current(root) : NONE;
        if (outer === undefined) continue;
        contribution = new Set([...outer, ...held]);
      } else {
        contribution = new Set();
      }
      for (const id of underLock) contribution.add(id);
      meet = meet === undefined ? contribution : new Set([...meet].filter((id) => contribution.has(id)));
    }
  }
  return meet && [...meet].sort(compareKeys);
}

function sameGates(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((id, i) => id === b[i]);
}
