import {
  compareFacts,
  holdAndWaitChanges,
  holdAndWaitOf,
  type Analysis,
  type HoldAndWait,
  type LockIdentity,
} from '@lockwise/analyzer';
import type { LockOrderEdge, LockOrderWitness } from './consistent-lock-order-graph.js';
import { holdAndWaitSteps } from './no-reentrant-acquire-trace.js';
import { reorder } from './sorted-keys.js';

/**
 * The lock-order graph as it is carried from one program version to the next: each function's
 * part, and the edges and locks those parts make, in the order a build from nothing gives
 * (witnesses in the analysis' order of functions, edges and locks sorted by id). An edit
 * replaces the parts of the functions whose events hold-and-wait dropped, and nothing else.
 *
 * Like hold-and-wait's own state, it is updated in place: it answers for the newest analysis
 * of its project only.
 */
export interface LockOrderState {
  /** The hold-and-wait version the parts were read from (see `holdAndWaitChanges`). */
  version: number;
  /** The project's file names in the analysis' order: witnesses of different files are sorted by it. */
  files: readonly string[];
  /** The facts map of the analysis the state was last brought up to date with. */
  facts: WeakRef<object>;
  /** Per function that makes an edge: its part. */
  parts: Map<string, Part>;
  /** By `from\0to`. An edge whose witnesses change is replaced, not changed. */
  edges: Map<string, LockOrderEdge>;
  /** Edge keys by from, then to. Replaced, not changed, when an edge appears or disappears. */
  edgeOrder: readonly string[];
  locks: Map<string, LockState>;
  /** Lock ids, sorted. Replaced, not changed, when a lock appears or disappears. */
  lockOrder: readonly string[];
  /** Cycles found so far, per enumeration limit: they depend on the edges' ends only. */
  cycles: Map<number, string[][]>;
}

/** One function's share of the graph, from its events. */
interface Part {
  /** Its witnesses per edge key, in its events' order. */
  edges: Map<string, LockOrderWitness[]>;
  /** Each lock it names, as its first event naming it does. */
  locks: Map<string, LockIdentity>;
}

interface LockState {
  /** Per function naming the lock, how it names it. */
  namedBy: Map<string, LockIdentity>;
  /** How the first of those functions (the analysis' order) names it: what a build from nothing keeps. */
  identity: LockIdentity;
}

/**
 * An event's witness, kept across program versions: hold-and-wait hands back the same event
 * object only while every node it names is unchanged, so its locations and trace still hold.
 */
const witnesses = new WeakMap<HoldAndWait, LockOrderWitness>();

/** How much work updates did: functions whose events were read, graphs built from nothing (for tests). */
export const lockOrderCounters = { functionsRead: 0, rebuilt: 0 };

export function lockOrderState(analysis: Analysis): LockOrderState {
  return analysis.carry<LockOrderState>('lock-order-graph', (previous) => {
    const changes = holdAndWaitChanges(analysis);
    // the analysis updates its facts map in place only when the files are the same, in the same order
    const sameFiles = previous?.value.facts.deref() === analysis.facts;
    const files = sameFiles ? previous!.value.files : analysis.sourceFiles.map((sf) => sf.fileName);
    const kept = previous && changes.since !== undefined && previous.value.version === changes.since && (sameFiles || sameFileOrder(previous.value.files, files));
    const state = kept ? previous.value : emptyState();
    if (!kept) lockOrderCounters.rebuilt++;
    replaceParts(state, analysis, kept ? changes.functions : analysis.facts.keys());
    state.version = changes.version;
    state.files = files;
    state.facts = new WeakRef(analysis.facts);
    return state;
  });
}

function emptyState(): LockOrderState {
  return { version: 0, files: [], facts: new WeakRef({}), parts: new Map(), edges: new Map(), edgeOrder: [], locks: new Map(), lockOrder: [], cycles: new Map() };
}

/**
 * Whether the files both versions have come in the same order: then so do the functions that
 * did not change, and their witnesses keep their places.
 */
function sameFileOrder(before: readonly string[], after: readonly string[]): boolean {
  const inBoth = (names: readonly string[], other: readonly string[]) => {
    const others = new Set(other);
    return names.filter((name) => others.has(name));
  };
  const a = inBoth(before, after);
  const b = inBoth(after, before);
  return a.every((name, i) => name === b[i]);
}

/**
 * Takes out the parts of `functions` and puts in what their events make now. All of them are
 * taken out first: a new part is placed among the witnesses of functions that stay.
 */
function replaceParts(state: LockOrderState, analysis: Analysis, functions: Iterable<string>): void {
  const replaced = new Set<string>();
  const touchedEdges = new Map<string, [string, readonly LockOrderWitness[]][]>();
  const touchedLocks = new Set<string>();
  const added: [string, Part][] = [];
  const touch = (edge: string) => touchedEdges.get(edge) ?? touchedEdges.set(edge, []).get(edge)!;
  for (const key of functions) {
    replaced.add(key);
    const old = state.parts.get(key);
    if (old) {
      state.parts.delete(key);
      for (const edge of old.edges.keys()) touch(edge);
      for (const lock of old.locks.keys()) {
        state.locks.get(lock)!.namedBy.delete(key);
        touchedLocks.add(lock);
      }
    }
    lockOrderCounters.functionsRead++;
    const part = partOf(analysis, holdAndWaitOf(analysis, key));
    if (!part) continue;
    state.parts.set(key, part);
    added.push([key, part]);
    for (const [edge, own] of part.edges) touch(edge).push([key, own]);
    for (const lock of part.locks.keys()) touchedLocks.add(lock);
  }
  const order = (a: string, b: string) => compareFacts(analysis, analysis.facts.get(a)!, analysis.facts.get(b)!);
  updateEdges(state, touchedEdges, replaced, order);
  updateLocks(state, touchedLocks, added, order);
}

/** The touched edges with the new witnesses each gets, per function. */
function updateEdges(
  state: LockOrderState,
  touched: ReadonlyMap<string, readonly [string, readonly LockOrderWitness[]][]>,
  replaced: ReadonlySet<string>,
  order: (a: string, b: string) => number,
): void {
  const appeared: string[] = [];
  const gone = new Set<string>();
  for (const [key, additions] of touched) {
    const old = state.edges.get(key);
    const list = old ? old.witnesses.filter((w) => !replaced.has(w.function)) : [];
    for (const [fn, own] of additions) place(list, fn, own, order);
    if (list.length === 0) {
      if (old) gone.add(key);
      state.edges.delete(key);
      continue;
    }
    const { held, acquisition } = list[0]!.event;
    state.edges.set(key, { from: held.lock.id, to: acquisition.lock.id, witnesses: list });
    if (!old) appeared.push(key);
  }
  if (appeared.length === 0 && gone.size === 0) return;
  const edge = (key: string) => state.edges.get(key)!;
  state.edgeOrder = reorder(state.edgeOrder, gone, appeared, (a, b) => edge(a).from.localeCompare(edge(b).from) || edge(a).to.localeCompare(edge(b).to));
  state.cycles.clear();
}

/** Puts a function's witnesses among those of other functions, which come in the analysis' order. */
function place(list: LockOrderWitness[], fn: string, own: readonly LockOrderWitness[], order: (a: string, b: string) => number): void {
  if (list.length === 0 || order(list[list.length - 1]!.function, fn) < 0) {
    list.push(...own);
    return;
  }
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (order(list[middle]!.function, fn) < 0) low = middle + 1;
    else high = middle;
  }
  list.splice(low, 0, ...own);
}

/** Each touched lock is named as its first function names it; a lock no function names any more is gone. */
function updateLocks(state: LockOrderState, touched: ReadonlySet<string>, added: readonly [string, Part][], order: (a: string, b: string) => number): void {
  const appeared: string[] = [];
  for (const [fn, part] of added) {
    for (const [id, identity] of part.locks) {
      const lock = state.locks.get(id);
      if (lock) {
        lock.namedBy.set(fn, identity);
      } else {
        state.locks.set(id, { namedBy: new Map([[fn, identity]]), identity });
        appeared.push(id);
      }
    }
  }
  const gone = new Set<string>();
  for (const id of touched) {
    const lock = state.locks.get(id)!;
    if (lock.namedBy.size > 0) {
      lock.identity = lock.namedBy.get(firstOf(lock.namedBy.keys(), order))!;
    } else {
      state.locks.delete(id);
      gone.add(id);
    }
  }
  if (appeared.length > 0 || gone.size > 0) state.lockOrder = reorder(state.lockOrder, gone, appeared, (a, b) => a.localeCompare(b));
}

function firstOf(keys: Iterable<string>, order: (a: string, b: string) => number): string {
  let first: string | undefined;
  for (const key of keys) if (first === undefined || order(key, first) < 0) first = key;
  return first!;
}

/**
 * What a function's events add to the graph: an edge A → B for each event that waits for B
 * while holding A, each place once. A lock that is still a parameter names no lock of the
 * program (it is substituted where it is passed), and a lock waiting for itself is the
 * reentrancy rule's business.
 */
function partOf(analysis: Analysis, events: readonly HoldAndWait[]): Part | undefined {
  let part: Part | undefined;
  const seen = new Set<string>();
  for (const event of events) {
    const from = event.held.lock;
    const to = event.acquisition.lock;
    if (from.id === to.id || from.paramIndex !== undefined || to.paramIndex !== undefined) continue;
    // the calling function is part of a place: places of different functions never coincide
    const place = `${from.id}\0${to.id}\0${event.site.node.pos}\0${event.site.caller}\0${event.acquisition.at.pos}`;
    if (seen.has(place)) continue;
    seen.add(place);
    part ??= { edges: new Map(), locks: new Map() };
    for (const lock of [from, to]) if (!part.locks.has(lock.id)) part.locks.set(lock.id, lock);
    const key = `${from.id}\0${to.id}`;
    const list = part.edges.get(key);
    const witness = witnessOf(analysis, event);
    if (list) list.push(witness);
    else part.edges.set(key, [witness]);
  }
  return part;
}

function witnessOf(analysis: Analysis, event: HoldAndWait): LockOrderWitness {
  let witness = witnesses.get(event);
  if (!witness) {
    const from = event.held.lock.id;
    const to = event.acquisition.lock.id;
    witness = {
      event,
      location: analysis.location(event.site.node),
      function: event.function,
      gates: event.gates,
      trace: holdAndWaitSteps(analysis, event, `acquires ${to} while ${from} is held`),
    };
    witnesses.set(event, witness);
  }
  return witness;
}
