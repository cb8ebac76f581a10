import type { CallSite, FunctionFacts, WrapperSummary } from '../types.js';

export interface Edge {
  site: CallSite;
  to: string;
  /** The callee's lock parameters are substituted through these arguments. */
  lockArgs: CallSite['lockArgs'];
  kind: 'call' | 'callback';
}

/** The call graph the summaries flow over, in both directions. */
export interface CallEdges {
  outgoing: ReadonlyMap<string, readonly Edge[]>;
  /** Callers of each function, one entry per edge. */
  incoming: ReadonlyMap<string, readonly string[]>;
  /** Call sites of each function, one entry per edge (the reverse call graph rules read). */
  callers: ReadonlyMap<string, CallSite[]>;
  /** Each function's place in the facts' order: every list above is in that order, as a build from scratch makes it. */
  order: ReadonlyMap<string, number>;
  count: number;
}

/** Edges: calls to user functions, and inline callbacks that run before the call returns. */
export function buildCallEdges(facts: ReadonlyMap<string, FunctionFacts>, wrappers: ReadonlyMap<string, WrapperSummary>): CallEdges {
  const outgoing = new Map<string, Edge[]>();
  const incoming = new Map<string, string[]>();
  const callers = new Map<string, CallSite[]>();
  const order = new Map<string, number>();
  let count = 0;
  for (const [key, f] of facts) {
    order.set(key, order.size);
    const list = edgesOf(f, facts, wrappers);
    for (const edge of list) {
      push(incoming, edge.to, key);
      push(callers, edge.to, edge.site);
    }
    count += list.length;
    outgoing.set(key, list);
  }
  return { outgoing, incoming, callers, order, count };
}

/**
 * The previous edges, updated in place with those of the `changed` functions: an editor's edit
 * re-walks a file or two, and rebuilding (or copying) every edge of the program for it would
 * cost more than the rest of the summary update. The reverse lists of the functions those edges
 * reach are rebuilt in the facts' order, so every list is the one a build from scratch makes.
 * Returns undefined when functions were added or removed: an edge needs both ends, so callers
 * whose facts did not change gain or lose edges too; build from scratch then.
 *
 * `formerTargets`: where the changed functions' previous edges led (what flows down from them
 * may have to be taken back there).
 */
export function patchCallEdges(
  facts: ReadonlyMap<string, FunctionFacts>,
  wrappers: ReadonlyMap<string, WrapperSummary>,
  previous: CallEdges,
  changed: ReadonlySet<string>,
): { edges: CallEdges; formerTargets: Set<string> } | undefined {
  if (facts.size !== previous.order.size || [...changed].some((key) => !facts.has(key) || !previous.order.has(key))) return undefined;
  const { order } = previous;
  const outgoing = previous.outgoing as Map<string, readonly Edge[]>;
  const incoming = previous.incoming as Map<string, readonly string[]>;
  const callers = previous.callers as Map<string, CallSite[]>;
  let count = previous.count;
  const formerTargets = new Set<string>();
  // callee → the functions whose edges to it may have changed
  const touched = new Map<string, Set<string>>();
  const touch = (to: string, from: string) => {
    const set = touched.get(to);
    if (set) set.add(from);
    else touched.set(to, new Set([from]));
  };
  for (const key of changed) {
    const before = outgoing.get(key) ?? [];
    for (const edge of before) {
      touch(edge.to, key);
      formerTargets.add(edge.to);
    }
    const list = edgesOf(facts.get(key)!, facts, wrappers);
    for (const edge of list) touch(edge.to, key);
    count += list.length - before.length;
    outgoing.set(key, list);
  }
  for (const [to, froms] of touched) {
    const from = new Set(incoming.get(to) ?? []);
    for (const key of froms) from.add(key);
    const keys: string[] = [];
    const sites: CallSite[] = [];
    for (const key of [...from].sort((a, b) => order.get(a)! - order.get(b)!)) {
      for (const edge of outgoing.get(key) ?? []) {
        if (edge.to !== to) continue;
        keys.push(key);
        sites.push(edge.site);
      }
    }
    if (keys.length) {
      incoming.set(to, keys);
      callers.set(to, sites);
    } else {
      incoming.delete(to);
      callers.delete(to);
    }
  }
  return { edges: { outgoing, incoming, callers, order, count }, formerTargets };
}

function edgesOf(f: FunctionFacts, facts: ReadonlyMap<string, FunctionFacts>, wrappers: ReadonlyMap<string, WrapperSummary>): Edge[] {
  const list: Edge[] = [];
  for (const site of f.calls) {
    for (const to of site.targets) {
      if (facts.has(to)) list.push({ site, to, lockArgs: site.lockArgs, kind: 'call' });
    }
    for (const cb of site.callbackArgs) {
      if (facts.has(cb.fn) && runsBeforeReturn(site, cb.argIndex, wrappers)) list.push({ site, to: cb.fn, lockArgs: [], kind: 'callback' });
    }
  }
  return list;
}

/** A callback argument runs before its call returns: array methods, lock APIs, wrappers that call it. */
export function runsBeforeReturn(site: CallSite, argIndex: number, wrappers: ReadonlyMap<string, WrapperSummary>): boolean {
  const external = site.external;
  if (external?.kind === 'callback-api') return external.timing === 'immediate';
  if (external?.kind === 'lock-op') return external.op.kind === 'run-callback' || external.op.kind === 'acquire';
  if (external?.kind === 'promise-combinator') return false;
  for (const target of site.targets) {
    const wrapper = wrappers.get(target);
    if (wrapper?.paramsUnderLock.has(argIndex) || wrapper?.paramsImmediate.has(argIndex)) return true;
  }
  // An unknown user function that receives a callback: assume it calls it (most helpers do).
  return site.targets.length > 0;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
