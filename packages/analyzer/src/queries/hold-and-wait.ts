import type { Analysis, Carried } from '../analysis.js';
import type { CallSite, FunctionFacts } from '../types.js';
import { WaitingCalls } from './hold-and-wait-calls.js';
import { emptyAcquisitionState, updateAcquisitions, type AcquisitionState } from './hold-and-wait-acquisitions.js';
import { emptyGateState, entryGatesOf, updateGates, type GateState } from './hold-and-wait-gates.js';
import type { Acquisitions, HoldAndWait, HoldAndWaitResult } from './hold-and-wait-types.js';
import { factsInScope, scopeKey, type FileScope } from './scope.js';
import { storedCallbackTargets } from './stored-callbacks.js';
import { takesNoLock } from './lock-free.js';

export type { Acquisition, HoldAndWait, HoldAndWaitResult, LockInstance } from './hold-and-wait-types.js';
export { distinctInstances, isSingleInstance } from './lock-instances.js';
export { holdAndWaitCounters } from './hold-and-wait-calls.js';

/**
 * Everything hold-and-wait knows about a program version, carried to the next one (see
 * `Analysis.carry`) and brought up to date there in place: like the analysis's own maps, it
 * answers for the newest analysis of its project only (see `analyzeProgram`).
 */
interface State {
  acquisitions: AcquisitionState;
  gates: GateState;
  /** Per function, its events once asked for; dropped when anything they were computed from changes. */
  events: Map<string, readonly HoldAndWait[]>;
  /** The stored callbacks the state was computed with: a registration elsewhere changes what a call runs. */
  stored: ReadonlyMap<CallSite, readonly string[]>;
  /** What the last update dropped: see `holdAndWaitChanges`. */
  changes: HoldAndWaitChanges;
}

/**
 * Which functions' events may differ from the previous program version's: what a query built
 * from the events and carried alongside them reads, so as to rebuild only those functions' part.
 */
export interface HoldAndWaitChanges {
  /** This version of the events (unique across projects). */
  readonly version: number;
  /** The version the changes are counted from; undefined when the events were computed from nothing. */
  readonly since: number | undefined;
  /** Functions whose events may differ since `since`, added and removed ones included (every function without `since`). */
  readonly functions: ReadonlySet<string>;
}

let versions = 0;

interface PerAnalysis {
  state: State;
  /** Undefined when the program takes no lock: every function's events are empty. */
  calls: WaitingCalls | undefined;
  results: Map<string, HoldAndWaitResult>;
}

const NO_EVENTS: readonly HoldAndWait[] = [];

const cache = new WeakMap<Analysis, PerAnalysis>();

/**
 * Every point where code holds a lock and waits for another acquisition (or the same one),
 * interprocedurally: held locks at a call × what the call waits to acquire. Unlike the
 * summaries' `acquires`, only acquisitions the holder actually waits for count: a call that
 * is not awaited, a callback scheduled for later, a lock released by a callee before it
 * acquires, cannot make the holder wait. Posted callbacks whose result an awaited call
 * carries (a concurrency-1 queue, `then`) do count.
 *
 * What each function waits to acquire, and the locks held on every path into it, are kept
 * from one program version to the next and recomputed only where an edit reaches; the events
 * of a function are kept until something they were computed from changes. With a scope, only
 * the events at call sites in its files are listed.
 */
export function holdAndWait(analysis: Analysis, scope?: FileScope): HoldAndWaitResult {
  const entry = current(analysis);
  const key = scopeKey(scope);
  let result = entry.results.get(key);
  if (!result) {
    const events: HoldAndWait[] = [];
    for (const f of factsInScope(analysis, scope)) events.push(...eventsOf(entry, f));
    result = resultOf(analysis, entry, events);
    entry.results.set(key, result);
  }
  return result;
}

/** The functions whose events may have changed since the previous program version (see `HoldAndWaitChanges`). */
export function holdAndWaitChanges(analysis: Analysis): HoldAndWaitChanges {
  return current(analysis).state.changes;
}

/** One function's events, in the order the whole-program list has them (none for a function the analysis does not have). */
export function holdAndWaitOf(analysis: Analysis, key: string): readonly HoldAndWait[] {
  const f = analysis.facts.get(key);
  return f ? eventsOf(current(analysis), f) : [];
}

function current(analysis: Analysis): PerAnalysis {
  let entry = cache.get(analysis);
  if (!entry && takesNoLock(analysis)) {
    // nothing is held or acquired anywhere: the answers are empty, and nothing is carried
    const state = emptyState();
    state.changes = { version: ++versions, since: undefined, functions: new Set(analysis.facts.keys()) };
    entry = { state, calls: undefined, results: new Map() };
    cache.set(analysis, entry);
  }
  if (!entry) {
    const stored = storedCallbackTargets(analysis);
    const calls = new WaitingCalls(analysis, stored);
    const state = analysis.carry<State>('hold-and-wait', (previous) => update(previous, analysis, calls, stored));
    entry = { state, calls, results: new Map() };
    cache.set(analysis, entry);
  }
  return entry;
}

function update(previous: Carried<State> | undefined, analysis: Analysis, calls: WaitingCalls, stored: ReadonlyMap<CallSite, readonly string[]>): State {
  const state: State = previous?.value ?? emptyState();
  const seeds = previous ? new Set([...previous.delta.changed, ...storedChanges(previous.value.stored, stored)]) : new Set(analysis.facts.keys());
  state.stored = stored;
  const replaced = updateAcquisitions(state.acquisitions, calls, analysis.facts, seeds);
  const regated = updateGates(state.gates, calls, analysis.facts, seeds);
  const stale = new Set([...seeds, ...regated]);
  for (const key of replaced) for (const dependent of state.acquisitions.index.dependentsOf(key)) stale.add(dependent);
  for (const key of stale) state.events.delete(key);
  state.changes = { version: ++versions, since: previous?.value.changes.version, functions: stale };
  return state;
}

function emptyState(): State {
  return {
    acquisitions: emptyAcquisitionState(),
    gates: emptyGateState(),
    events: new Map(),
    stored: new Map(),
    changes: { version: 0, since: undefined, functions: new Set() },
  };
}

/** The callers of calls whose stored listeners differ between two versions. */
function storedChanges(before: ReadonlyMap<CallSite, readonly string[]>, after: ReadonlyMap<CallSite, readonly string[]>): string[] {
  const callers: string[] = [];
  for (const [site, targets] of after) {
    const old = before.get(site);
    if (!old || old.length !== targets.length || old.some((t, i) => t !== targets[i])) callers.push(site.caller);
  }
  for (const site of before.keys()) if (!after.has(site)) callers.push(site.caller);
  return callers;
}

function eventsOf(entry: PerAnalysis, f: FunctionFacts): readonly HoldAndWait[] {
  const { state, calls } = entry;
  if (!calls) return NO_EVENTS;
  let events = state.events.get(f.info.key);
  if (!events) {
    events = calls.eventsOf(f, new Set(entryGatesOf(state.gates, f.info.key)), (key) => state.acquisitions.values.get(key));
    state.events.set(f.info.key, events);
  }
  return events;
}

/** The per-function maps of a result list every function: made when first read (the rules read only the events). */
function resultOf(analysis: Analysis, entry: PerAnalysis, events: HoldAndWait[]): HoldAndWaitResult {
  const { acquisitions: acquired, gates } = entry.state;
  let acquisitions: Map<string, Acquisitions> | undefined;
  let entryGates: Map<string, ReadonlySet<string>> | undefined;
  return {
    events,
    get acquisitions() {
      return (acquisitions ??= new Map([...analysis.facts.keys()].map((key) => [key, acquired.values.get(key) ?? new Map()])));
    },
    get entryGates() {
      return (entryGates ??= new Map([...analysis.facts.keys()].map((key) => [key, new Set(entryGatesOf(gates, key))])));
    },
  };
}
