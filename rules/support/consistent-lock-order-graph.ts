import type { Analysis, HoldAndWait, LockIdentity, LockKind, SourceLocation, TraceStep } from '@lockwise/analyzer';
import { componentsInOrder } from '@lockwise/analyzer';
import { lockOrderState } from './consistent-lock-order-state.js';
import { labelOf } from './trace.js';

/** A lock of the order graph. */
export interface LockOrderNode {
  id: string;
  library: string;
  kind: LockKind;
  /** Subsystem that owns the lock, when the inventory knows it. */
  subsystem?: string;
}

/** One place that makes an edge: a call that waits for `to` while holding `from`. */
export interface LockOrderWitness {
  event: HoldAndWait;
  location: SourceLocation;
  function: string;
  /** Locks that serialize every path to this place (a cycle all of whose edges share one is not a deadlock). */
  gates: string[];
  trace: TraceStep[];
}

export interface LockOrderEdge {
  from: string;
  to: string;
  witnesses: LockOrderWitness[];
}

export interface LockOrderGraph {
  nodes: LockOrderNode[];
  edges: LockOrderEdge[];
}

const graphs = new WeakMap<Analysis, LockOrderGraph>();

/**
 * The program's lock-order graph: an edge A → B wherever B is acquired (and waited for) while A
 * is held, on any path, through any depth of calls, with every place that makes it. The audit
 * report prints it; `consistent-lock-order` reports its cycles.
 *
 * Carried from one program version to the next, where only the functions whose hold-and-wait
 * events changed are read again (see consistent-lock-order-state.ts). The lists of nodes and
 * edges are made when first read: a rule reads its cycles and their edges only.
 */
export function lockOrderGraph(analysis: Analysis): LockOrderGraph {
  let graph = graphs.get(analysis);
  if (!graph) {
    const state = lockOrderState(analysis);
    const { lockOrder, edgeOrder } = state;
    let nodes: LockOrderNode[] | undefined;
    let edges: LockOrderEdge[] | undefined;
    graph = {
      get nodes() {
        return (nodes ??= lockOrder.map((id) => lockNode(analysis, state.locks.get(id)!.identity)));
      },
      get edges() {
        return (edges ??= edgeOrder.map((key) => state.edges.get(key)!));
      },
    };
    graphs.set(analysis, graph);
  }
  return graph;
}

/** The edge from → to of the program's graph. */
export function lockOrderEdge(analysis: Analysis, from: string, to: string): LockOrderEdge | undefined {
  return lockOrderState(analysis).edges.get(`${from}\0${to}`);
}

/**
 * The cycles of the program's graph, as `lockOrderCycles` finds them. They depend on which edges
 * there are, not on their witnesses: enumerated again only when an edge appears or disappears.
 */
export function lockOrderGraphCycles(analysis: Analysis, limit = 1000): string[][] {
  const state = lockOrderState(analysis);
  let cycles = state.cycles.get(limit);
  if (!cycles) {
    cycles = cyclesOf(state.lockOrder, state.edgeOrder.map((key) => state.edges.get(key)!), limit);
    state.cycles.set(limit, cycles);
  }
  return cycles;
}

/**
 * A lock of the graph. Its owner comes from the lock inventory, which reads every function's
 * facts: looked up when a report prints it, not on every re-lint of the rule.
 */
function lockNode(analysis: Analysis, lock: LockIdentity): LockOrderNode {
  let subsystem: { value: string | undefined } | undefined;
  return {
    id: lock.id,
    library: lock.library,
    kind: lock.kind,
    get subsystem() {
      return (subsystem ??= { value: analysis.locks.get(lock.id)?.subsystem }).value;
    },
  };
}

/** The graph as plain data (no compiler nodes): what a JSON, SARIF or HTML audit report prints. */
export interface LockOrderGraphData {
  nodes: LockOrderNode[];
  edges: { from: string; to: string; witnesses: Omit<LockOrderWitness, 'event'>[] }[];
  /** Every cycle, as lock ids in order. */
  cycles: string[][];
}

export function lockOrderGraphData(analysis: Analysis, maxCycles = 1000): LockOrderGraphData {
  const graph = lockOrderGraph(analysis);
  return {
    nodes: graph.nodes.map((n) => ({ ...n })),
    edges: graph.edges.map((e) => ({
      from: e.from,
      to: e.to,
      witnesses: e.witnesses.map(({ location, function: fn, gates, trace }) => ({ location, function: labelOf(analysis, fn), gates, trace })),
    })),
    cycles: lockOrderGraphCycles(analysis, maxCycles),
  };
}

/**
 * Every simple cycle of the graph (Johnson's algorithm), each as the list of its nodes in
 * order, starting from its smallest id. Stops after `limit` cycles: a program with that many
 * has a lock-order problem to fix before the rest matter.
 */
export function lockOrderCycles(graph: LockOrderGraph, limit = 1000): string[][] {
  return cyclesOf(
    graph.nodes.map((n) => n.id),
    graph.edges,
    limit,
  );
}

function cyclesOf(ids: readonly string[], edges: readonly { from: string; to: string }[], limit: number): string[][] {
  const index = new Map(ids.map((id, i) => [id, i]));
  const successors: number[][] = ids.map(() => []);
  for (const edge of edges) successors[index.get(edge.from)!]!.push(index.get(edge.to)!);
  const cycles: string[][] = [];
  for (let start = 0; start < ids.length && cycles.length < limit; ) {
    const component = leastComponent(successors, start);
    if (!component) break;
    const s = Math.min(...component);
    const inComponent = new Set(component);
    const blocked = new Set<number>();
    const blockers = new Map<number, Set<number>>();
    const stack: number[] = [];
    const unblock = (u: number): void => {
      blocked.delete(u);
      for (const w of blockers.get(u) ?? []) {
        blockers.get(u)!.delete(w);
        if (blocked.has(w)) unblock(w);
      }
    };
    const circuit = (v: number): boolean => {
      let found = false;
      stack.push(v);
      blocked.add(v);
      for (const w of successors[v]!) {
        if (!inComponent.has(w) || cycles.length >= limit) continue;
        if (w === s) {
          cycles.push(stack.map((i) => ids[i]!));
          found = true;
        } else if (!blocked.has(w) && circuit(w)) {
          found = true;
        }
      }
      if (found) unblock(v);
      else for (const w of successors[v]!) if (inComponent.has(w)) (blockers.get(w) ?? blockers.set(w, new Set()).get(w)!).add(v);
      stack.pop();
      return found;
    };
    circuit(s);
    start = s + 1;
  }
  return cycles;
}

/** Of the strongly connected components (of two or more nodes) among the nodes ≥ start, the one holding the least node. */
function leastComponent(successors: number[][], start: number): number[] | undefined {
  const nodes = new Set<number>();
  for (let v = start; v < successors.length; v++) nodes.add(v);
  let best: number[] | undefined;
  // members come sorted: the first is the least
  for (const component of componentsInOrder(nodes, (v) => successors[v]!, (a, b) => a - b)) {
    if (component.length > 1 && (!best || component[0]! < best[0]!)) best = component;
  }
  return best;
}
